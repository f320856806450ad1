# mutual_tail: even/odd by mutual tail recursion
# (twin of bench/computation/mutual_tail.gene). Python has no tail calls,
# so the two functions' tail calls are written as the loop that a
# tail-call-eliminating VM effectively runs: one step per call, the
# current function carried in a flag.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000


def is_even(k):
    even = True
    while True:
        if k == 0:
            return even
        k, even = k - 1, not even


total = 0
j = 0
while j < 10:
    if is_even(n + j):
        total = total + j
    j = j + 1
print(total)
