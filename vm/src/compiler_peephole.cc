#include "compiler_peephole.h"

#include <array>

namespace gene {
namespace {

// A sequence of opcodes, a check on the instructions' operands, and the one
// instruction that replaces them. The replacement takes the position of
// the instruction that can raise, so errors keep their place.
struct Fusion {
  std::array<Op, 4> ops;
  size_t length;
  bool (*applies)(const Instr* in);
  Instr (*fuse)(const Instr* in);
};

bool always(const Instr*) { return true; }

template <Op fused>
Instr compare_and_branch(const Instr* in) {
  return {fused, 0, 0, in[1].target, in[0].pos};
}

// A comparison of a local with a constant, or of two locals, that only
// decides a branch: the operands are read in place, nothing is pushed.
template <Op fused>
Instr local_int_branch(const Instr* in) {
  return {fused, in[0].a, uint32_t(in[1].a), in[2].target, in[2].pos};
}

template <Op fused>
Instr locals_branch(const Instr* in) {
  return {fused, in[0].a, 0, in[1].target, in[1].pos};
}

template <Op fused>
Instr inverted_branch(const Instr* in) {
  return {fused, 0, 0, in[1].target, in[1].pos};
}

const Fusion kFusions[] = {
    // `(x += k)` and `(x = (x + k))` on an unboxed local: one instruction for four.
    {{Op::GET_LOCAL, Op::INT, Op::ADD, Op::SET_LOCAL}, 4, [](const Instr* in) { return in[0].a == in[3].a; },
     [](const Instr* in) { return Instr{Op::INCR_LOCAL, in[0].a, uint32_t(in[1].a), -1, in[2].pos}; }},
    {{Op::GET_LOCAL, Op::INT, Op::ADD, Op::STORE_LOCAL}, 4, [](const Instr* in) { return in[0].a == in[3].a; },
     [](const Instr* in) { return Instr{Op::INCR_LOCAL_STORE, in[0].a, uint32_t(in[1].a), -1, in[2].pos}; }},
    // `(n + 1)`, `(n - 1)`: the constant in the instruction.
    {{Op::INT, Op::ADD}, 2, always, [](const Instr* in) { return Instr{Op::ADD_INT, in[0].a, 0, -1, in[1].pos}; }},
    {{Op::INT, Op::SUB}, 2, always, [](const Instr* in) { return Instr{Op::SUB_INT, in[0].a, 0, -1, in[1].pos}; }},
    {{Op::INT, Op::MOD}, 2, always, [](const Instr* in) { return Instr{Op::MOD_INT, in[0].a, 0, -1, in[1].pos}; }},
    // `(x = (a + b))` as a statement: the sum goes to its slot, never to the stack.
    {{Op::ADD, Op::STORE_LOCAL}, 2, always,
     [](const Instr* in) { return Instr{Op::ADD_STORE, in[1].a, 0, -1, in[0].pos}; }},
    // A comparison that only decides a branch.
    {{Op::LT, Op::JUMP_IF_FALSE}, 2, always, compare_and_branch<Op::JUMP_UNLESS_LT>},
    {{Op::LE, Op::JUMP_IF_FALSE}, 2, always, compare_and_branch<Op::JUMP_UNLESS_LE>},
    {{Op::GT, Op::JUMP_IF_FALSE}, 2, always, compare_and_branch<Op::JUMP_UNLESS_GT>},
    {{Op::GE, Op::JUMP_IF_FALSE}, 2, always, compare_and_branch<Op::JUMP_UNLESS_GE>},
    {{Op::EQ, Op::JUMP_IF_FALSE}, 2, always, compare_and_branch<Op::JUMP_UNLESS_EQ>},
    {{Op::NE, Op::JUMP_IF_FALSE}, 2, always, compare_and_branch<Op::JUMP_UNLESS_NE>},
    // == and != are each other's negation, even for NaN: so a jump on `(not (a == b))` is one.
    {{Op::EQ, Op::JUMP_IF_TRUE}, 2, always, compare_and_branch<Op::JUMP_UNLESS_NE>},
    {{Op::NE, Op::JUMP_IF_TRUE}, 2, always, compare_and_branch<Op::JUMP_UNLESS_EQ>},
    {{Op::NOT, Op::JUMP_IF_FALSE}, 2, always, inverted_branch<Op::JUMP_IF_TRUE>},
    {{Op::NOT, Op::JUMP_IF_TRUE}, 2, always, inverted_branch<Op::JUMP_IF_FALSE>},
    // Two local reads in a row: the operands of most binary operations.
    {{Op::GET_LOCAL, Op::GET_LOCAL}, 2, [](const Instr* in) { return in[0].a < 4096 && in[1].a < 4096; },
     [](const Instr* in) { return Instr{Op::GET_LOCAL2, in[0].a | (in[1].a << 12), 0, -1, in[0].pos}; }},
    // Operands read in place (Lua's OP_EQI/OP_LTI, CPython's LOAD_FAST_LOAD_FAST): a loop or base-case
    // test `(n < 2)`, `(i <= n)` and an argument `(n - 1)` each take one dispatch.
    {{Op::GET_LOCAL, Op::INT, Op::JUMP_UNLESS_LT}, 3, always, local_int_branch<Op::JUMP_UNLESS_LT_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::JUMP_UNLESS_LE}, 3, always, local_int_branch<Op::JUMP_UNLESS_LE_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::JUMP_UNLESS_GT}, 3, always, local_int_branch<Op::JUMP_UNLESS_GT_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::JUMP_UNLESS_GE}, 3, always, local_int_branch<Op::JUMP_UNLESS_GE_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::JUMP_UNLESS_EQ}, 3, always, local_int_branch<Op::JUMP_UNLESS_EQ_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::JUMP_UNLESS_NE}, 3, always, local_int_branch<Op::JUMP_UNLESS_NE_LI>},
    {{Op::GET_LOCAL2, Op::JUMP_UNLESS_LT}, 2, always, locals_branch<Op::JUMP_UNLESS_LT_LL>},
    {{Op::GET_LOCAL2, Op::JUMP_UNLESS_LE}, 2, always, locals_branch<Op::JUMP_UNLESS_LE_LL>},
    {{Op::GET_LOCAL2, Op::JUMP_UNLESS_GT}, 2, always, locals_branch<Op::JUMP_UNLESS_GT_LL>},
    {{Op::GET_LOCAL2, Op::JUMP_UNLESS_GE}, 2, always, locals_branch<Op::JUMP_UNLESS_GE_LL>},
    {{Op::GET_LOCAL2, Op::JUMP_UNLESS_EQ}, 2, always, locals_branch<Op::JUMP_UNLESS_EQ_LL>},
    {{Op::GET_LOCAL2, Op::JUMP_UNLESS_NE}, 2, always, locals_branch<Op::JUMP_UNLESS_NE_LL>},
    // The same at a while loop's bottom, where the branch is taken while the condition holds.
    {{Op::LT, Op::LOOP_IF_TRUE}, 2, always, compare_and_branch<Op::LOOP_IF_LT>},
    {{Op::LE, Op::LOOP_IF_TRUE}, 2, always, compare_and_branch<Op::LOOP_IF_LE>},
    {{Op::GT, Op::LOOP_IF_TRUE}, 2, always, compare_and_branch<Op::LOOP_IF_GT>},
    {{Op::GE, Op::LOOP_IF_TRUE}, 2, always, compare_and_branch<Op::LOOP_IF_GE>},
    {{Op::EQ, Op::LOOP_IF_TRUE}, 2, always, compare_and_branch<Op::LOOP_IF_EQ>},
    {{Op::NE, Op::LOOP_IF_TRUE}, 2, always, compare_and_branch<Op::LOOP_IF_NE>},
    {{Op::EQ, Op::LOOP_IF_FALSE}, 2, always, compare_and_branch<Op::LOOP_IF_NE>},
    {{Op::NE, Op::LOOP_IF_FALSE}, 2, always, compare_and_branch<Op::LOOP_IF_EQ>},
    {{Op::NOT, Op::LOOP_IF_TRUE}, 2, always, inverted_branch<Op::LOOP_IF_FALSE>},
    {{Op::NOT, Op::LOOP_IF_FALSE}, 2, always, inverted_branch<Op::LOOP_IF_TRUE>},
    {{Op::GET_LOCAL, Op::INT, Op::LOOP_IF_LT}, 3, always, local_int_branch<Op::LOOP_IF_LT_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::LOOP_IF_LE}, 3, always, local_int_branch<Op::LOOP_IF_LE_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::LOOP_IF_GT}, 3, always, local_int_branch<Op::LOOP_IF_GT_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::LOOP_IF_GE}, 3, always, local_int_branch<Op::LOOP_IF_GE_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::LOOP_IF_EQ}, 3, always, local_int_branch<Op::LOOP_IF_EQ_LI>},
    {{Op::GET_LOCAL, Op::INT, Op::LOOP_IF_NE}, 3, always, local_int_branch<Op::LOOP_IF_NE_LI>},
    {{Op::GET_LOCAL2, Op::LOOP_IF_LT}, 2, always, locals_branch<Op::LOOP_IF_LT_LL>},
    {{Op::GET_LOCAL2, Op::LOOP_IF_LE}, 2, always, locals_branch<Op::LOOP_IF_LE_LL>},
    {{Op::GET_LOCAL2, Op::LOOP_IF_GT}, 2, always, locals_branch<Op::LOOP_IF_GT_LL>},
    {{Op::GET_LOCAL2, Op::LOOP_IF_GE}, 2, always, locals_branch<Op::LOOP_IF_GE_LL>},
    {{Op::GET_LOCAL2, Op::LOOP_IF_EQ}, 2, always, locals_branch<Op::LOOP_IF_EQ_LL>},
    {{Op::GET_LOCAL2, Op::LOOP_IF_NE}, 2, always, locals_branch<Op::LOOP_IF_NE_LL>},
    {{Op::GET_LOCAL, Op::ADD_INT}, 2, always,
     [](const Instr* in) { return Instr{Op::LOCAL_ADD_INT, in[0].a, uint32_t(in[1].a), -1, in[1].pos}; }},
    {{Op::GET_LOCAL, Op::SUB_INT}, 2, always,
     [](const Instr* in) { return Instr{Op::LOCAL_SUB_INT, in[0].a, uint32_t(in[1].a), -1, in[1].pos}; }},
    {{Op::GET_LOCAL2, Op::ADD}, 2, always,
     [](const Instr* in) { return Instr{Op::ADD_LOCALS, in[0].a, 0, -1, in[1].pos}; }},
    // The same with both operands locals, read in place.
    {{Op::ADD_LOCALS, Op::STORE_LOCAL}, 2, always,
     [](const Instr* in) { return Instr{Op::ADD_LOCALS_STORE, in[0].a, uint32_t(in[1].a), -1, in[0].pos}; }},
    {{Op::GET_LOCAL2, Op::ADD_STORE}, 2, always,
     [](const Instr* in) { return Instr{Op::ADD_LOCALS_STORE, in[0].a, uint32_t(in[1].a), -1, in[1].pos}; }},
};

