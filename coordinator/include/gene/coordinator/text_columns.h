// Text in fixed-width columns (the tables of submit and history, the live
// progress line): one column per code point of UTF-8 text. Text that is not
// valid UTF-8 is shown with U+FFFD in place of each bad sequence, so a cut
// never splits a character and a table never prints broken bytes. The UTF-8
// work is utfcpp's (libutfcpp-dev).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gene::coordinator {

// `s` as it is shown: itself when valid UTF-8, else with U+FFFD in place of
// each invalid sequence.
std::string displayable(std::string_view s);

size_t display_width(std::string_view s);
std::string pad_right(const std::string& s, size_t width);  // spaces after
std::string pad_left(const std::string& s, size_t width);   // spaces before

// The longest start of displayable(s) of at most `n` columns.
std::string cut_to_columns(std::string_view s, size_t n);

}  // namespace gene::coordinator
