#include "display.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_set>
#include <vector>

#include "builtins.h"
#include "bytecode.h"
#include "gene/reader.h"
#include "gene/syntax/string_literal.h"

namespace gene {

namespace {
// The deepest nesting display and equality enter (see NestingTooDeep).
constexpr int kMaxDepth = 2500;
}  // namespace

std::string format_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest digits that round-trip, in scientific form: "d.ddde[+-]x".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();

  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += ebuf;
  } else if (exp < 0) {
    out += "0.";
    out.append(size_t(-exp - 1), '0');
    out += digits;
  } else {
    size_t int_len = size_t(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
      out += ".0";
    } else {
      out += digits.substr(0, int_len);
      out += '.';
      out += digits.substr(int_len);
    }
  }
  return out;
}

namespace {

// Thrown when a display's text reaches its bound; append_display stops there.
struct TextFull {};

class Printer {
 public:
  Printer(std::string& out, const SymbolTable& symbols, WalkLimits& walk, size_t max_bytes)
      : out_(out), symbols_(symbols), walk_(walk), max_(max_bytes) {}

  void print(Value v, bool quoted) {
    walk_.step();
    if (v.is_int()) {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      put(std::string_view(buf, size_t(r.ptr - buf)));
    } else if (v.is_float()) {
      put(format_float(v.as_float()));
    } else if (v.is_nil()) {
      if (quoted) put("nil");
    } else if (v.is_bool()) {
      put(v.as_bool() ? "true" : "false");
    } else if (v.is_symbol()) {
      put(symbols_.name(v.as_symbol()));
    } else if (v.is_builtin()) {
      put("<builtin ");
      put(builtin_name(v.as_builtin()));
      put('>');
    } else if (v.is_object()) {
      print_object(v.as_object(), quoted);
    } else {
      put("<undefined>");
    }
  }

 private:
  std::string& out_;
  const SymbolTable& symbols_;
  WalkLimits& walk_;
  const size_t max_;              // out_ never grows past it
  std::vector<const Obj*> open_;  // collections being printed, for `...`

  // Every byte goes through put(), so the text never passes its bound,
  // however long one string or name is.
  void put(std::string_view s) {
    size_t room = max_ - out_.size();
    if (s.size() > room) {
      out_.append(s.substr(0, room));
      throw TextFull{};
    }
    out_.append(s);
  }
  void put(char c) {
    if (out_.size() == max_) throw TextFull{};
    out_ += c;
  }

  void put_quoted(std::string_view s) {
    syntax::write_quoted(s, [this](std::string_view piece) { put(piece); });
  }

  bool enter(const Obj* o) {
    for (const Obj* p : open_)
      if (p == o) {
        put("...");
        return false;
      }
    if (open_.size() >= size_t(kMaxDepth)) throw NestingTooDeep{};
    open_.push_back(o);
    return true;
  }

  void print_object(Obj* o, bool quoted) {
    switch (o->type) {
      case ObjType::String: {
        auto* s = static_cast<StringObj*>(o);
        if (quoted) put_quoted(s->view());
        else put(s->view());
        return;
      }
      case ObjType::Array: {
        if (!enter(o)) return;
        put('[');
        auto& items = static_cast<ArrayObj*>(o)->items;
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) put(' ');
          print(items[i], true);
        }
        put(']');
        open_.pop_back();
        return;
      }
      case ObjType::Map: {
        if (!enter(o)) return;
        put('{');
        bool first = true;
        for (auto& e : static_cast<MapObj*>(o)->entries) {
          if (!first) put(' ');
          first = false;
          put('^');
          const std::string& key = symbols_.name(e.key);
          if (is_plain_name(key)) put(key);
          else put_quoted(key);
          put(' ');
          print(e.value, true);
        }
        put('}');
        open_.pop_back();
        return;
      }
      case ObjType::Gene: {
        if (!enter(o)) return;
        auto* g = static_cast<GeneObj*>(o);
        put('(');
        print(g->head, true);
        for (Value c : g->children) {
          put(' ');
          print(c, true);
        }
        put(')');
        open_.pop_back();
        return;
      }
      case ObjType::Closure: {
        const std::string& name = static_cast<ClosureObj*>(o)->proto->name;
        if (name.empty()) {
          put("<fn>");
        } else {
          put("<fn ");
          put(name);
          put('>');
        }
        return;
      }
      case ObjType::Box:
        print(static_cast<BoxObj*>(o)->value, quoted);
        return;
    }
  }
};

