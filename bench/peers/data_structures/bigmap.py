# bigmap: a large map with computed keys (twin of bench/data_structures/bigmap.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 400000

m = {}
i = 0
while i < n:
    m["key" + str(i)] = i
    i = i + 1

total = 0
j = 0
while j < n:
    total = (total + m["key" + str((j * 7919) % n)]) % 1000000007
    j = j + 1
total = total + len(m)
print(total)
