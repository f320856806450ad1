# map_ops: string-keyed insert and lookup (twin of bench/data_structures/map_ops.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 200000

m = {}
i = 0
while i < n
  m["k" + i.to_s] = i % 1000
  i = i + 1
end

total = 0
j = 0
while j < n
  total = total + m["k" + j.to_s]
  total = total + m.fetch("missing" + j.to_s, 1)
  j = j + 1
end
total = total + m.size
puts total
