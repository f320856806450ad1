# map_ops: string-keyed insert and lookup (twin of bench/data_structures/map_ops.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000

m = {}
i = 0
while i < n:
    m["k" + str(i)] = i % 1000
    i = i + 1

total = 0
j = 0
while j < n:
    total = total + m["k" + str(j)]
    total = total + m.get("missing" + str(j), 1)
    j = j + 1
total = total + len(m)
print(total)
