#include "gene/farm_text.h"

#include <gtest/gtest.h>

namespace gene::farm {
namespace {

TEST(Printable, EscapesControlsAndBadBytes) {
  EXPECT_EQ(printable("plain text, é ✓"), "plain text, é ✓");
  EXPECT_EQ(printable("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(printable("a\nb\tc\rd\x07\x7f"), "a\\nb\\tc\\rd\\x07\\x7f");
  EXPECT_EQ(printable("\xc2\x9b" "2J"), "\\xc2\\x9b2J");  // C1 CSI
  EXPECT_EQ(printable("caf\xe9"), "caf\\xe9");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
}

TEST(Printable, CutsLongTextAtACharacter) {
  EXPECT_EQ(printable(std::string(1000, 'a'), 10), "aaaaaaaaaa… (1000 bytes)");
  EXPECT_EQ(printable("aaaaaaaaaé", 10), "aaaaaaaaa… (11 bytes)");  // é would straddle the cut
  EXPECT_EQ(printable(std::string(200, 'a')), std::string(200, 'a'));
  EXPECT_EQ(printable(std::string(201, 'a')).size(), 200u + std::string("… (201 bytes)").size());
}

TEST(Utf8, FirstInvalidByte) {
  EXPECT_EQ(first_invalid_utf8("abc"), 3u);
  EXPECT_EQ(first_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(first_invalid_utf8("\xed\xa0\x80"), 0u);  // a surrogate
}

}  // namespace
}  // namespace gene::farm
