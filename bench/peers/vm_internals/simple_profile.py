# simple_profile: naive recursive Fibonacci (twin of bench/vm_internals/simple_profile.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 25


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


print(fib(n))