bool matches(const Fusion& f, const std::vector<Instr>& code, const std::vector<bool>& target, size_t i) {
  if (i + f.length > code.size()) return false;
  for (size_t k = 0; k < f.length; ++k)
    if (code[i + k].op != f.ops[k] || (k > 0 && target[i + k])) return false;
  return f.applies(&code[i]);
}

// One pass over the code, each instruction fused at most once.
std::vector<Instr> fuse_once(const std::vector<Instr>& code, const std::vector<bool>& target,
                             std::vector<int32_t>& moved) {
  std::vector<Instr> out;
  out.reserve(code.size());
  moved.assign(code.size() + 1, 0);
  for (size_t i = 0; i < code.size();) {
    size_t length = 1;
    const Fusion* fusion = nullptr;
    for (const Fusion& f : kFusions)
      if (matches(f, code, target, i)) {
        fusion = &f;
        length = f.length;
        break;
      }
    for (size_t k = 0; k < length; ++k) moved[i + k] = int32_t(out.size());
    out.push_back(fusion ? fusion->fuse(&code[i]) : code[i]);
    i += length;
  }
  moved[code.size()] = int32_t(out.size());
  return out;
}

}  // namespace

// Passes until nothing changes: a fusion can make a pair for another
// (`(not (a == b))`: NOT, JUMP_IF_FALSE → JUMP_IF_TRUE, then EQ with it).
// A few passes find all that matters; the bound keeps a pathological
// function (a long chain of `not`) linear.
constexpr int kMaxPasses = 8;

