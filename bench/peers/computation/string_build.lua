-- string_build: repeated concatenation of str pieces, flushed past 1000
-- bytes (twin of bench/computation/string_build.gene).
local n = tonumber(arg[1]) or 800000

local total = 0
local line = ""
local i = 0
while i < n do
  line = line .. ("k" .. string.format("%d", i) .. ":" .. string.format("%d", i % 7) .. ";")
  if #line > 1000 then
    total = total + #line
    line = ""
  end
  i = i + 1
end
total = total + #line
print(string.format("%d", total))
