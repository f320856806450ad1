// Inlining: a small top-level function that calls nothing but builtins (a
// leaf, so never recursive) is copied into each call site, its parameters
// becoming locals of the caller. The emitter puts the copy behind a guard
// that checks, when the call runs, that the global still holds a closure of
// that very fn form and that a real call would not overflow the stack;
// otherwise the ordinary call runs. So a program behaves the same with or
// without inlining, even when it rebinds the function later.
#include <unordered_map>

#include "builtins.h"
#include "compiler_passes.h"

namespace gene {
namespace {

using ir::Expr;
using ir::Kind;

// The most instructions a copied body may compile to.
constexpr uint64_t kInlineMaxCost = 30;

class Inliner {
 public:
  Inliner(ir::Module& m, const SymbolTable& symbols) : m_(m), symbols_(symbols) {}

  uint64_t run() {
    for (Expr* form : m_.main->body->kids) consider(form);
    if (candidates_.empty()) return 0;
    for (ir::Function* f : m_.functions) {
      caller_ = f;
      f->body = rewrite(f->body);
    }
    return inlined_;
  }

 private:
  struct Candidate {
    ir::Function* fn;
    int inline_index = -1;  // in inline_sources, once used
  };
  ir::Module& m_;
  const SymbolTable& symbols_;
  std::unordered_map<uint32_t, Candidate> candidates_;  // global name → its function
  ir::Function* caller_ = nullptr;
  uint64_t inlined_ = 0;

  bool is_builtin(uint32_t name) const { return find_builtin(symbols_.name(name)) >= 0; }

  // `(fn name params body...)` at the top level, its name bound nowhere
  // else (not even by the host), not a builtin's.
  void consider(const Expr* form) {
    if (form->kind != Kind::DefGlobal || form->kids[0]->kind != Kind::Fn) return;
    uint32_t name = form->name;
    ir::Function* f = form->kids[0]->fn;
    if (m_.binding_count(name) != 1 || is_builtin(name)) return;
    for (uint32_t p : m_.predeclared)
      if (p == name) return;
    for (const ir::Variable* p : f->params)
      if (p->hidden) return;
    if (!inlinable(f->body) || instruction_cost(f->body) > kInlineMaxCost) return;
    candidates_[name] = {f};
  }

  // No closures, loops or transfers out of the body; every call is to a
  // builtin that the program never rebinds.
  bool inlinable(const Expr* e) const {
    switch (e->kind) {
      case Kind::Fn:
      case Kind::VarFn:
      case Kind::While:
      case Kind::Loop:
      case Kind::For:
      case Kind::Break:
      case Kind::Continue:
      case Kind::Return:
      case Kind::Spread:
      case Kind::Inline: return false;
      case Kind::Call: {
        const Expr* callee = e->kids[0];
        if (callee->kind != Kind::Global || !is_builtin(callee->name) || m_.binding_count(callee->name) != 0)
          return false;
        break;
      }
      default: break;
    }
    for (const Expr* k : e->kids)
      if (!inlinable(k)) return false;
    return true;
  }

  Expr* rewrite(Expr* e) {
    if (e->kind == Kind::Fn) return e;  // its own function is rewritten in turn
    for (Expr*& k : e->kids) k = rewrite(k);
    if (e->kind != Kind::Call || e->kids[0]->kind != Kind::Global) return e;
    auto it = candidates_.find(e->kids[0]->name);
    if (it == candidates_.end()) return e;
    Candidate& c = it->second;
    size_t argc = e->kids.size() - 1;
    if (c.fn->params.size() != argc || c.fn == caller_) return e;
    for (size_t i = 1; i <= argc; ++i)
      if (e->kids[i]->kind == Kind::Spread) return e;
    if (c.inline_index < 0) {
      c.inline_index = int(m_.inline_sources.size());
      m_.inline_sources.push_back(c.fn->source);
    }
    Expr* in = m_.make(Kind::Inline, e->pos);
    in->name = e->kids[0]->name;
    in->inline_index = uint32_t(c.inline_index);
    in->tail = e->tail;
    in->kids.assign(e->kids.begin() + 1, e->kids.end());
    std::unordered_map<const ir::Variable*, ir::Variable*> copies;
    for (const ir::Variable* p : c.fn->params) in->params.push_back(copy(p, copies));
    in->kids.push_back(clone(c.fn->body, copies));
    ++inlined_;
    return in;
  }

  ir::Variable* copy(const ir::Variable* v, std::unordered_map<const ir::Variable*, ir::Variable*>& copies) {
    ir::Variable* fresh = m_.make_variable();
    *fresh = *v;
    fresh->owner = caller_;
    fresh->parameter = false;
    copies[v] = fresh;
    return fresh;
  }

  // The body for one call site, its variables made the caller's.
  Expr* clone(const Expr* e, std::unordered_map<const ir::Variable*, ir::Variable*>& copies) {
    Expr* c = m_.make(e->kind, e->pos);
    *c = *e;
    if (e->var) {
      auto it = copies.find(e->var);
      c->var = it != copies.end() ? it->second : copy(e->var, copies);
    }
    for (ir::Variable*& v : c->params) {
      auto it = copies.find(v);
      v = it != copies.end() ? it->second : copy(v, copies);
    }
    for (Expr*& k : c->kids) k = clone(k, copies);
    return c;
  }
};

}  // namespace

uint64_t inline_calls(ir::Module& module, const SymbolTable& symbols) { return Inliner(module, symbols).run(); }

}  // namespace gene
