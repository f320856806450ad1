# closures: make n counter closures and call each three times
# (twin of bench/computation/closures.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 2000000

def make_counter(start)
  c = start
  -> { c = c + 1 }
end

total = 0
i = 0
while i < n
  counter = make_counter(i % 10)
  counter.call
  counter.call
  total = total + counter.call
  i = i + 1
end
puts total
