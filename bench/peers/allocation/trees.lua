-- trees: classic binary-trees, one checksum line (twin of bench/allocation/trees.gene).
local n = tonumber(arg[1]) or 14

local function make(d)
  if d == 0 then return { false, false } end
  return { make(d - 1), make(d - 1) }
end

local function check(t)
  if not t[1] then return 1 end
  return 1 + check(t[1]) + check(t[2])
end

local function pow2(k)
  local p = 1
  local j = 0
  while j < k do
    p = p * 2
    j = j + 1
  end
  return p
end

local min_depth = 4
local max_depth = n
if max_depth < min_depth + 2 then max_depth = min_depth + 2 end

local total = check(make(max_depth + 1))
local long_lived = make(max_depth)

local d = min_depth
while d <= max_depth do
  local iterations = pow2((max_depth - d) + min_depth)
  local k = 0
  while k < iterations do
    total = total + check(make(d))
    k = k + 1
  end
  d = d + 2
end

total = total + check(long_lived)
print(string.format("%d", total))
