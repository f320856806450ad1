// Reader: a hand-written recursive-descent reader over bytes. Errors are
// reported through ReadFailure (caught at the entry points) so the grammar
// code stays linear; nesting depth is bounded so hostile input cannot blow
// the C++ stack.
#include "gene/reader.h"

#include <utf8cpp/utf8.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "gene/syntax/string_literal.h"

namespace gene {
namespace {

// Like Lua's LUAI_MAXCCALLS: the compiler recurses once per level too, and
// sanitizer builds have large frames.
constexpr int kMaxNesting = 256;

struct ReadFailure {
  ReadError error;
};

bool is_delimiter(char c) {
  switch (c) {
    case ' ': case '\t': case '\n': case '\r': case ',':
    case '(': case ')': case '[': case ']': case '{': case '}': case '"':
      return true;
    default:
      return false;
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_int_text(std::string_view t) {
  size_t i = (!t.empty() && t[0] == '-') ? 1 : 0;
  if (i == t.size()) return false;
  for (; i < t.size(); ++i)
    if (!is_digit(t[i])) return false;
  return true;
}

// -?[0-9]+ followed by a fraction (.[0-9]+) and/or an exponent.
bool is_float_text(std::string_view t) {
  size_t i = (!t.empty() && t[0] == '-') ? 1 : 0;
  size_t start = i;
  while (i < t.size() && is_digit(t[i])) ++i;
  if (i == start) return false;
  bool fraction = false, exponent = false;
  if (i < t.size() && t[i] == '.') {
    size_t f = ++i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == f) return false;
    fraction = true;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    size_t e = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == e) return false;
    exponent = true;
  }
  return i == t.size() && (fraction || exponent);
}

class Reader {
 public:
  Reader(std::string_view src, uint64_t max_nodes) : src_(src), nodes_left_(max_nodes) {}
  bool too_large = false;

  std::vector<NodePtr> read_all() {
    check_utf8();
    std::vector<NodePtr> forms;
    for (;;) {
      skip_space();
      if (at_end()) break;
      if (peek() == ')' || peek() == ']' || peek() == '}')
        fail(here(), std::string("read error: unexpected '") + peek() + "'");
      forms.push_back(read_form(0));
    }
    return forms;
  }

 private:
  std::string_view src_;
  uint64_t nodes_left_;
  size_t i_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;

  bool at_end() const { return i_ >= src_.size(); }
  char peek() const { return src_[i_]; }
  SourcePos here() const { return {line_, static_cast<int>(i_ - line_start_) + 1}; }

  [[noreturn]] void fail(SourcePos pos, std::string message) {
    throw ReadFailure{ReadError{pos, std::move(message)}};
  }

  void advance() {
    if (src_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }

  // Invalid UTF-8 anywhere is an error, reported where it starts (utfcpp
  // finds it: overlong forms, surrogates and code points past U+10FFFF too).
  void check_utf8() {
    auto bad = utf8::find_invalid(src_.begin(), src_.end());
    if (bad == src_.end()) return;
    size_t at = size_t(bad - src_.begin());
    int line = 1;
    size_t line_start = 0;
    for (size_t i = src_.find('\n'); i != std::string_view::npos && i < at; i = src_.find('\n', i + 1)) {
      ++line;
      line_start = i + 1;
    }
    fail({line, static_cast<int>(at - line_start) + 1}, "read error: invalid UTF-8");
  }


  void skip_space() {
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
        advance();
      } else if (c == '#') {
        char next = i_ + 1 < src_.size() ? src_[i_ + 1] : '\0';
        bool comment = next == '\0' || next == ' ' || next == '\t' || next == '\n' ||
                       next == '\r' || next == '!' || next == '#';
        if (!comment) fail(here(), "read error: reserved syntax '#" + std::string(1, next) + "'");
        while (!at_end() && peek() != '\n') advance();
      } else {
        return;
      }
    }
  }

