# trees: classic binary-trees, one checksum line (twin of bench/allocation/trees.gene).
n = ARGV[0] ? Integer(ARGV[0]) : 14

def make(d)
  return [nil, nil] if d == 0
  [make(d - 1), make(d - 1)]
end

def check(t)
  return 1 if t[0].nil?
  1 + check(t[0]) + check(t[1])
end

def pow2(k)
  p = 1
  j = 0
  while j < k
    p = p * 2
    j = j + 1
  end
  p
end

min_depth = 4
max_depth = n
max_depth = min_depth + 2 if max_depth < min_depth + 2

total = check(make(max_depth + 1))
long_lived = make(max_depth)

d = min_depth
while d <= max_depth
  iterations = pow2((max_depth - d) + min_depth)
  k = 0
  while k < iterations
    total = total + check(make(d))
    k = k + 1
  end
  d = d + 2
end

total = total + check(long_lived)
puts total
