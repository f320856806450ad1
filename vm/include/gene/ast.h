// The reader's output: a syntax tree that keeps source positions.
// The compiler consumes it; `$parse` and quoted genes turn it into runtime
// values (see value_from_node in the VM).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gene {

struct SourcePos {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based, in bytes; 0 = unknown
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  enum class Kind : uint8_t {
    Nil, True, False,
    Int,           // `int_value`
    Float,         // `float_value`
    String,        // `text` holds the decoded bytes
    Symbol,        // `text` is the name
    QuotedSymbol,  // `:name`, `text` is the name
    Placeholder,   // `_`
    Path,          // `a/b/0`: `text` is the base name, `items` the segments (Symbol or Int)
    Spread,        // `xs...`: `items[0]` is the Symbol or Path spread
    Array,         // `[...]`: `items`
    Map,           // `{^k v ...}`: `keys[i]` names the value `items[i]`
    Gene,          // `(head arg ...)`: `items[0]` is the head; `()` reads as Nil
    Quote,         // `:( ... )`: `items[0]` is the quoted Gene, not evaluated
  };

  Kind kind = Kind::Nil;
  SourcePos pos;
  int64_t int_value = 0;
  double float_value = 0;
  std::string text;
  std::vector<std::string> keys;
  std::vector<NodePtr> items;

  Node(Kind k, SourcePos p) : kind(k), pos(p) {}
  bool is_symbol(const char* name) const { return kind == Kind::Symbol && text == name; }
};

// Integers are signed 48-bit, as in the reference VM.
inline constexpr int64_t kIntMin = -(int64_t{1} << 47);
inline constexpr int64_t kIntMax = (int64_t{1} << 47) - 1;

}  // namespace gene
