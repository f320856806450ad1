// The dispatch loop. As in Lua's lvm.c and Wren's runInterpreter, the hot
// state (ip, sp, base, constants) lives in locals and is written back to
// the frame only where something may look at it: around calls, allocation
// and anything that can raise (SAVE), so errors know their instruction.
#include "interpreter.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <new>
#include <type_traits>

#include "builtins.h"
#include "display.h"

#if defined(__GNUC__) && !defined(GENE_SWITCH_DISPATCH)
#define GENE_COMPUTED_GOTO 1
#endif

// The always-on counters (instructions, frames, tail calls). A build with
// -DGENE_NO_COUNTERS compiles them out; it exists only to measure what they
// cost (docs/benchmarks.md), since the farm depends on them.
#ifdef GENE_NO_COUNTERS
#define COUNT(x) ((void)0)
#else
#define COUNT(x) (x)
#endif

namespace gene {

void throw_error(std::string message, ErrorKind kind) { throw RuntimeError{kind, std::move(message)}; }

namespace {

// CPU time of the calling thread; 0 where the clock is missing.
double thread_cpu_seconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}


const char* type_name(Value v) {
  if (v.is_int()) return "int";
  if (v.is_float()) return "float";
  if (v.is_nil()) return "nil";
  if (v.is_bool()) return "bool";
  if (v.is_symbol()) return "symbol";
  if (v.is_builtin()) return "fn";
  if (v.is_object()) {
    switch (v.as_object()->type) {
      case ObjType::String: return "string";
      case ObjType::Array: return "array";
      case ObjType::Map: return "map";
      case ObjType::Gene: return "gene";
      case ObjType::Closure: return "fn";
      case ObjType::Box: return "box";
    }
  }
  return "undefined";
}

// Values shown in error messages are cut: a message names a value, and a
// shared structure's text can be far larger than the heap.
constexpr size_t kExcerptBytes = 200;   // the value that was not callable
constexpr size_t kMessageBytes = 4096;  // an assertion's own message

// Index from the end when negative; -1 when out of range.
inline int64_t normalize_index(int64_t i, size_t size) {
  if (i < 0) i += int64_t(size);
  return (i < 0 || i >= int64_t(size)) ? -1 : i;
}

inline bool fast_equal(Value a, Value b, WalkLimits& walk) {
  if (a == b) return !(a.is_float() && std::isnan(a.as_float()));
  if (a.is_object() && b.is_object()) return values_equal(a, b, walk);
  if (a.is_float() && b.is_float()) return a.as_float() == b.as_float();
  return false;
}

// A call's locals beyond its arguments start as nil. Most functions have
// none (slot_count == arity), so the test comes first.
inline void clear_locals(Value* base, uint32_t argc, uint32_t slot_count) {
  if (slot_count != argc) [[unlikely]]
    for (Value* s = base + argc; s < base + slot_count; ++s) *s = Value::nil();
}

// The value stack, left uninitialized: a slot above sp is written before
// it is read (a call clears its locals, an operation pushes its operands),
// and only [stack_, sp) is ever scanned. Clearing its 128 KiB cost a
// fresh VM 33,000 instructions, more than a small program's whole run.
Value* new_stack(size_t cap) {
  static_assert(std::is_trivially_copyable_v<Value> && std::is_trivially_destructible_v<Value>);
  return static_cast<Value*>(::operator new(cap * sizeof(Value)));
}
void delete_stack(Value* stack) { ::operator delete(stack); }

}  // namespace

VM::VM(const RunOptions& options) : options_(options) {
  heap.set_limit(options.max_heap_bytes);
  heap.set_young_threshold(options.gc_young_threshold);
  heap.set_old_ratio(options.gc_old_ratio);
  size_t cap = 1 << 14;
  stack_ = new_stack(cap);
  stack_end_ = stack_ + cap;
  sp_ = stack_;
  call_limit_ = stack_end_;
  frames_.resize(64);
  if (options.profile) op_counts_.assign(kOpCount, 0);
}

VM::~VM() {
  // Globals and cached names hold counted references; give them back so
  // the heap's destructor, which runs next, can free everything.
  for (Value v : globals_) heap.release(v);
  for (Value v : symbol_strings_) heap.release(v);
  globals_.clear();
  symbol_strings_.clear();
  delete_stack(stack_);
}

// Frames and sp_ are moved by their offsets; frame 0 must be set before
// the first growth. The stack beyond its first size counts against the heap
// limit (a spread call or deep recursion of wide frames can make it large).
void VM::grow_stack(size_t needed) {
  size_t old_cap = size_t(stack_end_ - stack_), cap = old_cap;
  while (cap < needed) cap *= 2;
  heap.charge_outside(int64_t(cap - old_cap) * int64_t(sizeof(Value)));
  Value* fresh = new_stack(cap);
  size_t used = size_t(sp_ - stack_);
  std::copy(stack_, stack_ + used, fresh);
  for (size_t i = 0; i <= frame_count_; ++i) frames_[i].base = fresh + (frames_[i].base - stack_);
  sp_ = fresh + used;
  delete_stack(stack_);
  stack_ = fresh;
  stack_end_ = fresh + cap;
  call_limit_ = stack_end_ - frame_room_;
}

void VM::write(std::string_view text) {
  output_bytes_ += text.size();
  if (options_.max_output_bytes && output_bytes_ > options_.max_output_bytes)
    throw_error("output limit exceeded", ErrorKind::ResourceLimit);
  out_buffer_.append(text);
  if (out_buffer_.size() > (1 << 16)) flush_output();
}

void VM::flush_output() {
  if (out_buffer_.empty()) return;
  bool written = true;
  if (options_.output) options_.output(out_buffer_);
  else written = std::fwrite(out_buffer_.data(), 1, out_buffer_.size(), stdout) == out_buffer_.size();
  out_buffer_.clear();
  // A closed pipe or a full disk stops the program with an error.
  if (!written) throw_error(std::string("cannot write the output: ") + std::strerror(errno));
}

// Appending in place to the string a, for `x = (x + b)` with x at var:
// the sum would replace a in x, so when nothing else can see a, a itself
// can become the sum. Counts are deferred (heap.h): a's count holds the
// references from the heap, globals and constants, and must be what x
// itself contributes (`counted`: 1 for a global, 0 for a local); the stack
// is not counted, so it is searched, and must hold a only in the `held`
// slots the operation itself accounts for (the operand, a local x). A
// pinned constant's count is raised, and a captured variable lives in a
// box, never in a slot: neither passes. The search is bounded so that the
// cost stays constant: on a deeper stack the sum is a fresh string.
bool VM::append_in_place(Value a, Value b, const Value* var, uint32_t counted, int held, const Value* sp) {
  constexpr ptrdiff_t kSearchLimit = 64;
  if (var->bits() != a.bits() || !is_type(a, ObjType::String) || !is_type(b, ObjType::String)) return false;
  StringObj* s = as_string(a);
  if (s->rc != counted || sp - stack_ > kSearchLimit) return false;
  int seen = 0;
  for (const Value* p = stack_; p < sp; ++p) seen += p->bits() == a.bits();
  return seen == held && heap.append_in_place(s, as_string(b)->view());
}

