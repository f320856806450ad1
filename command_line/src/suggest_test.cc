#include "gene/command_line/suggest.h"

#include <gtest/gtest.h>

namespace gene::command_line {
namespace {

const std::vector<std::string> kCommands = {"submit", "compare", "serve", "workers", "history"};

TEST(EditDistance, CountsEditsAndSwaps) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("run", "run"), 0u);
  EXPECT_EQ(edit_distance("rnu", "run"), 1u);      // a swap
  EXPECT_EQ(edit_distance("sumbit", "submit"), 1u);
  EXPECT_EQ(edit_distance("--max-concurent", "--max-concurrent"), 1u);  // a letter left out
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(ClosestMatch, FindsWhatWasMeant) {
  EXPECT_EQ(closest_match("sumbit", kCommands), "submit");
  EXPECT_EQ(closest_match("histroy", kCommands), "history");
  EXPECT_EQ(closest_match("rnu", {"run", "eval", "disasm", "bench"}), "run");
  EXPECT_EQ(closest_match("--max-concurent", {"--listen", "--max-concurrent", "--metrics-port"}), "--max-concurrent");
  EXPECT_EQ(closest_match("--repetiton", {"--repetitions", "--warmup"}), "--repetitions");
}

TEST(ClosestMatch, SaysNothingWhenNothingIsNear) {
  EXPECT_EQ(closest_match("frobnicate", kCommands), std::nullopt);
  EXPECT_EQ(closest_match("--bogus", {"--json", "--stats"}), std::nullopt);
  EXPECT_EQ(closest_match("", kCommands), std::nullopt);
  EXPECT_EQ(closest_match("submit", kCommands), std::nullopt);  // a known word is no typo
  EXPECT_EQ(closest_match(std::string(1000, 'x'), kCommands), std::nullopt);
}

TEST(ClosestMatch, ATieSuggestsNeither) {
  EXPECT_EQ(closest_match("-O3", {"-O0", "-O1", "-O2"}), std::nullopt);
}

TEST(DidYouMean, PhrasesTheSuggestion) {
  EXPECT_EQ(did_you_mean("sumbit", kCommands), " (did you mean 'submit'?)");
  EXPECT_EQ(did_you_mean("xyzzy", kCommands), "");
}

}  // namespace
}  // namespace gene::command_line
