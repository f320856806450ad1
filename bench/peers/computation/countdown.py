# countdown: tail-recursive countdown with an accumulator
# (twin of bench/computation/countdown.gene). Python has no tail calls,
# so the tail recursion is written as the equivalent loop.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 15000000


def countdown(i, acc):
    while True:
        if i == 0:
            return acc
        i, acc = i - 1, acc + 1


print(countdown(n, 0))
