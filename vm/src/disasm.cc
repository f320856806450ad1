// `gene disasm`: the bytecode listing, decoded from the opcode table's
// operand formats. Golden tests compare it line by line, so it shows
// names beside indexes and absolute targets beside jump offsets.
#include <cstdio>

#include "compile_error.h"
#include "compiler.h"
#include "display.h"
#include "gene/reader.h"
#include "gene/vm.h"

namespace gene {
namespace {

std::string slot_name(const Proto& p, uint32_t slot) {
  return slot < p.slot_names.size() ? p.slot_names[slot] : std::string("?");
}

std::string target_text(const Proto& p, size_t pc, int32_t offset) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%d -> %04lld", offset,
                (long long)(int64_t(pc) + 1 + op_info(decode_op(p.code[pc])).extra_words + offset));
  return buf;
}

std::string operand_text(const Proto& p, const Program& prog, const SymbolTable& symbols, size_t pc) {
  uint32_t w = p.code[pc];
  int32_t a = decode_signed_a(w);
  uint32_t u = decode_a(w);
  auto word = [&](int i) { return p.code[pc + size_t(i)]; };
  switch (op_info(decode_op(w)).format) {
    case OperandFormat::None: return "";
    case OperandFormat::Int:
    case OperandFormat::Count: return std::to_string(a);
    case OperandFormat::Const: return std::to_string(u) + "  ; " + display(p.constants[u], symbols, true);
    case OperandFormat::Quote: return std::to_string(u);
    case OperandFormat::Slot: return std::to_string(u) + "  ; " + slot_name(p, u);
    case OperandFormat::SlotPair: {
      uint32_t x = u & 0xFFF, y = u >> 12;
      return std::to_string(x) + " " + std::to_string(y) + "  ; " + slot_name(p, x) + " " + slot_name(p, y);
    }
    case OperandFormat::SlotStep:
      return std::to_string(u) + " " + std::to_string(int32_t(word(1))) + "  ; " + slot_name(p, u);
    case OperandFormat::SlotJump:
      return std::to_string(u) + " " + target_text(p, pc, int32_t(word(1))) + "  ; " + slot_name(p, u);
    case OperandFormat::SlotIntJump:
      return std::to_string(u) + " " + std::to_string(int32_t(word(1))) + " " + target_text(p, pc, int32_t(word(2))) +
             "  ; " + slot_name(p, u);
    case OperandFormat::SlotPairJump: {
      uint32_t x = u & 0xFFF, y = u >> 12;
      return std::to_string(x) + " " + std::to_string(y) + " " + target_text(p, pc, int32_t(word(1))) + "  ; " +
             slot_name(p, x) + " " + slot_name(p, y);
    }
    case OperandFormat::SlotPairSlot: {
      uint32_t x = u & 0xFFF, y = u >> 12, z = word(1);
      return std::to_string(x) + " " + std::to_string(y) + " " + std::to_string(z) + "  ; " + slot_name(p, x) + " " +
             slot_name(p, y) + " -> " + slot_name(p, z);
    }
    case OperandFormat::Upval:
      return std::to_string(u) + (u < p.upvalue_names.size() ? "  ; " + p.upvalue_names[u] : std::string());
    case OperandFormat::Global: return std::to_string(u) + "  ; " + symbols.name(prog.global_names[u]);
    case OperandFormat::GlobalGuard:
      return std::to_string(u) + " fn#" + std::to_string(word(1)) + " " + target_text(p, pc, int32_t(word(2))) +
             "  ; " + symbols.name(prog.global_names[u]);
    case OperandFormat::Proto: {
      const std::string& name = prog.protos[u]->name;
      return std::to_string(u) + "  ; " + (name.empty() ? "<fn>" : name);
    }
    case OperandFormat::Jump: return target_text(p, pc, a);
    case OperandFormat::Symbol: return std::to_string(u) + "  ; " + symbols.name(u);
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> disassemble(std::string_view source, std::string_view file_name,
                                        const OptimizerOptions& optimizer) {
  ReadResult read = read_program(source);
  if (!read.ok)
    return absl::InvalidArgumentError(std::string(file_name) + ":" + std::to_string(read.error.pos.line) + ":" +
                                      std::to_string(read.error.pos.column) + ": " + read.error.message);
  Heap heap;
  SymbolTable symbols;
  std::unique_ptr<Program> prog;
  try {
    prog = compile_program(std::move(read.forms), std::string(file_name), heap, symbols, optimizer);
  } catch (CompileError& e) {
    return absl::InvalidArgumentError(std::string(file_name) + ":" + std::to_string(e.pos.line) + ":" +
                                      std::to_string(e.pos.column) + ": " + e.message);
  }
  std::string listing;
  for (auto& p : prog->protos) {
    char head[256];
    std::snprintf(head, sizeof head, "function %s #%u (arity %u, slots %u, stack %u, upvalues %zu)\n",
                  p->name.empty() ? "<fn>" : p->name.c_str(), p->id, p->arity, p->slot_count, p->max_stack,
                  p->upvalues.size());
    listing += head;
    for (size_t pc = 0; pc < p->code.size(); pc += 1 + size_t(op_info(decode_op(p->code[pc])).extra_words)) {
      char line[128];
      std::snprintf(line, sizeof line, "  %04zu  %4d:%-3d  %-16s ", pc, p->positions[pc].line,
                    p->positions[pc].column, op_info(decode_op(p->code[pc])).name);
      std::string text = line + operand_text(*p, *prog, symbols, pc);
      while (!text.empty() && text.back() == ' ') text.pop_back();
      listing += text + "\n";
    }
    listing += "\n";
  }
  return listing;
}

}  // namespace gene
