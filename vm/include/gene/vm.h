// The VM's face to hosts: the `gene` CLI, the benchmark runner and the farm
// worker all run programs through run_program(). Nothing here exposes the
// value representation or the bytecode.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace gene {

// What the compiler may do. -O0 turns every pass off; -O1 folds constants
// and drops dead code; -O2 (the default) adds inlining and superinstructions.
// Tail calls reuse the caller's frame at every level (the language promises
// it); only `tco = false` (--no-tco) makes them take a new frame.
struct OptimizerOptions {
  int level = 2;
  bool fold = true;
  bool dce = true;
  bool inline_calls = true;
  bool superinstructions = true;
  bool tco = true;
  // Check every compiled function with the bytecode verifier (always on
  // in debug builds; the tests turn it on everywhere).
  bool verify = kDebugBuild;

  static constexpr bool kDebugBuild =
#ifdef NDEBUG
      false;
#else
      true;
#endif
  static OptimizerOptions for_level(int level);
};

struct RunOptions {
  OptimizerOptions optimizer;
  double timeout_seconds = 0;      // 0 = no deadline
  // 0 = no heap limit. Counts objects as the allocator holds them, text a
  // display builds, the VM stack and names made while running.
  uint64_t max_heap_bytes = 0;
  uint32_t max_depth = 100000;     // call depth beyond which "stack overflow"
  uint64_t max_output_bytes = 0;   // 0 = unlimited
  bool profile = false;            // instruction mix, hotspots
  bool trace = false;              // each executed instruction to the trace sink
  uint64_t trace_limit = 10000;
  // The cycle collector's generations: a young collection runs once this
  // many candidate roots are buffered; a full one once the candidates
  // promoted since the last full collection reach this share of the
  // objects that one examined.
  uint32_t gc_young_threshold = 256;
  double gc_old_ratio = 0.25;
  // Set from another thread to stop the program ("interrupted") at the next
  // safepoint (backward jump or call) or within a few thousand steps of a
  // deep walk (equality, display), as the deadline is checked.
  const std::atomic<bool>* interrupt = nullptr;
  // Where the program's print/println go. Default: stdout.
  std::function<void(std::string_view)> output;
  // Where --trace lines go. Default: stderr.
  std::function<void(std::string_view)> trace_output;
};

// Gene's nil as a parameter value.
struct NilParam {
  bool operator==(const NilParam&) const { return true; }
};

// A parameter's value as a host holds it (the farm's typed values): bound
// as exactly that value, never read as Gene text. An int must fit Gene's
// 48 bits and a float must be finite, else the run is a usage error.
using ParamValue = std::variant<NilParam, bool, int64_t, double, std::string>;

// A parameter bound before the program runs. `--param k=v` gives text,
// read as a Gene literal when it is one, else taken as a string; a host
// with typed values gives `value`, which then wins over `text`.
struct Param {
  std::string name;
  std::string text;
  std::optional<ParamValue> value = std::nullopt;
};

enum class ErrorKind {
  None,
  Usage,          // bad parameter
  Read,           // the program could not be read
  Runtime,        // the program failed
  Timeout,        // deadline passed
  Interrupted,    // stopped by the host
  ResourceLimit,  // heap, depth or output limit
};

struct OpcodeCount {
  std::string opcode;
  uint64_t count = 0;
  double share = 0;
};

struct OpClassTime {
  std::string op_class;  // stack, variables, arithmetic, branch, call/return, collections
  double seconds = 0;    // wall time from each instruction of the class to the next
  double share = 0;
};

struct Hotspot {
  std::string function;  // "<main>" for the top level
  int line = 0;          // 0 for a function total
  uint64_t instructions = 0;
};

// What a statistic is. `exact` ones are deterministic: counts (and ratios
// of counts) identical on every run of one build and one program, whatever
// the machine is doing, so a change in one is a real change. Timings and
// what is derived from them are not exact.
struct StatisticInfo {
  std::string name;
  const char* unit;  // "count", "bytes", "seconds", "ratio" or "per_second"
  bool exact;
};

