// End-to-end tests of the compiler and interpreter through the public API:
// gene::run_program and gene::disassemble.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "gene/vm.h"

namespace gene {
namespace {

struct Outcome {
  RunResult result;
  std::string output;
};

Outcome run(std::string_view source, RunOptions options = {}, const std::vector<Param>& params = {}) {
  Outcome r;
  options.optimizer.verify = true;
  options.output = [&r](std::string_view text) { r.output.append(text); };
  r.result = run_program(source, "t.gene", params, options);
  return r;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// Runs a program that must fail with `kind` and a message beginning with `prefix`.
RunResult run_fail(std::string_view source, ErrorKind kind, std::string_view prefix, RunOptions options = {}) {
  Outcome r = run(source, std::move(options));
  EXPECT_EQ(r.result.error_kind, kind) << source << "\nmessage: " << r.result.message;
  EXPECT_TRUE(starts_with(r.result.message, prefix))
      << source << "\nexpected message starting with: " << prefix << "\ngot: " << r.result.message;
  EXPECT_FALSE(r.result.ok());
  return r.result;
}

const char* kFib = "(fn fib n (if (n < 2) n else ((fib (n - 1)) + (fib (n - 2)))))\n(fib 24)";
const char* kTco = "(fn tco n (if (n == 0) (return 0)) (tco (n - 1)))\n(tco 1000000)";
const char* kSumLoop =
    "(fn sum_loop n (var total 0) (var i 1)\n"
    "  (while (<= i n) (total = (+ total i)) (i = (+ i 1))) total)\n"
    "(sum_loop 1000)";

TEST(Run, ExampleValues) {
  struct Case {
    const char* source;
    const char* value;
  } cases[] = {{kFib, "46368"}, {kTco, "0"}, {kSumLoop, "500500"}};
  for (const auto& c : cases) {
    Outcome r = run(c.source);
    ASSERT_TRUE(r.result.ok()) << c.source << "\n" << r.result.error;
    EXPECT_EQ(r.result.value, c.value) << c.source;
    EXPECT_EQ(r.output, "") << c.source;
  }
}

TEST(Run, ExamplePrints) {
  struct Case {
    const char* source;
    const char* output;
  } cases[] = {
      {"(println \"15 / 3 =\" (15 / 3))", "15 / 3 = 5.0\n"},
      {"(var m {^a 1}) (m/b = 2) (println m)", "{^a 1 ^b 2}\n"},
      {"(println (:foo 1))", "(foo 1)\n"},
      {"(println \"Nil: \" nil)", "Nil:  \n"},
      {"(println (:a \"s\"))", "(a \"s\")\n"},
      {"(var a []) (push a a) (println a)", "[...]\n"},
      {"(print 1 2) (print \"x\")", "1 2x"},
      {"(println (-7 % 3) (/ 8 2 2) (2 == 2.0) (+) (*))", "2 2.0 false 0 1\n"},
      {"(println (str \"a\" 1 nil [\"b\"]))", "a1[\"b\"]\n"},
  };
  for (const auto& c : cases) {
    Outcome r = run(c.source);
    EXPECT_TRUE(r.result.ok()) << c.source << "\n" << r.result.error;
    EXPECT_EQ(r.output, c.output) << c.source;
    EXPECT_EQ(r.result.value, "nil") << c.source;
  }
}

TEST(Run, ProgramValueUsesCollectionDisplay) {
  EXPECT_EQ(run("\"hi\"").result.value, "\"hi\"");
  EXPECT_EQ(run("nil").result.value, "nil");
  EXPECT_EQ(run("").result.value, "nil");
  EXPECT_EQ(run("(15 / 3)").result.value, "5.0");
  EXPECT_EQ(run("[1 \"a\" nil]").result.value, "[1 \"a\" nil]");
  EXPECT_EQ(run("(var x 1) (x = 7)").result.value, "7");
}

TEST(Run, UndefinedVariableError) {
  RunResult r = run_fail("(var x 1)\n(println (foo 1))", ErrorKind::Runtime, "undefined variable foo");
  EXPECT_EQ(r.line, 2);
  EXPECT_TRUE(starts_with(r.error, "t.gene:2:")) << r.error;
  EXPECT_NE(r.error.find("undefined variable foo"), std::string::npos) << r.error;
  // Nothing before the error is lost: output printed earlier still arrives.
  Outcome p = run("(println \"before\")\n(foo)");
  EXPECT_EQ(p.output, "before\n");
  EXPECT_EQ(p.result.error_kind, ErrorKind::Runtime);
  EXPECT_EQ(p.result.line, 2);
}

TEST(Run, RuntimeErrorMessages) {
  struct Case {
    const char* source;
    const char* prefix;
    int line;
  } cases[] = {
      {"(x = 1)", "assignment to undeclared variable x", 1},
      {"(var a 1)\n(a 2)", "not callable", 2},
      {"(fn f [a b] a)\n\n(f 1)", "wrong number of arguments", 3},
      {"(140737488355327 + 1)", "integer overflow", 1},
      {"(1 / 0)", "division by zero", 1},
      {"(5 % 0)", "division by zero", 1},
      {"(1 < \"a\")", "type error", 1},
      {"(\"a\" + 1)", "type error", 1},
      {"(var a [1])\n(a/5 = 2)", "index out of range", 2},
      {"(assert false)", "Assertion failed", 1},
      {"(assert (1 == 2) \"msg\")", "Assertion failed: msg", 1},
      {"(break)", "break outside a loop", 1},
      {"(continue)", "continue outside a loop", 1},
      {"(return 1)", "return outside a function", 1},
      {"(for x in 5 x)", "type error", 1},
  };
  for (const auto& c : cases) {
    Outcome r = run(c.source);
    // Errors found while compiling (break/continue/return outside) may be
    // reported before running; either way the kind is not None.
    EXPECT_FALSE(r.result.ok()) << c.source;
    EXPECT_TRUE(starts_with(r.result.message, c.prefix))
        << c.source << "\nexpected: " << c.prefix << "\ngot: " << r.result.message;
    EXPECT_EQ(r.result.line, c.line) << c.source << ": " << r.result.error;
  }
}

TEST(Run, ReadErrorRunsNothing) {
  Outcome r = run("(println \"ran\")\n  (a b");
  EXPECT_EQ(r.result.error_kind, ErrorKind::Read);
  EXPECT_TRUE(starts_with(r.result.message, "read error")) << r.result.message;
  EXPECT_EQ(r.result.line, 2);
  EXPECT_EQ(r.result.column, 3);
  EXPECT_TRUE(starts_with(r.result.error, "t.gene:2:3: read error")) << r.result.error;
  EXPECT_EQ(r.output, "");
}

TEST(Run, TailCallsKeepStackFlat) {
  Outcome r = run("(fn tco n (if (n == 0) (return 0)) (tco (n - 1)))\n(tco 100000)");
  ASSERT_TRUE(r.result.ok()) << r.result.error;
  EXPECT_EQ(r.result.value, "0");
  const Stats& s = r.result.stats;
  EXPECT_LE(s.max_stack_depth, 4u);
  EXPECT_GE(s.max_stack_depth, 1u);
  EXPECT_EQ(s.tail_calls, 100000u);
  EXPECT_EQ(s.tail_calls_optimized, 100000u);
  // Tail recursion deeper than max_depth is fine.
  RunOptions o;
  o.max_depth = 1000;
  Outcome deep = run("(fn loop_down n (if (n == 0) \"done\" else (loop_down (n - 1))))\n(loop_down 50000)", o);
  ASSERT_TRUE(deep.result.ok()) << deep.result.error;
  EXPECT_EQ(deep.result.value, "\"done\"");
  EXPECT_LE(deep.result.stats.max_stack_depth, 4u);
}

// --no-tco: every tail call takes a frame. The rate falls to 0 on a
// tail-recursive program, and recursion deeper than the limit is the error
// "stack overflow", not a crash.
TEST(Run, NoTcoTakesAFramePerTailCall) {
  RunOptions o;
  o.optimizer.tco = false;
  o.max_depth = 1000;
  Outcome r = run("(fn tco n (if (n == 0) (return 0)) (tco (n - 1)))\n(tco 500)", o);
  ASSERT_TRUE(r.result.ok()) << r.result.error;
  EXPECT_EQ(r.result.value, "0");
  EXPECT_EQ(r.result.stats.tail_calls, 500u);
  EXPECT_EQ(r.result.stats.tail_calls_optimized, 0u);
  EXPECT_EQ(r.result.stats.max_stack_depth, 501u);
  for (auto& [name, value] : r.result.stats.scalars()) {
    if (name == "tco_success_rate") {
      EXPECT_EQ(value, 0.0);
    }
  }
  RunResult deep = run_fail("(fn tco n (if (n == 0) (return 0)) (tco (n - 1)))\n(tco 5000)",
                            ErrorKind::ResourceLimit, "stack overflow", o);
  EXPECT_EQ(deep.line, 1);
  EXPECT_EQ(deep.stats.tail_calls_optimized, 0u);
  // The same program with tail calls on: flat, whatever the depth.
  o.optimizer.tco = true;
  Outcome flat = run("(fn tco n (if (n == 0) (return 0)) (tco (n - 1)))\n(tco 5000)", o);
  ASSERT_TRUE(flat.result.ok()) << flat.result.error;
  EXPECT_EQ(flat.result.stats.max_stack_depth, 1u);
}

// Calls in tail position are counted whatever the callee and whatever was
// emitted: an inlined callee and a builtin take no frame, so they count as
// optimized; a spread call reuses the frame too.
TEST(Run, TailCallsAreCountedWhateverTheCallee) {
  struct Case {
    const char* source;
    uint64_t tail_calls, optimized;
  } cases[] = {
      {"(fn sq x (x * x))\n(fn f x (sq x))\n(f 3)", 1, 1},                  // inlined
      {"(fn f x (str x))\n(f 3)", 1, 1},                                     // a builtin
      {"(fn g [a b] a)\n(fn f x (g x...))\n(f [1 2])", 1, 1},               // a spread call
      {"(fn g x x)\n(fn f x (if x (g 1) else (g 2)))\n(f true)", 1, 1},     // a branch
      {"(fn g x x)\n(fn f x (x && (g x)))\n(f 5)", 1, 1},                   // the right operand
      {"(fn g x x)\n(fn f x (var y (g x)) y)\n(f 5)", 0, 0},                // not a tail position
      {"(fn g x x)\n(g 1)", 0, 0},                                           // the top level is not a function
  };
  for (const auto& c : cases) {
    RunOptions o;
    o.optimizer.inline_calls = true;
    Outcome r = run(c.source, o);
    ASSERT_TRUE(r.result.ok()) << c.source << "\n" << r.result.error;
    EXPECT_EQ(r.result.stats.tail_calls, c.tail_calls) << c.source;
    EXPECT_EQ(r.result.stats.tail_calls_optimized, c.optimized) << c.source;
    o.optimizer.tco = false;
    Outcome off = run(c.source, o);
    EXPECT_EQ(off.result.stats.tail_calls, c.tail_calls) << "--no-tco " << c.source;
  }
}

TEST(Run, DeepNonTailRecursionOverflows) {
  RunOptions o;
  o.max_depth = 1000;
  RunResult r = run_fail("(fn f n (+ 1 (f (n + 1))))\n(f 0)", ErrorKind::ResourceLimit, "stack overflow", o);
  EXPECT_GE(r.line, 1);
  // Just under the limit works, and the depth is reported.
  Outcome ok = run("(fn d n (if (n == 0) 0 else (+ 1 (d (n - 1)))))\n(d 900)", o);
  ASSERT_TRUE(ok.result.ok()) << ok.result.error;
  EXPECT_EQ(ok.result.value, "900");
  EXPECT_GE(ok.result.stats.max_stack_depth, 900u);
  EXPECT_LE(ok.result.stats.max_stack_depth, 1000u);
}

TEST(Run, Timeout) {
  RunOptions o;
  o.timeout_seconds = 0.2;
  auto start = std::chrono::steady_clock::now();
  RunResult r = run_fail("(loop)", ErrorKind::Timeout, "timeout", o);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsed, 5.0);
  EXPECT_GE(elapsed, 0.15);
  // A busy loop that calls functions is stopped too.
  run_fail("(fn f [x] x)\n(while true (f 1))", ErrorKind::Timeout, "timeout", o);
}

TEST(Run, Interrupt) {
  std::atomic<bool> stop{true};
  RunOptions o;
  o.interrupt = &stop;
  o.timeout_seconds = 10;  // safety net: a missed interrupt shows as Timeout, not a hang
  run_fail("(loop)", ErrorKind::Interrupted, "", o);
  run_fail("(fn f n (f n))\n(f 1)", ErrorKind::Interrupted, "", o);
  // Not set: the program runs to completion.
  std::atomic<bool> go{false};
  RunOptions p;
  p.interrupt = &go;
  Outcome r = run(kSumLoop, p);
  EXPECT_TRUE(r.result.ok()) << r.result.error;
  EXPECT_EQ(r.result.value, "500500");
}

TEST(Run, HeapLimit) {
  RunOptions o;
  o.max_heap_bytes = 8u << 20;
  o.timeout_seconds = 30;  // safety net
  RunResult r = run_fail("(var a [])\n(loop (push a [1 2 3 4]))", ErrorKind::ResourceLimit, "out of memory", o);
  EXPECT_LE(r.stats.heap_peak_bytes, 64u << 20);
  // Garbage does not count against the limit.
  Outcome g = run("(var n 0)\n(while (n < 200000) (var t [1 2 3 4 5 6 7 8]) (n += 1))\nn", o);
  EXPECT_TRUE(g.result.ok()) << g.result.error;
  EXPECT_EQ(g.result.value, "200000");
}

TEST(Run, Params) {
  // A top-level var of a parameter keeps the parameter's value.
  Outcome r = run("(var n 5)\nn", {}, {{"n", "30"}});
  ASSERT_TRUE(r.result.ok()) << r.result.error;
  EXPECT_EQ(r.result.value, "30");
  // Without the parameter the var gives the default.
  EXPECT_EQ(run("(var n 5)\nn").result.value, "5");
  // A parameter is usable without a var.
  EXPECT_EQ(run("(n * 2)", {}, {{"n", "21"}}).result.value, "42");

  struct Case {
    const char* text;
    const char* value;
    const char* type;
  } cases[] = {
      {"\"x\"", "\"x\"", "string"}, {"foo", "\"foo\"", "string"},   {"-7", "-7", "int"},
      {"2.5", "2.5", "float"},      {"true", "true", "bool"},        {"nil", "nil", "nil"},
      {"a b", "\"a b\"", "string"}, {"[1 2]", "\"[1 2]\"", "string"},
  };
  for (const auto& c : cases) {
    Outcome v = run("(println (type p))\np", {}, {{"p", c.text}});
    ASSERT_TRUE(v.result.ok()) << c.text << ": " << v.result.error;
    EXPECT_EQ(v.result.value, c.value) << c.text;
    EXPECT_EQ(v.output, std::string(c.type) + "\n") << c.text;
  }
  // An int literal out of range is a usage error.
  Outcome bad = run("p", {}, {{"p", "140737488355328"}});
  EXPECT_EQ(bad.result.error_kind, ErrorKind::Usage);
}

// A typed value is bound as exactly that value, never read as Gene text:
// a string that looks like a number stays a string, and no character needs
// escaping by the host.
TEST(Run, TypedParams) {
  const std::string tricky("q\"uote\\back\0nul\nline \xC3\xA9\xE2\x82\xAC", 26);
  struct Case {
    ParamValue value;
    const char* literal;  // the same value written in Gene
    const char* type;
  } cases[] = {
      {0.1, "0.1", "float"},
      {1e300, "1e300", "float"},
      {-0.0, "-0.0", "float"},
      {int64_t(-140737488355328), "-140737488355328", "int"},
      {int64_t(140737488355327), "140737488355327", "int"},
      {true, "true", "bool"},
      {false, "false", "bool"},
      {NilParam{}, "nil", "nil"},
      {std::string("30"), "\"30\"", "string"},
      {std::string("nil"), "\"nil\"", "string"},
      {std::string(), "\"\"", "string"},
      {tricky, "\"q\\\"uote\\\\back\\0nul\\nline \xC3\xA9\xE2\x82\xAC\"", "string"},
  };
  for (const auto& c : cases) {
    std::string literal = c.literal;
    Outcome v = run("(println (type p))\n[(p == " + literal + ") p]", {}, {{"p", "ignored: the value wins", c.value}});
    ASSERT_TRUE(v.result.ok()) << literal << ": " << v.result.error;
    EXPECT_EQ(v.output, std::string(c.type) + "\n") << literal;
    EXPECT_EQ(v.result.value, "[true " + run(literal).result.value + "]") << literal;
  }
  // The string's bytes arrive whole (the NUL and the multi-byte characters).
  EXPECT_EQ(run("(len p)", {}, {{"p", "", tricky}}).result.value, std::to_string(tricky.size()));

  // Outside Gene's 48 bits, or not finite: a usage error naming the parameter.
  for (auto [value, message] : std::vector<std::pair<ParamValue, std::string>>{
           {int64_t(140737488355328), "parameter p: integer out of range: 140737488355328"},
           {std::numeric_limits<int64_t>::min(), "parameter p: integer out of range: -9223372036854775808"},
           {std::numeric_limits<int64_t>::max(), "parameter p: integer out of range: 9223372036854775807"},
           {std::numeric_limits<double>::infinity(), "parameter p: a float value must be finite"},
           {std::nan(""), "parameter p: a float value must be finite"}}) {
    Outcome bad = run("p", {}, {{"p", "", value}});
    EXPECT_EQ(bad.result.error_kind, ErrorKind::Usage) << message;
    EXPECT_EQ(bad.result.message, message);
  }
}

TEST(Run, OptimizationLevelsAgree) {
  const char* programs[] = {
      kFib,
      kSumLoop,
      "(println (+ 1 2 3) (* 2 3.5) (- 10) (10 - 4 ))\n(var x (2 + (3 * 4)))\n(println x)",
      "(fn add [a b] (a + b))\n(var s 0)\n(for i in (range 0 10) (s = (add s i)))\n(println s)\ns",
      "(var fs [])\n(for i in [1 2 3] (push fs (fn [] i)))\n(println (fs/0) (fs/2))",
      "(if false (println \"dead\") else (println \"live\"))\n(println (1 / 0))",
      "(var m {^a 1})\n(m/a += 5)\n(println m (keys m) (len m))",
  };
  const char* expected_output[] = {
      "",
      "",
      "6 7.0 -10 6\n14\n",
      "45\n",
      "1 3\n",
      "live\n",
      "{^a 6} [\"a\"] 1\n",
  };
  for (size_t i = 0; i < std::size(programs); ++i) {
    RunOptions o0, o2;
    o0.optimizer = OptimizerOptions::for_level(0);
    o2.optimizer = OptimizerOptions::for_level(2);
    Outcome a = run(programs[i], o0);
    Outcome b = run(programs[i], o2);
    EXPECT_EQ(a.output, expected_output[i]) << programs[i];
    EXPECT_EQ(a.output, b.output) << programs[i];
    EXPECT_EQ(a.result.value, b.result.value) << programs[i];
    EXPECT_EQ(a.result.error_kind, b.result.error_kind) << programs[i];
    EXPECT_EQ(a.result.error, b.result.error) << programs[i];
  }
  // The last-but-one program fails the same way at both levels.
  RunOptions o2;
  o2.optimizer = OptimizerOptions::for_level(2);
  EXPECT_TRUE(starts_with(run(programs[5], o2).result.message, "division by zero"));
}

TEST(Run, ForLevelSetsPasses) {
  OptimizerOptions o0 = OptimizerOptions::for_level(0);
  EXPECT_EQ(o0.level, 0);
  EXPECT_FALSE(o0.fold || o0.dce || o0.inline_calls || o0.superinstructions);
  OptimizerOptions o1 = OptimizerOptions::for_level(1);
  EXPECT_TRUE(o1.fold && o1.dce);
  EXPECT_FALSE(o1.inline_calls || o1.superinstructions);
  OptimizerOptions o2 = OptimizerOptions::for_level(2);
  EXPECT_TRUE(o2.fold && o2.dce && o2.inline_calls && o2.superinstructions);
}

TEST(Disassemble, ListsCallInstruction) {
  absl::StatusOr<std::string> listing =
      disassemble("(fn f [x] (x + 1))\n(println (f 1))", "t.gene", OptimizerOptions::for_level(0));
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_TRUE(std::regex_search(*listing, std::regex("\\bCALL\\b"))) << *listing;
  // A program with no call has no CALL instruction.
  absl::StatusOr<std::string> plain = disassemble("(var x 1)\n(x + 2)", "t.gene", OptimizerOptions::for_level(0));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(std::regex_search(*plain, std::regex("\\bCALL\\b"))) << *plain;
  EXPECT_FALSE(plain->empty());
  // A reading error is reported, not listed.
  absl::StatusOr<std::string> none = disassemble("(a", "t.gene", OptimizerOptions::for_level(0));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("t.gene:1:"), std::string::npos) << none.status();
  EXPECT_NE(none.status().message().find("read error"), std::string::npos) << none.status();
}

}  // namespace
}  // namespace gene
