// The analysis pass, part two: the special forms. Each is checked for its
// shape (a malformed one is a syntax error before anything runs) and turned
// into its IR node, its parts analyzed in evaluation order so that names
// resolve as the program will meet them.
#include "compiler_analysis.h"

namespace gene {

using ir::Expr;
using ir::Kind;
using NodeKind = Node::Kind;

Expr* Analyzer::var_form(const Node* n) {
  const auto& items = n->items;
  if (items.size() < 2 || items.size() > 3 || items[1]->kind != NodeKind::Symbol)
    fail(n->pos, "var takes a name and an optional value");
  count_binding(items[1].get());
  Expr* init = items.size() == 3 ? expr(items[2].get(), false) : constant(Value::nil(), n->pos);
  uint32_t name = intern(items[1]->text);
  Expr* e;
  if (at_global_scope()) {
    e = make(Kind::DefGlobal, n->pos);
    e->name = name;
    ++m_.globals[name].definitions;
  } else if (ir::Variable* existing = find_in_current_scope(name)) {  // a second var assigns it
    e = make(Kind::Assign, n->pos);
    e->var = existing;
    e->name = name;
    ++existing->assignments;
  } else {
    e = make(Kind::Var, n->pos);
    e->var = declare(name);
  }
  e->kids.push_back(init);
  return e;
}

Expr* Analyzer::fn_form(const Node* n) {
  const auto& items = n->items;
  size_t i = 1;
  const Node* name_node = nullptr;
  if (i < items.size() && items[i]->kind == NodeKind::Symbol) name_node = items[i++].get();
  if (i >= items.size() || (items[i]->kind != NodeKind::Array && items[i]->kind != NodeKind::Symbol &&
                            items[i]->kind != NodeKind::Placeholder))
    fail(n->pos, "fn needs a parameter list: [], [a b], a bare name or _");
  const Node* params = items[i++].get();
  size_t body_from = i;
  if (items.size() - body_from >= 2 && items[body_from]->kind == NodeKind::String) ++body_from;  // docstring

  auto closure = [&](ir::Function* f) {
    Expr* e = make(Kind::Fn, n->pos);
    e->fn = f;
    return e;
  };
  if (!name_node) return closure(function(n, "", params, body_from));
  count_binding(name_node);
  uint32_t name = intern(name_node->text);
  Expr* e;
  if (at_global_scope()) {
    ++m_.globals[name].definitions;
    e = make(Kind::DefGlobal, n->pos);
    e->name = name;
  } else if (ir::Variable* existing = find_in_current_scope(name)) {
    ++existing->assignments;
    e = make(Kind::Assign, n->pos);
    e->var = existing;
    e->name = name;
  } else {
    // Declared before its body is analyzed: the function may call itself.
    e = make(Kind::VarFn, n->pos);
    e->var = declare(name);
  }
  e->kids.push_back(closure(function(n, name_node->text, params, body_from)));
  return e;
}

ir::Function* Analyzer::function(const Node* n, const std::string& name, const Node* params, size_t body_from) {
  ir::Function* f = m_.make_function();
  f->name = name;
  f->source = n;
  f->parent = fs_->fn;
  FunctionScope inner{f, fs_, {}, {}, {}, {}};
  FunctionScope* saved = fs_;
  fs_ = &inner;
  open_scope();
  std::vector<const Node*> param_nodes;
  if (params->kind == NodeKind::Symbol) param_nodes.push_back(params);  // a bare `_` is no parameter at all
  else if (params->kind == NodeKind::Array)
    for (auto& item : params->items) param_nodes.push_back(item.get());
  for (const Node* pn : param_nodes) {
    ir::Variable* v;
    if (pn->kind == NodeKind::Symbol) {
      count_binding(pn);
      v = declare(intern(pn->text));
    } else if (pn->kind == NodeKind::Placeholder) {
      v = declare(0, true);
    } else {
      fail(pn->pos, "a parameter must be a name or _");
    }
    v->parameter = true;
    f->params.push_back(v);
  }
  f->body = sequence(n->items, body_from, n->items.size(), true, n->pos);
  fs_ = saved;
  return f;
}

// The three shapes of `if`: with no keyword, one expression after the
// condition is the then-branch, exactly two are then and else, three or
// more are all the then-branch; with then/elif/else keywords, the general
// form. `not` after `if` or `elif` negates the condition.
Expr* Analyzer::if_form(const Node* n, bool tail) {
  const auto& items = n->items;
  auto is_kw = [](const Node* x, const char* kw) { return x->is_symbol(kw); };
  bool keywords = false;
  for (size_t i = 2; i < items.size(); ++i)
    keywords |= is_kw(items[i].get(), "then") || is_kw(items[i].get(), "elif") || is_kw(items[i].get(), "else");

  Expr* e = make(Kind::If, n->pos);
  size_t i = 1;
  auto condition = [&] {
    bool negate = false;
    if (i + 1 < items.size() && is_kw(items[i].get(), "not")) {
      negate = true;
      ++i;
    }
    if (i >= items.size()) fail(n->pos, "if needs a condition");
    e->kids.push_back(expr(items[i++].get(), false));
    e->negate.push_back(negate);
  };
  auto branch = [&](size_t from, size_t to) { e->kids.push_back(block(items, from, to, tail, n->pos)); };
  auto branch_end = [&](size_t from) {
    while (from < items.size() && !is_kw(items[from].get(), "elif") && !is_kw(items[from].get(), "else")) ++from;
    return from;
  };

  condition();
  if (!keywords) {
    if (items.size() - i == 2) {
      branch(i, i + 1);
      branch(i + 1, i + 2);
      e->has_else = true;
    } else {
      branch(i, items.size());
    }
    return e;
  }
  if (i < items.size() && is_kw(items[i].get(), "then")) ++i;
  size_t end = branch_end(i);
  branch(i, end);
  i = end;
  while (i < items.size()) {
    if (is_kw(items[i].get(), "elif")) {
      ++i;
      condition();
      if (i < items.size() && is_kw(items[i].get(), "then")) ++i;
      end = branch_end(i);
      branch(i, end);
      i = end;
    } else {  // else: the rest
      branch(i + 1, items.size());
      e->has_else = true;
      i = items.size();
    }
  }
  return e;
}

// A loop body: its own block, with the loop known to break and continue.
Expr* Analyzer::loop_body(Expr* loop, const std::vector<NodePtr>& items, size_t from) {
  fs_->loops.push_back(loop);
  Expr* body = block(items, from, items.size(), false, loop->pos);
  fs_->loops.pop_back();
  return body;
}

Expr* Analyzer::while_form(const Node* n) {
  if (n->items.size() < 2) fail(n->pos, "while needs a condition");
  Expr* e = make(Kind::While, n->pos);
  fs_->loops.push_back(e);  // a break in the condition leaves this loop
  e->kids.push_back(expr(n->items[1].get(), false));
  fs_->loops.pop_back();
  e->kids.push_back(loop_body(e, n->items, 2));
  return e;
}

Expr* Analyzer::loop_form(const Node* n) {
  Expr* e = make(Kind::Loop, n->pos);
  e->kids.push_back(loop_body(e, n->items, 1));
  return e;
}

Expr* Analyzer::for_form(const Node* n) {
  const auto& items = n->items;
  if (items.size() < 4 || items[1]->kind != NodeKind::Symbol || !items[2]->is_symbol("in"))
    fail(n->pos, "for takes the form (for x in collection body...)");
  Expr* e = make(Kind::For, n->pos);
  open_scope();  // the loop's own: a var in the collection expression lives here
  e->kids.push_back(expr(items[3].get(), false));
  fs_->loops.push_back(e);
  open_scope();  // each iteration: the variable and the body
  count_binding(items[1].get());
  e->var = declare(intern(items[1]->text));
  e->var->loop_variable = true;
  e->kids.push_back(sequence(items, 4, items.size(), false, n->pos));
  close_scope();
  fs_->loops.pop_back();
  close_scope();
  return e;
}

Expr* Analyzer::break_form(const Node* n) {
  if (fs_->loops.empty()) return error("break outside a loop", n->pos);
  Expr* e = make(Kind::Break, n->pos);
  e->loop = fs_->loops.back();
  e->kids.push_back(n->items.size() > 1 ? expr(n->items[1].get(), false) : constant(Value::nil(), n->pos));
  return e;
}

Expr* Analyzer::continue_form(const Node* n) {
  if (fs_->loops.empty()) return error("continue outside a loop", n->pos);
  Expr* e = make(Kind::Continue, n->pos);
  e->loop = fs_->loops.back();
  return e;
}

Expr* Analyzer::return_form(const Node* n) {
  if (fs_->fn->is_main) return error("return outside a function", n->pos);
  Expr* e = make(Kind::Return, n->pos);
  e->kids.push_back(n->items.size() > 1 ? expr(n->items[1].get(), true) : constant(Value::nil(), n->pos));
  return e;
}

Expr* Analyzer::assert_form(const Node* n) {
  const auto& items = n->items;
  if (items.size() < 2 || items.size() > 3) fail(n->pos, "assert takes a condition and an optional message");
  Expr* e = make(Kind::Assert, n->pos);
  for (size_t i = 1; i < items.size(); ++i) e->kids.push_back(expr(items[i].get(), false));
  return e;
}

}  // namespace gene
