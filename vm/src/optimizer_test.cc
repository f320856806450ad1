// Each optimization pass on programs made for it: its counter says what it
// did, its switch turns it off, and the program's output and errors stay
// the same at every level.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "gene/vm.h"

namespace gene {
namespace {

struct Outcome {
  RunResult result;
  std::string output;
};

Outcome run(const std::string& source, OptimizerOptions o = OptimizerOptions::for_level(2),
        const std::vector<Param>& params = {}) {
  RunOptions options;
  options.optimizer = o;
  options.optimizer.verify = true;
  Outcome r;
  options.output = [&r](std::string_view text) { r.output.append(text); };
  r.result = run_program(source, "opt.gene", params, options);
  return r;
}

OptimizerOptions without(bool OptimizerOptions::*pass) {
  OptimizerOptions o = OptimizerOptions::for_level(2);
  o.*pass = false;
  return o;
}

std::string listing(const std::string& source, OptimizerOptions o) {
  o.verify = true;
  absl::StatusOr<std::string> text = disassemble(source, "opt.gene", o);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

// The same output, value and error at -O0, -O1, -O2.
void expect_same_at_every_level(const std::string& source) {
  Outcome o0 = run(source, OptimizerOptions::for_level(0));
  for (int level : {1, 2}) {
    Outcome o = run(source, OptimizerOptions::for_level(level));
    EXPECT_EQ(o.output, o0.output) << "-O" << level << "\n" << source;
    EXPECT_EQ(o.result.value, o0.result.value) << "-O" << level << "\n" << source;
    EXPECT_EQ(o.result.error, o0.result.error) << "-O" << level << "\n" << source;
  }
}

TEST(Fold, CountsEachOperationFolded) {
  EXPECT_EQ(run("(println (2 + 3))").result.stats.constants_folded, 1u);
  EXPECT_EQ(run("(println (2 + (3 * 4)) (not nil) (- 2.5))").result.stats.constants_folded, 4u);
  EXPECT_EQ(run("(println (2 + 3))", without(&OptimizerOptions::fold)).result.stats.constants_folded, 0u);
  EXPECT_EQ(run("(println (2 + 3))", OptimizerOptions::for_level(0)).result.stats.constants_folded, 0u);
}

TEST(Fold, LeavesWhatWouldRaiseToRunTime) {
  // Each would raise: folded, the error would move or vanish.
  for (const char* source : {"(println \"before\")\n(println (1 / 0))", "(println (5 % 0))",
                             "(println (140737488355327 + 1))", "(println (-140737488355328 - 1))",
                             "(println (70368744177664 * 2))", "(println (- -140737488355328))",
                             "(println (\"a\" < 1))", "(println (nil + 1))"}) {
    Outcome r = run(source);
    EXPECT_EQ(r.result.stats.constants_folded, 0u) << source;
    EXPECT_FALSE(r.result.ok()) << source;
    expect_same_at_every_level(source);
  }
}

// A prefix chain or a path may be as long as the program: each is one node
// in every pass, so nothing recurses per operand or per segment.
TEST(Fold, LongChainsAndPathsAreOneNode) {
  std::string sum = "(var x 1)\n(println (+";
  for (int i = 0; i < 200000; ++i) sum += " x";
  sum += "))";
  Outcome r = run(sum);
  EXPECT_EQ(r.output, "200000\n") << r.result.error;
  std::string constants = "(println (+";
  for (int i = 0; i < 200000; ++i) constants += " 2";
  constants += " x))\n(var x 1)";
  Outcome c = run(constants);
  EXPECT_EQ(c.result.stats.constants_folded, 199999u);
  EXPECT_NE(c.result.message.find("undefined variable x"), std::string::npos) << c.result.message;
  std::string path = "(var a [[7]])\n(println a";
  for (int i = 0; i < 200000; ++i) path += "/0";
  path += ")\n(a/0/0 *= 6)\n(println a/0/0)";
  Outcome p = run(path);
  EXPECT_NE(p.result.message.find("type error"), std::string::npos) << p.result.message;
  Outcome q = run("(var a [[7]])\n(a/0/0 *= 6)\n(println a/0/0 (+ 1 2 3 4 a/0/0))");
  EXPECT_EQ(q.output, "42 52\n");
}

TEST(Fold, PropagatesLocalsNeverReassigned) {
  // Two reads replaced by constants, then the product of two constants.
  const char* source = "(fn area [] (var w 6) (var h 7) (w * h))\n(println (area))";
  Outcome r = run(source, without(&OptimizerOptions::inline_calls));
  EXPECT_EQ(r.output, "42\n");
  EXPECT_EQ(r.result.stats.constants_folded, 3u);
  // Chains: b's value is folded from a's.
  EXPECT_EQ(run("(fn f [] (var a 2) (var b (a * 3)) (b + 1))\n(f)", without(&OptimizerOptions::inline_calls))
                .result.stats.constants_folded,
            4u);
  // Reassigned anywhere, even in a closure: not constant.
  EXPECT_EQ(run("(fn f [] (var w 6) (w = 1) w)\n(f)").result.stats.constants_folded, 0u);
  EXPECT_EQ(run("(fn f [] (var w 6) (fn g [] (w += 1)) (g) w)\n(f)").result.stats.constants_folded, 0u);
  EXPECT_EQ(run("(fn f [] (var w 6) (var w 7) w)\n(f)").result.stats.constants_folded, 0u);
  EXPECT_EQ(run("(fn f p (p * 2))\n(f 3)", without(&OptimizerOptions::inline_calls)).result.stats.constants_folded,
            0u);  // parameters are not constants
  // A var that may not run (right of &&) is not a constant either.
  EXPECT_EQ(run("(fn f c (c && (var x 1)) x)\n(f false)").result.value, "nil");
  for (const char* s : {source, "(fn f [] (var w 6) (fn g [] (w += 1)) (g) w)\n(f)",
                        "(fn f c (c && (var x 1)) (fn [] x))\n[((f false)) ((f true))]"})
    expect_same_at_every_level(s);
}

TEST(Fold, PropagatesGlobalsInLaterTopLevelForms) {
  const char* source = "(var n 10)\n(var m (n + 1))\n(println (m * n))";
  Outcome r = run(source);
  EXPECT_EQ(r.output, "110\n");
  EXPECT_EQ(r.result.stats.constants_folded, 5u);  // n, n + 1, m, n, m * n
  // A host parameter's var only gives a default: never propagated.
  Outcome p = run(source, OptimizerOptions::for_level(2), {{"n", "3"}});
  EXPECT_EQ(p.output, "12\n");
  EXPECT_EQ(p.result.stats.constants_folded, 0u);
  // Read in a function, which may run before the var: stays a read.
  Outcome f = run("(fn g [] n)\n(var n 10)\n(println (g))");
  EXPECT_EQ(f.result.stats.constants_folded, 0u);
  // Assigned somewhere, or defined twice: not constant.
  EXPECT_EQ(run("(var n 10)\n(n = 11)\n(println n)").result.stats.constants_folded, 0u);
  EXPECT_EQ(run("(var n 10)\n(var n 11)\n(println n)").result.stats.constants_folded, 0u);
  // A var that may not run is not a definition others can count on.
  Outcome maybe = run("(false && (var z 1))\n(println z)");
  EXPECT_EQ(maybe.result.stats.constants_folded, 1u);  // the && only
  EXPECT_NE(maybe.result.message.find("undefined variable z"), std::string::npos) << maybe.result.message;
  expect_same_at_every_level(source);
  expect_same_at_every_level("(fn g [] n)\n(println (g))\n(var n 10)");
}

TEST(Fold, PropagationRemovesTheStoresOfConstants) {
  const char* source = "(fn area [] (var w 6) (var h 7) (w * h))";
  std::string o2 = listing(source, without(&OptimizerOptions::inline_calls));
  EXPECT_FALSE(std::regex_search(o2, std::regex("STORE_LOCAL"))) << o2;
  EXPECT_TRUE(std::regex_search(o2, std::regex("INT +42"))) << o2;
  std::string o0 = listing(source, OptimizerOptions::for_level(0));
  EXPECT_TRUE(std::regex_search(o0, std::regex("STORE_LOCAL"))) << o0;
}

TEST(DeadCode, CountsWhatItRemoves) {
  // A pure statement: its push and its pop.
  EXPECT_EQ(run("42\nnil").result.stats.instructions_eliminated, 2u);
  Outcome branches = run("(if false (println \"dead\") else (println \"live\"))\n(while false (println 1))\nnil");
  EXPECT_EQ(branches.output, "live\n");
  EXPECT_GT(branches.result.stats.instructions_eliminated, 6u);
  EXPECT_EQ(run("(if false (println 1))\nnil", without(&OptimizerOptions::dce)).result.stats.instructions_eliminated,
            0u);
  // Nothing constant, nothing removed.
  EXPECT_EQ(run("(var c true)\n(fn f x (if x 1 2))\n(f c)").result.stats.instructions_eliminated, 0u);
  // A dead branch is never run, even when it could not have compiled to anything useful.
  Outcome r = run("(if (1 > 2) (undefined_thing) elif true (println \"elif\"))");
  EXPECT_EQ(r.output, "elif\n");
  EXPECT_TRUE(r.result.ok()) << r.result.error;
}

TEST(Inline, CountsCallSitesOfSmallLeafFunctions) {
  const char* source = "(fn sq x (x * x))\n(fn f [a b] (+ (sq a) (sq b)))\n(println (f 3 4) (sq 5))";
  Outcome r = run(source);
  EXPECT_EQ(r.output, "25 25\n");
  EXPECT_EQ(r.result.stats.calls_inlined, 3u);
  EXPECT_EQ(run(source, without(&OptimizerOptions::inline_calls)).result.stats.calls_inlined, 0u);
  EXPECT_EQ(run(source, OptimizerOptions::for_level(1)).result.stats.calls_inlined, 0u);
  struct Case {
    const char* source;
    const char* why;
  } not_inlined[] = {
      {"(fn f n (if (n == 0) 0 else (f (n - 1))))\n(f 3)", "recursive: calls a Gene function"},
      {"(fn sq x (x * x))\n(sq = (fn [x] x))\n(sq 2)", "its name is assigned elsewhere"},
      {"(fn sq x (x * x))\n(sq [2]...)", "a spread call"},
      {"(fn sq x (x * x))\n(sq 1 2)", "the wrong number of arguments"},
      {"(fn f [] (var s 0) (while (s < 3) (s += 1)) s)\n(f)", "a loop"},
      {"(fn f [] (fn [] 1))\n(f)", "makes a closure"},
      {"(fn f [_ b] b)\n(f 1 2)", "an ignored parameter"},
      {"(fn f [] (print 1) (print 2) (print 3) (print 4) (print 5) (print 6) (print 7) (print 8) (print 9))\n(f)",
       "too large"},
  };
  for (const auto& c : not_inlined) {
    Outcome n = run(c.source);
    EXPECT_EQ(n.result.stats.calls_inlined, 0u) << c.why << "\n" << c.source;
    expect_same_at_every_level(c.source);
  }
  expect_same_at_every_level(source);
}

TEST(Inline, TheGuardKeepsRebindingCorrect) {
  const char* source =
      "(fn sq x (x * x))\n(fn use [] (sq 4))\n(println (use))\n"
      "(var saved sq)\n(println (saved 5))";
  Outcome r = run(source);
  EXPECT_EQ(r.output, "16\n25\n");
  EXPECT_EQ(r.result.stats.calls_inlined, 1u);
  // Called before its fn form ran: the guard fails and the ordinary call
  // reports the undefined variable.
  Outcome early = run("(fn use [] (double 4))\n(println (use))\n(fn double x (x * 2))");
  EXPECT_EQ(early.result.stats.calls_inlined, 1u);
  EXPECT_NE(early.result.message.find("undefined variable double"), std::string::npos) << early.result.message;
}

TEST(Superinstructions, FuseHotSequencesAndRunFewerInstructions) {
  const char* source =
      "(fn sum_loop n (var total 0) (var i 1)\n"
      "  (while (i <= n) (total = (total + i)) (i = (i + 1))) total)\n"
      "(sum_loop 1000)";
  std::string fused = listing(source, OptimizerOptions::for_level(2));
  for (const char* op : {"JUMP_UNLESS_LE_LL", "ADD_LOCALS", "INCR_LOCAL_STORE"})
    EXPECT_TRUE(std::regex_search(fused, std::regex(op))) << op << "\n" << fused;
  std::string plain = listing(source, without(&OptimizerOptions::superinstructions));
  for (const char* op : {"JUMP_UNLESS_LE", "GET_LOCAL2", "INCR_LOCAL", "ADD_LOCALS"})
    EXPECT_FALSE(std::regex_search(plain, std::regex(op))) << op << "\n" << plain;
  Outcome a = run(source), b = run(source, without(&OptimizerOptions::superinstructions));
  EXPECT_EQ(a.result.value, "500500");
  EXPECT_EQ(b.result.value, "500500");
  EXPECT_LT(a.result.stats.instructions * 3, b.result.stats.instructions * 2);  // a third fewer at least
}

TEST(Superinstructions, KeepEachOperationsOwnError) {
  // `(s - 1)` fuses to SUB_INT, `(s + 1)` to ADD_INT: each raises its own type error.
  for (const char* source : {"(fn f s (s - 1))\n(f \"x\")", "(fn f s (s + 1))\n(f \"x\")",
                             "(fn f s (var t s) (t += 1) t)\n(f \"x\")", "(fn f s (if (s < 1) 1 2))\n(f \"x\")",
                             "(fn f [a b] (if (a <= b) 1 2))\n(f \"x\" 1)", "(fn f [a b] (a + b))\n(f [] 1)",
                             "(fn f s (g (s - 1)))\n(fn g x x)\n(f nil)"})
    expect_same_at_every_level(source);
}

}  // namespace
}  // namespace gene
