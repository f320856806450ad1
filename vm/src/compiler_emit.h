// The emitter's classes, shared by compiler_emit.cc (functions, slots,
// constants, expressions) and compiler_emit_control.cc (branches, loops,
// calls, inlined calls).
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bytecode_builder.h"
#include "compiler_ir.h"
#include "gene/vm.h"
#include "heap.h"

namespace gene::emitter {

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
    Label done;   // break: the loop's value is on the stack when it is wanted
    int depth;    // stack depth when the loop started
    bool want;    // the loop's value is used
    bool next_ahead = false;  // `continue` jumps forward, to a test at the bottom
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
  std::unordered_set<const ir::Variable*> predeclared_;
  std::unordered_map<uint64_t, uint32_t> constant_index_;     // by the value's bits
  std::unordered_map<std::string, uint32_t> string_index_;    // string constants by text  // slots given before their `var` (Kind::And)

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
  void segment(const ir::PathSegment& seg, bool set);
  void store(const ir::Variable* v, uint32_t global_name, bool want);
  void elements(const std::vector<Expr*>& kids, size_t from, size_t to);
  Op call_op(bool tail, bool spread) const;
  void call(const Expr* e);
  void if_form(const Expr* e, bool want);
  void loop_form(const Expr* e, bool want);
  void while_test_at_bottom(const Expr* e, bool want);
  void for_form(const Expr* e, bool want);
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

}  // namespace gene::emitter
