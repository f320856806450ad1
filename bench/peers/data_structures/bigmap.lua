-- bigmap: a large map with computed keys (twin of bench/data_structures/bigmap.gene).
local n = tonumber(arg[1]) or 400000

local m = {}
local count = 0
local i = 0
while i < n do
  local k = "key" .. string.format("%d", i)
  if m[k] == nil then count = count + 1 end
  m[k] = i
  i = i + 1
end

local total = 0
local j = 0
while j < n do
  total = (total + m["key" .. string.format("%d", (j * 7919) % n)]) % 1000000007
  j = j + 1
end
total = total + count
print(string.format("%d", total))
