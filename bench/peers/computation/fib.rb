# fib: naive recursive Fibonacci (twin of bench/computation/fib.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 33

def fib(n)
  return n if n < 2
  fib(n - 1) + fib(n - 2)
end

puts fib(n)
