// Values in 64 bits by NaN-boxing. A double is stored as itself; every
// other value lives in the payload of a negative quiet NaN whose top 16
// bits are a tag no arithmetic result can produce (hardware NaNs are
// 0x7FF8… or 0xFFF8… with a zero payload). Ints, nil, booleans, symbols
// and builtins need no heap allocation.
#pragma once

#include <cstdint>
#include <cstring>

#include "gene/ast.h"

namespace gene {

struct Obj;

enum class Tag : uint16_t {
  Int = 0xFFF9,      // payload: 48-bit two's complement
  Special = 0xFFFA,  // payload: 0 nil, 1 false, 2 true, 3 undefined (internal)
  Symbol = 0xFFFB,   // payload: symbol id
  Object = 0xFFFC,   // payload: Obj* (48-bit address)
  Builtin = 0xFFFD,  // payload: builtin index
};

class Value {
 public:
  constexpr Value() : bits_(kNilBits) {}

  static constexpr Value from_bits(uint64_t b) { return Value(b); }
  static Value number(double d) {
    uint64_t b;
    std::memcpy(&b, &d, sizeof b);
    if ((b >> 48) > 0xFFF8) b = 0x7FF8000000000000ull;  // canonical NaN keeps tags free
    return Value(b);
  }
  static constexpr Value integer(int64_t i) {
    return Value((uint64_t(Tag::Int) << 48) | (uint64_t(i) & kPayloadMask));
  }
  static constexpr Value nil() { return Value(kNilBits); }
  static constexpr Value boolean(bool b) { return Value(b ? kTrueBits : kFalseBits); }
  static constexpr Value undefined() { return Value(kUndefinedBits); }
  static constexpr Value symbol(uint32_t id) { return Value((uint64_t(Tag::Symbol) << 48) | id); }
  static constexpr Value builtin(uint32_t index) { return Value((uint64_t(Tag::Builtin) << 48) | index); }
  static Value object(const Obj* o) {
    return Value((uint64_t(Tag::Object) << 48) | reinterpret_cast<uint64_t>(o));
  }

  constexpr uint64_t bits() const { return bits_; }
  constexpr uint16_t tag() const { return uint16_t(bits_ >> 48); }

  constexpr bool is_float() const { return (bits_ >> 48) <= 0xFFF8; }
  constexpr bool is_int() const { return tag() == uint16_t(Tag::Int); }
  constexpr bool is_nil() const { return bits_ == kNilBits; }
  constexpr bool is_bool() const { return bits_ == kTrueBits || bits_ == kFalseBits; }
  constexpr bool is_undefined() const { return bits_ == kUndefinedBits; }
  constexpr bool is_symbol() const { return tag() == uint16_t(Tag::Symbol); }
  constexpr bool is_object() const { return tag() == uint16_t(Tag::Object); }
  constexpr bool is_builtin() const { return tag() == uint16_t(Tag::Builtin); }
  constexpr bool is_number() const { return is_float() || is_int(); }
  // Only nil and false are falsy.
  constexpr bool truthy() const { return bits_ != kNilBits && bits_ != kFalseBits; }

  double as_float() const {
    double d;
    std::memcpy(&d, &bits_, sizeof d);
    return d;
  }
  constexpr int64_t as_int() const { return int64_t(bits_ << 16) >> 16; }
  constexpr bool as_bool() const { return bits_ == kTrueBits; }
  constexpr uint32_t as_symbol() const { return uint32_t(bits_); }
  constexpr uint32_t as_builtin() const { return uint32_t(bits_); }
  Obj* as_object() const { return reinterpret_cast<Obj*>(bits_ & kPayloadMask); }
  double to_double() const { return is_int() ? double(as_int()) : as_float(); }

  friend constexpr bool operator==(Value a, Value b) { return a.bits_ == b.bits_; }
  friend constexpr bool operator!=(Value a, Value b) { return a.bits_ != b.bits_; }

  static constexpr bool int_fits(int64_t i) { return i >= kIntMin && i <= kIntMax; }

  // The interpreter's integer fast path. Both tags in one test: only an
  // int has 0xFFF9 in its top 16 bits, so both are ints exactly when
  // neither differs from it there.
  static constexpr bool both_ints(Value a, Value b) {
    return (((a.bits_ ^ kIntTagBits) | (b.bits_ ^ kIntTagBits)) >> 48) == 0;
  }
  // a ± b of two ints, false when the result leaves 48 bits. The payloads
  // are shifted to the top of 64 bits, where the processor's own overflow
  // flag is the 48-bit overflow; shifting back (logically) gives the
  // payload of the boxed result, so there is no range test and no mask.
  static bool add_ints(Value a, Value b, Value& out) {
    int64_t r;
    if (__builtin_add_overflow(int64_t(a.bits_ << 16), int64_t(b.bits_ << 16), &r)) return false;
    out = Value((uint64_t(r) >> 16) | kIntTagBits);
    return true;
  }
  static bool sub_ints(Value a, Value b, Value& out) {
    int64_t r;
    if (__builtin_sub_overflow(int64_t(a.bits_ << 16), int64_t(b.bits_ << 16), &r)) return false;
    out = Value((uint64_t(r) >> 16) | kIntTagBits);
    return true;
  }
  // The same with a small immediate (the operand of ADD_INT and friends).
  static bool add_int_imm(Value a, int32_t imm, Value& out) {
    int64_t r;
    if (__builtin_add_overflow(int64_t(a.bits_ << 16), int64_t(uint64_t(int64_t(imm)) << 16), &r)) return false;
    out = Value((uint64_t(r) >> 16) | kIntTagBits);
    return true;
  }

 private:
  constexpr explicit Value(uint64_t b) : bits_(b) {}
  static constexpr uint64_t kPayloadMask = 0x0000FFFFFFFFFFFFull;
  static constexpr uint64_t kIntTagBits = uint64_t(Tag::Int) << 48;
  static constexpr uint64_t kSpecial = uint64_t(Tag::Special) << 48;
  static constexpr uint64_t kNilBits = kSpecial | 0;
  static constexpr uint64_t kFalseBits = kSpecial | 1;
  static constexpr uint64_t kTrueBits = kSpecial | 2;
  static constexpr uint64_t kUndefinedBits = kSpecial | 3;

  uint64_t bits_;
};

static_assert(sizeof(Value) == 8);

}  // namespace gene
