# countdown: tail-recursive countdown with an accumulator
# (twin of bench/computation/countdown.gene).
# Ruby eliminates tail calls only when asked at compile time, so the
# program body is compiled with tailcall_optimization on.
RubyVM::InstructionSequence.compile_option = { tailcall_optimization: true, trace_instruction: false }
RubyVM::InstructionSequence.new(<<~'RUBY').eval
  n = ARGV[0] ? Integer(ARGV[0]) : 15000000

  def countdown(i, acc)
    return acc if i == 0
    countdown(i - 1, acc + 1)
  end

  puts countdown(n, 0)
RUBY
