# mutual_tail: even/odd by mutual tail recursion
# (twin of bench/computation/mutual_tail.gene).
# Ruby eliminates tail calls only when asked at compile time, so the
# program body is compiled with tailcall_optimization on.
RubyVM::InstructionSequence.compile_option = { tailcall_optimization: true, trace_instruction: false }
RubyVM::InstructionSequence.new(<<~'RUBY').eval
  n = ARGV[0] ? Integer(ARGV[0]) : 1000000

  def is_even(k)
    return true if k == 0
    is_odd(k - 1)
  end

  def is_odd(k)
    return false if k == 0
    is_even(k - 1)
  end

  total = 0
  j = 0
  while j < 10
    total = total + j if is_even(n + j)
    j = j + 1
  end
  puts total
RUBY
