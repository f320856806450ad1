-- closures: make n counter closures and call each three times
-- (twin of bench/computation/closures.gene).
local n = tonumber(arg[1]) or 2000000

local function make_counter(start)
  local c = start
  return function()
    c = c + 1
    return c
  end
end

local total = 0
local i = 0
while i < n do
  local counter = make_counter(i % 10)
  counter()
  counter()
  total = total + counter()
  i = i + 1
end
print(string.format("%d", total))
