// The opcode set, defined once. Each instruction is one 32-bit word:
// the opcode in the low 8 bits and operand A in the high 24 (signed for
// INT and jumps), followed by `extra` words. This table drives the enum,
// the name table, operand decoding in the disassembler and the tracer,
// and the computed-goto table, so none of them can drift.
//
//   OP(name, extra words, operand kind of A, stack effect; V = variable)
#pragma once

#define GENE_OPCODES(OP)                                                          \
  /* constants */                                                                 \
  OP(NIL, 0, None, 1)                                                             \
  OP(TRUE, 0, None, 1)                                                            \
  OP(FALSE, 0, None, 1)                                                           \
  OP(INT, 0, Int, 1)             /* push the signed immediate A */                \
  OP(CONST, 0, Const, 1)                                                          \
  OP(QUOTE, 0, Quote, 1)         /* build a fresh value from quoted syntax A */   \
  /* stack */                                                                     \
  OP(POP, 0, None, -1)                                                            \
  OP(DUP, 0, None, 1)                                                             \
  OP(POPN, 0, Count, V)          /* drop A values */                              \
  OP(DROP_UNDER, 0, Count, V)    /* keep the top, drop A values beneath it */     \
  /* variables */                                                                 \
  OP(GET_LOCAL, 0, Slot, 1)                                                       \
  OP(GET_LOCAL2, 0, SlotPair, 2) /* push slots A & 0xFFF, then A >> 12 */        \
  OP(SET_LOCAL, 0, Slot, 0)      /* slot = top, keep it */                        \
  OP(STORE_LOCAL, 0, Slot, -1)   /* slot = top, pop */                            \
  OP(INCR_LOCAL, 1, Slot, 1)     /* slot += extra word (an int); push it */       \
  OP(INCR_LOCAL_STORE, 1, Slot, 0) /* slot += extra word, nothing pushed */      \
  OP(NEW_BOX, 0, Slot, 0)        /* slot = fresh box holding top, keep it */      \
  OP(BOX_LOCAL, 0, Slot, 0)      /* slot = fresh box holding slot's value */      \
  OP(GET_BOXED, 0, Slot, 1)                                                       \
  OP(SET_BOXED, 0, Slot, 0)                                                       \
  OP(GET_UPVAL, 0, Upval, 1)                                                      \
  OP(SET_UPVAL, 0, Upval, 0)                                                      \
  OP(GET_GLOBAL, 0, Global, 1)                                                    \
  OP(SET_GLOBAL, 0, Global, 0)   /* assignment: the name must be declared */      \
  OP(STORE_GLOBAL, 0, Global, -1) /* SET_GLOBAL, then pop */                      \
  OP(DEF_GLOBAL, 0, Global, 0)   /* top-level var */                              \
  OP(CHECK_GLOBAL, 0, Global, 0) /* raise unless declared (before `x += v`) */    \
  OP(CLOSURE, 0, Proto, 1)                                                        \
  /* arithmetic and comparison */                                                 \
  OP(ADD, 0, None, -1)                                                            \
  OP(SUB, 0, None, -1)                                                            \
  OP(MUL, 0, None, -1)                                                            \
  OP(DIV, 0, None, -1)                                                            \
  OP(MOD, 0, None, -1)                                                            \
  OP(NEG, 0, None, 0)                                                             \
  OP(ADD_INT, 0, Int, 0)         /* top + A (superinstruction of INT, ADD) */     \
  OP(LT, 0, None, -1)                                                             \
  OP(LE, 0, None, -1)                                                             \
  OP(GT, 0, None, -1)                                                             \
  OP(GE, 0, None, -1)                                                             \
  OP(EQ, 0, None, -1)                                                             \
  OP(NE, 0, None, -1)                                                             \
  OP(NOT, 0, None, 0)                                                             \
  /* control */                                                                   \
  OP(JUMP, 0, Jump, 0)                                                            \
  OP(LOOP, 0, Jump, 0)           /* backward jump; a safepoint */                 \
  OP(JUMP_IF_FALSE, 0, Jump, -1)                                                  \
  OP(JUMP_IF_TRUE, 0, Jump, -1)                                                   \
  OP(AND_JUMP, 0, Jump, V)       /* falsy: keep it and jump; else pop */          \
  OP(OR_JUMP, 0, Jump, V)        /* truthy: keep it and jump; else pop */         \
  /* compare the two values on top, pop both, jump unless the comparison holds */ \
  OP(JUMP_UNLESS_LT, 0, Jump, -2)                                                 \
  OP(JUMP_UNLESS_LE, 0, Jump, -2)                                                 \
  OP(JUMP_UNLESS_GT, 0, Jump, -2)                                                 \
  OP(JUMP_UNLESS_GE, 0, Jump, -2)                                                 \
  OP(JUMP_UNLESS_EQ, 0, Jump, -2)                                                 \
  OP(JUMP_UNLESS_NE, 0, Jump, -2)                                                 \
  OP(INLINE_GUARD, 2, Global, 0) /* unless global A holds the inlined fn: jump */  \
  OP(CALL, 0, Count, V)          /* callee, A args → result */                    \
  OP(TAIL_CALL, 0, Count, V)                                                      \
  OP(CALL_SPREAD, 0, None, -1)   /* callee, args array → result */                \
  OP(RETURN, 0, None, V)                                                          \
  OP(FOR_NEXT, 1, Slot, V)       /* slots A,A+1 = coll,index; next or jump */     \
  OP(RANGE_INIT, 0, Slot, 0)     /* check slots A..A+2 = from,to,step */          \
  OP(RANGE_NEXT, 1, Slot, V)     /* push from and step it, or jump */             \
  OP(ASSERT, 0, Count, V)        /* A=0: cond; A=1: cond, message */              \
  OP(ERROR, 0, Const, 0)         /* raise the runtime error message A */          \
  /* collections */                                                               \
  OP(NEW_ARRAY, 0, Count, V)     /* A values → array */                           \
  OP(ARRAY_PUSH, 0, None, -1)    /* array, v → array */                           \
  OP(ARRAY_SPREAD, 0, None, -1)  /* array, xs → array */                          \
  OP(NEW_MAP, 0, None, 1)                                                         \
  OP(MAP_PUT, 0, Symbol, -1)     /* map, v → map */                               \
  OP(NEW_GENE, 0, None, -1)      /* head, children array → gene */                \
  OP(GET_INDEX, 0, Int, 0)       /* path segment: coll → coll/A */                \
  OP(GET_KEY, 0, Symbol, 0)      /* path segment: coll → coll/name */             \
  OP(SET_INDEX, 0, Int, -1)      /* coll, v → v */                                \
  OP(SET_KEY, 0, Symbol, -1)     /* coll, v → v */

