// Display texts (docs/language.md "Display"), float formatting and value equality.
// Both walk structures that may be shared or cyclic: they count their steps
// against a WalkLimits (walk_limits.h), and a display's text is bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "heap.h"
#include "value.h"
#include "walk_limits.h"

namespace gene {

// Python's repr() of a double: shortest round-trip digits, exponent form
// below 1e-4 and from 1e16 on, ".0" on integral values.
std::string format_float(double d);

// Appends the display text of v. `quoted` selects the "inside a
// collection" column: strings quoted and escaped, nil as `nil`. The text
// stops at max_bytes (out's size included): then out holds exactly
// max_bytes and the result is false. The walk counts one step per value.
bool append_display(std::string& out, Value v, const SymbolTable& symbols, bool quoted, WalkLimits& walk,
                    size_t max_bytes);

// The whole display text, with no limits: for values whose size the
// source bounds (constants, the disassembler) and for tests.
inline std::string display(Value v, const SymbolTable& symbols, bool quoted) {
  std::string s;
  append_display(s, v, symbols, quoted, unlimited_walk(), SIZE_MAX);
  return s;
}

// The display text cut to about max_bytes, ending in "..." when it was
// longer: for error messages and the trace, which show a value, not keep it.
std::string display_excerpt(Value v, const SymbolTable& symbols, bool quoted, WalkLimits& walk,
                            size_t max_bytes);

// Structural equality (docs/language.md "Values and operators"): terminates on cyclic values.
bool values_equal(Value a, Value b, WalkLimits& walk);
inline bool values_equal(Value a, Value b) { return values_equal(a, b, unlimited_walk()); }

// Display and equality recurse on the C++ stack; values nested deeper than
// this (only buildable at run time) are refused rather than crashing.
struct NestingTooDeep {};

}  // namespace gene
