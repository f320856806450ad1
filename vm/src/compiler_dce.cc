// Dead-code elimination: a branch whose condition folded to a constant is
// kept or dropped whole, a `while` whose condition is constantly false
// goes, a statement whose value is unused and that can neither fail nor
// have an effect (a constant, a local's value, a closure never stored) is
// not compiled, and neither is the store of a variable that constant
// propagation replaced everywhere. What is removed is counted by the cost model.
// Code after a `return`, `break`, `continue` or a known error is never
// emitted either, but that is the bytecode builder's rule, not this pass's.
#include "compiler_passes.h"

namespace gene {
namespace {

using ir::Expr;
using ir::Kind;

class DeadCode {
 public:
  explicit DeadCode(ir::Module& m) : m_(m) {}

  uint64_t run() {
    m_.main->body = visit(m_.main->body, true);
    return removed_;
  }

 private:
  ir::Module& m_;
  uint64_t removed_ = 0;

  static bool pure(const Expr* e) {
    switch (e->kind) {
      case Kind::Const:
      case Kind::String:
      case Kind::Local:
      case Kind::Fn: return true;
      default: return false;
    }
  }

  Expr* make(Kind k, SourcePos p) { return m_.make(k, p); }

  // Returns the replacement of e; nullptr (when its value is unwanted)
  // when nothing is left of it.
  Expr* visit(Expr* e, bool want) {
    switch (e->kind) {
      case Kind::Block: {
        std::vector<Expr*> kept;
        for (size_t i = 0; i < e->kids.size(); ++i)
          if (Expr* k = visit(e->kids[i], want && i + 1 == e->kids.size())) kept.push_back(k);
        e->kids = std::move(kept);
        return e;
      }
      case Kind::Fn:
        e->fn->body = visit(e->fn->body, true);
        if (!want) return drop(e);
        return e;
      case Kind::If: return if_form(e, want);
      case Kind::While: {
        e->kids[0] = visit(e->kids[0], true);
        e->kids[1] = visit(e->kids[1], false);
        if (is_const(e->kids[0]) && !e->kids[0]->value.truthy()) return replace(e, nil(e->pos), want);
        return e;
      }
      case Kind::Var:
        // A variable folding found constant is read nowhere any more: its
        // declaration only stores a value nobody loads.
        e->kids[0] = visit(e->kids[0], true);
        if (e->var->constant) return replace(e, e->kids[0], want);
        return e;
      case Kind::Loop:
      case Kind::For:
        for (size_t i = 0; i + 1 < e->kids.size(); ++i) e->kids[i] = visit(e->kids[i], true);
        e->kids.back() = visit(e->kids.back(), false);
        return e;
      default:
        for (Expr*& k : e->kids) k = visit(k, true);
        if (!want && pure(e)) return drop(e);
        return e;
    }
  }

  Expr* nil(SourcePos p) {
    Expr* e = make(Kind::Const, p);
    e->value = Value::nil();
    return e;
  }

  Expr* drop(Expr* e) {
    removed_ += instruction_cost(e) + 1;  // and the pop after it
    return nullptr;
  }

  // Replaces old by with, counting the difference; nothing is left when
  // the value is unwanted and the replacement is pure.
  Expr* replace(Expr* old, Expr* with, bool want) {
    bool keep = want || !pure(with);
    uint64_t before = instruction_cost(old), after = keep ? instruction_cost(with) : 0;
    removed_ += before > after ? before - after : 0;
    return keep ? with : nullptr;
  }

  // Drops branches whose condition is constantly false; a constantly true
  // one becomes the else branch and ends the chain.
  Expr* if_form(Expr* e, bool want) {
    size_t n = e->negate.size();
    for (size_t i = 0; i < e->kids.size(); ++i) e->kids[i] = visit(e->kids[i], (i < 2 * n && i % 2 == 0) || want);
    Expr* out = make(Kind::If, e->pos);
    for (size_t i = 0; i < n && !out->has_else; ++i) {
      Expr* cond = e->kids[2 * i];
      Expr* body = e->kids[2 * i + 1];
      if (!is_const(cond)) {
        out->kids.insert(out->kids.end(), {cond, body});
        out->negate.push_back(e->negate[i]);
      } else if (cond->value.truthy() != e->negate[i]) {  // always taken: what follows never runs
        out->kids.push_back(body);
        out->has_else = true;
      }
    }
    if (!out->has_else && e->has_else) {
      out->kids.push_back(e->kids.back());
      out->has_else = true;
    }
    if (out->negate.size() == n && out->has_else == e->has_else) return e;  // no condition was constant
    Expr* result = out;
    if (out->negate.empty()) result = out->has_else ? out->kids.back() : nil(e->pos);
    return replace(e, result, want);
  }
};

}  // namespace

uint64_t eliminate_dead_code(ir::Module& module) { return DeadCode(module).run(); }

}  // namespace gene