// ADD's sum goes to a variable when the next instruction stores it
// (ADD_STORE fuses only the local form); an undeclared global would raise
// there, after the append, so it is left to the ordinary path.
bool VM::append_before_store(Value a, Value b, uint32_t next, Value* base, const Value* sp) {
  uint32_t slot = next >> 8;
  switch (Op(next & 0xFF)) {
    case Op::STORE_GLOBAL:
    case Op::SET_GLOBAL:
      return global_declared_[slot] && append_in_place(a, b, &globals_[slot], 1, 1, sp);
    case Op::STORE_LOCAL:
    case Op::SET_LOCAL:
      return append_in_place(a, b, &base[slot], 0, 2, sp);
    default:
      return false;
  }
}

Value VM::symbol_string(uint32_t id) {
  if (id >= symbol_strings_.size()) symbol_strings_.resize(symbols.size(), Value::nil());
  if (symbol_strings_[id].is_nil()) {
    StringObj* s = heap.new_string(symbols.name(id));
    s->symbol = id;
    heap.store(symbol_strings_[id], Value::object(s));
  }
  return symbol_strings_[id];
}

void VM::set_frame_fast_end() {
  frame_fast_end_ = frames_.data() + std::min({size_t(options_.max_depth), frames_.size() - 1, frames_high_water_});
}

void VM::poll() {
  heap.poll_countdown = Heap::kPollInterval;
  check_clock();
  if (heap.wants_reconcile()) reconcile();
}

// The stack's references are the only uncounted ones: every frame's
// callee sits in its base[-1] slot, so the used part of the stack covers
// locals, temporaries and closures alike.
void VM::reconcile() {
  if (!heap.reconcile(stack_, sp_)) throw_error("out of memory", ErrorKind::ResourceLimit);
}

Value VM::run(const Program& program, const std::vector<std::pair<uint32_t, Value>>& params) {
  program_ = &program;
  size_t n = program.global_names.size();
  globals_.assign(n, Value::undefined());
  global_declared_.assign(n, 0);
  global_param_.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    int b = find_builtin(symbols.name(program.global_names[i]));
    if (b >= 0) globals_[i] = Value::builtin(uint32_t(b));
  }
  for (auto& p : program.protos)
    for (Value v : p->constants) heap.pin(v);
  for (auto& [index, value] : params) {
    heap.store(globals_[index], value);
    global_declared_[index] = 1;
    global_param_[index] = 1;
  }
  if (options_.profile) {
    word_counts_.resize(program.protos.size());
    for (auto& p : program.protos) word_counts_[p->id].assign(p->code.size(), 0);
  }
  start_ = std::chrono::steady_clock::now();
  cpu_start_ = thread_cpu_seconds();
  if (options_.timeout_seconds > 0) {
    has_deadline_ = true;
    deadline_ = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(options_.timeout_seconds));
  }
  struct Timer {
    VM& vm;
    PhaseSampler sampler;
    ~Timer() {
      sampler.stop();
      vm.execution_seconds_ =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - vm.start_).count();
      vm.cpu_seconds_ = thread_cpu_seconds() - vm.cpu_start_;
      vm.heap.phase.phase = 0;  // an error may have left a phase marked
      vm.allocation_sampled_seconds_ = sampler.seconds(Phase::kAllocation);
      vm.counting_sampled_seconds_ = sampler.seconds(Phase::kCounting);
    }
  } timer{*this, PhaseSampler(heap.phase, uint64_t(start_.time_since_epoch().count()))};
  try {
    try {
      // The stack the top level needs, before it runs: grow_stack moves
      // every frame's base, so frame 0's must be set first.
      const Proto* main = program.main();
      frame_room_ = 0;
      for (auto& p : program.protos) frame_room_ = std::max<size_t>(frame_room_, p->slot_count + p->max_stack + 2);
      size_t needed = 1 + frame_room_ + 8;
      frame_count_ = 0;
      frames_[0] = {main, nullptr, main->code.data(), stack_ + 1};
      sp_ = stack_;
      if (needed > size_t(stack_end_ - stack_)) grow_stack(needed);
      call_limit_ = stack_end_ - frame_room_;
      return execute(program);
    } catch (OutOfMemory&) {
      throw RuntimeError{ErrorKind::ResourceLimit, "out of memory"};
    } catch (std::bad_alloc&) {
      throw RuntimeError{ErrorKind::ResourceLimit, "out of memory"};
    } catch (NestingTooDeep&) {
      throw RuntimeError{ErrorKind::Runtime, "type error: value nested too deeply"};
    }
  } catch (RuntimeError&) {
    // Every raising path saved its ip in the frame first (SAVE). The
    // safepoint of a call runs in the callee before its first instruction:
    // its errors belong to the call.
    size_t n = frame_count_;
    auto index = frames_[n].ip - frames_[n].proto->code.data() - 1;
    if (index < 0 && n > 0) {
      --n;
      index = frames_[n].ip - frames_[n].proto->code.data() - 1;
    }
    const Proto& p = *frames_[n].proto;
    if (index >= 0 && size_t(index) < p.positions.size()) error_pos_ = p.positions[size_t(index)];
    throw;
  }
}

void VM::trace_instruction(const Frame& frame, const uint32_t* ip, const Value* sp) {
  if (traced_ >= options_.trace_limit) return;
  ++traced_;
  const Proto* p = frame.proto;
  size_t pc = size_t(ip - p->code.data());
  uint32_t w = *ip;
  const OpInfo& info = kOpInfo[w & 0xFF];
  // Appended piece by piece: `"x" + std::to_string(...)` trips GCC 12's -Wrestrict.
  std::string line = "[";
  line += std::to_string(frame_count_);
  line += "] ";
  line += p->name.empty() ? "<fn>" : p->name;
  line += '@';
  line += std::to_string(pc);
  line += ' ';
  line += info.name;
  if (info.format != OperandFormat::None) {
    line += ' ';
    line += std::to_string(decode_signed_a(w));
  }
  size_t depth = size_t(sp - (frame.base + p->slot_count));
  line += "  stack=" + std::to_string(depth);
  if (sp > frame.base + p->slot_count) {
    std::string top;
    if (!append_display(top, sp[-1], symbols, true, walk_, 60)) top.replace(57, std::string::npos, "...");
    line += " top=" + top;
  }
  line += '\n';
  if (traced_ == options_.trace_limit)
    line += "trace: limit of " + std::to_string(options_.trace_limit) + " instructions reached\n";
  if (options_.trace_output) options_.trace_output(line);
  else std::fputs(line.c_str(), stderr);
}

void VM::profile_instruction(const Frame& frame, const uint32_t* ip) {
  // Each instruction is charged the time until the next one starts (the
  // hook's own cost included, spread evenly over all instructions).
  auto now = std::chrono::steady_clock::now();
  if (last_profiled_class_ >= 0)
    class_seconds_[last_profiled_class_] += std::chrono::duration<double>(now - last_profiled_at_).count();
  last_profiled_at_ = now;
  last_profiled_class_ = int(op_class(Op(*ip & 0xFF)));
  ++op_counts_[*ip & 0xFF];
  ++word_counts_[frame.proto->id][size_t(ip - frame.proto->code.data())];
}