std::vector<Instr> fuse_superinstructions(const std::vector<Instr>& code, const std::vector<bool>& target,
                                          const std::vector<int32_t>& label_index, std::vector<int32_t>& moved) {
  std::vector<Instr> current = code;
  // A jump to a RETURN returns: the value is on top either way (an `if`
  // whose branch ends a function, as fib's base case).
  for (Instr& in : current)
    if (in.op == Op::JUMP && size_t(label_index[size_t(in.target)]) < code.size() &&
        code[size_t(label_index[size_t(in.target)])].op == Op::RETURN)
      in = {Op::RETURN, 0, 0, -1, in.pos};
  std::vector<bool> is_target = target;
  moved.resize(code.size() + 1);
  for (size_t i = 0; i <= code.size(); ++i) moved[i] = int32_t(i);
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    std::vector<int32_t> step;
    std::vector<Instr> next = fuse_once(current, is_target, step);
    if (next.size() == current.size()) return current;
    for (int32_t& m : moved) m = step[size_t(m)];
    std::vector<bool> fused_target(next.size() + 1, false);
    for (size_t i = 0; i <= current.size(); ++i)
      if (is_target[i]) fused_target[size_t(step[i])] = true;
    is_target = std::move(fused_target);
    current = std::move(next);
  }
  return current;
}

}  // namespace gene
