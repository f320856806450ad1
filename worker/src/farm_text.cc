#include "gene/farm_text.h"

#include <algorithm>

#include <utf8cpp/utf8.h>

namespace gene::farm {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
// The lead byte gives the length; utfcpp (libutfcpp-dev) judges the
// sequence, refusing overlong forms, surrogates and code points above
// U+10FFFF, as protobuf does.
size_t sequence_length(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t n = c < 0x80 ? 1 : c < 0xC0 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 0;
  if (n <= 1 || i + n > s.size()) return n == 1 ? 1 : 0;
  const std::string_view seq = s.substr(i, n);
  return utf8::is_valid(seq.begin(), seq.end()) ? n : 0;
}

}  // namespace

size_t first_invalid_utf8(std::string_view s) {
  return static_cast<size_t>(utf8::find_invalid(s.begin(), s.end()) - s.begin());
}

bool is_valid_utf8(std::string_view s) { return first_invalid_utf8(s) == s.size(); }

std::string sanitize_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  utf8::replace_invalid(s.begin(), s.end(), std::back_inserter(out));
  return out;
}

std::string printable(std::string_view s, size_t max_bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(s.size(), max_bytes) + 16);
  auto escape = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  };
  size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = sequence_length(s, i);
    if (n == 0) {
      escape(c);
      ++i;
    } else if (n == 1) {
      if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == '\r') out += "\\r";
      else if (c < 0x20 || c == 0x7f) escape(c);
      else out += char(c);
      ++i;
    } else {
      if (i + n > max_bytes) break;  // never cut a character in two
      if (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0)  // C1 controls, U+0080..U+009F
        escape(c), escape(static_cast<unsigned char>(s[i + 1]));
      else
        out.append(s.substr(i, n));
      i += n;
    }
  }
  if (i < s.size()) out += "… (" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace gene::farm
