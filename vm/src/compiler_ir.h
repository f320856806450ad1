// The compiler's intermediate form: the syntax tree with every special form
// recognized, every name resolved to a variable or a global, every capture
// and every tail position marked. The analysis pass makes it in one walk;
// folding, dead-code elimination and inlining rewrite it; the emitter turns
// it into bytecode. Nodes live in the Module's arenas and point at each
// other, so a pass replaces a subtree by returning another node.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gene/ast.h"
#include "opcodes.h"
#include "value.h"

namespace gene::ir {

struct Function;

// A local variable of one function: a parameter, a `var`, a local `fn`, a
// `for` variable, or an ignored `_` parameter (hidden).
struct Variable {
  uint32_t name = 0;            // symbol id
  bool hidden = false;          // an ignored parameter: no name
  Function* owner = nullptr;
  bool parameter = false;
  bool loop_variable = false;   // set by `for` on every iteration
  bool captured = false;        // used by an inner function: lives in a box
  bool conditional = false;     // declared in the right operand of && or || (see Kind::And)
  uint32_t assignments = 0;     // writes after its declaration (`=`, `+=`, a second `var`, a second `fn`)
  std::optional<Value> constant;  // folding: never reassigned and initialised with this constant
  uint32_t slot = 0;            // the emitter's, while the variable is in scope
};

enum class Kind : uint8_t {
  Const,      // value: nil, a boolean, a number or a symbol
  String,     // text: a string constant
  Quote,      // node: quoted syntax, made into a fresh value each time
  Local,      // var
  Global,     // name
  Assign,     // var (nullptr: global name); kids[0] value; check_global: raise first unless declared
  Var,        // var: declared here; kids[0] its initial value
  VarFn,      // var: a local `fn` declared here, visible in its own body; kids[0] the Fn
  DefGlobal,  // name: a top-level `var` or `fn`; kids[0] the value
  Fn,         // fn: makes a closure
  Call,       // kids[0] callee, kids[1..] arguments (Spread allowed); tail
  Spread,     // kids[0]: an array spread into an Array, Data or Call
  Binary,     // op: ADD SUB MUL DIV MOD LT LE GT GE EQ NE; kids[0] op kids[1] op ... folded left
              // (a chain like `(+ a b c ...)` stays one node, however long)
  Neg,        // kids[0]
  Not,        // kids[0]
  And,        // kids[0], kids[1]: the deciding operand; params: variables a `var` in kids[1]
              // declares in the enclosing block, which exist (nil) even when kids[1] does not run
  Or,         // kids[0], kids[1]
  If,         // kids: cond, body, cond, body, ... [else body]; negate per condition; has_else
  While,      // kids[0] condition, kids[1] body
  Loop,       // kids[0] body
  For,        // var: the loop variable; kids[0] collection, kids[1] body
  Break,      // loop: the loop it leaves; kids[0] the loop's value
  Continue,   // loop
  Return,     // kids[0]
  Block,      // kids: in order; the value of the last (nil when empty); a scope
  Assert,     // kids[0] condition, kids[1] message (optional)
  Error,      // text: a runtime error raised here
  Array,      // kids: elements (Spread allowed)
  Map,        // kids: values; keys[i] names kids[i]
  Data,       // name: the head symbol; kids: children (Spread allowed)
  Path,       // kids[0], then each of segments in turn (one node, however many segments)
  SetPath,    // kids[0] container, kids[1] value; the last segment in segments[0];
              // op: ADD... for `+=` etc., NIL for `=`
  Inline,     // an inlined call: name the global; inline_index; kids[0..n) arguments, kids[n] the body;
              // params receive the arguments; tail
};

// `/0` or `/name` of a path.
struct PathSegment {
  bool is_key;
  int64_t index;  // when !is_key
  uint32_t name;  // when is_key
};

struct Expr {
  Kind kind;
  SourcePos pos;
  Op op = Op::NIL;
  bool tail = false;          // Call, Inline: in a tail position of a function
  bool has_else = false;      // If
  bool check_global = false;  // Assign
  Value value;                // Const
  uint32_t name = 0;          // symbol id
  uint32_t inline_index = 0;  // Inline: in Program::inline_sources
  std::string text;           // String, Error
  const Node* node = nullptr;  // Quote
  Variable* var = nullptr;
  Function* fn = nullptr;
  Expr* loop = nullptr;       // Break, Continue
  std::vector<Expr*> kids;
  std::vector<bool> negate;   // If: per condition, `if not`
  std::vector<uint32_t> keys;  // Map
  std::vector<PathSegment> segments;  // Path, SetPath
  std::vector<Variable*> params;  // Inline, And, Or

  Expr(Kind k, SourcePos p) : kind(k), pos(p) {}
};

struct Function {
  std::string name;            // "" when anonymous, "<main>" for the top level
  const Node* source = nullptr;  // the fn form (identifies it to inline guards)
  Function* parent = nullptr;
  bool is_main = false;
  std::vector<Variable*> params;  // in order; arity = params.size()
  Expr* body = nullptr;        // a Block
};

// What the analysis learned about a global name.
struct GlobalInfo {
  uint32_t definitions = 0;    // top-level `var` and `fn` forms
  uint32_t assignments = 0;    // `=`, `+=`, ... that resolve to it
};

struct Module {
  Function* main = nullptr;
  std::vector<Function*> functions;  // main first, then in source order
  std::vector<uint32_t> predeclared;  // host parameters, in order
  // Every place that binds or assigns each name, anywhere in the program
  // (var, fn, parameters, for, assignment targets): a name bound once is
  // known to be that binding wherever it is not shadowed.
  std::unordered_map<uint32_t, uint32_t> bindings;
  std::unordered_map<uint32_t, GlobalInfo> globals;
  std::vector<const Node*> inline_sources;  // fn forms behind inline guards (the inliner's)

  Expr* make(Kind k, SourcePos p) { return &exprs_.emplace_back(k, p); }
  Variable* make_variable() { return &variables_.emplace_back(); }
  Function* make_function() { return functions.emplace_back(&functions_.emplace_back()); }
  uint32_t binding_count(uint32_t name) const {
    auto it = bindings.find(name);
    return it == bindings.end() ? 0 : it->second;
  }

 private:
  std::deque<Expr> exprs_;
  std::deque<Variable> variables_;
  std::deque<Function> functions_;
};

inline bool is_const(const Expr* e) { return e->kind == Kind::Const; }

}  // namespace gene::ir
