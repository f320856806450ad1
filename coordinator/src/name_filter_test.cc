#include "gene/coordinator/name_filter.h"

#include <gtest/gtest.h>

#include <chrono>

namespace gene::coordinator {
namespace {

TEST(NameFilter, PartialMatchesInRe2Syntax) {
  std::string error;
  auto f = NameFilter::compile("fib/n:(25|30)$", error);
  ASSERT_TRUE(f) << error;
  EXPECT_TRUE(f->matches("fib/n:30"));
  EXPECT_TRUE(f->matches("simple_fib/n:25"));
  EXPECT_FALSE(f->matches("fib/n:300"));
  auto all = NameFilter::compile("", error);
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->matches("anything"));
}

TEST(NameFilter, RefusesBadAndOverlongPatterns) {
  std::string error;
  EXPECT_FALSE(NameFilter::compile("(", error));
  EXPECT_NE(error.find("missing )"), std::string::npos) << error;
  // Backreferences need backtracking: RE2 does not have them.
  EXPECT_FALSE(NameFilter::compile("(a)\\1", error));
  EXPECT_FALSE(NameFilter::compile(std::string(kMaxFilterLength + 1, 'a'), error));
  EXPECT_NE(error.find("longer than 1024"), std::string::npos) << error;
}

TEST(NameFilter, APatternThatBacktrackersChokeOnRunsInLinearTime) {
  // (a+)+$ against "aaaa...b" takes exponential time in a backtracking
  // engine (std::regex gives up or runs for ages at this length).
  std::string error;
  auto f = NameFilter::compile("(a+)+$", error);
  ASSERT_TRUE(f) << error;
  std::string name(100000, 'a');
  name += 'b';
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(f->matches(name));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace gene::coordinator
