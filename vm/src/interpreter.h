// The interpreter: one VM per run. It owns the heap, the symbol table,
// the globals, the value stack and the frame pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bytecode.h"
#include "gene/vm.h"
#include "heap.h"
#include "walk_limits.h"

namespace gene {

// A failure raised while running; the interpreter adds the position.
struct RuntimeError {
  ErrorKind kind;
  std::string message;
};

[[noreturn]] void throw_error(std::string message, ErrorKind kind = ErrorKind::Runtime);

struct Frame {
  const Proto* proto;
  ClosureObj* closure;   // nullptr for the top level
  const uint32_t* ip;    // saved when this frame calls out or raises
  Value* base;           // slot 0; the callee sits at base[-1]
};

class VM {
 public:
  explicit VM(const RunOptions& options);
  ~VM();
  VM(const VM&) = delete;
  VM& operator=(const VM&) = delete;

  Heap heap;
  SymbolTable symbols;

  // Binds parameters and builtins to the program's globals, then runs its
  // top level. Returns the program's value. Throws RuntimeError.
  Value run(const Program& program, const std::vector<std::pair<uint32_t, Value>>& params);

  // Where the current error happened (valid after run() threw).
  SourcePos error_position() const { return error_pos_; }

  // Output of print/println, buffered and flushed to the host's sink.
  void write(std::string_view text);
  void flush_output();

  // The string object for a symbol's name (map keys as strings), cached.
  Value symbol_string(uint32_t id);
  // Interns a name made while running (a computed map key, `$parse`): the
  // table never shrinks, so each new name counts against the heap limit.
  uint32_t intern(std::string_view name);

  // The host's interrupt and the deadline: throws "interrupted" or
  // "timeout". Safepoints and deep walks (walk()) call it.
  void check_clock();
  WalkLimits& walk() { return walk_; }
  // The most text a display may build now: it counts as heap, and printed
  // text as output too. Printing past it is "out of memory" or "output
  // limit exceeded", whichever bound is the smaller.
  uint64_t text_room() const;
  uint64_t output_room() const;
  // The program's value as display text (collection form), bounded like
  // any text; errors are placed at the program's last expression.
  std::string value_text(Value v);

  void fill_stats(Stats& stats) const;

  const RunOptions& options() const { return options_; }

 private:
  Value execute(const Program& program);
  void poll();  // safepoint: interrupt, deadline, reconciliation of counts
  void reconcile();
  void grow_stack(size_t needed);
  void trace_instruction(const Frame& frame, const uint32_t* ip, const Value* sp);
  void profile_instruction(const Frame& frame, const uint32_t* ip);
  // `x = (x + b)` on a string only x holds: appends in place (see .cc).
  bool append_in_place(Value a, Value b, const Value* var, uint32_t counted, int held, const Value* sp);
  bool append_before_store(Value a, Value b, uint32_t next, Value* base, const Value* sp);

  // Deep walks (equality, display) check the clock through the VM.
  class Walk final : public WalkLimits {
   public:
    explicit Walk(VM& vm) : vm_(vm) {}

   protected:
    void check_clock() override { vm_.check_clock(); }

   private:
    VM& vm_;
  };

  const RunOptions& options_;
  const Program* program_ = nullptr;
  Walk walk_{*this};

  std::vector<Value> globals_;
  std::vector<uint8_t> global_declared_;
  std::vector<uint8_t> global_param_;  // a host parameter not yet met by its top-level var
  std::vector<Value> symbol_strings_;

  Value* stack_ = nullptr;
  Value* stack_end_ = nullptr;
  // The room any frame of the program needs (its widest function's slots
  // and operands, + 2), and the highest base a call may take without
  // growing the stack: stack_end_ - frame_room_. A call checks for the
  // widest frame, not its callee's, so that every frame on the stack has
  // room for any function, and a tail call to another one never checks
  // the stack at all.
  size_t frame_room_ = 0;
  Value* call_limit_ = nullptr;
  Value* sp_ = nullptr;  // valid at safepoints and after run()
  std::vector<Frame> frames_;
  size_t frame_count_ = 0;
  size_t frames_high_water_ = 0;
  // A call from a frame below this one needs none of the depth limit,
  // frame array growth or high-water checks: the least of the three bounds,
  // as a pointer into frames_ so that the hot path compares the frame it
  // holds (set_frame_fast_end(), after every change of the three).
  Frame* frame_fast_end_ = nullptr;
  void set_frame_fast_end();

  std::string out_buffer_;
  uint64_t output_bytes_ = 0;

  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point deadline_;
  bool has_deadline_ = false;

  SourcePos error_pos_;

  // Counters (statistics).
  uint64_t instructions_ = 0;
  uint64_t frames_allocated_ = 0;
  uint64_t frames_fresh_ = 0;
  uint64_t tail_calls_ = 0;
  uint64_t tail_calls_optimized_ = 0;
  // Closure tail calls that reused their frame: each one is also a tail
  // call, an optimized one and a frame taken (added in fill_stats), so the
  // hot path counts once.
  uint64_t tail_reuses_ = 0;
  uint64_t max_depth_seen_ = 0;
  double execution_seconds_ = 0;
  // CPU time of the running thread over the run, beside execution_seconds_
  // (wall time): see fill_stats.
  double cpu_start_ = 0;
  double cpu_seconds_ = 0;
  // CPU time the run's phase samples (phase_sampler.h) found allocating,
  // and in the write barrier's slow paths: see fill_stats.
  double allocation_sampled_seconds_ = 0;
  double counting_sampled_seconds_ = 0;

  // Profile and trace.
  std::vector<uint64_t> op_counts_;
  std::vector<std::vector<uint64_t>> word_counts_;  // per proto, per code word
  double class_seconds_[int(OpClass::Count)] = {};
  std::chrono::steady_clock::time_point last_profiled_at_;
  int last_profiled_class_ = -1;
  uint64_t traced_ = 0;
};

}  // namespace gene
