-- mutual_tail: even/odd by mutual tail recursion
-- (twin of bench/computation/mutual_tail.gene).
local n = tonumber(arg[1]) or 1000000

local is_odd
local function is_even(k)
  if k == 0 then return true end
  return is_odd(k - 1)
end
is_odd = function(k)
  if k == 0 then return false end
  return is_even(k - 1)
end

local total = 0
local j = 0
while j < 10 do
  if is_even(n + j) then total = total + j end
  j = j + 1
end
print(string.format("%d", total))
