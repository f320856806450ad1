# cycles: cyclic garbage (twin of bench/allocation/cycles.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 800000

total = 0
i = 0
while i < n
  a = { "id" => i }
  b = { "id" => i + 1, "peer" => a }
  a["peer"] = b
  a["self"] = a
  arr = [i]
  arr.push(arr)
  total = (total + ((a["peer"]["id"] + b["peer"]["self"]["id"]) + arr[1].size)) % 1000003
  i = i + 1
end
puts total
