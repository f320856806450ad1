// The analysis pass, part one: names and expressions (special forms are in
// compiler_forms.cc). Scoping follows the language reference: every
// function body, branch, loop body and `do` is a block; a name resolves
// from the innermost block outward, through enclosing functions (a
// capture), then to the top level's globals, then to builtins (also
// globals, bound by the VM).
#include "compiler_analysis.h"

#include "compile_error.h"
#include "compiler_passes.h"

namespace gene {

using ir::Expr;
using ir::Kind;
using NodeKind = Node::Kind;

bool is_infix_operator(const std::string& s) {
  static const char* const ops[] = {"+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||"};
  for (const char* op : ops)
    if (s == op) return true;
  return false;
}

bool is_assignment_operator(const std::string& s) {
  return s == "=" || s == "+=" || s == "-=" || s == "*=" || s == "/=" || s == "%=";
}

Op operator_op(const std::string& s) {
  std::string op = s.size() == 2 && s[1] == '=' && s[0] != '<' && s[0] != '>' && s[0] != '=' && s[0] != '!'
                       ? s.substr(0, 1)  // `+=` → `+`
                       : s;
  if (op == "+") return Op::ADD;
  if (op == "-") return Op::SUB;
  if (op == "*") return Op::MUL;
  if (op == "/") return Op::DIV;
  if (op == "%") return Op::MOD;
  if (op == "<") return Op::LT;
  if (op == "<=") return Op::LE;
  if (op == ">") return Op::GT;
  if (op == ">=") return Op::GE;
  if (op == "==") return Op::EQ;
  if (op == "!=") return Op::NE;
  return Op::NIL;
}

std::unique_ptr<ir::Module> analyze_program(const std::vector<NodePtr>& forms, SymbolTable& symbols,
                                            const std::vector<std::string>& predeclared) {
  auto module = std::make_unique<ir::Module>();
  for (auto& name : predeclared) module->predeclared.push_back(symbols.intern(name));
  Analyzer(*module, symbols).program(forms);
  return module;
}

void Analyzer::program(const std::vector<NodePtr>& forms) {
  ir::Function* main = m_.make_function();
  main->name = "<main>";
  main->is_main = true;
  m_.main = main;
  FunctionScope top{main, nullptr, {}, {}, {}, {}};
  fs_ = &top;
  main->body = sequence(forms, 0, forms.size(), false, forms.empty() ? SourcePos{} : forms.front()->pos);
  fs_ = nullptr;
}

void Analyzer::fail(SourcePos pos, const std::string& message) {
  throw CompileError{pos, "syntax error: " + message};
}

// ---- names ------------------------------------------------------------------

ir::Variable* Analyzer::find_local(const FunctionScope* f, uint32_t name) {
  auto it = f->visible.find(name);
  return it == f->visible.end() || it->second.empty() ? nullptr : it->second.back().first;
}

ir::Variable* Analyzer::visible_local(uint32_t name) const {
  for (const FunctionScope* f = fs_; f; f = f->parent)
    if (ir::Variable* v = find_local(f, name)) return v;
  return nullptr;
}

ir::Variable* Analyzer::resolve(uint32_t name) {
  ir::Variable* v = visible_local(name);
  if (v && v->owner != fs_->fn) v->captured = true;
  return v;
}

ir::Variable* Analyzer::find_in_current_scope(uint32_t name) const {
  auto it = fs_->visible.find(name);
  if (fs_->scopes.empty() || it == fs_->visible.end() || it->second.empty()) return nullptr;
  auto [v, scope] = it->second.back();
  return scope + 1 == fs_->scopes.size() ? v : nullptr;
}

void Analyzer::close_scope() {
  for (ir::Variable* v : fs_->scopes.back())
    if (!v->hidden) fs_->visible[v->name].pop_back();
  fs_->scopes.pop_back();
}

ir::Variable* Analyzer::declare(uint32_t name, bool hidden) {
  ir::Variable* v = m_.make_variable();
  v->name = name;
  v->hidden = hidden;
  v->owner = fs_->fn;
  fs_->scopes.back().push_back(v);
  if (!hidden) fs_->visible[name].emplace_back(v, fs_->scopes.size() - 1);
  // A `var` in the right operand of && or || may not run, yet its name is
  // visible after the operator: the variable must exist either way.
  for (auto& [op, scopes] : fs_->conditionals)
    if (fs_->scopes.size() <= scopes) {
      op->params.push_back(v);
      v->conditional = true;
      break;
    }
  return v;
}

void Analyzer::count_binding(const Node* name) {
  if (name->kind == NodeKind::Symbol) ++m_.bindings[intern(name->text)];
}

// `(name ...)` means the special form unless a visible local takes the name.
bool Analyzer::is_form(const Node* head, const char* name) const {
  return head->is_symbol(name) && !visible_local(symbols_.intern(name));
}

// ---- expressions --------------------------------------------------------------

Expr* Analyzer::constant(Value v, SourcePos p) {
  Expr* e = make(Kind::Const, p);
  e->value = v;
  return e;
}

Expr* Analyzer::error(const std::string& message, SourcePos p) {
  Expr* e = make(Kind::Error, p);
  e->text = message;
  return e;
}

Expr* Analyzer::expr(const Node* n, bool tail) {
  switch (n->kind) {
    case NodeKind::Nil:
    case NodeKind::Placeholder: return constant(Value::nil(), n->pos);
    case NodeKind::True: return constant(Value::boolean(true), n->pos);
    case NodeKind::False: return constant(Value::boolean(false), n->pos);
    case NodeKind::Int: return constant(Value::integer(n->int_value), n->pos);
    case NodeKind::Float: return constant(Value::number(n->float_value), n->pos);
    case NodeKind::QuotedSymbol: return constant(Value::symbol(intern(n->text)), n->pos);
    case NodeKind::String: {
      Expr* e = make(Kind::String, n->pos);
      e->text = n->text;
      return e;
    }
    case NodeKind::Symbol: return load(n->text, n->pos);
    case NodeKind::Path: return path_get(n, n->items.size(), n->pos);
    case NodeKind::Spread: return error("type error: a spread belongs in an array or a call", n->pos);
    case NodeKind::Array: {
      Expr* e = make(Kind::Array, n->pos);
      elements(e, n->items, 0);
      return e;
    }
    case NodeKind::Map: {
      Expr* e = make(Kind::Map, n->pos);
      for (size_t i = 0; i < n->items.size(); ++i) {
        e->keys.push_back(intern(n->keys[i]));
        e->kids.push_back(expr(n->items[i].get(), false));
      }
      return e;
    }
    case NodeKind::Quote: {
      Expr* e = make(Kind::Quote, n->pos);
      e->node = n->items[0].get();
      return e;
    }
    case NodeKind::Gene: return gene(n, tail);
  }
  return constant(Value::nil(), n->pos);
}

Expr* Analyzer::load(const std::string& text, SourcePos p) {
  uint32_t name = intern(text);
  if (ir::Variable* v = resolve(name)) {
    Expr* e = make(Kind::Local, p);
    e->var = v;
    return e;
  }
  Expr* e = make(Kind::Global, p);
  e->name = name;
  return e;
}

// items[from..to) in order, in the current scope; the last one is in a
// tail position when the sequence is.
Expr* Analyzer::sequence(const std::vector<NodePtr>& items, size_t from, size_t to, bool tail, SourcePos p) {
  Expr* e = make(Kind::Block, p);
  for (size_t i = from; i < to; ++i) e->kids.push_back(expr(items[i].get(), tail && i + 1 == to));
  return e;
}

Expr* Analyzer::block(const std::vector<NodePtr>& items, size_t from, size_t to, bool tail, SourcePos p) {
  open_scope();
  Expr* e = sequence(items, from, to, tail, p);
  close_scope();
  return e;
}

// Array elements, call arguments and data children: `xs...` spreads.
void Analyzer::elements(Expr* into, const std::vector<NodePtr>& items, size_t from) {
  for (size_t i = from; i < items.size(); ++i) {
    const Node* item = items[i].get();
    if (item->kind == NodeKind::Spread) {
      Expr* s = make(Kind::Spread, item->pos);
      s->kids.push_back(expr(item->items[0].get(), false));
      into->kids.push_back(s);
    } else {
      into->kids.push_back(expr(item, false));
    }
  }
}

ir::PathSegment Analyzer::path_segment(const Node* seg) {
  if (seg->kind == NodeKind::Int) return {false, seg->int_value, 0};
  return {true, 0, intern(seg->text)};
}

// `name/seg/...` with the first `count` segments.
Expr* Analyzer::path_get(const Node* n, size_t count, SourcePos p) {
  Expr* base = load(n->text, p);
  if (count == 0) return base;
  Expr* e = make(Kind::Path, p);
  e->kids.push_back(base);
  for (size_t i = 0; i < count; ++i) e->segments.push_back(path_segment(n->items[i].get()));
  return e;
}

Expr* Analyzer::gene(const Node* n, bool tail) {
  const auto& items = n->items;
  const Node* head = items[0].get();
  if (items.size() == 3 && items[1]->kind == NodeKind::Symbol) {
    const std::string& op = items[1]->text;
    if (is_assignment_operator(op)) return assignment(op, items[0].get(), items[2].get(), n->pos);
    if (is_infix_operator(op)) return binary(op, items[0].get(), items[2].get(), tail, n->pos);
  }
  if (head->kind == NodeKind::QuotedSymbol || head->kind == NodeKind::Placeholder) {
    Expr* e = make(Kind::Data, n->pos);
    e->name = intern(head->kind == NodeKind::Placeholder ? "_" : head->text);
    elements(e, items, 1);
    return e;
  }
  if (head->kind == NodeKind::Symbol && !visible_local(intern(head->text))) {
    const std::string& h = head->text;
    if (h == "var") return var_form(n);
    if (h == "fn") return fn_form(n);
    if (h == "if") return if_form(n, tail);
    if (h == "do") return block(items, 1, items.size(), tail, n->pos);
    if (h == "while") return while_form(n);
    if (h == "loop") return loop_form(n);
    if (h == "for") return for_form(n);
    if (h == "break") return break_form(n);
    if (h == "continue") return continue_form(n);
    if (h == "return") return return_form(n);
    if (h == "assert") return assert_form(n);
    if (h == "not") {
      if (items.size() != 2) return error("wrong number of arguments: not takes 1", n->pos);
      Expr* e = make(Kind::Not, n->pos);
      e->kids.push_back(expr(items[1].get(), false));
      return e;
    }
    if (is_infix_operator(h)) return prefix_operator(n, tail);
  }
  return call(n, tail);
}

Expr* Analyzer::call(const Node* n, bool tail) {
  Expr* e = make(Kind::Call, n->pos);
  e->kids.push_back(expr(n->items[0].get(), false));
  elements(e, n->items, 1);
  e->tail = tail && !fs_->fn->is_main;
  return e;
}

Expr* Analyzer::binary(const std::string& op, const Node* a, const Node* b, bool tail, SourcePos p) {
  Expr* e;
  if (op == "&&" || op == "||") {
    e = make(op == "&&" ? Kind::And : Kind::Or, p);
    e->kids.push_back(expr(a, false));
    fs_->conditionals.emplace_back(e, fs_->scopes.size());
    e->kids.push_back(expr(b, tail));
    fs_->conditionals.pop_back();
    return e;
  }
  e = make(Kind::Binary, p);
  e->op = operator_op(op);
  e->kids.push_back(expr(a, false));
  e->kids.push_back(expr(b, false));
  return e;
}

// `(+ a b c)` folds left; `(- x)` negates, `(/ x)` is 1/x; the comparison
// and logic operators take exactly two operands.
Expr* Analyzer::prefix_operator(const Node* n, bool tail) {
  const auto& items = n->items;
  const std::string& op = items[0]->text;
  size_t argc = items.size() - 1;
  for (size_t i = 1; i < items.size(); ++i)
    if (items[i]->kind == NodeKind::Spread) return call(n, tail);  // the builtin handles spreads
  auto chain = [&] {
    Expr* e = make(Kind::Binary, n->pos);
    e->op = operator_op(op);
    for (size_t i = 1; i < items.size(); ++i) e->kids.push_back(expr(items[i].get(), false));
    return e;
  };
  if (op == "+" || op == "*") {
    if (argc == 0) return constant(Value::integer(op == "+" ? 0 : 1), n->pos);
    return chain();
  }
  if (op == "-" || op == "/") {
    if (argc == 0) return error("wrong number of arguments: " + op + " takes at least 1", n->pos);
    if (argc > 1) return chain();
    Expr* e;
    if (op == "-") {
      e = make(Kind::Neg, n->pos);
    } else {
      e = make(Kind::Binary, n->pos);
      e->op = Op::DIV;
      e->kids.push_back(constant(Value::integer(1), n->pos));
    }
    e->kids.push_back(expr(items[1].get(), false));
    return e;
  }
  if (argc != 2) return error("wrong number of arguments: " + op + " takes 2", n->pos);
  return binary(op, items[1].get(), items[2].get(), tail, n->pos);
}

// `(x = v)`, `(x += v)` ... on a name or a path. `(x op= v)` is
// `(x = (x op v))` with a path's container evaluated once.
Expr* Analyzer::assignment(const std::string& op, const Node* target, const Node* value, SourcePos p) {
  bool compound = op != "=";
  if (target->kind == NodeKind::Symbol) {
    uint32_t name = intern(target->text);
    count_binding(target);
    Expr* e = make(Kind::Assign, p);
    if (compound) {
      Expr* operation = make(Kind::Binary, p);
      operation->op = operator_op(op);
      operation->kids.push_back(load(target->text, p));
      operation->kids.push_back(expr(value, false));
      e->kids.push_back(operation);
    } else {
      e->kids.push_back(expr(value, false));
    }
    e->var = resolve(name);
    e->name = name;
    // `x += v` on an undeclared x is an assignment error, not a read error.
    e->check_global = compound && !e->var;
    if (e->var) ++e->var->assignments;
    else ++m_.globals[name].assignments;
    return e;
  }
  if (target->kind == NodeKind::Path) {
    Expr* container = path_get(target, target->items.size() - 1, p);
    Expr* e = make(Kind::SetPath, p);
    e->segments.push_back(path_segment(target->items.back().get()));
    e->op = compound ? operator_op(op) : Op::NIL;
    e->kids.push_back(container);
    e->kids.push_back(expr(value, false));
    return e;
  }
  fail(target->pos, "cannot assign to this expression");
}

}  // namespace gene
