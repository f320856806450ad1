# loop_sum: while-loop sum of 1..n (twin of bench/computation/loop_sum.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 15000000

def sum_loop(n)
  total = 0
  i = 1
  while i <= n
    total = total + i
    i = i + 1
  end
  total
end

puts sum_loop(n)
