-- array_sum: push n ints, then indexed sum (twin of bench/data_structures/array_sum.gene).
local n = tonumber(arg[1]) or 3000000

local arr = {}
local i = 0
while i < n do
  arr[#arr + 1] = i % 1000
  i = i + 1
end

local total = 0
local j = 0
local size = #arr
while j < size do
  total = total + arr[j + 1]
  j = j + 1
end
print(string.format("%d", total))
