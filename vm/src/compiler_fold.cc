// Constant folding and propagation. Folding computes an operation on
// constants at compile time only when a check made first (Lua's validop)
// proves it cannot raise: numbers only, no division by zero, no result
// outside the 48-bit int range. Everything else stays for run time, where
// the error keeps its place and its order relative to output.
//
// Propagation, as in Luau's ValueTracking and ConstantFolding: a local
// never reassigned after its `var`, whose value folded to a constant, is
// that constant wherever it is read; so is a global defined once by a
// top-level `var`, never assigned and not a host parameter, where it is
// read in a later top-level form outside any function (earlier, or from a
// function that may run before the `var`, the read must stay a read).
// The walk follows evaluation order, so constants flow forward through
// chains of definitions.
#include <unordered_map>
#include <unordered_set>

#include "builtins.h"
#include "compiler_passes.h"
#include "display.h"

namespace gene {
namespace {

using ir::Expr;
using ir::Kind;

bool fits(int64_t i) { return Value::int_fits(i); }

// The value of `a op b` for constants, when computing it cannot raise.
std::optional<Value> fold_binary(Op op, Value a, Value b) {
  if (op == Op::EQ) return Value::boolean(values_equal(a, b));
  if (op == Op::NE) return Value::boolean(!values_equal(a, b));
  if (!a.is_number() || !b.is_number()) return std::nullopt;  // type errors, and strings, wait for run time
  bool ints = a.is_int() && b.is_int();
  switch (op) {
    case Op::LT: return Value::boolean(ints ? a.as_int() < b.as_int() : a.to_double() < b.to_double());
    case Op::LE: return Value::boolean(ints ? a.as_int() <= b.as_int() : a.to_double() <= b.to_double());
    case Op::GT: return Value::boolean(ints ? a.as_int() > b.as_int() : a.to_double() > b.to_double());
    case Op::GE: return Value::boolean(ints ? a.as_int() >= b.as_int() : a.to_double() >= b.to_double());
    case Op::ADD:
      if (!ints) return Value::number(a.to_double() + b.to_double());
      if (!fits(a.as_int() + b.as_int())) return std::nullopt;
      return Value::integer(a.as_int() + b.as_int());
    case Op::SUB:
      if (ints && !fits(a.as_int() - b.as_int())) return std::nullopt;
      return arith_sub(a, b);
    case Op::MUL: {
      int64_t r;
      if (ints && (__builtin_mul_overflow(a.as_int(), b.as_int(), &r) || !fits(r))) return std::nullopt;
      return arith_mul(a, b);
    }
    case Op::DIV:
    case Op::MOD:
      if (b.to_double() == 0) return std::nullopt;  // division by zero
      return op == Op::DIV ? arith_div(a, b) : arith_mod(a, b);
    default: return std::nullopt;
  }
}

class Folder {
 public:
  explicit Folder(ir::Module& m) : m_(m) {
    predeclared_.insert(m.predeclared.begin(), m.predeclared.end());
  }

  uint64_t run() {
    // The top level form by form: a global's constant holds from the form after its `var`.
    Expr* main = m_.main->body;
    for (top_form_ = 0; top_form_ < main->kids.size(); ++top_form_) {
      Expr* form = main->kids[top_form_] = fold(main->kids[top_form_]);
      // Only a `var` that is a whole top-level form surely ran before the next form.
      if (form->kind == Kind::DefGlobal && is_const(form->kids[0]) && stable_global(form->name))
        globals_[form->name] = {form->kids[0]->value, top_form_};
    }
    return folded_;
  }

 private:
  ir::Module& m_;
  uint64_t folded_ = 0;
  size_t top_form_ = 0;
  int function_depth_ = 0;
  std::unordered_set<uint32_t> predeclared_;
  std::unordered_map<uint32_t, std::pair<Value, size_t>> globals_;  // name → value, form that defined it

  Expr* constant(Expr* e, Value v) {
    ++folded_;
    e->kind = Kind::Const;
    e->value = v;
    e->kids.clear();
    e->var = nullptr;
    return e;
  }

  bool stable_global(uint32_t name) const {
    auto it = m_.globals.find(name);
    return it != m_.globals.end() && it->second.definitions == 1 && it->second.assignments == 0 &&
           !predeclared_.count(name);
  }

  Expr* fold(Expr* e) {
    if (e->kind == Kind::Fn) {
      ++function_depth_;
      e->fn->body = fold(e->fn->body);
      --function_depth_;
      return e;
    }
    for (Expr*& k : e->kids) k = fold(k);
    switch (e->kind) {
      case Kind::Local:
        if (e->var->constant) return constant(e, *e->var->constant);
        return e;
      case Kind::Global: {
        auto it = globals_.find(e->name);
        if (function_depth_ == 0 && it != globals_.end() && it->second.second < top_form_)
          return constant(e, it->second.first);
        return e;
      }
      case Kind::Var: {
        ir::Variable* v = e->var;
        if (is_const(e->kids[0]) && v->assignments == 0 && !v->loop_variable && !v->parameter && !v->conditional)
          v->constant = e->kids[0]->value;
        return e;
      }
      case Kind::Binary: {
        // Folded left: the constants at the front of a chain fold into one.
        size_t i = 1;
        std::optional<Value> acc;
        if (is_const(e->kids[0])) acc = e->kids[0]->value;
        for (; acc && i < e->kids.size() && is_const(e->kids[i]); ++i) {
          auto v = fold_binary(e->op, *acc, e->kids[i]->value);
          if (!v) break;
          acc = v;
          ++folded_;
        }
        if (i == 1) return e;
        if (i == e->kids.size()) {
          --folded_;  // counted once more by constant()
          return constant(e, *acc);
        }
        e->kids[0]->value = *acc;
        e->kids.erase(e->kids.begin() + 1, e->kids.begin() + long(i));
        return e;
      }
      case Kind::Neg: {
        if (!is_const(e->kids[0])) return e;
        Value a = e->kids[0]->value;
        if (a.is_float()) return constant(e, Value::number(-a.as_float()));
        if (a.is_int() && fits(-a.as_int())) return constant(e, Value::integer(-a.as_int()));
        return e;
      }
      case Kind::Not:
        if (is_const(e->kids[0])) return constant(e, Value::boolean(!e->kids[0]->value.truthy()));
        return e;
      case Kind::And:
      case Kind::Or: {
        // The left operand decides: a constant one leaves only the operand that is the value.
        if (!is_const(e->kids[0]) || !e->params.empty()) return e;  // keep the variables it declares
        bool left = e->kids[0]->value.truthy() == (e->kind == Kind::Or);
        ++folded_;
        return left ? e->kids[0] : e->kids[1];
      }
      default: return e;
    }
  }
};

}  // namespace

uint64_t fold_constants(ir::Module& module) { return Folder(module).run(); }

}  // namespace gene
