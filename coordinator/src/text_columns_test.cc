#include "gene/coordinator/text_columns.h"

#include <gtest/gtest.h>

namespace gene::coordinator {
namespace {

TEST(TextColumns, OneColumnPerCodePoint) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("fib/n:30"), 8u);
  EXPECT_EQ(display_width("✓ héllo"), 7u);
  EXPECT_EQ(pad_right("✓", 3), "✓  ");
  EXPECT_EQ(pad_left("é", 2), " é");
  EXPECT_EQ(pad_right("longer", 2), "longer");
}

TEST(TextColumns, ACutNeverSplitsACharacter) {
  EXPECT_EQ(cut_to_columns("✓✓✓", 2), "✓✓");
  EXPECT_EQ(cut_to_columns("ab", 5), "ab");
  EXPECT_EQ(cut_to_columns("héllo", 0), "");
}

TEST(TextColumns, BrokenBytesShowAsReplacementCharacters) {
  EXPECT_EQ(displayable("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(display_width("a\xFF" "b"), 3u);
  EXPECT_EQ(cut_to_columns("\xE2\x9C", 5), "\xEF\xBF\xBD");  // a sequence cut short: one U+FFFD
}

}  // namespace
}  // namespace gene::coordinator
