// The cost model: how many instructions an expression compiles to when
// its value is used, by the emitter's own patterns without superinstructions.
// Dead-code elimination reports what it removed in these units and the
// inliner limits the functions it copies by them.
#include <algorithm>

#include "compiler_passes.h"

namespace gene {

using ir::Expr;
using ir::Kind;

namespace {

uint64_t sum(const std::vector<Expr*>& kids, size_t from = 0) {
  uint64_t n = 0;
  for (size_t i = from; i < kids.size(); ++i) n += instruction_cost(kids[i]);
  return n;
}

// An array built from elements: one push each when something is spread.
uint64_t elements(const std::vector<Expr*>& kids, size_t from) {
  bool spread = std::any_of(kids.begin() + long(from), kids.end(), [](const Expr* k) { return k->kind == Kind::Spread; });
  return sum(kids, from) + 1 + (spread ? kids.size() - from : 0);
}

}  // namespace

uint64_t instruction_cost(const Expr* e) {
  switch (e->kind) {
    case Kind::Const:
    case Kind::String:
    case Kind::Quote:
    case Kind::Local:
    case Kind::Global:
    case Kind::Fn:
    case Kind::Error:
    case Kind::Continue: return 1;
    case Kind::Assign: return instruction_cost(e->kids[0]) + 1 + (e->check_global ? 1 : 0);
    case Kind::Var:
    case Kind::DefGlobal: return instruction_cost(e->kids[0]) + 1;
    case Kind::VarFn: return 2 + (e->var->captured ? 3 : 0);
    case Kind::Call: return instruction_cost(e->kids[0]) + elements(e->kids, 1);
    case Kind::Spread: return instruction_cost(e->kids[0]);
    case Kind::Binary: return sum(e->kids) + e->kids.size() - 1;
    case Kind::And:
    case Kind::Or: return sum(e->kids) + 1;
    case Kind::Neg:
    case Kind::Not:
    case Kind::Return:
    case Kind::Path: return instruction_cost(e->kids[0]) + e->segments.size();
    case Kind::If:
      // a jump per condition and per branch, and a nil when there is no else
      return sum(e->kids) + 2 * e->negate.size() + (e->has_else ? 0 : 1);
    case Kind::While: return sum(e->kids) + e->kids[1]->kids.size() + 3;  // pops, jump, loop, nil
    case Kind::Loop: return sum(e->kids) + e->kids[0]->kids.size() + 1;
    case Kind::For: return sum(e->kids) + e->kids[1]->kids.size() + 7;
    case Kind::Break: return instruction_cost(e->kids[0]) + 1;
    case Kind::Block: return e->kids.empty() ? 1 : sum(e->kids) + e->kids.size() - 1;  // a pop per statement
    case Kind::Assert: return sum(e->kids) + 1;
    case Kind::Array: return elements(e->kids, 0);
    case Kind::Map: return 1 + sum(e->kids) + e->kids.size();
    case Kind::Data: return 2 + elements(e->kids, 0);
    case Kind::SetPath: return sum(e->kids) + (e->op == Op::NIL ? 1 : 4);
    case Kind::Inline: {
      size_t argc = e->params.size();
      uint64_t args = 0;
      for (size_t i = 0; i < argc; ++i) args += instruction_cost(e->kids[i]);
      return 1 + args + argc + instruction_cost(e->kids[argc]) + 1 + 1 + args + 1;
    }
  }
  return 1;
}

}  // namespace gene
