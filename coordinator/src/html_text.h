#pragma once

#include <string>

namespace gene::coordinator {

// Text for an HTML page's body or a quoted attribute: the five characters
// HTML gives meaning to, escaped. The one escaper of compare's and
// history's pages.
inline std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace gene::coordinator
