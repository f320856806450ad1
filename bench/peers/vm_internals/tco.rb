# tco: tail-recursive countdown (twin of bench/vm_internals/tco.gene).
# Ruby eliminates tail calls only when asked at compile time, so the
# program body is compiled with tailcall_optimization on.
RubyVM::InstructionSequence.compile_option = { tailcall_optimization: true, trace_instruction: false }
RubyVM::InstructionSequence.new(<<~'RUBY').eval
  n = ARGV[0] ? Integer(ARGV[0]) : 15000000

  def tco(n)
    return 0 if n == 0
    tco(n - 1)
  end

  puts tco(n)
RUBY
