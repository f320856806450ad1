-- countdown: tail-recursive countdown with an accumulator
-- (twin of bench/computation/countdown.gene).
local n = tonumber(arg[1]) or 15000000

local function countdown(i, acc)
  if i == 0 then return acc end
  return countdown(i - 1, acc + 1)
end

print(string.format("%d", countdown(n, 0)))
