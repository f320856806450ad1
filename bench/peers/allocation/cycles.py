# cycles: cyclic garbage (twin of bench/allocation/cycles.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 800000

total = 0
i = 0
while i < n:
    a = {"id": i}
    b = {"id": i + 1, "peer": a}
    a["peer"] = b
    a["self"] = a
    arr = [i]
    arr.append(arr)
    total = (total + ((a["peer"]["id"] + b["peer"]["self"]["id"]) + len(arr[1]))) % 1000003
    i = i + 1
print(total)
