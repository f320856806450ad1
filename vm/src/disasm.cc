// `gene disasm`: the bytecode listing, decoded from the opcode table.
#include <cstdio>

#include "compile_error.h"
#include "compiler.h"
#include "display.h"
#include "gene/reader.h"
#include "gene/vm.h"

namespace gene {
namespace {

std::string operand_text(const Proto& p, const Program& prog, const SymbolTable& symbols, size_t pc) {
  uint32_t w = p.code[pc];
  const OpInfo& info = kOpInfo[w & 0xFF];
  int32_t a = decode_signed_a(w);
  uint32_t u = decode_a(w);
  char buf[64];
  switch (info.kind) {
    case OperandKind::None: return "";
    case OperandKind::Int:
    case OperandKind::Count: return std::to_string(a);
    case OperandKind::Const: return std::to_string(u) + "  ; " + display(p.constants[u], symbols, true);
    case OperandKind::Quote: return std::to_string(u);
    case OperandKind::Slot:
      if (info.extra_words && (decode_op(w) == Op::INCR_LOCAL || decode_op(w) == Op::INCR_LOCAL_STORE)) {
        return std::to_string(u) + " " + std::to_string(int32_t(p.code[pc + 1])) + "  ; " +
               (u < p.slot_names.size() ? p.slot_names[u] : "");
      }
      if (info.extra_words) {
        std::snprintf(buf, sizeof buf, "%u -> %04zu", u, size_t(int64_t(pc) + 2 + int32_t(p.code[pc + 1])));
        return std::string(buf) + "  ; " + (u < p.slot_names.size() ? p.slot_names[u] : "");
      }
      return std::to_string(u) + "  ; " + (u < p.slot_names.size() ? p.slot_names[u] : "");
    case OperandKind::SlotPair: {
      uint32_t x = u & 0xFFF, y = u >> 12;
      auto name = [&](uint32_t i) { return i < p.slot_names.size() ? p.slot_names[i] : std::string(); };
      return std::to_string(x) + " " + std::to_string(y) + "  ; " + name(x) + " " + name(y);
    }
    case OperandKind::Upval: return std::to_string(u);
    case OperandKind::Global: return std::to_string(u) + "  ; " + symbols.name(prog.global_names[u]);
    case OperandKind::Proto: {
      const std::string& name = prog.protos[u]->name;
      return std::to_string(u) + "  ; " + (name.empty() ? "<fn>" : name);
    }
    case OperandKind::Jump:
      std::snprintf(buf, sizeof buf, "%d -> %04zu", a, size_t(int64_t(pc) + 1 + a));
      return buf;
    case OperandKind::Symbol: return std::to_string(u) + "  ; " + symbols.name(u);
  }
  return "";
}

}  // namespace

bool disassemble(std::string_view source, std::string_view file_name, const OptimizerOptions& optimizer,
                 std::string& listing, std::string& error) {
  ReadResult read = read_program(source);
  if (!read.ok) {
    error = std::string(file_name) + ":" + std::to_string(read.error.pos.line) + ":" +
            std::to_string(read.error.pos.column) + ": " + read.error.message;
    return false;
  }
  Heap heap;
  SymbolTable symbols;
  std::unique_ptr<Program> prog;
  try {
    prog = compile_program(std::move(read.forms), std::string(file_name), heap, symbols, optimizer);
  } catch (CompileError& e) {
    error = std::string(file_name) + ":" + std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column) +
            ": " + e.message;
    return false;
  }
  for (auto& p : prog->protos) {
    char head[256];
    std::snprintf(head, sizeof head, "function %s #%u (arity %u, slots %u, stack %u, upvalues %zu)\n",
                  p->name.empty() ? "<fn>" : p->name.c_str(), p->id, p->arity, p->slot_count, p->max_stack,
                  p->upvalues.size());
    listing += head;
    for (size_t pc = 0; pc < p->code.size();) {
      uint32_t w = p->code[pc];
      const OpInfo& info = kOpInfo[w & 0xFF];
      char line[128];
      std::snprintf(line, sizeof line, "  %04zu  %4d:%-3d  %-14s ", pc, p->positions[pc].line,
                    p->positions[pc].column, info.name);
      std::string text = line + operand_text(*p, *prog, symbols, pc);
      while (!text.empty() && text.back() == ' ') text.pop_back();
      listing += text + "\n";
      pc += 1 + size_t(info.extra_words);
    }
    listing += "\n";
  }
  return true;
}

}  // namespace gene