Value VM::execute(const Program& program) {
  const Proto* main = program.main();
  size_t needed = 1 + frame_room_ + 8;
  if (stack_ + needed > stack_end_) grow_stack(needed);  // done by run() already
  frame_count_ = 0;
  Frame* frame = &frames_[0];
  Value* base = stack_ + 1;
  stack_[0] = Value::nil();
  for (uint32_t i = 0; i < main->slot_count; ++i) base[i] = Value::nil();
  *frame = {main, nullptr, main->code.data(), base};
  const uint32_t* ip = main->code.data();
  Value* sp = base + main->slot_count;
  const Value* k = main->constants.data();
  Value* globals = globals_.data();
  uint64_t icount = instructions_;
  set_frame_fast_end();
  uint32_t w = 0;
  int argc = 0;
  bool hooks = options_.trace || options_.profile;

#define SAVE() (frame->ip = ip, sp_ = sp, instructions_ = icount)
#define LOAD_FRAME() (ip = frame->ip, base = frame->base, k = frame->proto->constants.data())
#define ARG() (w >> 8)
#define SARG() (int32_t(w) >> 8)
#define RAISE(msg) (SAVE(), throw_error(msg))
#define SAFEPOINT()                   \
  if (--heap.poll_countdown == 0) {   \
    SAVE();                           \
    poll();                           \
  }

#ifdef GENE_COMPUTED_GOTO
  static const void* const labels[] = {
#define GENE_OP_LABEL(name, format, cls, pops, pops_a, pushes, jump_pushes, ends) &&op_##name,
      GENE_OPCODES(GENE_OP_LABEL)
#undef GENE_OP_LABEL
  };
#define CASE(name) op_##name:
  // With --trace or --profile every opcode dispatches to the hook first, so
  // the plain loop pays nothing for them.
  static const void* const hooked[] = {
#define GENE_OP_HOOK(name, format, cls, pops, pops_a, pushes, jump_pushes, ends) &&hook,
      GENE_OPCODES(GENE_OP_HOOK)
#undef GENE_OP_HOOK
  };
  // The table the loop jumps through lives in this frame, so a dispatch
  // addresses it from the stack pointer in the jump itself (a pointer to a
  // static table was one more load per instruction, spilled under
  // register pressure).
  const void* dispatch[kOpCount];
  std::copy(hooks ? hooked : labels, (hooks ? hooked : labels) + kOpCount, dispatch);
  // A handler that needs its own opcode (one body for several) reads it
  // again from ip[-1]: reusing the dispatch's `w & 0xFF` kept that value
  // live in a register of its own across every dispatch, one more move each.
#define DISPATCH()                                 \
  do {                                             \
    w = *ip++;                                     \
    COUNT(++icount);                               \
    goto* dispatch[w & 0xFF];                      \
  } while (0)
  DISPATCH();
hook:
  SAVE();
  if (options_.profile) profile_instruction(*frame, ip - 1);
  if (options_.trace) trace_instruction(*frame, ip - 1, sp);
  goto* labels[ip[-1] & 0xFF];
#else
#define CASE(name) case Op::name:
#define DISPATCH() continue
  for (;;) {
    w = *ip++;
    COUNT(++icount);
    if (hooks) {
      SAVE();
      if (options_.profile) profile_instruction(*frame, ip - 1);
      if (options_.trace) trace_instruction(*frame, ip - 1, sp);
    }
    switch (Op(w & 0xFF)) {
#endif

  CASE(NIL) { *sp++ = Value::nil(); DISPATCH(); }
  CASE(TRUE) { *sp++ = Value::boolean(true); DISPATCH(); }
  CASE(FALSE) { *sp++ = Value::boolean(false); DISPATCH(); }
  CASE(INT) { *sp++ = Value::integer(SARG()); DISPATCH(); }
  CASE(CONST) { *sp++ = k[ARG()]; DISPATCH(); }
  CASE(QUOTE) {
    SAVE();
    Value v = value_from_node(*this, *frame->proto->quotes[ARG()]);
    *sp++ = v;
    DISPATCH();
  }
  CASE(POP) { --sp; DISPATCH(); }
  CASE(DUP) { sp[0] = sp[-1]; ++sp; DISPATCH(); }
  CASE(POPN) { sp -= ARG(); DISPATCH(); }
  CASE(DROP_UNDER) {
    uint32_t n = ARG();
    sp[-1 - int(n)] = sp[-1];
    sp -= n;
    DISPATCH();
  }
  CASE(GET_LOCAL) { *sp++ = base[ARG()]; DISPATCH(); }
  CASE(GET_LOCAL2) {
    sp[0] = base[ARG() & 0xFFF];
    sp[1] = base[ARG() >> 12];
    sp += 2;
    DISPATCH();
  }
  CASE(SET_LOCAL) { base[ARG()] = sp[-1]; DISPATCH(); }
  CASE(STORE_LOCAL) { base[ARG()] = *--sp; DISPATCH(); }
#define INCR(then)                                                \
    Value* slot = &base[ARG()];                                     \
    auto step = int32_t(*ip++);                                     \
    Value r;                                                        \
    if (slot->is_int()) {                                           \
      if (!Value::add_int_imm(*slot, step, r)) RAISE("integer overflow"); \
    } else {                                                        \
      SAVE();                                                       \
      r = arith_add(heap, *slot, Value::integer(step));             \
    }                                                               \
    *slot = r;                                                      \
    then;                                                           \
    DISPATCH();
  CASE(INCR_LOCAL) { INCR(*sp++ = r) }
  CASE(INCR_LOCAL_STORE) { INCR((void)0) }
#undef INCR
  CASE(NEW_BOX) {
    SAVE();
    base[ARG()] = Value::object(heap.new_box(sp[-1]));
    DISPATCH();
  }
  CASE(BOX_LOCAL) {
    SAVE();
    base[ARG()] = Value::object(heap.new_box(base[ARG()]));
    DISPATCH();
  }
  CASE(GET_BOXED) { *sp++ = as_box(base[ARG()])->value; DISPATCH(); }
  CASE(SET_BOXED) {
    BoxObj* box = as_box(base[ARG()]);
    heap.store_into(box, box->value, sp[-1]);
    DISPATCH();
  }
  CASE(GET_UPVAL) { *sp++ = frame->closure->upvalues()[ARG()]->value; DISPATCH(); }
  CASE(SET_UPVAL) {
    BoxObj* box = frame->closure->upvalues()[ARG()];
    heap.store_into(box, box->value, sp[-1]);
    DISPATCH();
  }
  CASE(GET_GLOBAL) {
    Value v = globals[ARG()];
    if (v.is_undefined()) RAISE("undefined variable " + symbols.name(program.global_names[ARG()]));
    *sp++ = v;
    DISPATCH();
  }
  CASE(SET_GLOBAL) {
    if (!global_declared_[ARG()])
      RAISE("assignment to undeclared variable " + symbols.name(program.global_names[ARG()]));
    heap.store(globals[ARG()], sp[-1]);
    DISPATCH();
  }
  CASE(STORE_GLOBAL) {
    if (!global_declared_[ARG()])
      RAISE("assignment to undeclared variable " + symbols.name(program.global_names[ARG()]));
    heap.store(globals[ARG()], *--sp);
    DISPATCH();
  }
  CASE(CHECK_GLOBAL) {
    if (!global_declared_[ARG()])
      RAISE("assignment to undeclared variable " + symbols.name(program.global_names[ARG()]));
    DISPATCH();
  }
  CASE(DEF_GLOBAL) {
    uint32_t g = ARG();
    if (global_param_[g]) {  // the host's parameter wins over the program's default
      global_param_[g] = 0;
      sp[-1] = globals[g];
    } else {
      heap.store(globals[g], sp[-1]);
      global_declared_[g] = 1;
    }
    DISPATCH();
  }
  CASE(CLOSURE) {
    SAVE();
    const Proto* p = program.protos[ARG()].get();
    ClosureObj* c = heap.new_closure(p, uint32_t(p->upvalues.size()));
    for (size_t i = 0; i < p->upvalues.size(); ++i) {
      const UpvalueDesc& d = p->upvalues[i];
      BoxObj* box = d.from_parent_local ? as_box(base[d.index]) : frame->closure->upvalues()[d.index];
      heap.retain(Value::object(box));
      c->upvalues()[i] = box;
    }
    *sp++ = Value::object(c);
    DISPATCH();
  }

// ADD leaves the sum in place of its operands; ADD_STORE writes it to slot A.
// Strings: when the sum goes back to the variable the left operand came
// from, `appended` may grow it in place; dest then holds it already.
#define ADD_TO(dest, appended)                                    \
    Value a = sp[-2], b = sp[-1];                                 \
    if (Value::both_ints(a, b)) {                                 \
      if (!Value::add_ints(a, b, dest)) RAISE("integer overflow"); \
    } else if (a.is_float() && b.is_float()) {                    \
      dest = Value::number(a.as_float() + b.as_float());          \
    } else {                                                      \
      SAVE();                                                     \
      if (!(appended)) dest = arith_add(heap, a, b);              \
    }
  CASE(ADD) {
    ADD_TO(sp[-2], append_before_store(a, b, *ip, base, sp))
    --sp;
    DISPATCH();
  }
  CASE(ADD_STORE) {
    ADD_TO(base[ARG()], append_in_place(a, b, &base[ARG()], 0, 2, sp))
    sp -= 2;
    DISPATCH();
  }
#undef ADD_TO
  CASE(SUB) {
    Value a = sp[-2], b = sp[-1];
    if (Value::both_ints(a, b)) {
      if (!Value::sub_ints(a, b, sp[-2])) RAISE("integer overflow");
    } else {
      SAVE();
      sp[-2] = arith_sub(a, b);
    }
    --sp;
    DISPATCH();
  }
  CASE(MUL) {
    Value a = sp[-2], b = sp[-1];
    int64_t r;
    if (Value::both_ints(a, b) && !__builtin_mul_overflow(a.as_int(), b.as_int(), &r) && Value::int_fits(r)) {
      sp[-2] = Value::integer(r);
    } else {
      SAVE();
      sp[-2] = arith_mul(a, b);
    }
    --sp;
    DISPATCH();
  }
  CASE(DIV) {
    SAVE();
    sp[-2] = arith_div(sp[-2], sp[-1]);
    --sp;
    DISPATCH();
  }
  CASE(MOD) {
    Value a = sp[-2], b = sp[-1];
    if (Value::both_ints(a, b) && b.as_int() > 0 && a.as_int() >= 0) {
      sp[-2] = Value::integer(a.as_int() % b.as_int());
      --sp;
      DISPATCH();
    }
    SAVE();
    sp[-2] = arith_mod(sp[-2], sp[-1]);
    --sp;
    DISPATCH();
  }
  CASE(MOD_INT) {
    Value a = sp[-1];
    int32_t m = SARG();
    if (a.is_int() && m > 0 && a.as_int() >= 0) {
      sp[-1] = Value::integer(a.as_int() % m);
    } else {
      SAVE();
      sp[-1] = arith_mod(a, Value::integer(m));
    }
    DISPATCH();
  }
  CASE(NEG) {
    SAVE();
    sp[-1] = arith_neg(sp[-1]);
    DISPATCH();
  }
  CASE(ADD_INT) {
    Value a = sp[-1];
    if (a.is_int()) {
      if (!Value::add_int_imm(a, SARG(), sp[-1])) RAISE("integer overflow");
    } else {
      SAVE();
      sp[-1] = arith_add(heap, a, Value::integer(SARG()));
    }
    DISPATCH();
  }
  CASE(SUB_INT) {
    Value a = sp[-1];
    if (a.is_int()) {
      if (!Value::add_int_imm(a, -SARG(), sp[-1])) RAISE("integer overflow");
    } else {
      SAVE();
      sp[-1] = arith_sub(a, Value::integer(SARG()));
    }
    DISPATCH();
  }

  // GET_LOCAL fused with ADD_INT / SUB_INT, GET_LOCAL2 with ADD: the
  // operands are read from their slots, the result pushed.
  CASE(LOCAL_ADD_INT) {
    Value a = base[ARG()];
    auto step = int32_t(*ip++);
    Value r;
    if (a.is_int()) {
      if (!Value::add_int_imm(a, step, r)) RAISE("integer overflow");
    } else {
      SAVE();
      r = arith_add(heap, a, Value::integer(step));
    }
    *sp++ = r;
    DISPATCH();
  }
  CASE(LOCAL_SUB_INT) {
    Value a = base[ARG()];
    auto step = int32_t(*ip++);
    Value r;
    if (a.is_int()) {
      if (!Value::add_int_imm(a, -step, r)) RAISE("integer overflow");
    } else {
      SAVE();
      r = arith_sub(a, Value::integer(step));
    }
    *sp++ = r;
    DISPATCH();
  }
// ADD_LOCALS pushes the sum; ADD_LOCALS_STORE writes it to slot word 1
// (a string may be appended to in place, as ADD's).
#define ADD_LOCALS(then, appended)                                \
    Value a = base[ARG() & 0xFFF], b = base[ARG() >> 12];         \
    Value r;                                                      \
    if (Value::both_ints(a, b)) {                                 \
      if (!Value::add_ints(a, b, r)) RAISE("integer overflow");   \
    } else if (a.is_float() && b.is_float()) {                    \
      r = Value::number(a.as_float() + b.as_float());             \
    } else {                                                      \
      SAVE();                                                     \
      r = (appended) ? a : arith_add(heap, a, b);                 \
    }                                                             \
    then;                                                         \
    DISPATCH();
  CASE(ADD_LOCALS) { ADD_LOCALS(*sp++ = r, false) }
  CASE(ADD_LOCALS_STORE) { ADD_LOCALS(base[*ip++] = r, append_in_place(a, b, &base[*ip], 0, 1, sp)) }
#undef ADD_LOCALS

// `r` = the two values on top compared with `op`: ints and floats inline,
// strings (and type errors) in compare_values.
#define ORDER(op) ORDER_OF(sp[-2], sp[-1], op)
#define ORDER_OF(left, right, op)                                \
    Value a = left, b = right;                                   \
    bool r;                                                      \
    if (Value::both_ints(a, b)) {                                \
      r = a.as_int() op b.as_int();                              \
    } else if (a.is_number() && b.is_number()) {                 \
      r = a.to_double() op b.to_double();                        \
    } else {                                                     \
      SAVE();                                                    \
      r = compare_values(a, b) op 0;                             \
    }

// A local against an int immediate: the immediate needs no boxing and no
// tag test, so an int local is one comparison.
#define ORDER_LI(left, imm, op)                                  \
    Value a = left;                                              \
    bool r;                                                      \
    if (a.is_int()) {                                            \
      r = a.as_int() op int64_t(imm);                            \
    } else if (a.is_float()) {                                   \
      r = a.as_float() op double(imm);                           \
    } else {                                                     \
      SAVE();                                                    \
      r = compare_values(a, Value::integer(imm)) op 0;           \
    }

#define COMPARE(name, op)                                        \
  CASE(name) {                                                   \
    ORDER(op)                                                    \
    sp[-2] = Value::boolean(r);                                  \
    --sp;                                                        \
    DISPATCH();                                                  \
  }
  COMPARE(LT, <)
  COMPARE(LE, <=)
  COMPARE(GT, >)
  COMPARE(GE, >=)
#undef COMPARE
  CASE(EQ) {
    SAVE();
    sp[-2] = Value::boolean(fast_equal(sp[-2], sp[-1], walk_));
    --sp;
    DISPATCH();
  }
  CASE(NE) {
    SAVE();
    sp[-2] = Value::boolean(!fast_equal(sp[-2], sp[-1], walk_));
    --sp;
    DISPATCH();
  }
#define JUMP_UNLESS(name, op)                                    \
  CASE(name) {                                                   \
    ORDER(op)                                                    \
    sp -= 2;                                                     \
    if (!r) ip += SARG();                                        \
    DISPATCH();                                                  \
  }
  JUMP_UNLESS(JUMP_UNLESS_LT, <)
  JUMP_UNLESS(JUMP_UNLESS_LE, <=)
  JUMP_UNLESS(JUMP_UNLESS_GT, >)
  JUMP_UNLESS(JUMP_UNLESS_GE, >=)
#undef JUMP_UNLESS
// The same with the operands read in place: local slot A against the
// immediate in word 1, or slots A & 0xFFF and A >> 12; the jump follows.
#define JUMP_UNLESS_LI(name, op)                                 \
  CASE(name) {                                                   \
    int32_t imm = int32_t(ip[0]), offset = int32_t(ip[1]);       \
    ip += 2;                                                     \
    ORDER_LI(base[ARG()], imm, op)               \
    if (!r) ip += offset;                                        \
    DISPATCH();                                                  \
  }
  JUMP_UNLESS_LI(JUMP_UNLESS_LT_LI, <)
  JUMP_UNLESS_LI(JUMP_UNLESS_LE_LI, <=)
  JUMP_UNLESS_LI(JUMP_UNLESS_GT_LI, >)
  JUMP_UNLESS_LI(JUMP_UNLESS_GE_LI, >=)
#undef JUMP_UNLESS_LI
#define JUMP_UNLESS_LL(name, op)                                 \
  CASE(name) {                                                   \
    int32_t offset = int32_t(*ip++);                             \
    ORDER_OF(base[ARG() & 0xFFF], base[ARG() >> 12], op)         \
    if (!r) ip += offset;                                        \
    DISPATCH();                                                  \
  }
  JUMP_UNLESS_LL(JUMP_UNLESS_LT_LL, <)
  JUMP_UNLESS_LL(JUMP_UNLESS_LE_LL, <=)
  JUMP_UNLESS_LL(JUMP_UNLESS_GT_LL, >)
  JUMP_UNLESS_LL(JUMP_UNLESS_GE_LL, >=)
#undef JUMP_UNLESS_LL
// A while loop's test at its bottom: back to the body while `r` holds,
// with LOOP's safepoint (an error there is placed at this instruction).
#define LOOP_BACK_IF(r, offset)              \
    if (r) {                                 \
      ip += offset;                          \
      if (--heap.poll_countdown == 0) {      \
        ip -= offset;                        \
        SAVE();                              \
        poll();                              \
        ip += offset;                        \
      }                                      \
    }                                        \
    DISPATCH();
#define LOOP_IF(name, op)                                        \
  CASE(name) {                                                   \
    ORDER(op)                                                    \
    sp -= 2;                                                     \
    LOOP_BACK_IF(r, SARG())                                      \
  }
  LOOP_IF(LOOP_IF_LT, <)
  LOOP_IF(LOOP_IF_LE, <=)
  LOOP_IF(LOOP_IF_GT, >)
  LOOP_IF(LOOP_IF_GE, >=)
#undef LOOP_IF
#define LOOP_IF_LI(name, op)                                     \
  CASE(name) {                                                   \
    int32_t imm = int32_t(ip[0]), offset = int32_t(ip[1]);       \
    ip += 2;                                                     \
    ORDER_LI(base[ARG()], imm, op)               \
    LOOP_BACK_IF(r, offset)                                      \
  }
  LOOP_IF_LI(LOOP_IF_LT_LI, <)
  LOOP_IF_LI(LOOP_IF_LE_LI, <=)
  LOOP_IF_LI(LOOP_IF_GT_LI, >)
  LOOP_IF_LI(LOOP_IF_GE_LI, >=)
#undef LOOP_IF_LI
#define LOOP_IF_LL(name, op)                                     \
  CASE(name) {                                                   \
    int32_t offset = int32_t(*ip++);                             \
    ORDER_OF(base[ARG() & 0xFFF], base[ARG() >> 12], op)         \
    LOOP_BACK_IF(r, offset)                                      \
  }
  LOOP_IF_LL(LOOP_IF_LT_LL, <)
  LOOP_IF_LL(LOOP_IF_LE_LL, <=)
  LOOP_IF_LL(LOOP_IF_GT_LL, >)
  LOOP_IF_LL(LOOP_IF_GE_LL, >=)
#undef LOOP_IF_LL
#undef ORDER
#undef ORDER_OF
#undef ORDER_LI
  CASE(LOOP_IF_TRUE) { LOOP_BACK_IF((*--sp).truthy(), SARG()) }
  CASE(LOOP_IF_FALSE) { LOOP_BACK_IF(!(*--sp).truthy(), SARG()) }
  CASE(LOOP_IF_EQ) {
    SAVE();
    bool r = fast_equal(sp[-2], sp[-1], walk_);
    sp -= 2;
    LOOP_BACK_IF(r, SARG())
  }
  CASE(LOOP_IF_NE) {
    SAVE();
    bool r = !fast_equal(sp[-2], sp[-1], walk_);
    sp -= 2;
    LOOP_BACK_IF(r, SARG())
  }
  CASE(LOOP_IF_EQ_LI) {
    bool r = base[ARG()] == Value::integer(int32_t(ip[0]));
    int32_t offset = int32_t(ip[1]);
    ip += 2;
    LOOP_BACK_IF(r, offset)
  }
  CASE(LOOP_IF_NE_LI) {
    bool r = base[ARG()] != Value::integer(int32_t(ip[0]));
    int32_t offset = int32_t(ip[1]);
    ip += 2;
    LOOP_BACK_IF(r, offset)
  }
  CASE(LOOP_IF_EQ_LL) {
    int32_t offset = int32_t(*ip++);
    SAVE();
    bool r = fast_equal(base[ARG() & 0xFFF], base[ARG() >> 12], walk_);
    LOOP_BACK_IF(r, offset)
  }
  CASE(LOOP_IF_NE_LL) {
    int32_t offset = int32_t(*ip++);
    SAVE();
    bool r = !fast_equal(base[ARG() & 0xFFF], base[ARG() >> 12], walk_);
    LOOP_BACK_IF(r, offset)
  }
#undef LOOP_BACK_IF
  // An int immediate equals only the same int (fast_equal: no float or
  // object is equal to an int), so the test is one comparison of bits.
  CASE(JUMP_UNLESS_EQ_LI) {
    bool r = base[ARG()] == Value::integer(int32_t(ip[0]));
    ip += 2;
    if (!r) ip += int32_t(ip[-1]);
    DISPATCH();
  }
  CASE(JUMP_UNLESS_NE_LI) {
    bool r = base[ARG()] != Value::integer(int32_t(ip[0]));
    ip += 2;
    if (!r) ip += int32_t(ip[-1]);
    DISPATCH();
  }
  CASE(JUMP_UNLESS_EQ_LL) {
    int32_t offset = int32_t(*ip++);
    SAVE();
    bool r = fast_equal(base[ARG() & 0xFFF], base[ARG() >> 12], walk_);
    if (!r) ip += offset;
    DISPATCH();
  }
  CASE(JUMP_UNLESS_NE_LL) {
    int32_t offset = int32_t(*ip++);
    SAVE();
    bool r = !fast_equal(base[ARG() & 0xFFF], base[ARG() >> 12], walk_);
    if (!r) ip += offset;
    DISPATCH();
  }
  CASE(JUMP_UNLESS_EQ) {
    SAVE();
    bool r = fast_equal(sp[-2], sp[-1], walk_);
    sp -= 2;
    if (!r) ip += SARG();
    DISPATCH();
  }
  CASE(JUMP_UNLESS_NE) {
    SAVE();
    bool r = !fast_equal(sp[-2], sp[-1], walk_);
    sp -= 2;
    if (!r) ip += SARG();
    DISPATCH();
  }
  CASE(NOT) { sp[-1] = Value::boolean(!sp[-1].truthy()); DISPATCH(); }

  CASE(JUMP) { ip += SARG(); DISPATCH(); }
  CASE(LOOP) {
    ip += SARG();
    if (--heap.poll_countdown == 0) {
      ip -= SARG();  // saved before the jump: an error here is placed at the loop
      SAVE();
      poll();
      ip += SARG();
    }
    DISPATCH();
  }
  CASE(JUMP_IF_FALSE) {
    if (!(*--sp).truthy()) ip += SARG();
    DISPATCH();
  }
  CASE(JUMP_IF_TRUE) {
    if ((*--sp).truthy()) ip += SARG();
    DISPATCH();
  }
  CASE(AND_JUMP) {
    if (!sp[-1].truthy()) ip += SARG();
    else --sp;
    DISPATCH();
  }
  CASE(OR_JUMP) {
    if (sp[-1].truthy()) ip += SARG();
    else --sp;
    DISPATCH();
  }

  CASE(INLINE_GUARD)
  CASE(INLINE_GUARD_TAIL) {
    Value f = globals[ARG()];
    const Node* source = program.inline_sources[ip[0]];
    bool same = is_type(f, ObjType::Closure) && as_closure(f)->proto->source == source &&
                frame_count_ + 1 <= options_.max_depth;
    if (!same) {
      ip += int32_t(ip[1]);  // the ordinary call, which counts itself
    } else if (decode_op(ip[-1]) == Op::INLINE_GUARD_TAIL) {
      COUNT(++tail_calls_);  // a tail call that takes no frame at all
      COUNT(++tail_calls_optimized_);
    }
    ip += 2;
    DISPATCH();
  }
  CASE(CALL_SPREAD)
  CASE(TAIL_CALL_SPREAD)
  CASE(TAIL_CALL_SPREAD_NO_TCO) {
    Value args = sp[-1];
    if (!is_type(args, ObjType::Array)) RAISE("type error: spread of a non-array");
    auto& items = as_array(args)->items;
    argc = int(items.size());
    --sp;
    if (sp + argc + 8 > stack_end_) {
      ptrdiff_t spo = sp - stack_, bo = base - stack_;
      SAVE();
      grow_stack(size_t(spo) + size_t(argc) + 64);
      sp = stack_ + spo;
      base = stack_ + bo;
    }
    std::copy(items.begin(), items.end(), sp);  // nothing is freed before the next safepoint, when the items are on the stack
    sp += argc;
    if (decode_op(ip[-1]) == Op::TAIL_CALL_SPREAD) goto do_tail_call;
    if (decode_op(ip[-1]) == Op::TAIL_CALL_SPREAD_NO_TCO) goto do_tail_call_no_tco;
    goto do_call;
  }
  CASE(CALL) {
    argc = int(ARG());
  do_call:
    Value callee = sp[-argc - 1];
    if (is_type(callee, ObjType::Closure)) {
      ClosureObj* cl = as_closure(callee);
      const Proto* p = cl->proto;
      if (uint32_t(argc) != p->arity)
        RAISE("wrong number of arguments: " + (p->name.empty() ? std::string("<fn>") : p->name) + " takes " +
              std::to_string(p->arity) + ", got " + std::to_string(argc));
      if (frame >= frame_fast_end_) [[unlikely]] {  // deeper than ever, or at a bound
        if (frame_count_ + 1 > options_.max_depth) {
          SAVE();
          throw_error("stack overflow", ErrorKind::ResourceLimit);
        }
        if (frame_count_ + 1 >= frames_.size()) {
          frames_.resize(frames_.size() * 2);
          frame = &frames_[frame_count_];
        }
        if (frame_count_ + 1 > frames_high_water_) {
          frames_high_water_ = frame_count_ + 1;
          COUNT(++frames_fresh_);
          COUNT(max_depth_seen_ = std::max<uint64_t>(max_depth_seen_, frames_high_water_));
        }
        set_frame_fast_end();
      }
      Value* new_base = sp - argc;
      frame->ip = ip;
      if (new_base > call_limit_) [[unlikely]] {  // too little room for the widest frame
        ptrdiff_t nb = new_base - stack_, spo = sp - stack_, bo = base - stack_;
        sp_ = sp;
        grow_stack(size_t(nb) + frame_room_ + 64);
        new_base = stack_ + nb;
        sp = stack_ + spo;
        base = stack_ + bo;
      }
      COUNT(++frames_allocated_);
      ++frame_count_;
      ++frame;
      frame->proto = p;
      frame->closure = cl;
      frame->base = new_base;
      clear_locals(new_base, uint32_t(argc), p->slot_count);
      base = new_base;
      sp = new_base + p->slot_count;
      ip = p->code.data();
      k = p->constants.data();
      SAFEPOINT();
      DISPATCH();
    }
    if (callee.is_builtin()) {
      SAVE();
      const Builtin& b = builtin(callee.as_builtin());
      if (argc < b.min_args || (b.max_args >= 0 && argc > b.max_args))
        throw_error(std::string("wrong number of arguments: ") + b.name);
      Value r = b.fn(*this, sp - argc, argc);
      sp -= argc + 1;
      *sp++ = r;
      DISPATCH();
    }
    RAISE("not callable: " + display_excerpt(callee, symbols, true, walk_, kExcerptBytes));
  }
  // Tail calls are counted whatever the callee; optimized when the frame
  // depth stays as it was: a closure reusing this frame, a builtin (which
  // never takes one). With --no-tco a closure takes a new frame.
  CASE(TAIL_CALL_NO_TCO) {
    argc = int(ARG());
  do_tail_call_no_tco:
    COUNT(++tail_calls_);
    if (sp[-argc - 1].is_builtin()) COUNT(++tail_calls_optimized_);
    goto do_call;
  }
  CASE(TAIL_CALL) {
    argc = int(ARG());
  do_tail_call:
    Value callee = sp[-argc - 1];
    if (!is_type(callee, ObjType::Closure)) {  // builtins and errors: an ordinary call
      COUNT(++tail_calls_);
      if (callee.is_builtin()) COUNT(++tail_calls_optimized_);
      goto do_call;
    }
    ClosureObj* cl = as_closure(callee);
    const Proto* p = cl->proto;
    if (uint32_t(argc) != p->arity) {
      COUNT(++tail_calls_);  // a tail call all the same
      RAISE("wrong number of arguments: " + (p->name.empty() ? std::string("<fn>") : p->name) + " takes " +
            std::to_string(p->arity) + ", got " + std::to_string(argc));
    }
    COUNT(++tail_reuses_);
    // Reuse this frame: slide the callee and its arguments down over it.
    // The destination is below the source, so a forward copy is safe; the
    // usual counts are copied straight, without a loop's test per value.
    base[-1] = callee;
    {
      const Value* args = sp - argc;
      // In ascending order: an argument may sit just above the slot it goes to.
      switch (argc) {
        case 0: break;
        case 1: base[0] = args[0]; break;
        case 2: base[0] = args[0], base[1] = args[1]; break;
        default: for (int i = 0; i < argc; ++i) base[i] = args[i];
      }
    }
    // Any function fits the frame: it was entered with room for the widest
    // (call_limit_). Only a call to another function than the one running
    // here (not tail recursion) takes its constants.
    if (p != frame->proto) {
      frame->proto = p;
      k = p->constants.data();
    }
    frame->closure = cl;
    clear_locals(base, uint32_t(argc), p->slot_count);
    sp = base + p->slot_count;
    ip = p->code.data();
    SAFEPOINT();
    DISPATCH();
  }
  CASE(RETURN) {
    Value r = sp[-1];
    if (frame == frames_.data()) [[unlikely]] {
      SAVE();
      return r;
    }
    sp = frame->base - 1;
    *sp++ = r;
    --frame_count_;
    --frame;
    LOAD_FRAME();
    DISPATCH();
  }

  CASE(FOR_NEXT) {
    uint32_t s = ARG();
    int32_t offset = int32_t(*ip++);
    Value coll = base[s];
    int64_t i = base[s + 1].as_int();
    if (is_type(coll, ObjType::Array)) {
      auto& items = as_array(coll)->items;
      if (size_t(i) < items.size()) {
        *sp++ = items[size_t(i)];
        base[s + 1] = Value::integer(i + 1);
      } else {
        ip += offset;
      }
    } else if (is_type(coll, ObjType::Map)) {
      auto& entries = as_map(coll)->entries;
      if (size_t(i) < entries.size()) {
        SAVE();
        *sp++ = symbol_string(entries[size_t(i)].key);
        base[s + 1] = Value::integer(i + 1);
      } else {
        ip += offset;
      }
    } else {
      RAISE(std::string("type error: for cannot iterate over ") + type_name(coll));
    }
    DISPATCH();
  }
  CASE(RANGE_INIT) {
    uint32_t s = ARG();
    if (!base[s].is_int() || !base[s + 1].is_int() || !base[s + 2].is_int())
      RAISE("type error: range takes ints");
    if (base[s + 2].as_int() == 0) RAISE("type error: range step is 0");
    DISPATCH();
  }
  CASE(RANGE_NEXT) {
    uint32_t s = ARG();
    int32_t offset = int32_t(*ip++);
    int64_t i = base[s].as_int(), to = base[s + 1].as_int(), step = base[s + 2].as_int();
    if (step > 0 ? i < to : i > to) {
      *sp++ = base[s];
      int64_t next = i + step;
      base[s] = Value::integer(Value::int_fits(next) ? next : to);
    } else {
      ip += offset;
    }
    DISPATCH();
  }
  CASE(ASSERT) {
    if (ARG() == 1) {
      Value msg = *--sp;
      if (!sp[-1].truthy()) RAISE("Assertion failed: " + display_excerpt(msg, symbols, false, walk_, kMessageBytes));
    } else if (!sp[-1].truthy()) {
      RAISE("Assertion failed");
    }
    sp[-1] = Value::nil();
    DISPATCH();
  }
  CASE(ERROR) { RAISE(std::string(as_string(k[ARG()])->view())); }

  CASE(NEW_ARRAY) {
    uint32_t n = ARG();
    SAVE();
    ArrayObj* a = heap.new_array(n);
    heap.fill(a, sp - n, sp);
    sp -= n;
    *sp++ = Value::object(a);
    DISPATCH();
  }
  CASE(ARRAY_PUSH) {
    SAVE();
    heap.push(sp[-2].as_object(), as_array(sp[-2])->items, sp[-1]);
    --sp;
    DISPATCH();
  }
  CASE(ARRAY_SPREAD) {
    SAVE();
    Value xs = sp[-1];
    if (!is_type(xs, ObjType::Array)) throw_error("type error: spread of a non-array");
    auto& src = as_array(xs)->items;
    heap.append(sp[-2].as_object(), as_array(sp[-2])->items, src.data(), src.data() + src.size());
    --sp;
    DISPATCH();
  }
  CASE(NEW_MAP) {
    SAVE();
    *sp++ = Value::object(heap.new_map());
    DISPATCH();
  }
  CASE(MAP_PUT) {
    SAVE();
    heap.map_put(as_map(sp[-2]), ARG(), sp[-1]);
    --sp;
    DISPATCH();
  }
  CASE(NEW_GENE) {
    SAVE();
    GeneObj* g = heap.new_gene(sp[-2]);
    auto& items = as_array(sp[-1])->items;
    heap.append(g, g->children, items.data(), items.data() + items.size());
    sp[-2] = Value::object(g);
    --sp;
    DISPATCH();
  }
  CASE(GET_INDEX) {
    Value c = sp[-1];
    int64_t i = SARG();
    if (is_type(c, ObjType::Array)) {
      auto& items = as_array(c)->items;
      int64_t j = normalize_index(i, items.size());
      sp[-1] = j < 0 ? Value::nil() : items[size_t(j)];
    } else if (is_type(c, ObjType::Gene)) {
      auto& items = as_gene(c)->children;
      int64_t j = normalize_index(i, items.size());
      sp[-1] = j < 0 ? Value::nil() : items[size_t(j)];
    } else if (is_type(c, ObjType::Map)) {
      Value* v = as_map(c)->find(symbols.intern(std::to_string(i)));
      sp[-1] = v ? *v : Value::nil();
    } else {
      RAISE(std::string("type error: cannot index ") + type_name(c));
    }
    DISPATCH();
  }
  CASE(GET_KEY) {
    Value c = sp[-1];
    if (is_type(c, ObjType::Map)) {
      Value* v = as_map(c)->find(ARG());
      sp[-1] = v ? *v : Value::nil();
    } else if (is_type(c, ObjType::Gene)) {
      sp[-1] = Value::nil();
    } else {
      RAISE(std::string("type error: cannot read key ") + symbols.name(ARG()) + " of " + type_name(c));
    }
    DISPATCH();
  }
  CASE(SET_INDEX) {
    Value c = sp[-2], v = sp[-1];
    int64_t i = SARG();
    SAVE();
    if (is_type(c, ObjType::Array) || is_type(c, ObjType::Gene)) {
      auto& items = is_type(c, ObjType::Array) ? as_array(c)->items : as_gene(c)->children;
      int64_t j = normalize_index(i, items.size());
      if (j < 0) throw_error("index out of range: " + std::to_string(i));
      heap.store_into(c.as_object(), items[size_t(j)], v);
    } else if (is_type(c, ObjType::Map)) {
      heap.map_set(as_map(c), symbols.intern(std::to_string(i)), v);
    } else {
      throw_error(std::string("type error: cannot index ") + type_name(c));
    }
    sp[-2] = v;
    --sp;
    DISPATCH();
  }
  CASE(SET_KEY) {
    Value c = sp[-2], v = sp[-1];
    SAVE();
    if (!is_type(c, ObjType::Map))
      throw_error(std::string("type error: cannot set key ") + symbols.name(ARG()) + " of " + type_name(c));
    heap.map_set(as_map(c), ARG(), v);
    sp[-2] = v;
    --sp;
    DISPATCH();
  }

#ifndef GENE_COMPUTED_GOTO
    }  // switch
  }    // for
#endif
#undef SAVE
#undef LOAD_FRAME
#undef ARG
#undef SARG
#undef RAISE
#undef SAFEPOINT
#undef CASE
#undef DISPATCH
}

