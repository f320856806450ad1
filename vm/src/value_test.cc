// Value representation (NaN-boxing), display texts, float formatting,
// structural equality and the insertion-ordered map.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "builtins.h"
#include "display.h"
#include "heap.h"
#include "object.h"
#include "value.h"

namespace gene {
namespace {

// Replaces a container's contents through the write barrier, as the VM
// does, so the heap's counts stay exact and its destructor frees it all.
void set_items(Heap& heap, Obj* holder, Values& items, std::initializer_list<Value> values) {
  for (Value v : items) heap.release(v);
  items.clear();
  for (Value v : values) heap.push(holder, items, v);
}

double from_bits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

TEST(Value, IntRoundTrip) {
  for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{42}, int64_t{-10}, int64_t{123456789012},
                    int64_t{-123456789012}, kIntMax, kIntMin, kIntMax - 1, kIntMin + 1}) {
    Value v = Value::integer(i);
    EXPECT_TRUE(v.is_int()) << i;
    EXPECT_TRUE(v.is_number()) << i;
    EXPECT_FALSE(v.is_float()) << i;
    EXPECT_FALSE(v.is_object()) << i;
    EXPECT_FALSE(v.is_nil()) << i;
    EXPECT_EQ(v.as_int(), i);
    EXPECT_EQ(v.to_double(), double(i));
  }
  EXPECT_EQ(kIntMax, 140737488355327LL);
  EXPECT_EQ(kIntMin, -140737488355328LL);
  EXPECT_TRUE(Value::int_fits(kIntMax));
  EXPECT_TRUE(Value::int_fits(kIntMin));
  EXPECT_FALSE(Value::int_fits(kIntMax + 1));
  EXPECT_FALSE(Value::int_fits(kIntMin - 1));
  // Distinct ints are distinct bit patterns.
  EXPECT_NE(Value::integer(kIntMax), Value::integer(kIntMin));
  EXPECT_NE(Value::integer(-1), Value::integer(kIntMax));
}

// The interpreter's fast path against plain 64-bit arithmetic and
// int_fits, at and around the edges of the 48-bit range.
TEST(Value, IntFastPathAgreesWithPlainArithmetic) {
  const int64_t edges[] = {0, 1, -1, 2, -2, 1000, -1000, kIntMax, kIntMin, kIntMax - 1, kIntMin + 1,
                           kIntMax / 2, kIntMin / 2, (int64_t{1} << 23) - 1, -(int64_t{1} << 23)};
  for (int64_t x : edges)
    for (int64_t y : edges) {
      Value a = Value::integer(x), b = Value::integer(y), r = Value::nil();
      EXPECT_TRUE(Value::both_ints(a, b));
      EXPECT_EQ(Value::add_ints(a, b, r), Value::int_fits(x + y)) << x << " + " << y;
      if (Value::int_fits(x + y)) {
        EXPECT_EQ(r, Value::integer(x + y)) << x << " + " << y;
      }
      EXPECT_EQ(Value::sub_ints(a, b, r), Value::int_fits(x - y)) << x << " - " << y;
      if (Value::int_fits(x - y)) {
        EXPECT_EQ(r, Value::integer(x - y)) << x << " - " << y;
      }
      if (y >= -(int64_t{1} << 23) && y < (int64_t{1} << 23)) {
        EXPECT_EQ(Value::add_int_imm(a, int32_t(y), r), Value::int_fits(x + y)) << x << " + imm " << y;
        if (Value::int_fits(x + y)) {
          EXPECT_EQ(r, Value::integer(x + y)) << x << " + imm " << y;
        }
      }
    }
  for (Value other : {Value::number(1.5), Value::nil(), Value::boolean(true), Value::symbol(3), Value::builtin(1),
                      Value::number(-0.0), Value::undefined()}) {
    EXPECT_FALSE(Value::both_ints(Value::integer(1), other));
    EXPECT_FALSE(Value::both_ints(other, Value::integer(1)));
    EXPECT_FALSE(Value::both_ints(other, other));
  }
}

