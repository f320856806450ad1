// libFuzzer target for the reader: arbitrary bytes go to gene::read_program,
// which must never crash, hang or leak (the sanitizers and libFuzzer watch
// for that). On top, every result is checked against the reader's contract:
//  - a failed read carries a message beginning with "read error" and a
//    position inside the input;
//  - a successful read yields a well-formed tree: every node has a position
//    inside the input (1-based line and byte column), maps have one key per
//    value, genes have a head (`()` reads as nil), a spread spreads one
//    thing, int literals fit 48 bits and float literals are finite;
//  - reading the same text twice gives the same result.
// A violation prints what and where, then aborts so libFuzzer saves the input.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "gene/ast.h"
#include "gene/reader.h"

namespace {

struct Bounds {
  int max_line;    // 1 + every byte that may end a line
  int max_column;  // a column is at most the input's length + 1
};

[[noreturn]] void fail(const char* what, gene::SourcePos pos) {
  std::fprintf(stderr, "reader_fuzz: %s (at %d:%d)\n", what, pos.line, pos.column);
  std::abort();
}

bool in_bounds(gene::SourcePos pos, const Bounds& b, bool column_may_be_unknown) {
  if (pos.line < 1 || pos.line > b.max_line) return false;
  if (pos.column == 0) return column_may_be_unknown;
  return pos.column >= 1 && pos.column <= b.max_column;
}

void check_tree(const std::vector<gene::NodePtr>& forms, const Bounds& b) {
  using Kind = gene::Node::Kind;
  struct Item { const gene::Node* node; bool path_segment; };
  std::vector<Item> todo;
  for (const auto& f : forms) todo.push_back({f.get(), false});
  while (!todo.empty()) {
    auto [n, path_segment] = todo.back();
    todo.pop_back();
    if (n == nullptr) fail("null node in the tree", {});
    if (!in_bounds(n->pos, b, false)) fail("node position outside the input", n->pos);
    switch (n->kind) {
      case Kind::Map:
        if (n->keys.size() != n->items.size()) fail("map with keys.size() != items.size()", n->pos);
        break;
      case Kind::Gene:
        if (n->items.empty()) fail("gene without a head (() must read as nil)", n->pos);
        break;
      case Kind::Spread:
        if (n->items.size() != 1) fail("spread without exactly one item", n->pos);
        break;
      case Kind::Int:
        // Path segments (`arr/0`) are indexes, not int literals: not checked.
        if (!path_segment && (n->int_value < gene::kIntMin || n->int_value > gene::kIntMax))
          fail("int literal outside the 48-bit range read without error", n->pos);
        break;
      case Kind::Float:
        if (!std::isfinite(n->float_value)) fail("non-finite float literal read without error", n->pos);
        break;
      default:
        break;
    }
    for (const auto& child : n->items) todo.push_back({child.get(), n->kind == Kind::Path});
  }
}

bool same_node(const gene::Node& a, const gene::Node& b) {
  return a.kind == b.kind && a.pos.line == b.pos.line && a.pos.column == b.pos.column &&
         a.int_value == b.int_value &&
         std::memcmp(&a.float_value, &b.float_value, sizeof(double)) == 0 &&
         a.text == b.text && a.keys == b.keys && a.items.size() == b.items.size();
}

bool same_forms(const std::vector<gene::NodePtr>& a, const std::vector<gene::NodePtr>& b) {
  if (a.size() != b.size()) return false;
  std::vector<std::pair<const gene::Node*, const gene::Node*>> todo;
  for (size_t i = 0; i < a.size(); ++i) todo.emplace_back(a[i].get(), b[i].get());
  while (!todo.empty()) {
    auto [x, y] = todo.back();
    todo.pop_back();
    if (!same_node(*x, *y)) return false;
    for (size_t i = 0; i < x->items.size(); ++i) todo.emplace_back(x->items[i].get(), y->items[i].get());
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  Bounds bounds{1, static_cast<int>(size) + 1};
  for (char c : source) bounds.max_line += (c == '\n' || c == '\r');

  gene::ReadResult result = gene::read_program(source);
  if (!result.ok) {
    if (result.error.message.rfind("read error", 0) != 0)
      fail("read error message does not begin with \"read error\"", result.error.pos);
    if (!in_bounds(result.error.pos, bounds, true)) fail("read error position outside the input", result.error.pos);
  } else {
    check_tree(result.forms, bounds);
  }

  gene::ReadResult again = gene::read_program(source);
  if (again.ok != result.ok) fail("reading the same text twice: different outcome", {});
  if (result.ok ? !same_forms(result.forms, again.forms)
                : (again.error.message != result.error.message ||
                   again.error.pos.line != result.error.pos.line ||
                   again.error.pos.column != result.error.pos.column))
    fail("reading the same text twice: different result", {});
  return 0;
}