void VM::fill_stats(Stats& s) const {
  s.instructions = instructions_;
  s.execution_seconds = execution_seconds_;
  s.frames_allocated = frames_allocated_ + tail_reuses_;
  s.frames_fresh = frames_fresh_;
  uint64_t widest = 0;
  if (program_)
    for (auto& p : program_->protos) widest = std::max<uint64_t>(widest, p->slot_count + p->max_stack + 1);
  s.frame_bytes = sizeof(Frame) + widest * sizeof(Value);
  s.tail_calls = tail_calls_ + tail_reuses_;
  s.tail_calls_optimized = tail_calls_optimized_ + tail_reuses_;
  s.max_stack_depth = max_depth_seen_;
  s.allocations = heap.allocations();
  s.bytes_allocated = heap.bytes_allocated();
  s.pool_hits = heap.pool_hits();
  for (int id = 0; id < Heap::kPoolCount; ++id) {
    auto& ps = heap.pool_stats(id);
    if (ps.allocations()) s.pool_by_type[Heap::pool_name(id)] = {ps.hits, ps.allocations()};
  }
  s.heap_peak_bytes = heap.peak_bytes();
  s.gc_collections = heap.young_collections + heap.old_collections;
  s.gc_seconds = heap.gc_seconds;
  s.gc_pauses = heap.gc_pauses;
  // Allocation and the write barrier's slow paths are events of a few
  // nanoseconds: their time is estimated from the run's phase samples
  // (phase_sampler.h), which count CPU time. Reconciliations (freeing, and
  // the collections within them) last microseconds or more and are timed
  // whole, waits included, as is the run. So that a loaded machine does
  // not shrink the sampled part, it is stated in wall time: scaled by the
  // run's wall / CPU time (1 on an idle core).
  double waits = cpu_seconds_ > 0 && execution_seconds_ > cpu_seconds_ ? execution_seconds_ / cpu_seconds_ : 1;
  double allocation = allocation_sampled_seconds_ * waits, counting = counting_sampled_seconds_ * waits;
  // A signal may stand for several intervals (the tick is coarser than
  // the interval): in a run of a few milliseconds one sample can outweigh
  // the run. What was sampled cannot exceed what the timed parts leave.
  double room = std::max(0.0, execution_seconds_ - heap.free_seconds - heap.gc_seconds);
  if (allocation + counting > room) {
    double scale = room / (allocation + counting);
    allocation *= scale;
    counting *= scale;
  }
  s.memory_allocation_seconds = allocation;
  s.memory_freeing_seconds = heap.free_seconds + counting;
  s.memory_management_seconds = s.memory_allocation_seconds + s.memory_freeing_seconds + heap.gc_seconds;
  s.rc_increments = heap.rc_increments;
  s.rc_decrements = heap.rc_decrements;
  s.rc_frees = heap.rc_frees;
  s.rc_reconciliations = heap.reconciliations;
  s.gc_cycle_candidates = heap.cycle_candidates;
  s.gc_young_collections = heap.young_collections;
  s.gc_full_collections = heap.old_collections;
  s.gc_cycle_frees = heap.cycle_frees;
  if (program_) {
    s.constants_folded = program_->constants_folded;
    s.instructions_eliminated = program_->instructions_eliminated;
    s.calls_inlined = program_->calls_inlined;
  }
  if (!op_counts_.empty()) {
    uint64_t total = 0;
    for (auto c : op_counts_) total += c;
    for (int i = 0; i < kOpCount; ++i)
      if (op_counts_[i])
        s.instruction_mix.push_back({kOpInfo[i].name, op_counts_[i], total ? double(op_counts_[i]) / double(total) : 0});
    std::sort(s.instruction_mix.begin(), s.instruction_mix.end(),
              [](auto& a, auto& b) { return a.count > b.count; });
    std::vector<Hotspot> spots;
    for (auto& p : program_->protos) {
      auto& counts = word_counts_[p->id];
      uint64_t fn_total = 0;
      std::map<int, uint64_t> by_line;
      for (size_t i = 0; i < counts.size(); ++i) {
        if (!counts[i]) continue;
        fn_total += counts[i];
        by_line[p->positions[i].line] += counts[i];
      }
      if (!fn_total) continue;
      std::string name = p->name.empty() ? "<fn>" : p->name;
      spots.push_back({name, 0, fn_total});
      for (auto& [line, c] : by_line) spots.push_back({name, line, c});
    }
    double class_total = 0;
    for (double t : class_seconds_) class_total += t;
    for (int c = 0; c < int(OpClass::Count); ++c)
      s.time_by_opcode_class.push_back(
          {kOpClassNames[c], class_seconds_[c], class_total > 0 ? class_seconds_[c] / class_total : 0});
    std::sort(spots.begin(), spots.end(), [](auto& a, auto& b) { return a.instructions > b.instructions; });
    if (spots.size() > 20) spots.resize(20);
    s.hotspots = std::move(spots);
  }
}

}  // namespace gene
