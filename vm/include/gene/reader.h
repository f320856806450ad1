// Reader: UTF-8 source text → syntax tree. Never throws, never crashes:
// every malformed input becomes a ReadError with a position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gene/ast.h"

namespace gene {

struct ReadError {
  SourcePos pos;
  std::string message;  // begins with "read error"
};

struct ReadResult {
  std::vector<NodePtr> forms;  // top-level forms, in order
  bool ok = true;
  ReadError error;             // valid when !ok
  bool too_large = false;      // !ok because the text holds more than max_nodes values
};

// Reads a whole program. A tree takes many times the memory of its text,
// so a reader of untrusted text at run time (`$parse`) bounds its nodes.
ReadResult read_program(std::string_view source, uint64_t max_nodes = UINT64_MAX);

// True when `name` prints as a bare map key (`^name`) and reads back as the
// same name; otherwise a key prints quoted (`^"a b"`).
bool is_plain_name(std::string_view name);

}  // namespace gene
