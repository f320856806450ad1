// The emitter: IR → bytecode through the bytecode builder, one function at
// a time. Locals get slots as their declarations are met and give them back
// when their block ends; a captured variable lives in a box, made afresh
// each time its declaration runs (so each loop iteration has its own). An
// expression is emitted either for its value or for its effect alone, so a
// statement never makes a value only to drop it: `(x = 1)` as a statement
// is one STORE_LOCAL, an `if` statement leaves nothing.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "bytecode_builder.h"
#include "compiler_passes.h"
#include "object.h"

namespace gene {
namespace {

using ir::Expr;
using ir::Kind;
using Label = BytecodeBuilder::Label;

class ProgramEmitter;

class FunctionEmitter {
 public:
  FunctionEmitter(ProgramEmitter& pe, const ir::Function* fn, FunctionEmitter* parent, Proto* proto)
      : pe_(pe), fn_(fn), parent_(parent), proto_(proto) {}
  void emit_function();

 private:
  struct LoopLabels {
    const Expr* loop;
    Label next;   // continue
    Label done;   // break: the loop's value is on the stack
    int depth;    // stack depth when the loop started
  };

  ProgramEmitter& pe_;
  const ir::Function* fn_;
  FunctionEmitter* parent_;
  Proto* proto_;
  BytecodeBuilder b_;
  uint32_t next_slot_ = 0;
  SourcePos pos_;
  std::unordered_map<const ir::Variable*, uint32_t> upvalues_;
  std::vector<LoopLabels> loops_;
  std::unordered_set<const ir::Variable*> predeclared_;  // slots given before their `var` (Kind::And)

  void op(Op o, int32_t a = 0, uint32_t word = 0) { b_.emit(o, a, pos_, word); }
  void jump(Op o, Label to, int32_t a = 0, uint32_t word = 0) { b_.emit_jump(o, to, pos_, a, word); }
  void value(const Expr* e) { emit(e, true); }
  void effect(const Expr* e) { emit(e, false); }
  void emit(const Expr* e, bool want);

  uint32_t new_slot(const std::string& name);
  void declare(ir::Variable* v);
  uint32_t upvalue(const ir::Variable* v);
  uint32_t add_constant(Value v);
  uint32_t string_constant(const std::string& text);
  void constant(Value v);
  void load(const ir::Variable* v);
  void store(const ir::Variable* v, uint32_t global_name, bool want);
  void elements(const std::vector<Expr*>& kids, size_t from, size_t to);
  void call(const Expr* e);
  void if_form(const Expr* e, bool want);
  void loop_form(const Expr* e);
  void for_form(const Expr* e);
  bool range_call(const Expr* coll) const;
  void inline_call(const Expr* e);
  const LoopLabels& loop_of(const Expr* e) const;
};

class ProgramEmitter {
 public:
  ProgramEmitter(const ir::Module& module, Program& program, Heap& heap, SymbolTable& symbols,
                 const OptimizerOptions& options)
      : module(module), program(program), heap(heap), symbols(symbols), options(options) {
    range_symbol = symbols.intern("range");
    range_is_builtin = module.binding_count(range_symbol) == 0;
  }

  const ir::Module& module;
  Program& program;
  Heap& heap;
  SymbolTable& symbols;
  const OptimizerOptions& options;
  uint32_t range_symbol;
  bool range_is_builtin;  // no program binds `range`: a for over it may count instead

  uint32_t global(uint32_t name) {
    auto [it, fresh] = globals_.emplace(name, uint32_t(program.global_names.size()));
    if (fresh) program.global_names.push_back(name);
    return it->second;
  }

  uint32_t function(const ir::Function* f, FunctionEmitter* parent) {
    auto proto = std::make_unique<Proto>();
    proto->id = uint32_t(program.protos.size());
    proto->name = f->name;
    proto->arity = uint32_t(f->params.size());
    proto->source = f->source;
    Proto* p = proto.get();
    program.protos.push_back(std::move(proto));
    FunctionEmitter(*this, f, parent, p).emit_function();
    return p->id;
  }

