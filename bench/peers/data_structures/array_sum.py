# array_sum: push n ints, then indexed sum (twin of bench/data_structures/array_sum.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000000

arr = []
i = 0
while i < n:
    arr.append(i % 1000)
    i = i + 1

total = 0
j = 0
size = len(arr)
while j < size:
    total = total + arr[j]
    j = j + 1
print(total)
