# churn: short-lived small maps and arrays (twin of bench/allocation/churn.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000000

total = 0
i = 0
while i < n:
    o = {"x": i, "y": [i, i + 1]}
    total = (total + (o["x"] + o["y"][1])) % 1000003
    i = i + 1
print(total)
