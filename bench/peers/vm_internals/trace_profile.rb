# trace_profile: repeated fib plus a tail-recursive accumulator sum
# (twin of bench/vm_internals/trace_profile.gene).
# Ruby eliminates tail calls only when asked at compile time, so the
# program body is compiled with tailcall_optimization on.
RubyVM::InstructionSequence.compile_option = { tailcall_optimization: true, trace_instruction: false }
RubyVM::InstructionSequence.new(<<~'RUBY').eval
  n = ARGV[0] ? Integer(ARGV[0]) : 20

  def fib(n)
    return n if n < 2
    fib(n - 1) + fib(n - 2)
  end

  def sum_acc(i, acc)
    return acc if i == 0
    sum_acc(i - 1, acc + i)
  end

  total = 0
  rep = 0
  while rep < 500
    total = total + fib(n)
    rep = rep + 1
  end
  total = total + sum_acc(n * 5000, 0)
  puts total
RUBY
