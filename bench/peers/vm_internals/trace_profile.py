# trace_profile: repeated fib plus a tail-recursive accumulator sum
# (twin of bench/vm_internals/trace_profile.gene). Python has no tail
# calls, so sum_acc is written as the equivalent loop.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def sum_acc(i, acc):
    while True:
        if i == 0:
            return acc
        i, acc = i - 1, acc + i


total = 0
rep = 0
while rep < 500:
    total = total + fib(n)
    rep = rep + 1
total = total + sum_acc(n * 5000, 0)
print(total)
