#include "gene/coordinator/name_filter.h"

#include <gtest/gtest.h>

#include <chrono>

namespace gene::coordinator {
namespace {

TEST(NameFilter, PartialMatchesInRe2Syntax) {
  auto f = NameFilter::compile("fib/n:(25|30)$");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->matches("fib/n:30"));
  EXPECT_TRUE(f->matches("simple_fib/n:25"));
  EXPECT_FALSE(f->matches("fib/n:300"));
  auto all = NameFilter::compile("");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->matches("anything"));
}

TEST(NameFilter, RefusesBadAndOverlongPatterns) {
  auto bad = NameFilter::compile("(");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("missing )"), std::string::npos) << bad.status();
  // Backreferences need backtracking: RE2 does not have them.
  EXPECT_FALSE(NameFilter::compile("(a)\\1").ok());
  auto overlong = NameFilter::compile(std::string(kMaxFilterLength + 1, 'a'));
  EXPECT_FALSE(overlong.ok());
  EXPECT_NE(overlong.status().message().find("longer than 1024"), std::string::npos) << overlong.status();
}

TEST(NameFilter, APatternThatBacktrackersChokeOnRunsInLinearTime) {
  // (a+)+$ against "aaaa...b" takes exponential time in a backtracking
  // engine (std::regex gives up or runs for ages at this length).
  auto f = NameFilter::compile("(a+)+$");
  ASSERT_TRUE(f.ok()) << f.status();
  std::string name(100000, 'a');
  name += 'b';
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(f->matches(name));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace gene::coordinator