struct PairHash {
  size_t operator()(const std::pair<const Obj*, const Obj*>& p) const {
    return std::hash<const void*>{}(p.first) * 31 + std::hash<const void*>{}(p.second);
  }
};

class EqualityChecker {
 public:
  explicit EqualityChecker(WalkLimits& walk) : walk_(walk) {}

  bool equal(Value a, Value b, int depth) {
    if (a == b) return !(a.is_float() && std::isnan(a.as_float()));
    if (a.is_float() && b.is_float()) return a.as_float() == b.as_float();
    if (!a.is_object() || !b.is_object()) return false;
    Obj* x = a.as_object();
    Obj* y = b.as_object();
    if (x->type != y->type) return false;
    if (x->type == ObjType::String)
      return static_cast<StringObj*>(x)->view() == static_cast<StringObj*>(y)->view();
    if (x->type == ObjType::Closure || x->type == ObjType::Box) return false;
    if (depth > kMaxDepth) throw NestingTooDeep{};
    walk_.step();
    // A pair already being compared is assumed equal: if it differs, the
    // difference is found elsewhere, so cyclic values terminate.
    std::pair<const Obj*, const Obj*> key(x, y);
    if (!in_progress_.insert(key).second) return true;
    bool result = compare_containers(x, y, depth);
    in_progress_.erase(key);
    return result;
  }

 private:
  WalkLimits& walk_;
  std::unordered_set<std::pair<const Obj*, const Obj*>, PairHash> in_progress_;

  bool equal_lists(const Values& a, const Values& b, int depth) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!equal(a[i], b[i], depth + 1)) return false;
    return true;
  }

  bool compare_containers(Obj* x, Obj* y, int depth) {
    switch (x->type) {
      case ObjType::Array:
        return equal_lists(static_cast<ArrayObj*>(x)->items, static_cast<ArrayObj*>(y)->items, depth);
      case ObjType::Gene: {
        auto* g = static_cast<GeneObj*>(x);
        auto* h = static_cast<GeneObj*>(y);
        return equal(g->head, h->head, depth + 1) && equal_lists(g->children, h->children, depth);
      }
      case ObjType::Map: {
        auto* m = static_cast<MapObj*>(x);
        auto* n = static_cast<MapObj*>(y);
        if (m->entries.size() != n->entries.size()) return false;
        for (auto& e : m->entries) {
          Value* other = n->find(e.key);
          if (!other || !equal(e.value, *other, depth + 1)) return false;
        }
        return true;
      }
      default:
        return false;
    }
  }
};

}  // namespace

bool append_display(std::string& out, Value v, const SymbolTable& symbols, bool quoted, WalkLimits& walk,
                    size_t max_bytes) {
  if (out.size() > max_bytes) {
    out.resize(max_bytes);
    return false;
  }
  try {
    Printer(out, symbols, walk, max_bytes).print(v, quoted);
  } catch (TextFull&) {
    return false;
  }
  return true;
}

std::string display_excerpt(Value v, const SymbolTable& symbols, bool quoted, WalkLimits& walk,
                            size_t max_bytes) {
  std::string s;
  if (!append_display(s, v, symbols, quoted, walk, max_bytes)) s += "...";
  return s;
}

bool values_equal(Value a, Value b, WalkLimits& walk) {
  if (a == b) return !(a.is_float() && std::isnan(a.as_float()));
  if (a.is_float() && b.is_float()) return a.as_float() == b.as_float();
  if (!a.is_object() || !b.is_object()) return false;
  return EqualityChecker(walk).equal(a, b, 0);
}

}  // namespace gene
