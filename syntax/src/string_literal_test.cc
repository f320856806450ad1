#include "gene/syntax/string_literal.h"

#include <gtest/gtest.h>

namespace gene::syntax {
namespace {

TEST(StringLiteral, EscapesEveryEscapeOfTheLanguage) {
  using namespace std::string_literals;
  EXPECT_EQ(string_literal("plain"), "\"plain\"");
  EXPECT_EQ(string_literal("a\nb\tc\rd\\e\"f"s), R"("a\nb\tc\rd\\e\"f")");
  EXPECT_EQ(string_literal("a\0b"s), R"("a\0b")");  // the NUL too
  EXPECT_EQ(string_literal(""), "\"\"");
  EXPECT_EQ(string_literal("héllo ✓"), "\"héllo ✓\"");  // other bytes stand for themselves
}

TEST(StringLiteral, WhatIsWrittenReadsBack) {
  using namespace std::string_literals;
  for (const std::string& s : {"x"s, ""s, "\0\0"s, "\\\"\\"s, "line\nline\r\n"s, "\x01\x7f"s})
    EXPECT_EQ(string_literal_text(string_literal(s)), s);
}

TEST(StringLiteral, UnquotedRefusesWhatIsNoLiteral) {
  for (const char* bad : {"", "\"", "x", "\"a\\q\"", "\"a\"b\"", "\"trailing\\\""})
    EXPECT_EQ(string_literal_text(bad), std::nullopt) << bad;
}

TEST(StringLiteral, LongRunsGoInOnePiece) {
  std::string s(1000, 'a');
  s[500] = '\n';
  int pieces = 0;
  write_quoted(s, [&](std::string_view) { ++pieces; });
  EXPECT_EQ(pieces, 5);  // quote, run, escape, run, quote
}

}  // namespace
}  // namespace gene::syntax
