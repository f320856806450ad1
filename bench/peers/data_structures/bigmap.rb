# bigmap: a large map with computed keys (twin of bench/data_structures/bigmap.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 400000

m = {}
i = 0
while i < n
  m["key" + i.to_s] = i
  i = i + 1
end

total = 0
j = 0
while j < n
  total = (total + m["key" + ((j * 7919) % n).to_s]) % 1000000007
  j = j + 1
end
total = total + m.size
puts total