TEST(Value, FloatRoundTrip) {
  for (double d : {0.0, 1.5, -2.5, 3.14, 1e300, -1e-300, 5e-324, std::numeric_limits<double>::max()}) {
    Value v = Value::number(d);
    EXPECT_TRUE(v.is_float()) << d;
    EXPECT_TRUE(v.is_number()) << d;
    EXPECT_FALSE(v.is_int()) << d;
    EXPECT_EQ(v.as_float(), d);
    EXPECT_EQ(v.to_double(), d);
  }
  Value nz = Value::number(-0.0);
  EXPECT_TRUE(nz.is_float());
  EXPECT_TRUE(std::signbit(nz.as_float()));
  EXPECT_EQ(nz.as_float(), 0.0);
  EXPECT_NE(nz, Value::number(0.0));  // distinct bits

  double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(Value::number(inf).is_float());
  EXPECT_EQ(Value::number(inf).as_float(), inf);
  EXPECT_TRUE(Value::number(-inf).is_float());
  EXPECT_EQ(Value::number(-inf).as_float(), -inf);
}

TEST(Value, NaNStaysFloat) {
  double nans[] = {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN(),
                   std::nan("1"),
                   // NaNs whose bits would collide with the tags must not become other values.
                   from_bits(0xFFF9000000000001ull), from_bits(0xFFFA000000000000ull),
                   from_bits(0xFFFC000000001000ull), from_bits(0xFFFFFFFFFFFFFFFFull)};
  for (double d : nans) {
    Value v = Value::number(d);
    EXPECT_TRUE(v.is_float());
    EXPECT_TRUE(std::isnan(v.as_float()));
    EXPECT_FALSE(v.is_int());
    EXPECT_FALSE(v.is_nil());
    EXPECT_FALSE(v.is_bool());
    EXPECT_FALSE(v.is_object());
    EXPECT_FALSE(v.is_symbol());
    EXPECT_FALSE(v.is_builtin());
    EXPECT_TRUE(v.truthy());
  }
  // 0/0 computed at run time.
  volatile double zero = 0;
  Value v = Value::number(zero / zero);
  EXPECT_TRUE(v.is_float());
  EXPECT_TRUE(std::isnan(v.as_float()));
}

TEST(Value, Truthiness) {
  EXPECT_FALSE(Value::nil().truthy());
  EXPECT_FALSE(Value().truthy());  // default is nil
  EXPECT_TRUE(Value().is_nil());
  EXPECT_FALSE(Value::boolean(false).truthy());
  EXPECT_TRUE(Value::boolean(true).truthy());
  EXPECT_TRUE(Value::boolean(true).as_bool());
  EXPECT_FALSE(Value::boolean(false).as_bool());
  EXPECT_TRUE(Value::boolean(false).is_bool());
  EXPECT_FALSE(Value::nil().is_bool());
  EXPECT_NE(Value::nil(), Value::boolean(false));
  // 0, 0.0 and "" are truthy.
  EXPECT_TRUE(Value::integer(0).truthy());
  EXPECT_TRUE(Value::number(0.0).truthy());
  Heap heap;
  Value empty = Value::object(heap.new_string(""));
  EXPECT_TRUE(empty.truthy());
  EXPECT_TRUE(Value::object(heap.new_array()).truthy());
  EXPECT_TRUE(Value::symbol(0).truthy());
}

// The flat table grows many times over: every name keeps its id, lookups
// of names never interned miss, and names differing in one byte (the
// common case of computed keys) stay apart.
TEST(Value, SymbolTableKeepsIdsAcrossGrowth) {
  SymbolTable symbols;
  constexpr int kNames = 100000;
  std::vector<uint32_t> ids;
  for (int i = 0; i < kNames; ++i) ids.push_back(symbols.intern("key" + std::to_string(i)));
  EXPECT_EQ(symbols.size(), size_t(kNames));
  for (int i = 0; i < kNames; ++i) {
    std::string name = "key" + std::to_string(i);
    ASSERT_EQ(symbols.intern(name), ids[size_t(i)]);
    ASSERT_EQ(symbols.find(name), int64_t(ids[size_t(i)]));
    ASSERT_EQ(symbols.name(ids[size_t(i)]), name);
  }
  EXPECT_EQ(symbols.find("key" + std::to_string(kNames)), -1);
  EXPECT_EQ(symbols.find(""), -1);
  EXPECT_EQ(symbols.find("ke"), -1);
  uint32_t empty = symbols.intern("");
  EXPECT_EQ(symbols.find(""), int64_t(empty));
  EXPECT_EQ(symbols.size(), size_t(kNames) + 1);
  // Names of every length up to two words hash every byte.
  std::string a(17, 'a');
  for (size_t i = 0; i < a.size(); ++i) {
    std::string b = a;
    b[i] = 'b';
    EXPECT_NE(SymbolTable::hash(a.substr(0, i + 1)), SymbolTable::hash(b.substr(0, i + 1))) << i;
  }
}

