# tco: tail-recursive countdown (twin of bench/vm_internals/tco.gene).
# Python has no tail calls, so the tail recursion is written as the loop
# a tail-call-eliminating VM turns it into.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 15000000


def tco(n):
    while True:
        if n == 0:
            return 0
        n = n - 1


print(tco(n))
