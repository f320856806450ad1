# simple_profile: naive recursive Fibonacci (twin of bench/vm_internals/simple_profile.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 25

def fib(n)
  return n if n < 2
  fib(n - 1) + fib(n - 2)
end

puts fib(n)
