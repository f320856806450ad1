-- trace_profile: repeated fib plus a tail-recursive accumulator sum
-- (twin of bench/vm_internals/trace_profile.gene).
local n = tonumber(arg[1]) or 20

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function sum_acc(i, acc)
  if i == 0 then return acc end
  return sum_acc(i - 1, acc + i)
end

local total = 0
local rep = 0
while rep < 500 do
  total = total + fib(n)
  rep = rep + 1
end
total = total + sum_acc(n * 5000, 0)
print(string.format("%d", total))
