// Every statistic the VM reports can leave its trivial value: for each name
// in Stats::names() a program where it does (a rate below 1, a counter
// above 0, a depth above 1), and where cheap one where it does not. A
// statistic that always equals its twin or its default measures nothing,
// and a target on it could never be missed. The test fails when a new
// statistic is added without a case here.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "gene/vm.h"

namespace gene {
namespace {

using Values = std::map<std::string, std::optional<double>>;

struct Options {
  int level = 2;
  bool tco = true;
  uint32_t gc_young = 256;
  double gc_old_ratio = 0.25;
};

Values run(const std::string& source, Options o = {}) {
  RunOptions options;
  options.optimizer = OptimizerOptions::for_level(o.level);
  options.optimizer.tco = o.tco;
  options.optimizer.verify = true;
  options.gc_young_threshold = o.gc_young;
  options.gc_old_ratio = o.gc_old_ratio;
  options.timeout_seconds = 60;
  options.output = [](std::string_view) {};
  RunResult r = run_program(source, "stats.gene", {}, options);
  EXPECT_TRUE(r.ok()) << source << "\n" << r.error;
  Values v;
  for (auto& [name, value] : r.stats.scalars()) v[name] = value;
  return v;
}

// Programs made for one statistic each.
const char* kDeepRecursion = "(fn d n (if (n == 0) 0 else (+ 1 (d (n - 1)))))\n(d 50)";
const char* kRepeatedCalls = "(fn f [] 1)\n(var i 0)\n(while (i < 100) (f) (i += 1))";
const char* kTailRecursion = "(fn down n (if (n == 0) 0 else (down (n - 1))))\n(down 1000)";
// Ten tail calls of a closure, then one of a builtin (which takes no frame).
const char* kMixedTailCalls = "(fn down n (if (n == 0) (str \"done\") else (down (n - 1))))\n(down 10)";
const char* kNoCalls = "(var s 0)\n(var i 0)\n(while (i < 100) (s += i) (i += 1))\ns";
// Containers of every pooled type made and dropped in a loop: the first of
// each misses the pool, the later ones reuse freed blocks.
const char* kChurn =
    "(fn make_closure x (fn [] x))\n"
    "(fn boxed [] (var b 1) (fn [] b))\n"
    "(var i 0)\n"
    "(while (i < 20000)\n"
    "  (var a [i i])\n"
    "  (var m {^k i})\n"
    "  (var s (str \"s\" (i % 10)))\n"
    "  (var c (make_closure i))\n"
    "  (var b (boxed))\n"
    "  (i += 1))";
// Mostly memory management by construction: each pass makes a 10 KiB
// string (malloc, and the copy that faults it in) and frees the last one.
// Allocation time is sampled at the kernel's tick (250 Hz here): 100,000
// passes, about 45 ms, got about 11 samples, and a run now and then had
// none in allocation; 400,000, about 160 ms, get about 40.
const char* kLargeStrings =
    "(var s \"xxxxxxxxxx\")\n"
    "(var i 0)\n"
    "(while (i < 10) (s = (str s s)) (i += 1))\n"
    "(var j 0)\n"
    "(while (j < 400000) (var t (str s \"y\")) (j += 1))";
// Pairs of maps holding each other: only the cycle collector frees them.
// (A map holding only itself would die by its count: a container's
// references to itself are not counted.)
const char* kCycles =
    "(var i 0)\n"
    "(while (i < 5000)\n"
    "  (var m {^i i})\n"
    "  (var p {^m m})\n"
    "  (m/peer = p)\n"
    "  (i += 1))";
const char* kFolding = "(fn area r (var pi 3.0) (var two 2) (* two pi r r))\n(area (2 + 3))";
const char* kDeadCode = "(if false (println \"never\") else (println \"always\"))\n(while false (println 1))";
const char* kInlining = "(fn sq x (x * x))\n(+ (sq 3) (sq 4))";

struct Case {
  const char* program;
  Options options;
  std::function<bool(std::optional<double>)> holds;
  const char* what;
};

auto above(double x) {
  return [x](std::optional<double> v) { return v && *v > x; };
}
auto below(double x) {
  return [x](std::optional<double> v) { return v && *v < x; };
}
auto equals(double x) {
  return [x](std::optional<double> v) { return v && *v == x; };
}
auto strictly_between(double lo, double hi) {
  return [lo, hi](std::optional<double> v) { return v && *v > lo && *v < hi; };
}
bool absent(std::optional<double> v) { return !v; }

Options no_tco() {
  Options o;
  o.tco = false;
  return o;
}
Options eager_gc() {
  Options o;
  o.gc_young = 50;
  o.gc_old_ratio = 0;
  return o;
}
Options level1() {  // no inlining: every call takes a frame
  Options o;
  o.level = 1;
  return o;
}
Options level0() {
  Options o;
  o.level = 0;
  return o;
}

// name → cases: the first takes a value other than the trivial one.
const std::multimap<std::string, Case>& cases() {
  static const std::multimap<std::string, Case> c = {
      {"instructions", {kNoCalls, {}, above(100), "a loop runs hundreds of instructions"}},
      {"execution_seconds", {kNoCalls, {}, above(0), "time passes"}},
      {"instructions_per_second", {kNoCalls, {}, above(0), "a rate"}},
      {"frames_allocated", {kRepeatedCalls, level1(), equals(100), "one frame per call"}},
      {"frames_allocated", {kNoCalls, {}, equals(0), "no call, no frame"}},
      {"frames_allocated", {kRepeatedCalls, {}, equals(0), "inlined calls take no frame"}},
      {"frames_per_second", {kRepeatedCalls, level1(), above(0), "a rate"}},
      {"frames_per_second", {kNoCalls, {}, equals(0), "no frames"}},
      {"frame_pool_hit_rate", {kDeepRecursion, {}, equals(0), "each level deeper than ever: a fresh frame"}},
      {"frame_pool_hit_rate", {kRepeatedCalls, level1(), equals(0.99), "after the first call the pool serves"}},
      {"frame_pool_hit_rate", {kNoCalls, {}, absent, "no frames: no rate"}},
      {"frame_bytes", {"(fn f [a b c d e f g h] (var x a) (var y b) x)\n(f 1 2 3 4 5 6 7 8)", {}, above(120),
                       "the widest function sets it"}},
      {"frame_bytes", {kNoCalls, {}, below(100), "the top level alone: a small frame"}},
      {"tail_calls", {kTailRecursion, {}, equals(1000), "every call from a tail position"}},
      {"tail_calls", {kDeepRecursion, {}, equals(0), "calls whose value is used are not tail calls"}},
      {"tail_calls_optimized", {kTailRecursion, no_tco(), equals(0), "--no-tco: each takes a new frame"}},
      {"tail_calls_optimized", {kTailRecursion, {}, equals(1000), "each reuses the frame"}},
      {"tco_success_rate", {kMixedTailCalls, no_tco(), strictly_between(0.09, 0.1),
                            "--no-tco: only the builtin, which never takes a frame, of 11"}},
      {"tco_success_rate", {kTailRecursion, no_tco(), equals(0), "--no-tco on tail recursion"}},
      {"tco_success_rate", {kTailRecursion, {}, equals(1), "every tail call reuses the frame"}},
      {"tco_success_rate", {kNoCalls, {}, absent, "no tail calls: no rate"}},
      {"max_stack_depth", {kDeepRecursion, {}, equals(51), "fifty nested calls under the first"}},
      {"max_stack_depth", {kTailRecursion, {}, equals(1), "tail calls stay at one frame"}},
      {"max_stack_depth", {kTailRecursion, no_tco(), equals(1001), "--no-tco: a frame per call"}},
      {"allocations", {kChurn, {}, above(100000), "five objects per iteration"}},
      {"allocations", {kNoCalls, {}, equals(0), "ints need no heap"}},
      {"bytes_allocated", {kChurn, {}, above(1000000), "their bytes"}},
      {"object_pool_hit_rate", {kChurn, {}, strictly_between(0.5, 1), "all but the first few reuse blocks"}},
      {"object_pool_hit_rate", {kNoCalls, {}, absent, "no allocations: no rate"}},
      {"object_pool_hit_rate_array", {kChurn, {}, strictly_between(0.5, 1), "arrays"}},
      {"object_pool_hit_rate_map", {kChurn, {}, strictly_between(0.5, 1), "maps"}},
      {"object_pool_hit_rate_string", {kChurn, {}, strictly_between(0.5, 1), "short strings"}},
      {"object_pool_hit_rate_closure", {kChurn, {}, strictly_between(0.5, 1), "closures"}},
      {"object_pool_hit_rate_box", {kChurn, {}, strictly_between(0.5, 1), "boxes"}},
      {"object_pool_hit_rate_box", {kNoCalls, {}, absent, "no boxes"}},
      {"heap_peak_bytes", {kChurn, {}, above(100), "objects were live at once"}},
      {"gc_collections", {kCycles, eager_gc(), above(10), "cycles need the collector"}},
      {"gc_collections", {kChurn, {}, equals(0), "no cycles, no collection"}},
      {"gc_seconds", {kCycles, eager_gc(), above(0), "collections take time"}},
      {"gc_pause_seconds_p50", {kCycles, eager_gc(), above(0), "a pause per collection"}},
      {"gc_pause_seconds_p50", {kChurn, {}, absent, "no pauses"}},
      {"gc_pause_seconds_p99", {kCycles, eager_gc(), above(0), "a pause per collection"}},
      {"gc_pause_seconds_max", {kCycles, eager_gc(), above(0), "a pause per collection"}},
      {"memory_management_seconds", {kChurn, {}, above(0), "allocating and freeing take time"}},
      {"memory_overhead_ratio", {kChurn, {}, above(0), "a share of the run"}},
      {"memory_overhead_ratio", {kNoCalls, {}, equals(0), "nothing allocated, nothing freed"}},
      {"memory_overhead_ratio", {kLargeStrings, {}, strictly_between(0.1, 1), "copying large strings"}},
      {"memory_allocation_seconds", {kNoCalls, {}, equals(0), "nothing allocated"}},
      {"memory_allocation_seconds", {kLargeStrings, {}, above(0), "sampled allocations"}},
      {"memory_freeing_seconds", {kChurn, {}, above(0), "reconciliations free garbage"}},
      {"rc_increments", {kCycles, {}, above(1000), "stores into objects count"}},
      {"rc_decrements", {kChurn, {}, above(1000), "freed containers release their children"}},
      {"rc_frees", {kChurn, {}, above(10000), "garbage freed by counts"}},
      {"rc_frees", {kNoCalls, {}, equals(0), "nothing to free"}},
      {"rc_reconciliations", {kChurn, {}, above(0), "safepoints reconcile the stack"}},
      {"gc_cycle_candidates", {kCycles, {}, above(1000), "each store closing a cycle makes a candidate"}},
      {"gc_cycle_candidates", {kNoCalls, {}, equals(0), "no objects, no candidates"}},
      {"gc_young_collections", {kCycles, eager_gc(), above(10), "young collections"}},
      {"gc_full_collections", {kCycles, eager_gc(), above(0), "full collections once candidates are promoted"}},
      {"gc_cycle_frees", {kCycles, eager_gc(), above(1000), "the cycles freed"}},
      {"constants_folded", {kFolding, {}, equals(4), "2+3, two propagated reads, 2*3.0"}},
      {"constants_folded", {kFolding, level0(), equals(0), "-O0 folds nothing"}},
      {"instructions_eliminated", {kDeadCode, {}, above(5), "a dead branch and a dead loop"}},
      {"instructions_eliminated", {kDeadCode, level0(), equals(0), "-O0 removes nothing"}},
      {"calls_inlined", {kInlining, {}, equals(2), "two call sites of a leaf"}},
      {"calls_inlined", {kInlining, level0(), equals(0), "-O0 inlines nothing"}},
  };
  return c;
}

// The memory counters are exact counts, folded in at reconciliations: the
// same program gives the same figures run after run, whatever the timing.
TEST(Statistics, MemoryCountsAreIdenticalRunToRun) {
  for (const char* program : {kChurn, kCycles}) {
    Values first = run(program, {.gc_young = 50});
    for (int i = 0; i < 3; ++i) {
      Values again = run(program, {.gc_young = 50});
      for (const char* name : {"allocations", "bytes_allocated", "heap_peak_bytes", "object_pool_hit_rate",
                               "rc_increments", "rc_decrements", "rc_frees", "rc_reconciliations",
                               "gc_cycle_candidates", "gc_cycle_frees", "gc_collections"})
        EXPECT_EQ(again[name], first[name]) << name << " in\n" << program;
    }
    EXPECT_GE(*first["allocations"], 5000);
  }
}

// `(s = (s + x))` on a string nothing else holds appends in place: a new
// string is made only when the text outgrows its block (a dozen block
// sizes up to 2000 bytes), for a global (STORE_GLOBAL after ADD), a local
// (ADD_STORE, or ADD and STORE_LOCAL at -O0) and two locals read in place
// (ADD_LOCALS_STORE). An alias on the stack makes every sum a new string.
TEST(Statistics, AStringOnlyItsVariableHoldsGrowsInPlace) {
  const char* unique =
      "(var s \"\")\n(var i 0)\n(while (i < 1000) (s = (s + \"ab\")) (i += 1))\n"
      "(fn f [] (var t \"\") (var p \"cd\") (var j 0) (while (j < 1000) (t = (t + p)) (j += 1)) (len t))\n"
      "(fn g [] (var t \"\") (var j 0) (while (j < 1000) (t += \"ef\") (j += 1)) (len t))\n"
      "(+ (len s) (f) (g))";
  const char* aliased =
      "(fn f [] (var t \"\") (var j 0) (while (j < 1000) (var keep t) (t += \"ef\") (j += 1)) (len t))\n(f)";
  for (int level : {0, 2}) {
    EXPECT_LT(*run(unique, {.level = level})["allocations"], 60) << level;
    EXPECT_GE(*run(aliased, {.level = level})["allocations"], 1000) << level;
  }
}

// Tail calls around three closures of different shapes: `a` (one slot)
// calls `b` (two parameters, two more locals), which calls `c` (a closure
// with a local and an upvalue), which calls `a`, N - 1 times in all. Each
// reuses the one frame the first call took: the depth stays 1 at a
// million, and every counter is exact.
std::string mutual_tail_calls(int n) {
  return "(fn a n (if (n == 0) 0 else (b (n - 1) 1)))\n"
         "(fn b [n x] (var y (x + 1)) (var z (y * 2)) (if (n == 0) z else (c (n - 1))))\n"
         "(fn make_c k (fn [n] (var w (n + k)) (if (n == 0) w else (a (n - 1)))))\n"
         "(var c (make_c 5))\n"
         "(a " + std::to_string(n - 1) + ")";
}

TEST(Statistics, TailCallsBetweenClosuresAreExactAtAnyDepth) {
  for (int n : {3, 1000, 1000000}) {
    Values v = run(mutual_tail_calls(n));
    double tail = n - 1;
    EXPECT_EQ(v["tail_calls"], tail) << n;
    EXPECT_EQ(v["tail_calls_optimized"], tail) << n;
    EXPECT_EQ(v["frames_allocated"], 2 + tail) << n;  // make_c, a, then the reused frame per tail call
    EXPECT_EQ(v["max_stack_depth"], 1) << n;
  }
  // --no-tco: each tail call takes a frame of its own.
  Values v = run(mutual_tail_calls(1000), no_tco());
  EXPECT_EQ(v["tail_calls"], 999);
  EXPECT_EQ(v["tail_calls_optimized"], 0);
  EXPECT_EQ(v["frames_allocated"], 2 + 999);
  EXPECT_EQ(v["max_stack_depth"], 1000);
}

TEST(Statistics, EveryStatisticCanLeaveItsTrivialValue) {
  std::set<std::string> covered;
  for (auto& [name, c] : cases()) {
    Values v = run(c.program, c.options);
    ASSERT_TRUE(v.count(name)) << name << " is not reported";
    std::string shown = v[name] ? std::to_string(*v[name]) : "absent";
    EXPECT_TRUE(c.holds(v[name])) << name << " = " << shown << ", expected: " << c.what << "\n" << c.program;
    covered.insert(name);
  }
  for (const std::string& name : Stats::names())
    EXPECT_TRUE(covered.count(name)) << "no test shows " << name << " away from its trivial value";
}

}  // namespace
}  // namespace gene
