// Limits that hold: deep walks over values (equality, display for str,
// print and the program's value) count their steps, check the clock and
// the host's interrupt as they go, and bound their text by the heap and
// output limits. The hostile programs are the shapes a review found:
// sixty doublings make 61 arrays with 2^60 paths.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "display.h"
#include "gene/vm.h"
#include "heap.h"
#include "walk_limits.h"

namespace gene {
namespace {

// `a` and `b`: equal, separately built, each with 2^60 paths.
const std::string kDoubled =
    "(var a 1) (var b 1) (var i 0)\n"
    "(while (i < 60) (a = [a a]) (b = [b b]) (i += 1))\n";

RunResult run(const std::string& source, RunOptions options) {
  options.output = [](std::string_view) {};
  return run_program(source, "t.gene", {}, options);
}

// A walk whose clock "runs out" after a number of checks, to see how often
// a walk checks.
class CountingWalk final : public WalkLimits {
 public:
  explicit CountingWalk(int checks_allowed) : left_(checks_allowed) {}
  int checks = 0;

 protected:
  void check_clock() override {
    ++checks;
    if (--left_ < 0) throw std::runtime_error("stopped");
  }

 private:
  int left_;
};

// The doubled array built directly on a heap: depth levels of [x x].
Value doubled(Heap& heap, int depth) {
  Value v = Value::integer(1);
  for (int i = 0; i < depth; ++i) {
    ArrayObj* a = heap.new_array();
    heap.push(a, a->items, v);
    heap.push(a, a->items, v);
    v = Value::object(a);
  }
  return v;
}

TEST(WalkLimits, EqualityChecksTheClockEveryFewThousandSteps) {
  Heap heap;
  Value a = doubled(heap, 40), b = doubled(heap, 40);
  CountingWalk walk(3);
  EXPECT_THROW(values_equal(a, b, walk), std::runtime_error);
  EXPECT_EQ(walk.checks, 4);  // stopped at the fourth check, after 4 * kCheckEvery steps
  // A small comparison needs no check at all.
  CountingWalk quiet(0);
  EXPECT_TRUE(values_equal(doubled(heap, 5), doubled(heap, 5), quiet));
  EXPECT_EQ(quiet.checks, 0);
}

TEST(WalkLimits, DisplayChecksTheClockAndStopsAtItsBound) {
  Heap heap;
  SymbolTable symbols;
  Value a = doubled(heap, 40);
  CountingWalk walk(2);
  std::string out;
  EXPECT_THROW(append_display(out, a, symbols, false, walk, SIZE_MAX), std::runtime_error);
  EXPECT_EQ(walk.checks, 3);
  // The text never passes its bound, however large the value's text is.
  CountingWalk free_walk(1 << 30);
  out = "x";
  EXPECT_FALSE(append_display(out, a, symbols, false, free_walk, 1000));
  EXPECT_EQ(out.size(), 1000u);
  EXPECT_EQ(out.substr(0, 8), "x[[[[[[[");
  // One long string is cut too, quoted or not.
  Value s = Value::object(heap.new_string(std::string(5000, '"')));
  out.clear();
  EXPECT_FALSE(append_display(out, s, symbols, true, free_walk, 100));
  EXPECT_EQ(out.size(), 100u);
  out.clear();
  EXPECT_TRUE(append_display(out, s, symbols, false, free_walk, 5000));
  EXPECT_EQ(out.size(), 5000u);
  EXPECT_EQ(display_excerpt(s, symbols, false, free_walk, 10), std::string(10, '"') + "...");
}

TEST(RunLimits, TheReviewsEqualityStopsAtTheDeadline) {
  RunOptions options;
  options.timeout_seconds = 0.3;
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = run(kDoubled + "(a == b)\n", options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.error_kind, ErrorKind::Timeout);
  EXPECT_EQ(r.message, "timeout");
  EXPECT_EQ(r.line, 3);  // the == that started the walk
  EXPECT_LT(seconds, 30.0);  // generous: the machine is shared; unbounded before
}

TEST(RunLimits, EveryWalkStopsAtTheDeadline) {
  // Without a heap limit the text grows until the deadline: kept short.
  const char* const endings[] = {"(a != b)\n", "(len (str a))\n", "(println a)\n", "(print 1 a)\n", "a\n"};
  for (const char* ending : endings) {
    RunOptions options;
    options.timeout_seconds = 0.1;
    RunResult r = run(kDoubled + ending, options);
    EXPECT_EQ(r.error_kind, ErrorKind::Timeout) << ending << r.error;
    EXPECT_EQ(r.line, 3) << ending << r.error;
  }
}

// The host's interrupt, set from another thread, stops every walk.
TEST(RunLimits, EveryWalkStopsAtTheHostsInterrupt) {
  const char* const endings[] = {"(a == b)\n", "(len (str a))\n", "(println a)\n", "a\n"};
  for (const char* ending : endings) {
    std::atomic<bool> interrupt{false};
    RunOptions options;
    options.interrupt = &interrupt;
    RunResult r;
    std::thread runner([&] { r = run(kDoubled + ending, options); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    interrupt = true;
    runner.join();
    EXPECT_EQ(r.error_kind, ErrorKind::Interrupted) << ending << r.error;
    EXPECT_EQ(r.message, "interrupted") << ending;
    EXPECT_EQ(r.line, 3) << ending << r.error;
  }
}

// Text counts as heap: str, print and the value fail with "out of memory"
// at the expression that asked for the text, long before it is built.
TEST(RunLimits, TextIsBoundedByTheHeapLimit) {
  const char* const endings[] = {"(len (str a))\n", "(println a)\n", "(print a b)\n", "a\n"};
  for (const char* ending : endings) {
    RunOptions options;
    options.max_heap_bytes = 16 << 20;
    options.timeout_seconds = 60;
    RunResult r = run(kDoubled + ending, options);
    EXPECT_EQ(r.error_kind, ErrorKind::ResourceLimit) << ending;
    EXPECT_EQ(r.message, "out of memory") << ending << r.error;
    EXPECT_EQ(r.line, 3) << ending << r.error;
  }
}

TEST(RunLimits, PrintedTextIsBoundedByTheOutputLimitFirst) {
  RunOptions options;
  options.max_heap_bytes = 16 << 20;
  options.max_output_bytes = 1 << 10;
  RunResult r = run(kDoubled + "(println \"fits\")\n(println a)\n", options);
  EXPECT_EQ(r.error_kind, ErrorKind::ResourceLimit);
  EXPECT_EQ(r.message, "output limit exceeded");
  EXPECT_EQ(r.line, 4);
  // Text that fits both limits is printed whole.
  std::string printed;
  options.output = [&](std::string_view s) { printed += s; };
  r = run_program("(var a 1) (var i 0) (while (i < 6) (a = [a a]) (i += 1)) (println a) (str a)", "t.gene", {},
                  options);
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(printed.size(), 254u);  // [[[[[[1 1] [1 1]] ...]]]] and a newline
  EXPECT_EQ(r.value.size(), 255u);   // the same text as a quoted string
}

TEST(RunLimits, ErrorMessagesShowExcerptsOfValues) {
  RunOptions options;
  options.timeout_seconds = 60;
  RunResult r = run(kDoubled + "(a 1)\n", options);
  EXPECT_EQ(r.error_kind, ErrorKind::Runtime);
  EXPECT_EQ(r.message.substr(0, 18), "not callable: [[[[");
  EXPECT_LT(r.message.size(), 300u);
  EXPECT_EQ(r.message.substr(r.message.size() - 3), "...");
  r = run(kDoubled + "(assert false a)\n", options);
  EXPECT_EQ(r.message.substr(0, 22), "Assertion failed: [[[[");
  EXPECT_LT(r.message.size(), 5000u);
}

// Memory the heap does not own still counts: names interned at run time,
// the syntax nodes of $parse, the VM stack of a spread call.
TEST(RunLimits, MemoryBesideTheHeapCountsAgainstItsLimit) {
  RunOptions options;
  options.max_heap_bytes = 8 << 20;
  options.timeout_seconds = 60;
  RunResult r = run("(var i 0) (while true (set {} (str \"key\" i) i) (i += 1))", options);
  EXPECT_EQ(r.message, "out of memory") << r.error;
  // 2^18 values in half a MiB of text: tens of MiB of syntax nodes.
  r = run("(var s \"0 \") (var i 0) (while (i < 18) (s = (+ s s)) (i += 1))\n($parse (+ \"[\" s \"]\"))",
          options);
  EXPECT_EQ(r.message, "out of memory") << r.error;
  EXPECT_EQ(r.line, 2);
  // Deep recursion through a function with a hundred locals: the stack
  // outgrows the heap limit long before the depth limit.
  std::string wide = "(fn f n\n";
  for (int i = 0; i < 100; ++i) wide += " (var x" + std::to_string(i) + " n)";
  wide += "\n (if (n == 0) 0 (+ 1 (f (n - 1)))))\n(f 50000)\n";
  r = run(wide, options);
  EXPECT_EQ(r.message, "out of memory") << r.error;
}

}  // namespace
}  // namespace gene