namespace gene {

enum class Op : uint8_t {
#define GENE_OP_ENUM(name, extra, kind, effect) name,
  GENE_OPCODES(GENE_OP_ENUM)
#undef GENE_OP_ENUM
};

enum class OperandKind : uint8_t { None, Int, Const, Quote, Count, Slot, SlotPair, Upval, Global, Proto, Jump, Symbol };

struct OpInfo {
  const char* name;
  int extra_words;
  OperandKind kind;
};

inline constexpr OpInfo kOpInfo[] = {
#define GENE_OP_INFO(name, extra, kind, effect) {#name, extra, OperandKind::kind},
    GENE_OPCODES(GENE_OP_INFO)
#undef GENE_OP_INFO
};

inline constexpr int kOpCount = sizeof(kOpInfo) / sizeof(kOpInfo[0]);

// Opcode classes for the profile's time breakdown.
enum class OpClass : uint8_t { Stack, Variables, Arithmetic, Branch, Call, Collections, Count };
inline constexpr const char* kOpClassNames[] = {"stack",  "variables",   "arithmetic",
                                                "branch", "call/return", "collections"};

constexpr OpClass op_class(Op op) {
  switch (op) {
    case Op::NIL: case Op::TRUE: case Op::FALSE: case Op::INT: case Op::CONST: case Op::QUOTE:
    case Op::POP: case Op::DUP: case Op::POPN: case Op::DROP_UNDER:
      return OpClass::Stack;
    case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MOD: case Op::NEG: case Op::ADD_INT:
    case Op::LT: case Op::LE: case Op::GT: case Op::GE: case Op::EQ: case Op::NE: case Op::NOT:
    case Op::INCR_LOCAL: case Op::INCR_LOCAL_STORE:
      return OpClass::Arithmetic;
    case Op::JUMP: case Op::LOOP: case Op::JUMP_IF_FALSE: case Op::JUMP_IF_TRUE: case Op::AND_JUMP:
    case Op::OR_JUMP: case Op::JUMP_UNLESS_LT: case Op::JUMP_UNLESS_LE: case Op::JUMP_UNLESS_GT:
    case Op::JUMP_UNLESS_GE: case Op::JUMP_UNLESS_EQ: case Op::JUMP_UNLESS_NE: case Op::FOR_NEXT:
    case Op::RANGE_INIT: case Op::RANGE_NEXT: case Op::ASSERT: case Op::ERROR:
      return OpClass::Branch;
    case Op::CALL: case Op::TAIL_CALL: case Op::INLINE_GUARD: case Op::CALL_SPREAD: case Op::RETURN: case Op::CLOSURE:
      return OpClass::Call;
    case Op::NEW_ARRAY: case Op::ARRAY_PUSH: case Op::ARRAY_SPREAD: case Op::NEW_MAP: case Op::MAP_PUT:
    case Op::NEW_GENE: case Op::GET_INDEX: case Op::GET_KEY: case Op::SET_INDEX: case Op::SET_KEY:
      return OpClass::Collections;
    default:
      return OpClass::Variables;
  }
}

}  // namespace gene
