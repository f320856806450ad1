# vm_profile: fib + tail-recursive sum + while-loop sum
# (twin of bench/vm_internals/vm_profile.gene).
# Ruby eliminates tail calls only when asked at compile time, so the
# program body is compiled with tailcall_optimization on.
RubyVM::InstructionSequence.compile_option = { tailcall_optimization: true, trace_instruction: false }
RubyVM::InstructionSequence.new(<<~'RUBY').eval
  n = ARGV[0] ? Integer(ARGV[0]) : 28

  def fib(n)
    return n if n < 2
    fib(n - 1) + fib(n - 2)
  end

  def tail_sum(i, acc)
    return acc if i == 0
    tail_sum(i - 1, acc + i)
  end

  def while_sum(limit)
    i = 0
    s = 0
    while i < limit
      s = s + (i % 7)
      i = i + 1
    end
    s
  end

  result = fib(n) + (tail_sum(n * 200000, 0) + while_sum(n * 400000))
  puts result
RUBY
