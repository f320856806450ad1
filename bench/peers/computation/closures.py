# closures: make n counter closures and call each three times
# (twin of bench/computation/closures.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000000


def make_counter(start):
    c = start

    def counter():
        nonlocal c
        c = c + 1
        return c

    return counter


total = 0
i = 0
while i < n:
    counter = make_counter(i % 10)
    counter()
    counter()
    total = total + counter()
    i = i + 1
print(total)
