#include "display.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_set>
#include <vector>

#include "builtins.h"
#include "bytecode.h"
#include "gene/reader.h"

namespace gene {

namespace {
// Display and equality recurse on the C++ stack; values nested deeper than
// this (only buildable at run time) are refused rather than crashing.
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

void append_quoted_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  out += '"';
}

class Printer {
 public:
  Printer(std::string& out, const SymbolTable& symbols) : out_(out), symbols_(symbols) {}

  void print(Value v, bool quoted) {
    if (v.is_int()) {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out_.append(buf, r.ptr);
    } else if (v.is_float()) {
      out_ += format_float(v.as_float());
    } else if (v.is_nil()) {
      if (quoted) out_ += "nil";
    } else if (v.is_bool()) {
      out_ += v.as_bool() ? "true" : "false";
    } else if (v.is_symbol()) {
      out_ += symbols_.name(v.as_symbol());
    } else if (v.is_builtin()) {
      out_ += "<builtin ";
      out_ += builtin_name(v.as_builtin());
      out_ += '>';
    } else if (v.is_object()) {
      print_object(v.as_object(), quoted);
    } else {
      out_ += "<undefined>";
    }
  }

 private:
  std::string& out_;
  const SymbolTable& symbols_;
  std::vector<const Obj*> open_;  // collections being printed, for `...`

  bool enter(const Obj* o) {
    for (const Obj* p : open_)
      if (p == o) {
        out_ += "...";
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
        if (quoted) append_quoted_string(out_, s->view());
        else out_.append(s->view());
        return;
      }
      case ObjType::Array: {
        if (!enter(o)) return;
        out_ += '[';
        auto& items = static_cast<ArrayObj*>(o)->items;
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out_ += ' ';
          print(items[i], true);
        }
        out_ += ']';
        open_.pop_back();
        return;
      }
      case ObjType::Map: {
        if (!enter(o)) return;
        out_ += '{';
        bool first = true;
        for (auto& e : static_cast<MapObj*>(o)->entries) {
          if (!first) out_ += ' ';
          first = false;
          out_ += '^';
          const std::string& key = symbols_.name(e.key);
          if (is_plain_name(key)) out_ += key;
          else append_quoted_string(out_, key);
          out_ += ' ';
          print(e.value, true);
        }
        out_ += '}';
        open_.pop_back();
        return;
      }
      case ObjType::Gene: {
        if (!enter(o)) return;
        auto* g = static_cast<GeneObj*>(o);
        out_ += '(';
        print(g->head, true);
        for (Value c : g->children) {
          out_ += ' ';
          print(c, true);
        }
        out_ += ')';
        open_.pop_back();
        return;
      }
      case ObjType::Closure: {
        const std::string& name = static_cast<ClosureObj*>(o)->proto->name;
        out_ += name.empty() ? "<fn>" : "<fn " + name + ">";
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
    // A pair already being compared is assumed equal: if it differs, the
    // difference is found elsewhere, so cyclic values terminate.
    std::pair<const Obj*, const Obj*> key(x, y);
    if (!in_progress_.insert(key).second) return true;
    bool result = compare_containers(x, y, depth);
    in_progress_.erase(key);
    return result;
  }

 private:
  std::unordered_set<std::pair<const Obj*, const Obj*>, PairHash> in_progress_;

  bool equal_lists(const std::vector<Value>& a, const std::vector<Value>& b, int depth) {
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

void append_display(std::string& out, Value v, const SymbolTable& symbols, bool quoted) {
  Printer(out, symbols).print(v, quoted);
}

bool values_equal(Value a, Value b) {
  if (a == b) return !(a.is_float() && std::isnan(a.as_float()));
  if (a.is_float() && b.is_float()) return a.as_float() == b.as_float();
  if (!a.is_object() || !b.is_object()) return false;
  return EqualityChecker().equal(a, b, 0);
}

}  // namespace gene