TEST(Value, SymbolsAndBuiltins) {
  SymbolTable symbols;
  uint32_t a = symbols.intern("alpha");
  uint32_t b = symbols.intern("beta");
  EXPECT_NE(a, b);
  EXPECT_EQ(symbols.intern("alpha"), a);
  EXPECT_EQ(symbols.name(a), "alpha");
  Value s = Value::symbol(b);
  EXPECT_TRUE(s.is_symbol());
  EXPECT_FALSE(s.is_int());
  EXPECT_FALSE(s.is_float());
  EXPECT_FALSE(s.is_builtin());
  EXPECT_EQ(s.as_symbol(), b);
  EXPECT_EQ(display(s, symbols, false), "beta");
  EXPECT_EQ(display(s, symbols, true), "beta");

  int idx = find_builtin("println");
  ASSERT_GE(idx, 0);
  EXPECT_EQ(find_builtin("no-such-builtin"), -1);
  Value f = Value::builtin(uint32_t(idx));
  EXPECT_TRUE(f.is_builtin());
  EXPECT_FALSE(f.is_symbol());
  EXPECT_EQ(f.as_builtin(), uint32_t(idx));
  EXPECT_STREQ(builtin_name(uint32_t(idx)), "println");
  EXPECT_EQ(display(f, symbols, false), "<builtin println>");
  // Same payload, different tags.
  EXPECT_NE(Value::symbol(3), Value::builtin(3));
  EXPECT_NE(Value::symbol(3), Value::integer(3));
}

TEST(Value, HeapObjects) {
  Heap heap;
  StringObj* str = heap.new_string("hello");
  Value v = Value::object(str);
  EXPECT_TRUE(v.is_object());
  EXPECT_FALSE(v.is_float());
  EXPECT_FALSE(v.is_int());
  EXPECT_EQ(v.as_object(), str);
  EXPECT_TRUE(is_type(v, ObjType::String));
  EXPECT_FALSE(is_type(v, ObjType::Array));
  EXPECT_FALSE(is_type(Value::integer(1), ObjType::String));
  EXPECT_EQ(as_string(v)->view(), "hello");
  EXPECT_EQ(as_string(v)->length, 5u);
  // Bytes, including NUL, are kept.
  StringObj* nul = heap.new_string(std::string_view("a\0b", 3));
  EXPECT_EQ(nul->view(), std::string_view("a\0b", 3));
  ArrayObj* arr = heap.new_array();
  Value av = Value::object(arr);
  EXPECT_TRUE(is_type(av, ObjType::Array));
  EXPECT_EQ(as_array(av), arr);
  EXPECT_GE(heap.allocations(), 3u);
}

