// The emitter, part two: arrays of elements, calls, branches, loops and
// inlined calls. Jumps go to the builder's labels; a loop's `break` label
// receives the loop's value, its `continue` label is where it restarts.
#include <algorithm>

#include "compiler_emit.h"
#include "compiler_passes.h"

namespace gene::emitter {

void FunctionEmitter::elements(const std::vector<Expr*>& kids, size_t from, size_t to) {
  bool spread = std::any_of(kids.begin() + long(from), kids.begin() + long(to),
                            [](const Expr* k) { return k->kind == Kind::Spread; });
  if (!spread) {
    for (size_t i = from; i < to; ++i) value(kids[i]);
    op(Op::NEW_ARRAY, int32_t(to - from));
    return;
  }
  op(Op::NEW_ARRAY, 0);
  for (size_t i = from; i < to; ++i) {
    bool is_spread = kids[i]->kind == Kind::Spread;
    value(is_spread ? kids[i]->kids[0] : kids[i]);
    op(is_spread ? Op::ARRAY_SPREAD : Op::ARRAY_PUSH);
  }
}

// The call instruction for a call in a tail position or not. Every call
// in a tail position is counted as one when it runs, whatever it does.
Op FunctionEmitter::call_op(bool tail, bool spread) const {
  if (!tail) return spread ? Op::CALL_SPREAD : Op::CALL;
  if (pe_.options.tco) return spread ? Op::TAIL_CALL_SPREAD : Op::TAIL_CALL;
  return spread ? Op::TAIL_CALL_SPREAD_NO_TCO : Op::TAIL_CALL_NO_TCO;
}

void FunctionEmitter::call(const Expr* e) {
  size_t n = e->kids.size();
  bool spread = std::any_of(e->kids.begin() + 1, e->kids.end(), [](const Expr* k) { return k->kind == Kind::Spread; });
  value(e->kids[0]);
  if (spread) {
    elements(e->kids, 1, n);
    op(call_op(e->tail, true));
    return;
  }
  for (size_t i = 1; i < n; ++i) value(e->kids[i]);
  op(call_op(e->tail, false), int32_t(n - 1));
}

void FunctionEmitter::if_form(const Expr* e, bool want) {
  Label end = b_.new_label();
  size_t conditions = e->negate.size();
  for (size_t i = 0; i < conditions; ++i) {
    Label next = b_.new_label();
    value(e->kids[2 * i]);
    pos_ = e->pos;
    jump(e->negate[i] ? Op::JUMP_IF_TRUE : Op::JUMP_IF_FALSE, next);
    emit(e->kids[2 * i + 1], want);
    jump(Op::JUMP, end);
    b_.bind(next);
  }
  if (e->has_else) emit(e->kids.back(), want);
  else if (want) op(Op::NIL);
  b_.bind(end);
}

namespace {

// A condition small enough to emit twice that declares nothing (no `var`,
// fn, block or loop in it): reads, constants, operators and calls.
constexpr uint64_t kMaxCopiedTest = 8;

bool copyable_test(const Expr* e) {
  switch (e->kind) {
    case Kind::Const:
    case Kind::String:
    case Kind::Local:
    case Kind::Global:
    case Kind::Binary:
    case Kind::Neg:
    case Kind::Not:
    case Kind::Call:
    case Kind::Path:
      return std::all_of(e->kids.begin(), e->kids.end(), copyable_test);
    default: return false;
  }
}

}  // namespace

// `(while c body)` with its test at the bottom (loop inversion): the test
// runs once ahead as a guard, then after each pass as one backward
// conditional jump, so an iteration takes no forward exit jump and no
// LOOP. The test is emitted twice, so only a small one that declares
// nothing; it runs as many times as before, in the same order.
void FunctionEmitter::while_test_at_bottom(const Expr* e, bool want) {
  Label body = b_.new_label(), test = b_.new_label(), exit = b_.new_label(), done = b_.new_label();
  value(e->kids[0]);
  pos_ = e->pos;
  jump(Op::JUMP_IF_FALSE, exit);
  b_.bind(body);
  loops_.push_back({e, test, done, b_.depth(), want, true});
  effect(e->kids[1]);
  b_.bind(test);
  value(e->kids[0]);
  pos_ = e->pos;
  jump(Op::LOOP_IF_TRUE, body);
  b_.bind(exit);
  if (want) op(Op::NIL);
  b_.bind(done);
  loops_.pop_back();
}

void FunctionEmitter::loop_form(const Expr* e, bool want) {
  if (e->kind == Kind::While && pe_.options.superinstructions && copyable_test(e->kids[0]) &&
      instruction_cost(e->kids[0]) <= kMaxCopiedTest)
    return while_test_at_bottom(e, want);
  Label start = b_.new_label(), exit = b_.new_label(), done = b_.new_label();
  b_.bind(start);
  loops_.push_back({e, start, done, b_.depth(), want});
  if (e->kind == Kind::While) {
    value(e->kids[0]);
    pos_ = e->pos;
    jump(Op::JUMP_IF_FALSE, exit);
  }
  effect(e->kids.back());
  pos_ = e->pos;
  jump(Op::LOOP, start);
  b_.bind(exit);
  if (e->kind == Kind::While && want) op(Op::NIL);
  b_.bind(done);
  loops_.pop_back();
}

bool FunctionEmitter::range_call(const Expr* coll) const {
  if (coll->kind != Kind::Call || !pe_.range_is_builtin) return false;
  const Expr* callee = coll->kids[0];
  size_t argc = coll->kids.size() - 1;
  return callee->kind == Kind::Global && callee->name == pe_.range_symbol && argc >= 2 && argc <= 3 &&
         std::none_of(coll->kids.begin() + 1, coll->kids.end(), [](const Expr* k) { return k->kind == Kind::Spread; });
}

// `(for x in coll body...)` walks an array by index (re-reading its length)
// or a map's keys; over `(range a b [step])` it counts, making no array.
void FunctionEmitter::for_form(const Expr* e, bool want) {
  uint32_t mark = next_slot_;
  const Expr* coll = e->kids[0];
  Label start = b_.new_label(), exit = b_.new_label(), done = b_.new_label();
  int depth = b_.depth();
  uint32_t state;
  if (range_call(coll)) {
    state = new_slot("(hidden)");
    new_slot("(hidden)");
    new_slot("(hidden)");
    pos_ = coll->pos;
    for (size_t i = 1; i <= 3; ++i) {
      if (i < coll->kids.size()) value(coll->kids[i]);
      else op(Op::INT, 1);
      op(Op::STORE_LOCAL, int32_t(state + i - 1));
    }
    op(Op::RANGE_INIT, int32_t(state));
    pos_ = e->pos;
    b_.bind(start);
    jump(Op::RANGE_NEXT, exit, int32_t(state));
  } else {
    state = new_slot("(hidden)");
    new_slot("(hidden)");
    value(coll);
    op(Op::STORE_LOCAL, int32_t(state));
    op(Op::INT, 0);
    op(Op::STORE_LOCAL, int32_t(state + 1));
    b_.bind(start);
    jump(Op::FOR_NEXT, exit, int32_t(state));
  }
  loops_.push_back({e, start, done, depth, want});
  declare(e->var);
  if (e->var->captured) {
    op(Op::NEW_BOX, int32_t(e->var->slot));
    op(Op::POP);
  } else {
    op(Op::STORE_LOCAL, int32_t(e->var->slot));
  }
  effect(e->kids[1]);
  pos_ = e->pos;
  jump(Op::LOOP, start);
  b_.bind(exit);
  if (want) op(Op::NIL);
  b_.bind(done);
  loops_.pop_back();
  next_slot_ = mark;
}

// The body of a small leaf function in place of the call, behind a guard
// that the global still holds that very function (else the ordinary call
// runs): programs behave the same with or without inlining.
void FunctionEmitter::inline_call(const Expr* e) {
  size_t argc = e->params.size();
  Label slow = b_.new_label(), done = b_.new_label();
  uint32_t global = pe_.global(e->name);
  jump(e->tail ? Op::INLINE_GUARD_TAIL : Op::INLINE_GUARD, slow, int32_t(global), e->inline_index);
  uint32_t mark = next_slot_;
  for (size_t i = 0; i < argc; ++i) value(e->kids[i]);
  for (ir::Variable* p : e->params) declare(p);
  pos_ = e->pos;
  for (size_t i = argc; i-- > 0;) op(Op::STORE_LOCAL, int32_t(e->params[i]->slot));
  value(e->kids[argc]);
  next_slot_ = mark;
  pos_ = e->pos;
  jump(Op::JUMP, done);
  b_.bind(slow);
  op(Op::GET_GLOBAL, int32_t(global));
  for (size_t i = 0; i < argc; ++i) value(e->kids[i]);
  pos_ = e->pos;
  op(call_op(e->tail, false), int32_t(argc));
  b_.bind(done);
}

const FunctionEmitter::LoopLabels& FunctionEmitter::loop_of(const Expr* e) const {
  for (auto it = loops_.rbegin(); it != loops_.rend(); ++it)
    if (it->loop == e->loop) return *it;
  return loops_.back();  // the analysis only makes Break and Continue inside their loop
}

}  // namespace gene::emitter
