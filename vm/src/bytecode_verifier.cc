// Reads only the opcode table: a new opcode is verified as soon as its
// row is right, and a wrong row shows up here rather than in a run.
#include "bytecode_verifier.h"

#include <cstdio>
#include <vector>

#include "object.h"

namespace gene {
namespace {

class FunctionVerifier {
 public:
  FunctionVerifier(const Proto& p, const Program& prog) : p_(p), prog_(prog) {}

  std::string run() {
    if (p_.positions.size() != p_.code.size()) return fail(0, "positions and code differ in length");
    if (p_.code.empty()) return fail(0, "no code");
    if (!decode()) return error_;
    if (!check_operands()) return error_;
    check_depths();
    return error_;
  }

 private:
  const Proto& p_;
  const Program& prog_;
  std::vector<bool> starts_;  // per word: an instruction begins here
  std::string error_;

  std::string fail(size_t pc, const std::string& problem) {
    if (error_.empty()) {
      char where[32];
      std::snprintf(where, sizeof where, "%04zu", pc);
      error_ = "function " + (p_.name.empty() ? std::string("<fn>") : p_.name) + " at " + where + ": " + problem;
    }
    return error_;
  }

  const OpInfo* info_at(size_t pc) const { return &kOpInfo[p_.code[pc] & 0xFF]; }
  uint32_t word(size_t pc, int i) const { return p_.code[pc + size_t(i)]; }

  bool decode() {
    starts_.assign(p_.code.size(), false);
    for (size_t pc = 0; pc < p_.code.size();) {
      if ((p_.code[pc] & 0xFF) >= uint32_t(kOpCount)) return fail(pc, "unknown opcode").empty();
      starts_[pc] = true;
      size_t next = pc + 1 + size_t(info_at(pc)->extra_words);
      if (next > p_.code.size()) return fail(pc, "operand words run past the end").empty();
      pc = next;
    }
    return true;
  }

  // The jump's target, or SIZE_MAX when it lands outside the code or
  // inside an instruction.
  size_t target(size_t pc) const {
    const OpInfo& info = *info_at(pc);
    int w = jump_word(info.format);
    int32_t offset = w == 0 ? decode_signed_a(p_.code[pc]) : int32_t(word(pc, w));
    int64_t t = int64_t(pc) + 1 + info.extra_words + offset;
    if (t < 0 || t >= int64_t(p_.code.size()) || !starts_[size_t(t)]) return SIZE_MAX;
    return size_t(t);
  }

  bool check_operands() {
    for (size_t pc = 0; pc < p_.code.size(); pc += 1 + size_t(info_at(pc)->extra_words)) {
      const OpInfo& info = *info_at(pc);
      Op op = decode_op(p_.code[pc]);
      uint32_t a = decode_a(p_.code[pc]);
      auto slot_ok = [&](uint32_t s, uint32_t span) { return s + span <= p_.slot_count; };
      bool ok = true;
      switch (info.format) {
        case OperandFormat::Const:
          ok = a < p_.constants.size() &&
               (op != Op::ERROR || is_type(p_.constants[a], ObjType::String));
          break;
        case OperandFormat::Quote: ok = a < p_.quotes.size(); break;
        case OperandFormat::Slot:
        case OperandFormat::SlotStep:
        case OperandFormat::SlotIntJump:
          ok = slot_ok(a, op == Op::RANGE_INIT ? 3 : 1);
          break;
        case OperandFormat::SlotJump: ok = slot_ok(a, op == Op::RANGE_NEXT ? 3 : 2); break;
        case OperandFormat::SlotPair:
        case OperandFormat::SlotPairJump: ok = slot_ok(a & 0xFFF, 1) && slot_ok(a >> 12, 1); break;
        case OperandFormat::SlotPairSlot:
          ok = slot_ok(a & 0xFFF, 1) && slot_ok(a >> 12, 1) && slot_ok(word(pc, 1), 1);
          break;
        case OperandFormat::Upval: ok = a < p_.upvalues.size(); break;
        case OperandFormat::Global: ok = a < prog_.global_names.size(); break;
        case OperandFormat::GlobalGuard:
          ok = a < prog_.global_names.size() && word(pc, 1) < prog_.inline_sources.size();
          break;
        case OperandFormat::Proto: ok = a > 0 && a < prog_.protos.size(); break;
        case OperandFormat::Count: ok = op != Op::ASSERT || a <= 1; break;
        default: break;
      }
      if (!ok) return fail(pc, std::string(info.name) + ": operand out of range").empty();
      if (info.has_jump() && target(pc) == SIZE_MAX)
        return fail(pc, std::string(info.name) + ": jump lands outside an instruction").empty();
    }
    return true;
  }

  // One depth per instruction, propagated along every edge from the entry.
  void check_depths() {
    std::vector<int> depth(p_.code.size(), -1);
    std::vector<size_t> todo = {0};
    depth[0] = 0;
    auto reach = [&](size_t from, size_t to, int d) {
      if (to >= p_.code.size()) return fail(from, "falls off the end of the code"), false;
      if (d > int(p_.max_stack))
        return fail(from, "stack depth " + std::to_string(d) + " above max_stack " + std::to_string(p_.max_stack)),
               false;
      if (depth[to] < 0) {
        depth[to] = d;
        todo.push_back(to);
      } else if (depth[to] != d) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "paths meet at %04zu with stack depths %d and %d", to, depth[to], d);
        return fail(from, buf), false;
      }
      return true;
    };
    while (!todo.empty() && error_.empty()) {
      size_t pc = todo.back();
      todo.pop_back();
      const OpInfo& info = *info_at(pc);
      int d = depth[pc];
      int popped = info.popped(decode_a(p_.code[pc]));
      if (d < popped) {
        fail(pc, std::string(info.name) + " takes " + std::to_string(popped) + " values from a stack of " +
                     std::to_string(d));
        return;
      }
      if (info.has_jump() && !reach(pc, target(pc), d - popped + info.jump_pushes)) return;
      if (!info.ends_block && !reach(pc, pc + 1 + size_t(info.extra_words), d - popped + info.pushes)) return;
    }
  }
};

}  // namespace

std::string verify_function(const Proto& proto, const Program& program) {
  return FunctionVerifier(proto, program).run();
}

std::string verify_program(const Program& program) {
  for (auto& p : program.protos) {
    std::string e = verify_function(*p, program);
    if (!e.empty()) return e;
  }
  return "";
}

}  // namespace gene
