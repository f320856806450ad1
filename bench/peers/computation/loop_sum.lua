-- loop_sum: while-loop sum of 1..n (twin of bench/computation/loop_sum.gene).
local n = tonumber(arg[1]) or 15000000

local function sum_loop(n)
  local total = 0
  local i = 1
  while i <= n do
    total = total + i
    i = i + 1
  end
  return total
end

print(string.format("%d", sum_loop(n)))
