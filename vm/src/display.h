// Display texts (GENE.md section 5), float formatting and value equality.
#pragma once

#include <string>

#include "heap.h"
#include "value.h"

namespace gene {

// Python's repr() of a double: shortest round-trip digits, exponent form
// below 1e-4 and from 1e16 on, ".0" on integral values.
std::string format_float(double d);

// Appends the display text of v. `quoted` selects the "inside a
// collection" column: strings quoted and escaped, nil as `nil`.
void append_display(std::string& out, Value v, const SymbolTable& symbols, bool quoted);

inline std::string display(Value v, const SymbolTable& symbols, bool quoted) {
  std::string s;
  append_display(s, v, symbols, quoted);
  return s;
}

// Structural equality (GENE.md section 3): terminates on cyclic values.
bool values_equal(Value a, Value b);

struct NestingTooDeep {};

}  // namespace gene
