#include "builtins.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include "display.h"
#include "gene/reader.h"
#include "interpreter.h"

namespace gene {

// ---- arithmetic -------------------------------------------------------------

namespace {

[[noreturn]] void type_error(const char* what) { throw_error(std::string("type error: ") + what); }

Value checked_int(int64_t r) {
  if (!Value::int_fits(r)) throw_error("integer overflow");
  return Value::integer(r);
}

void require_numbers(Value a, Value b, const char* op) {
  if (!a.is_number() || !b.is_number()) type_error((std::string(op) + " takes numbers").c_str());
}

}  // namespace

Value arith_add(Heap& heap, Value a, Value b) {
  if (a.is_int() && b.is_int()) return checked_int(a.as_int() + b.as_int());
  if (a.is_number() && b.is_number()) return Value::number(a.to_double() + b.to_double());
  if (is_type(a, ObjType::String) && is_type(b, ObjType::String))
    return Value::object(heap.concat(as_string(a)->view(), as_string(b)->view()));
  type_error("+ takes two numbers or two strings (use str)");
}

Value arith_sub(Value a, Value b) {
  require_numbers(a, b, "-");
  if (a.is_int() && b.is_int()) return checked_int(a.as_int() - b.as_int());
  return Value::number(a.to_double() - b.to_double());
}

Value arith_mul(Value a, Value b) {
  require_numbers(a, b, "*");
  if (a.is_int() && b.is_int()) {
    int64_t r;
    if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) throw_error("integer overflow");
    return checked_int(r);
  }
  return Value::number(a.to_double() * b.to_double());
}

Value arith_div(Value a, Value b) {
  require_numbers(a, b, "/");
  double d = b.to_double();
  if (d == 0) throw_error("division by zero");
  return Value::number(a.to_double() / d);
}

Value arith_mod(Value a, Value b) {
  require_numbers(a, b, "%");
  if (a.is_int() && b.is_int()) {
    int64_t x = a.as_int(), y = b.as_int();
    if (y == 0) throw_error("division by zero");
    int64_t r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) r += y;  // the divisor's sign, as in Lua and Python
    return Value::integer(r);
  }
  double x = a.to_double(), y = b.to_double();
  if (y == 0) throw_error("division by zero");
  double r = std::fmod(x, y);
  if (r != 0 && ((r < 0) != (y < 0))) r += y;
  return Value::number(r);
}

Value arith_neg(Value a) {
  if (a.is_int()) return checked_int(-a.as_int());
  if (a.is_float()) return Value::number(-a.as_float());
  type_error("- takes numbers");
}

int compare_values(Value a, Value b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
    double x = a.to_double(), y = b.to_double();
    if (std::isnan(x) || std::isnan(y)) return 2;  // unordered: every comparison is false
    return x < y ? -1 : x > y;
  }
  if (is_type(a, ObjType::String) && is_type(b, ObjType::String)) {
    int c = as_string(a)->view().compare(as_string(b)->view());
    return c < 0 ? -1 : c > 0;
  }
  type_error("comparison takes two numbers or two strings");
}

// ---- quoted syntax → values -------------------------------------------------

Value value_from_node(VM& vm, const Node& n) {
  switch (n.kind) {
    case Node::Kind::Nil: return Value::nil();
    case Node::Kind::True: return Value::boolean(true);
    case Node::Kind::False: return Value::boolean(false);
    case Node::Kind::Int: return Value::integer(n.int_value);
    case Node::Kind::Float: return Value::number(n.float_value);
    case Node::Kind::String: return Value::object(vm.heap.new_string(n.text));
    case Node::Kind::Symbol:
    case Node::Kind::QuotedSymbol: return Value::symbol(vm.intern(n.text));
    case Node::Kind::Placeholder: return Value::symbol(vm.intern("_"));
    case Node::Kind::Path: {
      std::string text = n.text;
      for (auto& seg : n.items)
      {
        text += '/';
        text += seg->kind == Node::Kind::Int ? std::to_string(seg->int_value) : seg->text;
      }
      return Value::symbol(vm.intern(text));
    }
    case Node::Kind::Spread: {
      Value inner = value_from_node(vm, *n.items[0]);  // a symbol or a path: short
      return Value::symbol(vm.intern(display(inner, vm.symbols, false) + "..."));
    }
    case Node::Kind::Array: {
      ArrayObj* a = vm.heap.new_array(n.items.size());
      for (auto& item : n.items) vm.heap.push(a, a->items, value_from_node(vm, *item));
      return Value::object(a);
    }
    case Node::Kind::Map: {
      MapObj* m = vm.heap.new_map();
      for (size_t i = 0; i < n.items.size(); ++i)
        vm.heap.map_put(m, vm.intern(n.keys[i]), value_from_node(vm, *n.items[i]));
      return Value::object(m);
    }
    case Node::Kind::Gene: {
      GeneObj* g = vm.heap.new_gene(value_from_node(vm, *n.items[0]));
      for (size_t i = 1; i < n.items.size(); ++i) vm.heap.push(g, g->children, value_from_node(vm, *n.items[i]));
      return Value::object(g);
    }
    case Node::Kind::Quote: return value_from_node(vm, *n.items[0]);
  }
  return Value::nil();
}

