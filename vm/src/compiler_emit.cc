// The emitter: IR → bytecode through the bytecode builder, one function at
// a time. Locals get slots as their declarations are met and give them back
// when their block ends; a captured variable lives in a box, made afresh
// each time its declaration runs (so each loop iteration has its own). An
// expression is emitted either for its value or for its effect alone, so a
// statement never makes a value only to drop it: `(x = 1)` as a statement
// is one STORE_LOCAL, an `if` statement leaves nothing.
#include <algorithm>

#include "compiler_emit.h"
#include "compiler_passes.h"
#include "object.h"

namespace gene::emitter {

void FunctionEmitter::emit_function() {
  pos_ = fn_->source ? fn_->source->pos : fn_->body->pos;
  for (ir::Variable* p : fn_->params) declare(p);
  for (ir::Variable* p : fn_->params)
    if (p->captured) op(Op::BOX_LOCAL, int32_t(p->slot));
  value(fn_->body);
  op(Op::RETURN);
  b_.finish(*proto_, pe_.options.superinstructions);
}

// ---- slots, upvalues, constants ---------------------------------------------

uint32_t FunctionEmitter::new_slot(const std::string& name) {
  uint32_t slot = next_slot_++;
  if (next_slot_ > proto_->slot_count) {
    proto_->slot_count = next_slot_;
    proto_->slot_names.resize(next_slot_);
  }
  proto_->slot_names[slot] = name;
  return slot;
}

void FunctionEmitter::declare(ir::Variable* v) {
  v->slot = new_slot(v->hidden ? "(hidden)" : pe_.symbols.name(v->name));
}

// A variable of an enclosing function: through the box in the parent's
// slot, or through the parent's own upvalue.
uint32_t FunctionEmitter::upvalue(const ir::Variable* v) {
  auto it = upvalues_.find(v);
  if (it != upvalues_.end()) return it->second;
  UpvalueDesc d = v->owner == parent_->fn_ ? UpvalueDesc{true, v->slot} : UpvalueDesc{false, parent_->upvalue(v)};
  auto index = uint32_t(proto_->upvalues.size());
  proto_->upvalues.push_back(d);
  proto_->upvalue_names.push_back(pe_.symbols.name(v->name));
  upvalues_.emplace(v, index);
  return index;
}

uint32_t FunctionEmitter::add_constant(Value v) {
  auto [it, fresh] = constant_index_.emplace(v.bits(), uint32_t(proto_->constants.size()));
  if (fresh) proto_->constants.push_back(v);
  return it->second;
}

uint32_t FunctionEmitter::string_constant(const std::string& text) {
  auto it = string_index_.find(text);
  if (it != string_index_.end()) return it->second;
  uint32_t index = add_constant(Value::object(pe_.heap.new_string(text)));
  string_index_.emplace(text, index);
  return index;
}

void FunctionEmitter::constant(Value v) {
  if (v.is_nil()) op(Op::NIL);
  else if (v == Value::boolean(true)) op(Op::TRUE);
  else if (v == Value::boolean(false)) op(Op::FALSE);
  else if (v.is_int() && v.as_int() >= -kMaxOperand - 1 && v.as_int() <= kMaxOperand) op(Op::INT, int32_t(v.as_int()));
  else op(Op::CONST, int32_t(add_constant(v)));
}

// Reads (or, with `set`, writes) one path segment of the value on top.
void FunctionEmitter::segment(const ir::PathSegment& seg, bool set) {
  if (seg.is_key) return op(set ? Op::SET_KEY : Op::GET_KEY, int32_t(seg.name));
  op(set ? Op::SET_INDEX : Op::GET_INDEX, int32_t(std::clamp<int64_t>(seg.index, -kMaxOperand - 1, kMaxOperand)));
}

void FunctionEmitter::load(const ir::Variable* v) {
  if (v->owner != fn_) op(Op::GET_UPVAL, int32_t(upvalue(v)));
  else op(v->captured ? Op::GET_BOXED : Op::GET_LOCAL, int32_t(v->slot));
}

// Stores the value on top into a variable (or the global `global_name`
// when v is null), leaving it there when it is wanted.
void FunctionEmitter::store(const ir::Variable* v, uint32_t global_name, bool want) {
  if (!v) return op(want ? Op::SET_GLOBAL : Op::STORE_GLOBAL, int32_t(pe_.global(global_name)));
  if (v->owner == fn_ && !v->captured) return op(want ? Op::SET_LOCAL : Op::STORE_LOCAL, int32_t(v->slot));
  if (v->owner == fn_) op(Op::SET_BOXED, int32_t(v->slot));
  else op(Op::SET_UPVAL, int32_t(upvalue(v)));
  if (!want) op(Op::POP);
}

// ---- expressions ------------------------------------------------------------

void FunctionEmitter::emit(const Expr* e, bool want) {
  SourcePos saved = pos_;
  pos_ = e->pos;
  switch (e->kind) {
    case Kind::Const: constant(e->value); break;
    case Kind::String: op(Op::CONST, int32_t(string_constant(e->text))); break;
    case Kind::Quote:
      proto_->quotes.push_back(e->node);
      op(Op::QUOTE, int32_t(proto_->quotes.size() - 1));
      break;
    case Kind::Local: load(e->var); break;
    case Kind::Global: op(Op::GET_GLOBAL, int32_t(pe_.global(e->name))); break;
    case Kind::Assign:
      if (e->check_global) op(Op::CHECK_GLOBAL, int32_t(pe_.global(e->name)));
      value(e->kids[0]);
      pos_ = e->pos;
      store(e->var, e->name, want);
      pos_ = saved;
      return;
    case Kind::Var:
      value(e->kids[0]);
      if (!predeclared_.count(e->var)) declare(e->var);
      if (e->var->captured) {
        op(Op::NEW_BOX, int32_t(e->var->slot));
        if (!want) op(Op::POP);
      } else {
        op(want ? Op::SET_LOCAL : Op::STORE_LOCAL, int32_t(e->var->slot));
      }
      pos_ = saved;
      return;
    case Kind::VarFn:
      if (!predeclared_.count(e->var)) declare(e->var);
      if (e->var->captured) {  // the function may refer to itself: its box must exist first
        op(Op::NIL);
        op(Op::NEW_BOX, int32_t(e->var->slot));
        op(Op::POP);
      }
      value(e->kids[0]);
      store(e->var, 0, want);
      pos_ = saved;
      return;
    case Kind::DefGlobal:
      value(e->kids[0]);
      op(Op::DEF_GLOBAL, int32_t(pe_.global(e->name)));
      break;
    case Kind::Fn: op(Op::CLOSURE, int32_t(pe_.function(e->fn, this))); break;
    case Kind::Call: call(e); break;
    case Kind::Spread: op(Op::ERROR, int32_t(string_constant("type error: a spread belongs in an array or a call"))); break;
    case Kind::Binary:
      value(e->kids[0]);
      for (size_t i = 1; i < e->kids.size(); ++i) {
        value(e->kids[i]);
        op(e->op);
      }
      break;
    case Kind::Neg:
    case Kind::Not:
      value(e->kids[0]);
      op(e->kind == Kind::Neg ? Op::NEG : Op::NOT);
      break;
    case Kind::And:
    case Kind::Or: {
      for (ir::Variable* v : e->params) {  // declared by the right operand, which may not run
        declare(v);
        op(Op::NIL);
        if (v->captured) {
          op(Op::NEW_BOX, int32_t(v->slot));
          op(Op::POP);
        } else {
          op(Op::STORE_LOCAL, int32_t(v->slot));
        }
        predeclared_.insert(v);
      }
      Label done = b_.new_label();
      value(e->kids[0]);
      jump(e->kind == Kind::And ? Op::AND_JUMP : Op::OR_JUMP, done);
      value(e->kids[1]);
      b_.bind(done);
      break;
    }
    case Kind::If:
      if_form(e, want);
      pos_ = saved;
      return;
    case Kind::While:
    case Kind::Loop:
    case Kind::For:
      e->kind == Kind::For ? for_form(e, want) : loop_form(e, want);
      pos_ = saved;
      return;
    case Kind::Break: {
      LoopLabels loop = loop_of(e);  // a copy: the value may hold loops that grow loops_
      emit(e->kids[0], loop.want);
      int extra = b_.depth() - loop.depth - (loop.want ? 1 : 0);
      if (extra > 0) op(loop.want ? Op::DROP_UNDER : Op::POPN, extra);
      jump(Op::JUMP, loop.done);
      break;
    }
    case Kind::Continue: {
      LoopLabels loop = loop_of(e);  // a copy: the value may hold loops that grow loops_
      int extra = b_.depth() - loop.depth;
      if (extra > 0) op(Op::POPN, extra);
      jump(loop.next_ahead ? Op::JUMP : Op::LOOP, loop.next);
      break;
    }
    case Kind::Return:
      value(e->kids[0]);
      op(Op::RETURN);
      break;
    case Kind::Block: {
      uint32_t mark = next_slot_;
      for (size_t i = 0; i < e->kids.size(); ++i) emit(e->kids[i], want && i + 1 == e->kids.size());
      if (e->kids.empty() && want) op(Op::NIL);
      next_slot_ = mark;
      pos_ = saved;
      return;
    }
    case Kind::Assert:
      for (const Expr* k : e->kids) value(k);
      op(Op::ASSERT, int32_t(e->kids.size() - 1));
      break;
    case Kind::Error: op(Op::ERROR, int32_t(string_constant(e->text))); break;
    case Kind::Array: elements(e->kids, 0, e->kids.size()); break;
    case Kind::Map:
      op(Op::NEW_MAP);
      for (size_t i = 0; i < e->kids.size(); ++i) {
        value(e->kids[i]);
        op(Op::MAP_PUT, int32_t(e->keys[i]));
      }
      break;
    case Kind::Data:
      constant(Value::symbol(e->name));
      elements(e->kids, 0, e->kids.size());
      op(Op::NEW_GENE);
      break;
    case Kind::Path:
      value(e->kids[0]);
      for (const ir::PathSegment& seg : e->segments) segment(seg, false);
      break;
    case Kind::SetPath:
      value(e->kids[0]);
      if (e->op != Op::NIL) {  // `(c/k op= v)`: the container once, its element read and written
        op(Op::DUP);
        segment(e->segments[0], false);
        value(e->kids[1]);
        op(e->op);
      } else {
        value(e->kids[1]);
      }
      segment(e->segments[0], true);
      break;
    case Kind::Inline: inline_call(e); break;
  }
  if (!want) op(Op::POP);
  pos_ = saved;
}

// items[from..to) as one new array, expanding spreads.
}  // namespace gene::emitter

namespace gene {

void emit_program(const ir::Module& module, Program& program, Heap& heap, SymbolTable& symbols,
                  const OptimizerOptions& options) {
  emitter::ProgramEmitter pe(module, program, heap, symbols, options);
  for (uint32_t name : module.predeclared) pe.global(name);  // host parameters first, in order
  pe.function(module.main, nullptr);
  program.inline_sources = module.inline_sources;
}

}  // namespace gene
