#include "gene/coordinator/text_columns.h"

#include <utf8cpp/utf8.h>

namespace gene::coordinator {

std::string displayable(std::string_view s) {
  if (utf8::is_valid(s.begin(), s.end())) return std::string(s);
  std::string out;
  utf8::replace_invalid(s.begin(), s.end(), std::back_inserter(out));
  return out;
}

size_t display_width(std::string_view s) {
  if (utf8::is_valid(s.begin(), s.end())) return size_t(utf8::unchecked::distance(s.begin(), s.end()));
  std::string shown = displayable(s);
  return size_t(utf8::unchecked::distance(shown.begin(), shown.end()));
}

std::string pad_right(const std::string& s, size_t width) {
  size_t w = display_width(s);
  return s + std::string(width > w ? width - w : 0, ' ');
}

std::string pad_left(const std::string& s, size_t width) {
  size_t w = display_width(s);
  return std::string(width > w ? width - w : 0, ' ') + s;
}

std::string cut_to_columns(std::string_view s, size_t n) {
  std::string shown = displayable(s);
  auto it = shown.begin();
  for (size_t k = 0; k < n && it != shown.end(); ++k) utf8::unchecked::next(it);
  return std::string(shown.begin(), it);
}

}  // namespace gene::coordinator