  NodePtr make(Node::Kind k, SourcePos p) {
    if (nodes_left_ == 0) {
      too_large = true;
      fail(p, "read error: too many values");
    }
    --nodes_left_;
    return std::make_unique<Node>(k, p);
  }

  NodePtr read_form(int depth) {
    if (depth > kMaxNesting) fail(here(), "read error: nesting too deep");
    SourcePos start = here();
    char c = peek();
    switch (c) {
      case '(': {
        advance();
        auto items = read_sequence(')', start, depth);
        if (items.empty()) return make(Node::Kind::Nil, start);
        auto g = make(Node::Kind::Gene, start);
        g->items = std::move(items);
        return g;
      }
      case '[': {
        advance();
        auto a = make(Node::Kind::Array, start);
        a->items = read_sequence(']', start, depth);
        return a;
      }
      case '{':
        advance();
        return read_map(start, depth);
      case '"':
        return read_string();
      case ':': {
        if (i_ + 1 < src_.size() && src_[i_ + 1] == '(') {
          advance();
          auto inner = read_form(depth + 1);
          auto q = make(Node::Kind::Quote, start);
          q->items.push_back(std::move(inner));
          return q;
        }
        break;
      }
      case '^':
        fail(start, "read error: '^' key outside a map");
      case ')': case ']': case '}':
        fail(start, std::string("read error: unexpected '") + c + "'");
      default:
        break;
    }
    return read_atom(start);
  }

  std::vector<NodePtr> read_sequence(char close, SourcePos open, int depth) {
    std::vector<NodePtr> items;
    for (;;) {
      skip_space();
      if (at_end()) fail(open, std::string("read error: unclosed '") + opener(close) + "'");
      char c = peek();
      if (c == close) {
        advance();
        return items;
      }
      if (c == ')' || c == ']' || c == '}')
        fail(here(), std::string("read error: unexpected '") + c + "'");
      items.push_back(read_form(depth + 1));
    }
  }

  static char opener(char close) { return close == ')' ? '(' : close == ']' ? '[' : '{'; }

  NodePtr read_map(SourcePos open, int depth) {
    auto m = make(Node::Kind::Map, open);
    for (;;) {
      skip_space();
      if (at_end()) fail(open, "read error: unclosed '{'");
      if (peek() == '}') {
        advance();
        return m;
      }
      SourcePos key_pos = here();
      if (peek() != '^') fail(key_pos, "read error: expected a ^key in a map");
      advance();
      std::string key;
      if (!at_end() && peek() == '"') {
        key = read_string()->text;
      } else {
        size_t s = i_;
        while (!at_end() && !is_delimiter(peek())) advance();
        key = std::string(src_.substr(s, i_ - s));
        if (key.empty()) fail(key_pos, "read error: empty map key");
      }
      skip_space();
      if (at_end() || peek() == '}') fail(key_pos, "read error: map key ^" + key + " has no value");
      m->keys.push_back(std::move(key));
      m->items.push_back(read_form(depth + 1));
    }
  }

  NodePtr read_string() {
    SourcePos start = here();
    advance();  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail(start, "read error: unterminated string");
      char c = peek();
      if (c == '"') {
        advance();
        break;
      }
      if (c == '\\') {
        SourcePos esc = here();
        advance();
        if (at_end()) fail(start, "read error: unterminated string");
        char e = peek();
        auto character = syntax::unescaped(e);
        if (!character) fail(esc, std::string("read error: invalid escape '\\") + e + "'");
        out += *character;
        advance();
        continue;
      }
      out += c;
      advance();
    }
    auto n = make(Node::Kind::String, start);
    n->text = std::move(out);
    return n;
  }

  NodePtr read_atom(SourcePos start) {
    size_t s = i_;
    // `a#b` stays one token: a comment needs a separator before `#`.
    while (!at_end() && !is_delimiter(peek())) advance();
    std::string_view tok = src_.substr(s, i_ - s);
    return parse_token(tok, start);
  }

