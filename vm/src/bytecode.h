// Compiled code: what the compiler produces and the interpreter runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gene/ast.h"
#include "opcodes.h"
#include "value.h"

namespace gene {

inline uint32_t encode(Op op, int32_t a = 0) {
  return uint32_t(uint8_t(op)) | (uint32_t(a) << 8);
}
inline Op decode_op(uint32_t word) { return Op(word & 0xFF); }
inline uint32_t decode_a(uint32_t word) { return word >> 8; }
inline int32_t decode_signed_a(uint32_t word) { return int32_t(word) >> 8; }

inline constexpr int32_t kMaxOperand = (1 << 23) - 1;  // signed 24-bit range

// Where a closure finds each captured variable when it is created: a box
// in a local slot of the enclosing function, or one of its upvalues.
struct UpvalueDesc {
  bool from_parent_local;
  uint32_t index;
};

struct Proto {
  uint32_t id = 0;            // index in Program::protos
  std::string name;           // "" for anonymous functions, "<main>" for the top level
  uint32_t arity = 0;
  uint32_t slot_count = 0;    // locals, parameters first
  uint32_t max_stack = 0;     // operand stack depth above the slots
  std::vector<uint32_t> code;
  std::vector<SourcePos> positions;  // one per code word
  std::vector<Value> constants;
  std::vector<const Node*> quotes;   // QUOTE operands: syntax kept alive by the Program
  std::vector<UpvalueDesc> upvalues;
  std::vector<std::string> slot_names;     // for the disassembler
  std::vector<std::string> upvalue_names;  // likewise
  const Node* source = nullptr;         // the fn form (identifies it for inlining guards)
};

struct Program {
  std::string file_name;
  std::vector<NodePtr> forms;   // the syntax tree; quoted genes point into it
  std::vector<std::unique_ptr<Proto>> protos;  // protos[0] is the top level
  std::vector<uint32_t> global_names;  // global index → symbol id
  std::vector<const Node*> inline_sources;  // fn forms inlined behind INLINE_GUARD
  const Proto* main() const { return protos[0].get(); }
  uint64_t constants_folded = 0;
  uint64_t instructions_eliminated = 0;
  uint64_t calls_inlined = 0;
};

}  // namespace gene
