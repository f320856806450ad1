-- vm_profile: fib + tail-recursive sum + while-loop sum
-- (twin of bench/vm_internals/vm_profile.gene).
local n = tonumber(arg[1]) or 28

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function tail_sum(i, acc)
  if i == 0 then return acc end
  return tail_sum(i - 1, acc + i)
end

local function while_sum(limit)
  local i = 0
  local s = 0
  while i < limit do
    s = s + (i % 7)
    i = i + 1
  end
  return s
end

local result = fib(n) + (tail_sum(n * 200000, 0) + while_sum(n * 400000))
print(string.format("%d", result))
