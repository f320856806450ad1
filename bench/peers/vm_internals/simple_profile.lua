-- simple_profile: naive recursive Fibonacci (twin of bench/vm_internals/simple_profile.gene).
local n = tonumber(arg[1]) or 25

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

print(string.format("%d", fib(n)))
