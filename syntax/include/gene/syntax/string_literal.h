// Gene string literals: "text" with the escapes \n \t \r \\ \" and \0, and no
// others (any other escape is a reading error). One table serves the reader
// (escape letter → character), the display of a quoted string and every
// writer of a literal (character → escape), so that what is written reads
// back as the same string.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gene::syntax {

struct StringEscape {
  char character;  // what the escape stands for
  char letter;     // what follows the backslash
};
inline constexpr StringEscape kStringEscapes[] = {
    {'\n', 'n'}, {'\t', 't'}, {'\r', 'r'}, {'\\', '\\'}, {'"', '"'}, {'\0', '0'},
};

// The letter that escapes `c` in a literal; nullopt when `c` stands for itself.
constexpr std::optional<char> escape_letter(char c) {
  for (const auto& e : kStringEscapes)
    if (e.character == c) return e.letter;
  return std::nullopt;
}

// The character the escape `\letter` stands for; nullopt when it is no escape.
constexpr std::optional<char> unescaped(char letter) {
  for (const auto& e : kStringEscapes)
    if (e.letter == letter) return e.character;
  return std::nullopt;
}

// Writes `s` as a Gene string literal, quotes included, through
// `sink(std::string_view)`: the runs that need no escape in one piece each,
// so that a bounded writer can check its limit as it goes.
template <class Sink>
void write_quoted(std::string_view s, Sink&& sink) {
  sink(std::string_view("\""));
  size_t run = 0;  // start of the bytes not yet written that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    auto letter = escape_letter(s[i]);
    if (!letter) continue;
    const char escape[2] = {'\\', *letter};
    sink(s.substr(run, i - run));
    sink(std::string_view(escape, 2));
    run = i + 1;
  }
  sink(s.substr(run));
  sink(std::string_view("\""));
}

inline std::string string_literal(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  write_quoted(s, [&](std::string_view piece) { out.append(piece); });
  return out;
}

// The text of a literal that write_quoted wrote; nullopt when `literal` is
// not a well-formed Gene string literal.
inline std::optional<std::string> string_literal_text(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i + 1 < literal.size(); ++i) {
    char c = literal[i];
    if (c == '"') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 2 >= literal.size()) return std::nullopt;
    auto character = unescaped(literal[++i]);
    if (!character) return std::nullopt;
    out += *character;
  }
  return out;
}

}  // namespace gene::syntax
