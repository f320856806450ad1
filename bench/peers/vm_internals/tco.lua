-- tco: tail-recursive countdown (twin of bench/vm_internals/tco.gene).
local n = tonumber(arg[1]) or 15000000

local function tco(n)
  if n == 0 then return 0 end
  return tco(n - 1)
end

print(string.format("%d", tco(n)))