  NodePtr parse_token(std::string_view tok, SourcePos start) {
    if (tok.size() > 3 && tok.substr(tok.size() - 3) == "...") {
      auto inner = parse_token(tok.substr(0, tok.size() - 3), start);
      if (inner->kind != Node::Kind::Symbol && inner->kind != Node::Kind::Path)
        fail(start, "read error: only a name or path can be spread");
      auto sp = make(Node::Kind::Spread, start);
      sp->items.push_back(std::move(inner));
      return sp;
    }
    if (is_int_text(tok)) {
      errno = 0;
      std::string t(tok);
      long long v = std::strtoll(t.c_str(), nullptr, 10);
      if (errno == ERANGE || v < kIntMin || v > kIntMax)
        fail(start, "read error: integer literal out of range: " + t);
      auto n = make(Node::Kind::Int, start);
      n->int_value = v;
      return n;
    }
    if (is_float_text(tok)) {
      std::string t(tok);
      errno = 0;
      double v = std::strtod(t.c_str(), nullptr);
      if (errno == ERANGE && std::isinf(v))
        fail(start, "read error: float literal out of range: " + t);
      auto n = make(Node::Kind::Float, start);
      n->float_value = v;
      return n;
    }
    char c0 = tok[0];
    if (is_digit(c0) || (c0 == '-' && tok.size() > 1 && is_digit(tok[1])))
      fail(start, "read error: invalid number: " + std::string(tok));
    if (tok == "nil") return make(Node::Kind::Nil, start);
    if (tok == "true") return make(Node::Kind::True, start);
    if (tok == "false") return make(Node::Kind::False, start);
    if (tok == "_") return make(Node::Kind::Placeholder, start);
    if (c0 == ':') {
      if (tok.size() == 1) fail(start, "read error: ':' must be followed by a name");
      auto n = make(Node::Kind::QuotedSymbol, start);
      n->text = std::string(tok.substr(1));
      return n;
    }
    if (tok.size() > 1 && tok.find('/') != std::string_view::npos && c0 != '/') {
      return parse_path(tok, start);
    }
    auto n = make(Node::Kind::Symbol, start);
    n->text = std::string(tok);
    return n;
  }

  NodePtr parse_path(std::string_view tok, SourcePos start) {
    auto p = make(Node::Kind::Path, start);
    size_t slash = tok.find('/');
    p->text = std::string(tok.substr(0, slash));
    size_t pos = slash + 1;
    for (;;) {
      size_t next = tok.find('/', pos);
      std::string_view seg = tok.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
      if (seg.empty()) fail(start, "read error: empty path segment in " + std::string(tok));
      if (is_int_text(seg)) {
        auto n = make(Node::Kind::Int, start);
        errno = 0;
        std::string t(seg);
        long long v = std::strtoll(t.c_str(), nullptr, 10);
        if (errno == ERANGE || v < kIntMin || v > kIntMax)
          fail(start, "read error: path index out of range: " + t);
        n->int_value = v;
        p->items.push_back(std::move(n));
      } else {
        auto n = make(Node::Kind::Symbol, start);
        n->text = std::string(seg);
        p->items.push_back(std::move(n));
      }
      if (next == std::string_view::npos) break;
      pos = next + 1;
    }
    return p;
  }
};

}  // namespace

ReadResult read_program(std::string_view source, uint64_t max_nodes) {
  ReadResult result;
  Reader reader(source, max_nodes);
  try {
    result.forms = reader.read_all();
  } catch (ReadFailure& f) {
    result.ok = false;
    result.error = std::move(f.error);
    result.too_large = reader.too_large;
    result.forms.clear();
  }
  return result;
}

bool is_plain_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (is_delimiter(c) || c == '^' || c == '#' || c == ':' || c == '/' || c == '\\' ||
        static_cast<unsigned char>(c) < 0x21)
      return false;
  }
  if (is_int_text(name) || is_float_text(name)) return false;
  if (is_digit(name[0]) || (name[0] == '-' && name.size() > 1 && is_digit(name[1]))) return false;
  if (name.size() > 3 && name.substr(name.size() - 3) == "...") return false;
  return true;
}

}  // namespace gene
