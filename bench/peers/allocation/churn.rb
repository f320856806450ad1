# churn: short-lived small maps and arrays (twin of bench/allocation/churn.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 3000000

total = 0
i = 0
while i < n
  o = { "x" => i, "y" => [i, i + 1] }
  total = (total + (o["x"] + o["y"][1])) % 1000003
  i = i + 1
end
puts total