// ---- builtins -----------------------------------------------------------------

namespace {

// A map key as a name: interned to store under it, only looked up to read
// (a name never interned cannot be a key, and reads must not grow the table).
uint32_t key_to_store(VM& vm, Value k) {
  if (is_type(k, ObjType::String)) {
    StringObj* s = as_string(k);
    if (s->symbol == StringObj::kNoSymbol) s->symbol = vm.intern(s->view());
    return s->symbol;
  }
  if (k.is_symbol()) return k.as_symbol();
  if (k.is_int()) return vm.intern(std::to_string(k.as_int()));
  type_error("a map key is a string or a symbol");
}

int64_t key_to_read(VM& vm, Value k) {
  if (is_type(k, ObjType::String)) {
    StringObj* s = as_string(k);
    if (s->symbol != StringObj::kNoSymbol) return s->symbol;
    int64_t id = vm.symbols.find(s->view());
    if (id >= 0) s->symbol = uint32_t(id);
    return id;
  }
  if (k.is_symbol()) return k.as_symbol();
  if (k.is_int()) return vm.symbols.find(std::to_string(k.as_int()));
  type_error("a map key is a string or a symbol");
}

// print and println write one text, built whole and bounded first: a
// value's text can be far larger than the heap (shared structures).
Value print_line(VM& vm, Value* args, int argc, bool newline) {
  uint64_t heap_room = vm.text_room(), output_room = vm.output_room();
  uint64_t room = std::min(heap_room, output_room);
  std::string out;
  bool fits = true;
  for (int i = 0; i < argc && fits; ++i) {
    if (i) {
      out += ' ';
      fits = out.size() <= room;
    }
    if (fits) fits = append_display(out, args[i], vm.symbols, false, vm.walk(), room);
  }
  if (newline) {
    out += '\n';
    fits = fits && out.size() <= room;
  }
  if (!fits) {
    if (output_room < heap_room) throw_error("output limit exceeded", ErrorKind::ResourceLimit);
    throw OutOfMemory{};
  }
  vm.write(out);
  return Value::nil();
}

Value b_print(VM& vm, Value* args, int argc) { return print_line(vm, args, argc, false); }
Value b_println(VM& vm, Value* args, int argc) { return print_line(vm, args, argc, true); }

Value b_len(VM&, Value* args, int) {
  Value x = args[0];
  if (x.is_object()) {
    switch (x.as_object()->type) {
      case ObjType::String: return Value::integer(as_string(x)->length);
      case ObjType::Array: return Value::integer(int64_t(as_array(x)->items.size()));
      case ObjType::Map: return Value::integer(int64_t(as_map(x)->entries.size()));
      case ObjType::Gene: return Value::integer(int64_t(as_gene(x)->children.size()));
      default: break;
    }
  }
  type_error("len takes a string, array, map or gene");
}

Value b_push(VM& vm, Value* args, int) {
  if (!is_type(args[0], ObjType::Array)) type_error("push takes an array");
  vm.heap.push_into(as_array(args[0]), args[1]);
  return args[0];
}

Value b_pop(VM& vm, Value* args, int) {
  if (!is_type(args[0], ObjType::Array)) type_error("pop takes an array");
  ArrayObj* a = as_array(args[0]);
  auto& items = a->items;
  if (items.empty()) return Value::nil();
  Value v = items.back();
  items.pop_back();
  vm.heap.release_in(a, v);  // the stack keeps it until the next safepoint at least
  return v;
}

int64_t index_of(Value k, size_t size) {
  if (!k.is_int()) type_error("an index is an int");
  int64_t i = k.as_int();
  if (i < 0) i += int64_t(size);
  return (i < 0 || i >= int64_t(size)) ? -1 : i;
}

Value b_get(VM& vm, Value* args, int argc) {
  Value coll = args[0], key = args[1];
  Value dflt = argc > 2 ? args[2] : Value::nil();
  if (is_type(coll, ObjType::Map)) {
    int64_t id = key_to_read(vm, key);
    Value* v = id < 0 ? nullptr : as_map(coll)->find(uint32_t(id));
    return v ? *v : dflt;
  }
  if (is_type(coll, ObjType::Array) || is_type(coll, ObjType::Gene)) {
    auto& items = is_type(coll, ObjType::Array) ? as_array(coll)->items : as_gene(coll)->children;
    int64_t i = index_of(key, items.size());
    return i < 0 ? dflt : items[size_t(i)];
  }
  if (coll.is_nil()) return dflt;
  type_error("get takes a map, array or gene");
}

Value b_set(VM& vm, Value* args, int) {
  Value coll = args[0], key = args[1], v = args[2];
  if (is_type(coll, ObjType::Map)) {
    vm.heap.map_set(as_map(coll), key_to_store(vm, key), v);
    return v;
  }
  if (is_type(coll, ObjType::Array) || is_type(coll, ObjType::Gene)) {
    auto& items = is_type(coll, ObjType::Array) ? as_array(coll)->items : as_gene(coll)->children;
    int64_t i = index_of(key, items.size());
    if (i < 0) throw_error("index out of range: " + std::to_string(key.as_int()));
    vm.heap.store_into(coll.as_object(), items[size_t(i)], v);
    return v;
  }
  type_error("set takes a map, array or gene");
}

Value b_keys(VM& vm, Value* args, int) {
  if (!is_type(args[0], ObjType::Map)) type_error("keys takes a map");
  MapObj* m = as_map(args[0]);
  ArrayObj* a = vm.heap.new_array(m->entries.size());
  for (auto& e : m->entries) vm.heap.push(a, a->items, vm.symbol_string(e.key));
  return Value::object(a);
}

// The text of a value that str writes as it is, without a walk: a string,
// a name, nil or a boolean (ints are written in place); false for anything
// else.
bool plain_text(VM& vm, Value v, std::string_view& text) {
  if (is_type(v, ObjType::String)) text = as_string(v)->view();
  else if (v.is_symbol()) text = vm.symbols.name(v.as_symbol());
  else if (v.is_nil()) text = {};
  else if (v.is_bool()) text = v.as_bool() ? "true" : "false";
  else return false;
  return true;
}

// The text is bounded by the heap before it is built: it becomes a string.
// Most calls join a few short strings, ints and names: those are copied
// into a buffer on the stack, without the display's printer (a third of
// the work of map_ops went there). Strings are immutable, so (str s)
// returns s itself.
Value b_str(VM& vm, Value* args, int argc) {
  if (argc == 1 && is_type(args[0], ObjType::String)) return args[0];
  char buf[256];
  char *p = buf, *end = buf + sizeof buf;
  int i = 0;
  for (; i < argc; ++i) {
    if (args[i].is_int()) {
      auto r = std::to_chars(p, end, args[i].as_int());
      if (r.ec != std::errc()) break;
      p = r.ptr;
      continue;
    }
    std::string_view text;
    if (!plain_text(vm, args[i], text) || text.size() > size_t(end - p)) break;
    if (!text.empty()) std::memcpy(p, text.data(), text.size());
    p += text.size();
  }
  size_t used = size_t(p - buf);
  if (i == argc) {
    if (used > vm.text_room()) throw OutOfMemory{};
    return Value::object(vm.heap.new_string(std::string_view(buf, used)));
  }
  std::string out;
  uint64_t room = vm.text_room();
  for (int i = 0; i < argc; ++i)
    if (!append_display(out, args[i], vm.symbols, false, vm.walk(), room)) throw OutOfMemory{};
  return Value::object(vm.heap.new_string(out));
}

Value b_range(VM& vm, Value* args, int argc) {
  if (!args[0].is_int() || !args[1].is_int() || (argc > 2 && !args[2].is_int())) type_error("range takes ints");
  int64_t from = args[0].as_int(), to = args[1].as_int(), step = argc > 2 ? args[2].as_int() : 1;
  if (step == 0) type_error("range step is 0");
  int64_t count = 0;
  if (step > 0 && from < to) count = (to - from + step - 1) / step;
  if (step < 0 && from > to) count = (from - to + (-step) - 1) / (-step);
  if (uint64_t(count) > (uint64_t(1) << 40)) throw OutOfMemory{};
  ArrayObj* a = vm.heap.new_array(size_t(count));
  for (int64_t i = 0, x = from; i < count; ++i, x += step) {
    vm.walk().step();  // filling a large range takes a while: the clock is checked
    a->items.push_back(Value::integer(x));
  }
  return Value::object(a);
}

Value b_type(VM& vm, Value* args, int) {
  Value x = args[0];
  const char* t = "nil";
  if (x.is_int()) t = "int";
  else if (x.is_float()) t = "float";
  else if (x.is_bool()) t = "bool";
  else if (x.is_symbol()) t = "symbol";
  else if (x.is_builtin()) t = "fn";
  else if (x.is_object()) {
    switch (x.as_object()->type) {
      case ObjType::String: t = "string"; break;
      case ObjType::Array: t = "array"; break;
      case ObjType::Map: t = "map"; break;
      case ObjType::Gene: t = "gene"; break;
      case ObjType::Closure: t = "fn"; break;
      case ObjType::Box: t = "nil"; break;
    }
  }
  return Value::symbol(vm.symbols.intern(t));
}

// The syntax tree is built outside the heap and takes many times the
// memory of its text (a node per value): the nodes it may make, each
// counted with its allocation, and a copy of the text must fit the heap.
constexpr uint64_t kNodeBytes = sizeof(Node) + 32;

Value b_parse(VM& vm, Value* args, int) {
  if (!is_type(args[0], ObjType::String)) type_error("$parse takes a string");
  std::string_view text = as_string(args[0])->view();
  uint64_t room = vm.heap.room();
  if (text.size() > room) throw OutOfMemory{};
  ReadResult r = read_program(text, (room - text.size()) / kNodeBytes);
  if (r.too_large) throw OutOfMemory{};
  if (!r.ok)
    throw_error("$parse: " + r.error.message + " at " + std::to_string(r.error.pos.line) + ":" +
                std::to_string(r.error.pos.column));
  if (r.forms.size() != 1)
    throw_error(r.forms.empty() ? "$parse: empty text" : "$parse: extra text after the first value");
  return value_from_node(vm, *r.forms[0]);
}

// Operators as first-class functions, for `(var f +)` and spread calls.
Value b_add(VM& vm, Value* args, int argc) {
  if (argc == 0) return Value::integer(0);
  Value acc = args[0];
  for (int i = 1; i < argc; ++i) acc = arith_add(vm.heap, acc, args[i]);
  return acc;
}
Value b_mul(VM&, Value* args, int argc) {
  if (argc == 0) return Value::integer(1);
  Value acc = args[0];
  for (int i = 1; i < argc; ++i) acc = arith_mul(acc, args[i]);
  return acc;
}
Value b_sub(VM&, Value* args, int argc) {
  if (argc == 1) return arith_neg(args[0]);
  Value acc = args[0];
  for (int i = 1; i < argc; ++i) acc = arith_sub(acc, args[i]);
  return acc;
}
Value b_div(VM&, Value* args, int argc) {
  if (argc == 1) return arith_div(Value::integer(1), args[0]);
  Value acc = args[0];
  for (int i = 1; i < argc; ++i) acc = arith_div(acc, args[i]);
  return acc;
}
Value b_mod(VM&, Value* args, int) { return arith_mod(args[0], args[1]); }
Value b_lt(VM&, Value* args, int) { return Value::boolean(compare_values(args[0], args[1]) == -1); }
Value b_le(VM&, Value* args, int) {
  int c = compare_values(args[0], args[1]);
  return Value::boolean(c == -1 || c == 0);
}
Value b_gt(VM&, Value* args, int) { return Value::boolean(compare_values(args[0], args[1]) == 1); }
Value b_ge(VM&, Value* args, int) {
  int c = compare_values(args[0], args[1]);
  return Value::boolean(c == 1 || c == 0);
}
Value b_eq(VM& vm, Value* args, int) { return Value::boolean(values_equal(args[0], args[1], vm.walk())); }
Value b_ne(VM& vm, Value* args, int) { return Value::boolean(!values_equal(args[0], args[1], vm.walk())); }
Value b_not(VM&, Value* args, int) { return Value::boolean(!args[0].truthy()); }

const Builtin kBuiltins[] = {
    {"print", b_print, 0, -1},   {"println", b_println, 0, -1}, {"len", b_len, 1, 1},
    {"push", b_push, 2, 2},      {"pop", b_pop, 1, 1},          {"get", b_get, 2, 3},
    {"set", b_set, 3, 3},        {"keys", b_keys, 1, 1},        {"str", b_str, 0, -1},
    {"range", b_range, 2, 3},    {"type", b_type, 1, 1},        {"$parse", b_parse, 1, 1},
    {"+", b_add, 0, -1},         {"-", b_sub, 1, -1},           {"*", b_mul, 0, -1},
    {"/", b_div, 1, -1},         {"%", b_mod, 2, 2},            {"<", b_lt, 2, 2},
    {"<=", b_le, 2, 2},          {">", b_gt, 2, 2},             {">=", b_ge, 2, 2},
    {"==", b_eq, 2, 2},          {"!=", b_ne, 2, 2},            {"not", b_not, 1, 1},
};

}  // namespace

const Builtin& builtin(uint32_t index) { return kBuiltins[index]; }
const char* builtin_name(uint32_t index) { return kBuiltins[index].name; }

int find_builtin(std::string_view name) {
  for (size_t i = 0; i < sizeof kBuiltins / sizeof kBuiltins[0]; ++i)
    if (name == kBuiltins[i].name) return int(i);
  return -1;
}

}  // namespace gene
