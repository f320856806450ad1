// The analysis pass: one walk over the syntax tree, in evaluation order,
// that recognizes special forms and resolves names as scopes open and close.
// A name found in an enclosing function marks that variable captured; a
// call in a tail position of a function is marked tail. Nothing is compiled
// here, so a capture found late costs nothing: the emitter only runs once
// the whole program has been analyzed. compiler_analysis.cc holds names and
// expressions, compiler_forms.cc the special forms.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "compiler_ir.h"
#include "heap.h"

namespace gene {

class Analyzer {
 public:
  Analyzer(ir::Module& module, SymbolTable& symbols) : m_(module), symbols_(symbols) {}
  void program(const std::vector<NodePtr>& forms);

 private:
  using Scope = std::vector<ir::Variable*>;
  struct FunctionScope {
    ir::Function* fn;
    FunctionScope* parent;
    std::vector<Scope> scopes;       // innermost last; empty at the top level of main
    // Each visible name's variables, innermost last, with the scope each
    // is in: a lookup costs the same however many locals a function has.
    std::unordered_map<uint32_t, std::vector<std::pair<ir::Variable*, size_t>>> visible;
    std::vector<ir::Expr*> loops;    // innermost last
    // The && and || whose right operand is being analyzed, outermost
    // first, with the number of scopes open when each began.
    std::vector<std::pair<ir::Expr*, size_t>> conditionals;
  };

  ir::Module& m_;
  SymbolTable& symbols_;
  FunctionScope* fs_ = nullptr;

  // ---- names (compiler_analysis.cc)
  uint32_t intern(const std::string& s) { return symbols_.intern(s); }
  [[noreturn]] void fail(SourcePos pos, const std::string& message);
  bool at_global_scope() const { return fs_->fn->is_main && fs_->scopes.empty(); }
  static ir::Variable* find_local(const FunctionScope* f, uint32_t name);
  ir::Variable* visible_local(uint32_t name) const;  // here or in an enclosing function
  ir::Variable* resolve(uint32_t name);              // the same, marking a capture
  ir::Variable* find_in_current_scope(uint32_t name) const;
  ir::Variable* declare(uint32_t name, bool hidden = false);
  void open_scope() { fs_->scopes.emplace_back(); }
  void close_scope();
  void count_binding(const Node* name);
  bool is_form(const Node* head, const char* name) const;

  // ---- expressions (compiler_analysis.cc)
  ir::Expr* make(ir::Kind k, SourcePos p) { return m_.make(k, p); }
  ir::Expr* constant(Value v, SourcePos p);
  ir::Expr* error(const std::string& message, SourcePos p);
  ir::Expr* expr(const Node* n, bool tail);
  ir::Expr* load(const std::string& text, SourcePos p);
  ir::Expr* sequence(const std::vector<NodePtr>& items, size_t from, size_t to, bool tail, SourcePos p);
  ir::Expr* block(const std::vector<NodePtr>& items, size_t from, size_t to, bool tail, SourcePos p);
  void elements(ir::Expr* into, const std::vector<NodePtr>& items, size_t from);
  ir::Expr* path_get(const Node* n, size_t count, SourcePos p);
  ir::PathSegment path_segment(const Node* seg);
  ir::Expr* gene(const Node* n, bool tail);
  ir::Expr* call(const Node* n, bool tail);
  ir::Expr* binary(const std::string& op, const Node* a, const Node* b, bool tail, SourcePos p);
  ir::Expr* prefix_operator(const Node* n, bool tail);
  ir::Expr* assignment(const std::string& op, const Node* target, const Node* value, SourcePos p);

  // ---- special forms (compiler_forms.cc)
  ir::Expr* var_form(const Node* n);
  ir::Expr* fn_form(const Node* n);
  ir::Function* function(const Node* n, const std::string& name, const Node* params, size_t body_from);
  ir::Expr* if_form(const Node* n, bool tail);
  ir::Expr* while_form(const Node* n);
  ir::Expr* loop_form(const Node* n);
  ir::Expr* for_form(const Node* n);
  ir::Expr* break_form(const Node* n);
  ir::Expr* continue_form(const Node* n);
  ir::Expr* return_form(const Node* n);
  ir::Expr* assert_form(const Node* n);
  ir::Expr* loop_body(ir::Expr* loop, const std::vector<NodePtr>& items, size_t from);
};

bool is_infix_operator(const std::string& s);
bool is_assignment_operator(const std::string& s);
// ADD for "+" and "+=", ..., NE for "!="; NIL for anything else.
Op operator_op(const std::string& s);

}  // namespace gene
