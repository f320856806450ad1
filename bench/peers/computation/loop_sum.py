# loop_sum: while-loop sum of 1..n (twin of bench/computation/loop_sum.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 15000000


def sum_loop(n):
    total = 0
    i = 1
    while i <= n:
        total = total + i
        i = i + 1
    return total


print(sum_loop(n))
