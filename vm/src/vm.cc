// run_program(): the one way hosts run Gene code.
#include "gene/vm.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <variant>

#include "absl/status/statusor.h"

#include "compile_error.h"
#include "compiler.h"
#include "gene/reader.h"
#include "interpreter.h"

namespace gene {

OptimizerOptions OptimizerOptions::for_level(int level) {
  OptimizerOptions o;
  o.level = level;  // verify keeps its build-type default
  o.fold = o.dce = level >= 1;
  o.inline_calls = o.superinstructions = level >= 2;
  return o;
}

// Ends without a newline (CLI parsers add their own).
std::string version_text(const std::string& program) {
  BuildInfo b = build_info();
  return program + " " + b.version + "\n  commit    " + b.commit + (b.dirty ? "-dirty" : "") +
         "\n  build id  " + b.build_id + "\n  compiler  " + b.compiler + "\n  flags     " + b.flags;
}

namespace {

std::string locate(std::string_view file, SourcePos pos, const std::string& message) {
  std::string s(file);
  if (pos.line > 0) {
    s += ':';
    s += std::to_string(pos.line);
    if (pos.column > 0) {
      s += ':';
      s += std::to_string(pos.column);
    }
  }
  return s + ": " + message;
}

bool looks_like_int(std::string_view t) {
  size_t i = (!t.empty() && t[0] == '-') ? 1 : 0;
  if (i == t.size()) return false;
  return std::all_of(t.begin() + long(i), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string out_of_range(const Param& p, const std::string& text) {
  return "parameter " + p.name + ": integer out of range: " + text;
}

// A typed value as it is (only an int beyond 48 bits or a float that is
// not finite is refused).
absl::StatusOr<Value> typed_value(VM& vm, const Param& p, const ParamValue& value) {
  struct Bind {
    VM& vm;
    const Param& p;
    absl::StatusOr<Value> operator()(NilParam) const { return Value::nil(); }
    absl::StatusOr<Value> operator()(bool b) const { return Value::boolean(b); }
    absl::StatusOr<Value> operator()(int64_t i) const {
      if (!Value::int_fits(i)) return absl::InvalidArgumentError(out_of_range(p, std::to_string(i)));
      return Value::integer(i);
    }
    absl::StatusOr<Value> operator()(double d) const {
      if (!std::isfinite(d)) return absl::InvalidArgumentError("parameter " + p.name + ": a float value must be finite");
      return Value::number(d);
    }
    absl::StatusOr<Value> operator()(const std::string& s) const { return Value::object(vm.heap.new_string(s)); }
  };
  return std::visit(Bind{vm, p}, value);
}

// A parameter's value: its typed value, else its text as a Gene literal
// when it is one, else the text as a string.
absl::StatusOr<Value> param_value(VM& vm, const Param& p) {
  if (p.value) return typed_value(vm, p, *p.value);
  ReadResult r = read_program(p.text);
  if (!r.ok && looks_like_int(p.text)) return absl::InvalidArgumentError(out_of_range(p, p.text));
  if (r.ok && r.forms.size() == 1) {
    const Node& n = *r.forms[0];
    switch (n.kind) {
      case Node::Kind::Int: return Value::integer(n.int_value);
      case Node::Kind::Float: return Value::number(n.float_value);
      case Node::Kind::String: return Value::object(vm.heap.new_string(n.text));
      case Node::Kind::True: return Value::boolean(true);
      case Node::Kind::False: return Value::boolean(false);
      case Node::Kind::Nil: return Value::nil();
      default: break;
    }
  }
  return Value::object(vm.heap.new_string(p.text));
}

// run_program() without its guard against running out of memory where the
// heap does not count (reading, compiling, a huge parameter).
RunResult run_in_fresh_vm(std::string_view source, std::string_view file_name, const std::vector<Param>& params,
                          const RunOptions& options) {
  RunResult result;
  auto fail = [&](ErrorKind kind, SourcePos pos, const std::string& message) {
    result.error_kind = kind;
    result.message = message;
    result.line = pos.line;
    result.column = pos.column;
    result.error = locate(file_name, pos, message);
  };
  ReadResult read = read_program(source);
  if (!read.ok) {
    fail(ErrorKind::Read, read.error.pos, read.error.message);
    return result;
  }
  VM vm(options);
  std::vector<std::string> names;
  std::vector<Value> values;
  for (auto& p : params) {
    if (p.name.empty()) {
      result.error_kind = ErrorKind::Usage;
      result.error = result.message = "parameter without a name";
      return result;
    }
    absl::StatusOr<Value> v = param_value(vm, p);
    if (!v.ok()) {
      result.error_kind = ErrorKind::Usage;
      result.error = result.message = std::string(v.status().message());
      return result;
    }
    names.push_back(p.name);
    values.push_back(*v);
  }
  std::unique_ptr<Program> program;
  try {
    program = compile_program(std::move(read.forms), std::string(file_name), vm.heap, vm.symbols,
                              options.optimizer, names);
  } catch (CompileError& e) {
    fail(ErrorKind::Read, e.pos, e.message);
    return result;
  }
  std::vector<std::pair<uint32_t, Value>> bound;
  for (size_t i = 0; i < names.size(); ++i) {
    uint32_t sym = vm.symbols.intern(names[i]);
    auto it = std::find(program->global_names.begin(), program->global_names.end(), sym);
    bound.emplace_back(uint32_t(it - program->global_names.begin()), values[i]);
  }
  try {
    Value v = vm.run(*program, bound);
    result.value = vm.value_text(v);
  } catch (RuntimeError& e) {
    fail(e.kind, vm.error_position(), e.message);
  }
  try {
    vm.flush_output();
  } catch (RuntimeError& e) {
    if (result.ok()) fail(e.kind, {}, e.message);
  }
  vm.fill_stats(result.stats);
  return result;
}

}  // namespace

RunResult run_program(std::string_view source, std::string_view file_name, const std::vector<Param>& params,
                      const RunOptions& options) {
  try {
    return run_in_fresh_vm(source, file_name, params, options);
  } catch (OutOfMemory&) {
  } catch (std::bad_alloc&) {
  }
  RunResult result;
  result.error_kind = ErrorKind::ResourceLimit;
  result.message = "out of memory";
  result.error = locate(file_name, {}, result.message);
  return result;
}

// ---- statistics by name ----------------------------------------------------------

namespace {

std::optional<double> ratio(double num, double den) {
  if (den == 0) return std::nullopt;
  return num / den;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest rank: the smallest value with at least q of the pauses at or below it.
  size_t rank = size_t(std::ceil(q * double(v.size())));
  return v[rank == 0 ? 0 : rank - 1];
}

const char* const kPoolTypes[] = {"array", "map", "string", "closure", "box"};

}  // namespace

const std::vector<StatisticInfo>& Stats::catalog() {
  // Exact: counts the interpreter, the allocator, the cycle collector
  // (whose collections are triggered by counts, never by time) and the
  // compiler make, and ratios of such counts.
  static const std::vector<StatisticInfo> catalog = [] {
    std::vector<StatisticInfo> c = {
        {"instructions", "count", true},
        {"execution_seconds", "seconds", false},
        {"instructions_per_second", "per_second", false},
        {"frames_allocated", "count", true},
        {"frames_per_second", "per_second", false},
        {"frame_pool_hit_rate", "ratio", true},
        {"frame_bytes", "bytes", true},
        {"tail_calls", "count", true},
        {"tail_calls_optimized", "count", true},
        {"tco_success_rate", "ratio", true},
        {"max_stack_depth", "count", true},
        {"allocations", "count", true},
        {"bytes_allocated", "bytes", true},
        {"object_pool_hit_rate", "ratio", true},
    };
    for (const char* t : kPoolTypes) c.push_back({std::string("object_pool_hit_rate_") + t, "ratio", true});
    for (const StatisticInfo& s : std::initializer_list<StatisticInfo>{
             {"heap_peak_bytes", "bytes", true},
             {"gc_collections", "count", true},
             {"gc_seconds", "seconds", false},
             {"gc_pause_seconds_p50", "seconds", false},
             {"gc_pause_seconds_p99", "seconds", false},
             {"gc_pause_seconds_max", "seconds", false},
             {"memory_management_seconds", "seconds", false},
             {"memory_overhead_ratio", "ratio", false},
             {"memory_allocation_seconds", "seconds", false},
             {"memory_freeing_seconds", "seconds", false},
             {"rc_increments", "count", true},
             {"rc_decrements", "count", true},
             {"rc_frees", "count", true},
             {"rc_reconciliations", "count", true},
             {"gc_cycle_candidates", "count", true},
             {"gc_young_collections", "count", true},
             {"gc_full_collections", "count", true},
             {"gc_cycle_frees", "count", true},
             {"constants_folded", "count", true},
             {"instructions_eliminated", "count", true},
             {"calls_inlined", "count", true},
         })
      c.push_back(s);
    return c;
  }();
  return catalog;
}

std::vector<std::string> Stats::names() {
  std::vector<std::string> n;
  for (const StatisticInfo& s : catalog()) n.push_back(s.name);
  return n;
}

std::vector<std::pair<std::string, std::optional<double>>> Stats::scalars() const {
  std::vector<std::pair<std::string, std::optional<double>>> s;
  auto add = [&](const char* name, std::optional<double> v) { s.emplace_back(name, v); };
  add("instructions", double(instructions));
  add("execution_seconds", execution_seconds);
  add("instructions_per_second", ratio(double(instructions), execution_seconds));
  add("frames_allocated", double(frames_allocated));
  add("frames_per_second", ratio(double(frames_allocated), execution_seconds));
  add("frame_pool_hit_rate", ratio(double(frames_allocated - frames_fresh), double(frames_allocated)));
  add("frame_bytes", double(frame_bytes));
  add("tail_calls", double(tail_calls));
  add("tail_calls_optimized", double(tail_calls_optimized));
  add("tco_success_rate", ratio(double(tail_calls_optimized), double(tail_calls)));
  add("max_stack_depth", double(max_stack_depth));
  add("allocations", double(allocations));
  add("bytes_allocated", double(bytes_allocated));
  add("object_pool_hit_rate", ratio(double(pool_hits), double(allocations)));
  for (const char* t : kPoolTypes) {
    auto it = pool_by_type.find(t);
    std::optional<double> r;
    if (it != pool_by_type.end()) r = ratio(double(it->second.first), double(it->second.second));
    s.emplace_back(std::string("object_pool_hit_rate_") + t, r);
  }
  add("heap_peak_bytes", double(heap_peak_bytes));
  add("gc_collections", double(gc_collections));
  add("gc_seconds", gc_seconds);
  std::optional<double> p50, p99, pmax;
  if (!gc_pauses.empty()) {
    p50 = percentile(gc_pauses, 0.50);
    p99 = percentile(gc_pauses, 0.99);
    pmax = *std::max_element(gc_pauses.begin(), gc_pauses.end());
  }
  add("gc_pause_seconds_p50", p50);
  add("gc_pause_seconds_p99", p99);
  add("gc_pause_seconds_max", pmax);
  add("memory_management_seconds", memory_management_seconds);
  add("memory_overhead_ratio", ratio(memory_management_seconds, execution_seconds));
  add("memory_allocation_seconds", memory_allocation_seconds);
  add("memory_freeing_seconds", memory_freeing_seconds);
  add("rc_increments", double(rc_increments));
  add("rc_decrements", double(rc_decrements));
  add("rc_frees", double(rc_frees));
  add("rc_reconciliations", double(rc_reconciliations));
  add("gc_cycle_candidates", double(gc_cycle_candidates));
  add("gc_young_collections", double(gc_young_collections));
  add("gc_full_collections", double(gc_full_collections));
  add("gc_cycle_frees", double(gc_cycle_frees));
  add("constants_folded", double(constants_folded));
  add("instructions_eliminated", double(instructions_eliminated));
  add("calls_inlined", double(calls_inlined));
  return s;
}

}  // namespace gene
