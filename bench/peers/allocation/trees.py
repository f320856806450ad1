# trees: classic binary-trees, one checksum line (twin of bench/allocation/trees.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 14


def make(d):
    if d == 0:
        return [None, None]
    return [make(d - 1), make(d - 1)]


def check(t):
    if t[0] is None:
        return 1
    return 1 + check(t[0]) + check(t[1])


def pow2(k):
    p = 1
    j = 0
    while j < k:
        p = p * 2
        j = j + 1
    return p


min_depth = 4
max_depth = n
if max_depth < min_depth + 2:
    max_depth = min_depth + 2

total = check(make(max_depth + 1))
long_lived = make(max_depth)

d = min_depth
while d <= max_depth:
    iterations = pow2((max_depth - d) + min_depth)
    k = 0
    while k < iterations:
        total = total + check(make(d))
        k = k + 1
    d = d + 2

total = total + check(long_lived)
print(total)