 private:
  std::unordered_map<uint32_t, uint32_t> globals_;  // symbol → global index
};

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
  auto& k = proto_->constants;
  for (size_t i = 0; i < k.size(); ++i)
    if (k[i] == v) return uint32_t(i);
  k.push_back(v);
  return uint32_t(k.size() - 1);
}

uint32_t FunctionEmitter::string_constant(const std::string& text) {
  auto& k = proto_->constants;
  for (size_t i = 0; i < k.size(); ++i)
    if (is_type(k[i], ObjType::String) && as_string(k[i])->view() == text) return uint32_t(i);
  return add_constant(Value::object(pe_.heap.new_string(text)));
}

void FunctionEmitter::constant(Value v) {
  if (v.is_nil()) op(Op::NIL);
  else if (v == Value::boolean(true)) op(Op::TRUE);
  else if (v == Value::boolean(false)) op(Op::FALSE);
  else if (v.is_int() && v.as_int() >= -kMaxOperand - 1 && v.as_int() <= kMaxOperand) op(Op::INT, int32_t(v.as_int()));
  else op(Op::CONST, int32_t(add_constant(v)));
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
      value(e->kids[1]);
      op(e->op);
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
    case Kind::Loop: loop_form(e); break;
    case Kind::For: for_form(e); break;
    case Kind::Break: {
      const LoopLabels& loop = loop_of(e);
      value(e->kids[0]);
      int extra = b_.depth() - loop.depth - 1;
      if (extra > 0) op(Op::DROP_UNDER, extra);
      jump(Op::JUMP, loop.done);
      break;
    }
    case Kind::Continue: {
      const LoopLabels& loop = loop_of(e);
      int extra = b_.depth() - loop.depth;
      if (extra > 0) op(Op::POPN, extra);
      jump(Op::LOOP, loop.next);
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
    case Kind::GetIndex:
      value(e->kids[0]);
      op(Op::GET_INDEX, int32_t(std::clamp<int64_t>(e->index, -kMaxOperand - 1, kMaxOperand)));
      break;
    case Kind::GetKey:
      value(e->kids[0]);
      op(Op::GET_KEY, int32_t(e->name));
      break;
    case Kind::SetPath: {
      value(e->kids[0]);
      int32_t index = int32_t(std::clamp<int64_t>(e->index, -kMaxOperand - 1, kMaxOperand));
      if (e->op != Op::NIL) {  // `(c/k op= v)`: the container once, its element read and written
        op(Op::DUP);
        e->is_key ? op(Op::GET_KEY, int32_t(e->name)) : op(Op::GET_INDEX, index);
        value(e->kids[1]);
        op(e->op);
      } else {
        value(e->kids[1]);
      }
      e->is_key ? op(Op::SET_KEY, int32_t(e->name)) : op(Op::SET_INDEX, index);
      break;
    }
    case Kind::Inline: inline_call(e); break;
  }
  if (!want) op(Op::POP);
  pos_ = saved;
}

// items[from..to) as one new array, expanding spreads.
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

void FunctionEmitter::call(const Expr* e) {
  size_t n = e->kids.size();
  bool spread = std::any_of(e->kids.begin() + 1, e->kids.end(), [](const Expr* k) { return k->kind == Kind::Spread; });
  value(e->kids[0]);
  if (spread) {
    elements(e->kids, 1, n);
    op(Op::CALL_SPREAD);
    return;
  }
  for (size_t i = 1; i < n; ++i) value(e->kids[i]);
  op(e->tail ? Op::TAIL_CALL : Op::CALL, int32_t(n - 1));
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

void FunctionEmitter::loop_form(const Expr* e) {
  Label start = b_.new_label(), exit = b_.new_label(), done = b_.new_label();
  b_.bind(start);
  loops_.push_back({e, start, done, b_.depth()});
  if (e->kind == Kind::While) {
    value(e->kids[0]);
    pos_ = e->pos;
    jump(Op::JUMP_IF_FALSE, exit);
  }
  effect(e->kids.back());
  pos_ = e->pos;
  jump(Op::LOOP, start);
  b_.bind(exit);
  if (e->kind == Kind::While) op(Op::NIL);
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
void FunctionEmitter::for_form(const Expr* e) {
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
  loops_.push_back({e, start, done, depth});
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
  op(Op::NIL);
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
  jump(Op::INLINE_GUARD, slow, int32_t(global), e->inline_index);
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
  op(e->tail ? Op::TAIL_CALL : Op::CALL, int32_t(argc));
  b_.bind(done);
}

const FunctionEmitter::LoopLabels& FunctionEmitter::loop_of(const Expr* e) const {
  for (auto it = loops_.rbegin(); it != loops_.rend(); ++it)
    if (it->loop == e->loop) return *it;
  return loops_.back();  // the analysis only makes Break and Continue inside their loop
}

}  // namespace

void emit_program(const ir::Module& module, Program& program, Heap& heap, SymbolTable& symbols,
                  const OptimizerOptions& options) {
  ProgramEmitter pe(module, program, heap, symbols, options);
  for (uint32_t name : module.predeclared) pe.global(name);  // host parameters first, in order
  pe.function(module.main, nullptr);
  program.inline_sources = module.inline_sources;
}

}  // namespace gene
