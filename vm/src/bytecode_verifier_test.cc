// The verifier on hand-made functions: each broken one must be caught with
// its place, and the well-formed ones must pass.
#include "bytecode_verifier.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace gene {
namespace {

struct Asm {
  Program program;
  Proto* p;

  explicit Asm(uint32_t slots = 1, uint32_t max_stack = 2) {
    auto proto = std::make_unique<Proto>();
    proto->name.push_back('f');  // `= "f"` trips GCC 12's -Wrestrict
    p = proto.get();
    program.protos.push_back(std::move(proto));
    p->slot_count = slots;
    p->max_stack = max_stack;
    p->slot_names.assign(slots, "x");
    program.global_names.push_back(0);
  }
  Asm& op(Op o, int32_t a = 0, std::initializer_list<uint32_t> extra = {}) {
    p->code.push_back(encode(o, a));
    for (uint32_t w : extra) p->code.push_back(w);
    p->positions.resize(p->code.size());
    return *this;
  }
  std::string verify() { return verify_function(*p, program); }
};

TEST(Verifier, AcceptsWellFormedCode) {
  // if x < 1 then 10 else 20
  Asm a;
  a.op(Op::GET_LOCAL, 0).op(Op::INT, 1).op(Op::JUMP_UNLESS_LT, 2).op(Op::INT, 10).op(Op::RETURN).op(Op::INT, 20)
      .op(Op::RETURN);
  EXPECT_EQ(a.verify(), "");
  // A loop with a for-next whose jump leaves the loop, and `x && y`.
  Asm b(3, 2);
  b.op(Op::FOR_NEXT, 0, {2}).op(Op::STORE_LOCAL, 2).op(Op::LOOP, -4).op(Op::GET_LOCAL, 2).op(Op::AND_JUMP, 1)
      .op(Op::GET_LOCAL, 0).op(Op::RETURN);
  EXPECT_EQ(b.verify(), "");
}

TEST(Verifier, CatchesStackUnderflow) {
  Asm a;
  a.op(Op::INT, 1).op(Op::ADD).op(Op::RETURN);
  EXPECT_EQ(a.verify(), "function f at 0001: ADD takes 2 values from a stack of 1");
}

TEST(Verifier, CatchesDepthAboveMaxStack) {
  Asm a(1, 1);
  a.op(Op::INT, 1).op(Op::INT, 2).op(Op::ADD).op(Op::RETURN);
  EXPECT_EQ(a.verify(), "function f at 0001: stack depth 2 above max_stack 1");
}

TEST(Verifier, CatchesPathsThatMeetAtDifferentDepths) {
  // The jump skips a push: the two paths reach RETURN with 1 and 2 values.
  Asm a;
  a.op(Op::INT, 1).op(Op::GET_LOCAL, 0).op(Op::JUMP_IF_FALSE, 1).op(Op::INT, 2).op(Op::RETURN);
  EXPECT_EQ(a.verify(), "function f at 0003: paths meet at 0004 with stack depths 1 and 2");
}

TEST(Verifier, CatchesBadJumpTargets) {
  Asm out;
  out.op(Op::JUMP, 5).op(Op::NIL).op(Op::RETURN);
  EXPECT_EQ(out.verify(), "function f at 0000: JUMP: jump lands outside an instruction");
  // Into the extra word of INCR_LOCAL.
  Asm inside;
  inside.op(Op::JUMP, 1).op(Op::INCR_LOCAL, 0, {1}).op(Op::RETURN);
  EXPECT_EQ(inside.verify(), "function f at 0000: JUMP: jump lands outside an instruction");
}

TEST(Verifier, CatchesFallingOffTheEnd) {
  Asm a;
  a.op(Op::NIL);
  EXPECT_EQ(a.verify(), "function f at 0000: falls off the end of the code");
}

TEST(Verifier, CatchesOperandsOutOfRange) {
  Asm slot;
  slot.op(Op::GET_LOCAL, 1).op(Op::RETURN);
  EXPECT_EQ(slot.verify(), "function f at 0000: GET_LOCAL: operand out of range");
  Asm global;
  global.op(Op::GET_GLOBAL, 3).op(Op::RETURN);
  EXPECT_EQ(global.verify(), "function f at 0000: GET_GLOBAL: operand out of range");
  Asm constant;
  constant.op(Op::CONST, 0).op(Op::RETURN);
  EXPECT_EQ(constant.verify(), "function f at 0000: CONST: operand out of range");
  Asm range(2, 2);  // RANGE_NEXT needs three slots
  range.op(Op::RANGE_NEXT, 0, {0}).op(Op::RETURN);
  EXPECT_EQ(range.verify(), "function f at 0000: RANGE_NEXT: operand out of range");
  Asm truncated;
  truncated.op(Op::NIL).op(Op::FOR_NEXT, 0);
  EXPECT_EQ(truncated.verify(), "function f at 0001: operand words run past the end");
}

TEST(Verifier, UnreachableCodeIsNotDepthChecked) {
  // After RETURN nothing runs, so the ADD there cannot underflow.
  Asm a;
  a.op(Op::NIL).op(Op::RETURN).op(Op::ADD).op(Op::RETURN);
  EXPECT_EQ(a.verify(), "");
}

}  // namespace
}  // namespace gene
