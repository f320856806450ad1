# string_build: repeated concatenation of str pieces, flushed past 1000
# bytes (twin of bench/computation/string_build.gene). Uses +, which
# makes a new string, as Gene's immutable strings do.
n = ARGV[0] ? Integer(ARGV[0]) : 800000

total = 0
line = ""
i = 0
while i < n
  line = line + ("k" + i.to_s + ":" + (i % 7).to_s + ";")
  if line.bytesize > 1000
    total = total + line.bytesize
    line = ""
  end
  i = i + 1
end
total = total + line.bytesize
puts total
