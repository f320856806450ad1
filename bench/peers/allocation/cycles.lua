-- cycles: cyclic garbage (twin of bench/allocation/cycles.gene).
local n = tonumber(arg[1]) or 800000

local total = 0
local i = 0
while i < n do
  local a = { id = i }
  local b = { id = i + 1, peer = a }
  a.peer = b
  a.self = a
  local arr = { i }
  arr[#arr + 1] = arr
  total = (total + ((a.peer.id + b.peer.self.id) + #arr[2])) % 1000003
  i = i + 1
end
print(string.format("%d", total))