// Every statistic of docs/cli.md "Reading the statistics", by the same names. Ratios
// whose denominator is 0 are std::nullopt.
struct Stats {
  uint64_t instructions = 0;
  double execution_seconds = 0;
  uint64_t frames_allocated = 0;
  uint64_t frames_fresh = 0;  // frames_allocated not served by the pool or a tail call
  uint64_t frame_bytes = 0;
  uint64_t tail_calls = 0;
  uint64_t tail_calls_optimized = 0;
  uint64_t max_stack_depth = 0;
  uint64_t allocations = 0;
  uint64_t bytes_allocated = 0;
  uint64_t pool_hits = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> pool_by_type;  // type → (hits, allocations)
  uint64_t heap_peak_bytes = 0;
  uint64_t gc_collections = 0;
  double gc_seconds = 0;
  std::vector<double> gc_pauses;  // seconds, one per collection
  double memory_management_seconds = 0;  // allocation + freeing + gc_seconds
  double memory_allocation_seconds = 0;  // making objects and growing buffers, from the run's phase samples
  double memory_freeing_seconds = 0;     // reconciling the stack and freeing what reference counts free (timed
                                         // whole), and the write barrier's zero count table and cycle
                                         // candidates (sampled)
  // How the memory model got there (beyond the documented statistics).
  uint64_t rc_increments = 0;
  uint64_t rc_decrements = 0;
  uint64_t rc_frees = 0;             // objects freed when their count reached zero
  uint64_t rc_reconciliations = 0;   // safepoints that reconciled the stack's references
  uint64_t gc_cycle_candidates = 0;  // objects buffered as possible cycle roots
  uint64_t gc_young_collections = 0;
  uint64_t gc_full_collections = 0;
  uint64_t gc_cycle_frees = 0;       // objects freed by the cycle collector
  uint64_t constants_folded = 0;
  uint64_t instructions_eliminated = 0;
  uint64_t calls_inlined = 0;
  std::vector<OpcodeCount> instruction_mix;  // profile only
  std::vector<Hotspot> hotspots;             // profile only
  std::vector<OpClassTime> time_by_opcode_class;  // profile only

  // Every scalar statistic by its documented name, ratios included when
  // defined; the order is the table's.
  std::vector<std::pair<std::string, std::optional<double>>> scalars() const;
  // The names scalars() can report (also those that may be absent).
  static std::vector<std::string> names();
  // What each of names() is, in the same order.
  static const std::vector<StatisticInfo>& catalog();
};

struct RunResult {
  ErrorKind error_kind = ErrorKind::None;
  std::string error;       // "FILE:LINE:COL: MESSAGE" when error_kind != None
  std::string message;     // MESSAGE alone
  int line = 0, column = 0;
  std::string value;       // the program's value as display text (collection form)
  Stats stats;
  bool ok() const { return error_kind == ErrorKind::None; }
};

// Reads, compiles and runs one program in a fresh VM.
RunResult run_program(std::string_view source, std::string_view file_name,
                      const std::vector<Param>& params, const RunOptions& options);

// Reads and compiles a program and returns its bytecode listing; a program
// that cannot be read or compiled is INVALID_ARGUMENT ("FILE:LINE:COL: MESSAGE").
absl::StatusOr<std::string> disassemble(std::string_view source, std::string_view file_name,
                                        const OptimizerOptions& optimizer);

// What this binary is, computed when it was built (cmake/build_identity.cmake).
struct BuildInfo {
  std::string version, commit, compiler, build_type;
  bool dirty = false;    // tracked files had uncommitted changes when it was built
  std::string build_id;  // hash of the sources, compiler and flags: differs for any two builds
  std::string flags;     // build type and compiler flags
};
BuildInfo build_info();

// `--version` text of `program` built from this tree: its name and version,
// then the commit ("-dirty" appended), build id, compiler and flags, one
// per line, without a final newline.
std::string version_text(const std::string& program);

}  // namespace gene
