// The opcode set, defined once. Each instruction is one 32-bit word: the
// opcode in the low 8 bits and operand A in the high 24 (signed for INT and
// jumps), followed by the extra words its operand format names. This table
// drives the enum, the names, the computed-goto table, the bytecode
// builder's stack depths, the verifier, the disassembler, the tracer and the
// profile's time by class, so none of them can drift.
//
//   OP(name, format, class, pops, pops A more, pushes, pushes when the jump
//      is taken, ends the block)
//
// A jump's target is relative to the end of its instruction. An opcode that
// ends the block never falls through to the next instruction.
#pragma once

#include <cstdint>

#define GENE_OPCODES(OP)                                                                              \
  /* constants */                                                                                     \
  OP(NIL, None, Stack, 0, 0, 1, 0, 0)                                                                 \
  OP(TRUE, None, Stack, 0, 0, 1, 0, 0)                                                                \
  OP(FALSE, None, Stack, 0, 0, 1, 0, 0)                                                               \
  OP(INT, Int, Stack, 0, 0, 1, 0, 0)            /* push the signed immediate A */                     \
  OP(CONST, Const, Stack, 0, 0, 1, 0, 0)                                                              \
  OP(QUOTE, Quote, Stack, 0, 0, 1, 0, 0)        /* build a fresh value from quoted syntax A */        \
  /* stack */                                                                                         \
  OP(POP, None, Stack, 1, 0, 0, 0, 0)                                                                 \
  OP(DUP, None, Stack, 1, 0, 2, 0, 0)                                                                 \
  OP(POPN, Count, Stack, 0, 1, 0, 0, 0)         /* drop A values */                                   \
  OP(DROP_UNDER, Count, Stack, 1, 1, 1, 0, 0)   /* keep the top, drop A values beneath it */          \
  /* variables */                                                                                     \
  OP(GET_LOCAL, Slot, Variables, 0, 0, 1, 0, 0)                                                       \
  OP(GET_LOCAL2, SlotPair, Variables, 0, 0, 2, 0, 0) /* push slots A & 0xFFF, then A >> 12 */         \
  OP(SET_LOCAL, Slot, Variables, 1, 0, 1, 0, 0)       /* slot = top, keep it */                       \
  OP(STORE_LOCAL, Slot, Variables, 1, 0, 0, 0, 0)     /* slot = top, pop */                           \
  OP(INCR_LOCAL, SlotStep, Arithmetic, 0, 0, 1, 0, 0) /* slot += step (an int); push it */            \
  OP(INCR_LOCAL_STORE, SlotStep, Arithmetic, 0, 0, 0, 0, 0) /* slot += step, nothing pushed */        \
  OP(NEW_BOX, Slot, Variables, 1, 0, 1, 0, 0)   /* slot = fresh box holding top, keep it */           \
  OP(BOX_LOCAL, Slot, Variables, 0, 0, 0, 0, 0) /* slot = fresh box holding slot's value */           \
  OP(GET_BOXED, Slot, Variables, 0, 0, 1, 0, 0)                                                       \
  OP(SET_BOXED, Slot, Variables, 1, 0, 1, 0, 0)                                                       \
  OP(GET_UPVAL, Upval, Variables, 0, 0, 1, 0, 0)                                                      \
  OP(SET_UPVAL, Upval, Variables, 1, 0, 1, 0, 0)                                                      \
  OP(GET_GLOBAL, Global, Variables, 0, 0, 1, 0, 0)                                                    \
  OP(SET_GLOBAL, Global, Variables, 1, 0, 1, 0, 0)   /* assignment: the name must be declared */      \
  OP(STORE_GLOBAL, Global, Variables, 1, 0, 0, 0, 0) /* SET_GLOBAL, then pop */                       \
  OP(DEF_GLOBAL, Global, Variables, 1, 0, 1, 0, 0)   /* top-level var */                              \
  OP(CHECK_GLOBAL, Global, Variables, 0, 0, 0, 0, 0) /* raise unless declared (before `x += v`) */    \
  OP(CLOSURE, Proto, Call, 0, 0, 1, 0, 0)                                                             \
  /* arithmetic and comparison */                                                                     \
  OP(ADD, None, Arithmetic, 2, 0, 1, 0, 0)                                                            \
  OP(SUB, None, Arithmetic, 2, 0, 1, 0, 0)                                                            \
  OP(MUL, None, Arithmetic, 2, 0, 1, 0, 0)                                                            \
  OP(DIV, None, Arithmetic, 2, 0, 1, 0, 0)                                                            \
  OP(MOD, None, Arithmetic, 2, 0, 1, 0, 0)                                                            \
  OP(NEG, None, Arithmetic, 1, 0, 1, 0, 0)                                                            \
  OP(ADD_INT, Int, Arithmetic, 1, 0, 1, 0, 0)   /* top + A (superinstruction of INT, ADD) */          \
  OP(SUB_INT, Int, Arithmetic, 1, 0, 1, 0, 0)   /* top - A (superinstruction of INT, SUB) */          \
  OP(MOD_INT, Int, Arithmetic, 1, 0, 1, 0, 0)   /* top % A (superinstruction of INT, MOD) */          \
  OP(ADD_STORE, Slot, Arithmetic, 2, 0, 0, 0, 0) /* slot A = the sum of the two on top (ADD, STORE_LOCAL) */ \
  OP(LOCAL_ADD_INT, SlotStep, Arithmetic, 0, 0, 1, 0, 0) /* push slot A + word 1 (GET_LOCAL, ADD_INT) */ \
  OP(LOCAL_SUB_INT, SlotStep, Arithmetic, 0, 0, 1, 0, 0) /* push slot A - word 1 (GET_LOCAL, SUB_INT) */ \
  OP(ADD_LOCALS, SlotPair, Arithmetic, 0, 0, 1, 0, 0)    /* push the two slots' sum (GET_LOCAL2, ADD) */  \
  OP(ADD_LOCALS_STORE, SlotPairSlot, Arithmetic, 0, 0, 0, 0, 0) /* slot word 1 = the two slots' sum */ \
  OP(LT, None, Arithmetic, 2, 0, 1, 0, 0)                                                             \
  OP(LE, None, Arithmetic, 2, 0, 1, 0, 0)                                                             \
  OP(GT, None, Arithmetic, 2, 0, 1, 0, 0)                                                             \
  OP(GE, None, Arithmetic, 2, 0, 1, 0, 0)                                                             \
  OP(EQ, None, Arithmetic, 2, 0, 1, 0, 0)                                                             \
  OP(NE, None, Arithmetic, 2, 0, 1, 0, 0)                                                             \
  OP(NOT, None, Arithmetic, 1, 0, 1, 0, 0)                                                            \
  /* control */                                                                                       \
  OP(JUMP, Jump, Branch, 0, 0, 0, 0, 1)                                                               \
  OP(LOOP, Jump, Branch, 0, 0, 0, 0, 1)         /* backward jump; a safepoint */                      \
  OP(JUMP_IF_FALSE, Jump, Branch, 1, 0, 0, 0, 0)                                                      \
  OP(JUMP_IF_TRUE, Jump, Branch, 1, 0, 0, 0, 0)                                                       \
  OP(AND_JUMP, Jump, Branch, 1, 0, 0, 1, 0)     /* falsy: keep it and jump; else pop */               \
  OP(OR_JUMP, Jump, Branch, 1, 0, 0, 1, 0)      /* truthy: keep it and jump; else pop */              \
  /* compare the two values on top, pop both, jump unless the comparison holds */                     \
  OP(JUMP_UNLESS_LT, Jump, Branch, 2, 0, 0, 0, 0)                                                     \
  OP(JUMP_UNLESS_LE, Jump, Branch, 2, 0, 0, 0, 0)                                                     \
  OP(JUMP_UNLESS_GT, Jump, Branch, 2, 0, 0, 0, 0)                                                     \
  OP(JUMP_UNLESS_GE, Jump, Branch, 2, 0, 0, 0, 0)                                                     \
  OP(JUMP_UNLESS_EQ, Jump, Branch, 2, 0, 0, 0, 0)                                                     \
  OP(JUMP_UNLESS_NE, Jump, Branch, 2, 0, 0, 0, 0)                                                     \
  /* the same, comparing local slot A with the immediate in word 1 (nothing popped) */                \
  OP(JUMP_UNLESS_LT_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                           \
  OP(JUMP_UNLESS_LE_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                           \
  OP(JUMP_UNLESS_GT_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                           \
  OP(JUMP_UNLESS_GE_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                           \
  OP(JUMP_UNLESS_EQ_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                           \
  OP(JUMP_UNLESS_NE_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                           \
  /* the same, comparing local slots A & 0xFFF and A >> 12 */                                         \
  OP(JUMP_UNLESS_LT_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                          \
  OP(JUMP_UNLESS_LE_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                          \
  OP(JUMP_UNLESS_GT_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                          \
  OP(JUMP_UNLESS_GE_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                          \
  OP(JUMP_UNLESS_EQ_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                          \
  OP(JUMP_UNLESS_NE_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                          \
  /* a while loop's test at its bottom: jump back while the condition holds (LOOP_IF_FALSE: */      \
  /* while it fails), a safepoint as LOOP is; operands as the JUMP_UNLESS_ forms above */            \
  OP(LOOP_IF_TRUE, Jump, Branch, 1, 0, 0, 0, 0)                                                       \
  OP(LOOP_IF_FALSE, Jump, Branch, 1, 0, 0, 0, 0)                                                      \
  OP(LOOP_IF_LT, Jump, Branch, 2, 0, 0, 0, 0)                                                         \
  OP(LOOP_IF_LE, Jump, Branch, 2, 0, 0, 0, 0)                                                         \
  OP(LOOP_IF_GT, Jump, Branch, 2, 0, 0, 0, 0)                                                         \
  OP(LOOP_IF_GE, Jump, Branch, 2, 0, 0, 0, 0)                                                         \
  OP(LOOP_IF_EQ, Jump, Branch, 2, 0, 0, 0, 0)                                                         \
  OP(LOOP_IF_NE, Jump, Branch, 2, 0, 0, 0, 0)                                                         \
  OP(LOOP_IF_LT_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                               \
  OP(LOOP_IF_LE_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                               \
  OP(LOOP_IF_GT_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                               \
  OP(LOOP_IF_GE_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                               \
  OP(LOOP_IF_EQ_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                               \
  OP(LOOP_IF_NE_LI, SlotIntJump, Branch, 0, 0, 0, 0, 0)                                               \
  OP(LOOP_IF_LT_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                              \
  OP(LOOP_IF_LE_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                              \
  OP(LOOP_IF_GT_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                              \
  OP(LOOP_IF_GE_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                              \
  OP(LOOP_IF_EQ_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                              \
  OP(LOOP_IF_NE_LL, SlotPairJump, Branch, 0, 0, 0, 0, 0)                                              \
  /* unless global A holds the inlined fn (word 1): jump to the ordinary call. _TAIL: the call is */ \
  /* in a tail position, and counts as a tail call done without a frame when the guard passes */      \
  OP(INLINE_GUARD, GlobalGuard, Call, 0, 0, 0, 0, 0)                                                  \
  OP(INLINE_GUARD_TAIL, GlobalGuard, Call, 0, 0, 0, 0, 0)                                             \
  /* callee, A args → result. TAIL_: from a tail position, counted as a tail call; a closure */       \
  /* reuses this frame (_NO_TCO, for --no-tco: takes a new one); a builtin runs without a frame */    \
  OP(CALL, Count, Call, 1, 1, 1, 0, 0)                                                                \
  OP(TAIL_CALL, Count, Call, 1, 1, 1, 0, 0)                                                           \
  OP(TAIL_CALL_NO_TCO, Count, Call, 1, 1, 1, 0, 0)                                                    \
  /* callee, args array → result; the same three ways */                                             \
  OP(CALL_SPREAD, None, Call, 2, 0, 1, 0, 0)                                                          \
  OP(TAIL_CALL_SPREAD, None, Call, 2, 0, 1, 0, 0)                                                     \
  OP(TAIL_CALL_SPREAD_NO_TCO, None, Call, 2, 0, 1, 0, 0)                                              \
  OP(RETURN, None, Call, 1, 0, 0, 0, 1)                                                               \
  OP(FOR_NEXT, SlotJump, Branch, 0, 0, 1, 0, 0) /* slots A,A+1 = coll,index; next or jump */          \
  OP(RANGE_INIT, Slot, Branch, 0, 0, 0, 0, 0)   /* check slots A..A+2 = from,to,step */               \
  OP(RANGE_NEXT, SlotJump, Branch, 0, 0, 1, 0, 0) /* push from and step it, or jump */                \
  OP(ASSERT, Count, Branch, 1, 1, 1, 0, 0)      /* A=0: cond; A=1: cond, message → nil */             \
  OP(ERROR, Const, Branch, 0, 0, 0, 0, 1)       /* raise the runtime error message A */               \
  /* collections */                                                                                   \
  OP(NEW_ARRAY, Count, Collections, 0, 1, 1, 0, 0) /* A values → array */                             \
  OP(ARRAY_PUSH, None, Collections, 2, 0, 1, 0, 0) /* array, v → array */                             \
  OP(ARRAY_SPREAD, None, Collections, 2, 0, 1, 0, 0) /* array, xs → array */                          \
  OP(NEW_MAP, None, Collections, 0, 0, 1, 0, 0)                                                       \
  OP(MAP_PUT, Symbol, Collections, 2, 0, 1, 0, 0)  /* map, v → map */                                 \
  OP(NEW_GENE, None, Collections, 2, 0, 1, 0, 0)   /* head, children array → gene */                  \
  OP(GET_INDEX, Int, Collections, 1, 0, 1, 0, 0)   /* path segment: coll → coll/A */                  \
  OP(GET_KEY, Symbol, Collections, 1, 0, 1, 0, 0)  /* path segment: coll → coll/name */               \
  OP(SET_INDEX, Int, Collections, 2, 0, 1, 0, 0)   /* coll, v → v */                                  \
  OP(SET_KEY, Symbol, Collections, 2, 0, 1, 0, 0)  /* coll, v → v */

namespace gene {

enum class Op : uint8_t {
#define GENE_OP_ENUM(name, format, cls, pops, pops_a, pushes, jump_pushes, ends) name,
  GENE_OPCODES(GENE_OP_ENUM)
#undef GENE_OP_ENUM
};

// What operand A means, and which extra words follow the instruction.
enum class OperandFormat : uint8_t {
  None,
  Int,          // A: a signed immediate
  Const,        // A: constant index
  Quote,        // A: quoted syntax index
  Count,        // A: a count
  Slot,         // A: local slot
  SlotPair,     // A: two slots, 12 bits each
  SlotStep,     // A: slot; word 1: a signed step
  SlotJump,     // A: slot; word 1: a jump
  SlotIntJump,  // A: slot; word 1: a signed immediate; word 2: a jump
  SlotPairJump, // A: two slots, 12 bits each; word 1: a jump
  SlotPairSlot, // A: two slots, 12 bits each; word 1: a third slot
  Upval,        // A: upvalue index
  Global,       // A: global index
  GlobalGuard,  // A: global index; word 1: an inlined fn (Program::inline_sources); word 2: a jump
  Proto,        // A: function index
  Jump,         // A: a jump
  Symbol,       // A: symbol id
};

constexpr int extra_words(OperandFormat f) {
  switch (f) {
    case OperandFormat::GlobalGuard:
    case OperandFormat::SlotIntJump: return 2;
    case OperandFormat::SlotStep:
    case OperandFormat::SlotJump:
    case OperandFormat::SlotPairJump:
    case OperandFormat::SlotPairSlot: return 1;
    default: return 0;
  }
}

// The word holding the jump offset (0 = in A), or -1 for no jump.
constexpr int jump_word(OperandFormat f) {
  switch (f) {
    case OperandFormat::Jump: return 0;
    case OperandFormat::SlotJump:
    case OperandFormat::SlotPairJump: return 1;
    case OperandFormat::GlobalGuard:
    case OperandFormat::SlotIntJump: return 2;
    default: return -1;
  }
}

// Opcode classes for the profile's time breakdown.
enum class OpClass : uint8_t { Stack, Variables, Arithmetic, Branch, Call, Collections, Count };
inline constexpr const char* kOpClassNames[] = {"stack",  "variables",   "arithmetic",
                                                "branch", "call/return", "collections"};

struct OpInfo {
  const char* name;
  OperandFormat format;
  OpClass op_class;
  int pops;          // values taken from the stack ...
  bool pops_a;       // ... plus A more
  int pushes;        // values left when it falls through
  int jump_pushes;   // values left when its jump is taken (instead of `pushes`)
  bool ends_block;   // never falls through
  int extra_words;

  bool has_jump() const { return jump_word(format) >= 0; }
  int popped(uint32_t a) const { return pops + (pops_a ? int(a) : 0); }
};

inline constexpr OpInfo kOpInfo[] = {
#define GENE_OP_INFO(name, format, cls, pops, pops_a, pushes, jump_pushes, ends)                       \
  {#name, OperandFormat::format, OpClass::cls, pops, pops_a != 0, pushes, jump_pushes, ends != 0, \
   extra_words(OperandFormat::format)},
    GENE_OPCODES(GENE_OP_INFO)
#undef GENE_OP_INFO
};

inline constexpr int kOpCount = sizeof(kOpInfo) / sizeof(kOpInfo[0]);
static_assert(kOpCount <= 256, "an opcode is 8 bits");

inline const OpInfo& op_info(Op op) { return kOpInfo[int(op)]; }
constexpr OpClass op_class(Op op) { return kOpInfo[int(op)].op_class; }

}  // namespace gene
