# string_build: repeated concatenation of str pieces, flushed past 1000
# bytes (twin of bench/computation/string_build.gene).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 800000

total = 0
line = ""
i = 0
while i < n:
    line = line + ("k" + str(i) + ":" + str(i % 7) + ";")
    if len(line) > 1000:
        total = total + len(line)
        line = ""
    i = i + 1
total = total + len(line)
print(total)
