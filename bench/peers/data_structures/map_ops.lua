-- map_ops: string-keyed insert and lookup (twin of bench/data_structures/map_ops.gene).
local n = tonumber(arg[1]) or 200000

local m = {}
local count = 0
local i = 0
while i < n do
  local k = "k" .. string.format("%d", i)
  if m[k] == nil then count = count + 1 end
  m[k] = i % 1000
  i = i + 1
end

local total = 0
local j = 0
while j < n do
  total = total + m["k" .. string.format("%d", j)]
  local v = m["missing" .. string.format("%d", j)]
  if v == nil then v = 1 end
  total = total + v
  j = j + 1
end
total = total + count
print(string.format("%d", total))
