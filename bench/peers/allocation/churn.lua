-- churn: short-lived small maps and arrays (twin of bench/allocation/churn.gene).
local n = tonumber(arg[1]) or 3000000

local total = 0
local i = 0
while i < n do
  local o = { x = i, y = { i, i + 1 } }
  total = (total + (o.x + o.y[2])) % 1000003
  i = i + 1
end
print(string.format("%d", total))