TEST(Display, FormatFloatMatchesPythonRepr) {
  struct Case {
    double value;
    const char* repr;
  } cases[] = {
      {5.0, "5.0"},
      {3.14, "3.14"},
      {0.1, "0.1"},
      {-2.5, "-2.5"},
      {1e20, "1e+20"},
      {1e-05, "1e-05"},
      {0.0001, "0.0001"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {10000000000.0, "10000000000.0"},
      {123456789012345.0, "123456789012345.0"},
      {1234567890123456.0, "1234567890123456.0"},
      {9999999999999998.0, "9999999999999998.0"},
      {1.0 / 3.0, "0.3333333333333333"},
      {2.0 / 3.0, "0.6666666666666666"},
      {0.1 + 0.2, "0.30000000000000004"},
      {1.5e300, "1.5e+300"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {100.0, "100.0"},
      {6.02e-3, "0.00602"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
      {std::numeric_limits<double>::quiet_NaN(), "nan"},
  };
  for (const auto& c : cases) EXPECT_EQ(format_float(c.value), c.repr) << "value " << c.repr;
}

TEST(Display, ScalarsTopLevelAndQuoted) {
  Heap heap;
  SymbolTable symbols;
  EXPECT_EQ(display(Value::integer(42), symbols, false), "42");
  EXPECT_EQ(display(Value::integer(-10), symbols, true), "-10");
  EXPECT_EQ(display(Value::integer(kIntMin), symbols, false), "-140737488355328");
  EXPECT_EQ(display(Value::number(5.0), symbols, false), "5.0");
  EXPECT_EQ(display(Value::boolean(true), symbols, false), "true");
  EXPECT_EQ(display(Value::boolean(false), symbols, true), "false");
  // nil: empty at top level, `nil` inside a collection.
  EXPECT_EQ(display(Value::nil(), symbols, false), "");
  EXPECT_EQ(display(Value::nil(), symbols, true), "nil");
  // Strings: raw at top level, quoted and escaped inside.
  Value s = Value::object(heap.new_string("a\"b\\c\nd\te\rf"));
  EXPECT_EQ(display(s, symbols, false), "a\"b\\c\nd\te\rf");
  EXPECT_EQ(display(s, symbols, true), "\"a\\\"b\\\\c\\nd\\te\\rf\"");
  // append_display appends.
  std::string out = "x=";
  EXPECT_TRUE(append_display(out, Value::integer(1), symbols, false, unlimited_walk(), SIZE_MAX));
  EXPECT_EQ(out, "x=1");
}

TEST(Display, NestedCollections) {
  Heap heap;
  SymbolTable symbols;
  ArrayObj* inner = heap.new_array();
  set_items(heap, inner, inner->items, {Value::number(2.5), Value::nil()});
  ArrayObj* arr = heap.new_array();
  set_items(heap, arr, arr->items, {Value::integer(1), Value::object(heap.new_string("a")), Value::object(inner), Value::nil(),
                Value::boolean(true)});
  // Elements use the collection column even when the array itself is at top level.
  EXPECT_EQ(display(Value::object(arr), symbols, false), "[1 \"a\" [2.5 nil] nil true]");
  EXPECT_EQ(display(Value::object(arr), symbols, true), "[1 \"a\" [2.5 nil] nil true]");
  EXPECT_EQ(display(Value::object(heap.new_array()), symbols, false), "[]");

  MapObj* map = heap.new_map();
  heap.map_put(map, symbols.intern("b"), Value::integer(2));
  heap.map_put(map, symbols.intern("a"), Value::object(heap.new_string("s")));
  heap.map_put(map, symbols.intern("a b"), Value::object(arr));
  heap.map_put(map, symbols.intern("n"), Value::nil());
  EXPECT_EQ(display(Value::object(map), symbols, false),
            "{^b 2 ^a \"s\" ^\"a b\" [1 \"a\" [2.5 nil] nil true] ^n nil}");
  EXPECT_EQ(display(Value::object(heap.new_map()), symbols, false), "{}");

  GeneObj* gene = heap.new_gene(Value::symbol(symbols.intern("add")));
  set_items(heap, gene, gene->children, {Value::integer(10), Value::integer(20)});
  EXPECT_EQ(display(Value::object(gene), symbols, false), "(add 10 20)");
  GeneObj* data = heap.new_gene(Value::symbol(symbols.intern("_")));
  set_items(heap, data, data->children, {Value::object(heap.new_string("s")), Value::object(gene), Value::nil()});
  EXPECT_EQ(display(Value::object(data), symbols, false), "(_ \"s\" (add 10 20) nil)");
}

TEST(Display, SelfContainingCollections) {
  Heap heap;
  SymbolTable symbols;
  ArrayObj* a = heap.new_array();
  heap.push_into(a, Value::object(a));  // a mutation: may close a cycle
  EXPECT_EQ(display(Value::object(a), symbols, false), "[...]");
  heap.push(a, a->items, Value::integer(1));
  EXPECT_EQ(display(Value::object(a), symbols, false), "[... 1]");

  MapObj* m = heap.new_map();
  heap.map_set(m, symbols.intern("self"), Value::object(m));  // a mutation: may close a cycle
  heap.map_put(m, symbols.intern("x"), Value::integer(1));
  EXPECT_EQ(display(Value::object(m), symbols, false), "{^self ... ^x 1}");

  // A value shared twice (not a cycle) prints in full both times.
  ArrayObj* shared = heap.new_array();
  heap.push(shared, shared->items, Value::integer(7));
  ArrayObj* outer = heap.new_array();
  set_items(heap, outer, outer->items, {Value::object(shared), Value::object(shared)});
  EXPECT_EQ(display(Value::object(outer), symbols, false), "[[7] [7]]");
}

TEST(Equality, Scalars) {
  Heap heap;
  EXPECT_FALSE(values_equal(Value::integer(2), Value::number(2.0)));
  EXPECT_FALSE(values_equal(Value::number(2.0), Value::integer(2)));
  EXPECT_TRUE(values_equal(Value::integer(2), Value::integer(2)));
  EXPECT_FALSE(values_equal(Value::integer(2), Value::integer(3)));
  EXPECT_TRUE(values_equal(Value::number(2.5), Value::number(2.5)));
  EXPECT_TRUE(values_equal(Value::number(0.0), Value::number(-0.0)));
  EXPECT_FALSE(values_equal(Value::number(2.5), Value::number(2.25)));
  EXPECT_TRUE(values_equal(Value::nil(), Value::nil()));
  EXPECT_FALSE(values_equal(Value::nil(), Value::boolean(false)));
  EXPECT_TRUE(values_equal(Value::boolean(true), Value::boolean(true)));
  EXPECT_TRUE(values_equal(Value::symbol(4), Value::symbol(4)));
  EXPECT_FALSE(values_equal(Value::symbol(4), Value::symbol(5)));
  // Strings by value, not identity.
  Value s1 = Value::object(heap.new_string("abc"));
  Value s2 = Value::object(heap.new_string("abc"));
  Value s3 = Value::object(heap.new_string("abd"));
  ASSERT_NE(s1, s2);
  EXPECT_TRUE(values_equal(s1, s2));
  EXPECT_FALSE(values_equal(s1, s3));
  EXPECT_FALSE(values_equal(s1, Value::symbol(0)));
  EXPECT_FALSE(values_equal(Value::object(heap.new_string("1")), Value::integer(1)));
}

TEST(Equality, Collections) {
  Heap heap;
  SymbolTable symbols;
  auto str = [&](const char* s) { return Value::object(heap.new_string(s)); };
  ArrayObj* a = heap.new_array();
  ArrayObj* b = heap.new_array();
  set_items(heap, a, a->items, {Value::integer(1), str("x")});
  set_items(heap, b, b->items, {Value::integer(1), str("x")});
  EXPECT_TRUE(values_equal(Value::object(a), Value::object(b)));
  heap.push(b, b->items, Value::nil());
  EXPECT_FALSE(values_equal(Value::object(a), Value::object(b)));
  b->items.pop_back();
  b->items[0] = Value::number(1.0);
  EXPECT_FALSE(values_equal(Value::object(a), Value::object(b)));

  // Maps: same keys with equal values, order ignored.
  uint32_t ka = symbols.intern("a"), kb = symbols.intern("b"), kc = symbols.intern("c");
  MapObj* m = heap.new_map();
  MapObj* n = heap.new_map();
  heap.map_put(m, ka, Value::integer(1));
  heap.map_put(m, kb, str("two"));
  heap.map_put(n, kb, str("two"));
  heap.map_put(n, ka, Value::integer(1));
  EXPECT_TRUE(values_equal(Value::object(m), Value::object(n)));
  heap.map_put(n, ka, Value::integer(9));
  EXPECT_FALSE(values_equal(Value::object(m), Value::object(n)));
  heap.map_put(n, ka, Value::integer(1));
  heap.map_put(n, kc, Value::nil());
  EXPECT_FALSE(values_equal(Value::object(m), Value::object(n)));
  EXPECT_FALSE(values_equal(Value::object(n), Value::object(m)));

  // Genes by head and children.
  GeneObj* g = heap.new_gene(Value::symbol(symbols.intern("add")));
  GeneObj* h = heap.new_gene(Value::symbol(symbols.intern("add")));
  GeneObj* k = heap.new_gene(Value::symbol(symbols.intern("sub")));
  set_items(heap, g, g->children, {Value::integer(1), Value::object(a)});
  set_items(heap, h, h->children, {Value::integer(1), Value::object(heap.new_array())});
  set_items(heap, h->children[1].as_object(), as_array(h->children[1])->items, {Value::integer(1), str("x")});
  heap.append(k, k->children, g->children.data(), g->children.data() + g->children.size());
  EXPECT_TRUE(values_equal(Value::object(g), Value::object(h)));
  EXPECT_FALSE(values_equal(Value::object(g), Value::object(k)));
  heap.push(h, h->children, Value::integer(2));
  EXPECT_FALSE(values_equal(Value::object(g), Value::object(h)));

  // Different container types never compare equal.
  EXPECT_FALSE(values_equal(Value::object(heap.new_array()), Value::object(heap.new_map())));
}

TEST(Equality, SelfReferentialTerminates) {
  Heap heap;
  ArrayObj* a = heap.new_array();
  ArrayObj* b = heap.new_array();
  heap.push_into(a, Value::object(a));  // a mutation: may close a cycle
  heap.push_into(b, Value::object(b));  // a mutation: may close a cycle
  EXPECT_TRUE(values_equal(Value::object(a), Value::object(a)));
  EXPECT_TRUE(values_equal(Value::object(a), Value::object(b)));
  heap.push(a, a->items, Value::integer(1));
  heap.push(b, b->items, Value::integer(2));
  EXPECT_FALSE(values_equal(Value::object(a), Value::object(b)));
  // Mutual cycle: c = [d], d = [c].
  ArrayObj* c = heap.new_array();
  ArrayObj* d = heap.new_array();
  heap.push(c, c->items, Value::object(d));
  heap.push_into(d, Value::object(c));  // a mutation: may close a cycle
  EXPECT_TRUE(values_equal(Value::object(c), Value::object(d)));
}

TEST(MapObj, InsertionOrderAndIndexBeyondEightKeys) {
  Heap heap;
  SymbolTable symbols;
  MapObj* m = heap.new_map();
  // Key ids deliberately not in insertion order.
  std::vector<uint32_t> keys;
  for (int i = 0; i < 40; ++i) symbols.intern("pad" + std::to_string(i));
  for (int i = 39; i >= 0; --i) keys.push_back(symbols.intern(std::string("k").append(std::to_string(i * 7 % 40))));
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_TRUE(m->put(keys[i], Value::integer(int64_t(i)))) << i;
    // Every key put so far is still found, across the switch to the index.
    for (size_t j = 0; j <= i; ++j) {
      Value* v = m->find(keys[j]);
      ASSERT_NE(v, nullptr) << "key " << j << " after " << i + 1 << " puts";
      EXPECT_EQ(v->as_int(), int64_t(j));
    }
  }
  ASSERT_EQ(m->entries.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(m->entries[i].key, keys[i]) << i;
  // Missing keys.
  EXPECT_EQ(m->find(symbols.intern("missing")), nullptr);
  EXPECT_EQ(m->find(symbols.intern("pad3")), nullptr);
  // Overwriting keeps the position and the size.
  EXPECT_FALSE(m->put(keys[3], Value::integer(-1)));
  EXPECT_FALSE(m->put(keys[30], Value::integer(-30)));
  EXPECT_EQ(m->entries.size(), keys.size());
  EXPECT_EQ(m->entries[3].key, keys[3]);
  EXPECT_EQ(m->find(keys[3])->as_int(), -1);
  EXPECT_EQ(m->find(keys[30])->as_int(), -30);
  EXPECT_EQ(m->entries[30].value.as_int(), -30);

  // Small map: linear path.
  MapObj* small = heap.new_map();
  EXPECT_TRUE(small->put(keys[0], Value::integer(1)));
  EXPECT_FALSE(small->put(keys[0], Value::integer(2)));
  EXPECT_EQ(small->entries.size(), 1u);
  EXPECT_EQ(small->find(keys[0])->as_int(), 2);
  EXPECT_EQ(small->find(keys[1]), nullptr);
}

}  // namespace
}  // namespace gene
