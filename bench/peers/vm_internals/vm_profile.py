# vm_profile: fib + tail-recursive sum + while-loop sum
# (twin of bench/vm_internals/vm_profile.gene). Python has no tail
# calls, so tail_sum is written as the equivalent loop.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 28


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def tail_sum(i, acc):
    while True:
        if i == 0:
            return acc
        i, acc = i - 1, acc + i


def while_sum(limit):
    i = 0
    s = 0
    while i < limit:
        s = s + (i % 7)
        i = i + 1
    return s


result = fib(n) + (tail_sum(n * 200000, 0) + while_sum(n * 400000))
print(result)
