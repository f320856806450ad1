-- fib: naive recursive Fibonacci (twin of bench/computation/fib.gene).
local n = tonumber(arg[1]) or 33

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

print(string.format("%d", fib(n)))
