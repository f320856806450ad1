# array_sum: push n ints, then indexed sum (twin of bench/data_structures/array_sum.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 3000000

arr = []
i = 0
while i < n
  arr.push(i % 1000)
  i = i + 1
end

total = 0
j = 0
size = arr.size
while j < size
  total = total + arr[j]
  j = j + 1
end
puts total
