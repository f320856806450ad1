// Builtin functions. They are not variables: each global name starts out
// bound to its builtin until a top-level `var` shadows it.
#pragma once

#include <cstdint>
#include <string_view>

#include "value.h"

namespace gene {

class VM;
class Heap;

using BuiltinFn = Value (*)(VM& vm, Value* args, int argc);

struct Builtin {
  const char* name;
  BuiltinFn fn;
  int min_args;
  int max_args;  // -1: any number
};

const Builtin& builtin(uint32_t index);
const char* builtin_name(uint32_t index);
// Index of the builtin with this name, or -1.
int find_builtin(std::string_view name);

// Arithmetic and comparison shared by the interpreter's slow paths, the
// operator builtins and the constant folder.
Value arith_add(Heap& heap, Value a, Value b);
Value arith_sub(Value a, Value b);
Value arith_mul(Value a, Value b);
Value arith_div(Value a, Value b);
Value arith_mod(Value a, Value b);
Value arith_neg(Value a);
// -1, 0, 1; throws "type error" unless both are numbers or both strings.
int compare_values(Value a, Value b);

// Turns quoted syntax into a runtime value (`:(...)`, `$parse`).
struct Node;
Value value_from_node(VM& vm, const Node& node);

}  // namespace gene
