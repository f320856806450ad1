// The compiler walks the syntax tree once per pass and emits stack code.
//
// Captured variables live in boxes so closures share them, and a fresh box
// is made each time a declaration runs (so each loop iteration gets its own
// variable). Whether a declaration is captured is only known once the
// closures after it are compiled, so compilation runs a second time when
// the first pass discovered captures: the passes see the same tree, and the
// second one boxes exactly the declarations the first found captured.
#include "compiler.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "builtins.h"
#include "bytecode_verifier.h"
#include "compile_error.h"
#include "display.h"
#include "interpreter.h"

namespace gene {
namespace {

using Kind = Node::Kind;
constexpr uint32_t kHidden = UINT32_MAX;  // name of an internal slot

bool is_infix_operator(const std::string& s) {
  static const char* ops[] = {"+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||"};
  for (const char* op : ops)
    if (s == op) return true;
  return false;
}

bool is_assignment_operator(const std::string& s) { return s == "=" || s == "+=" || s == "-="; }

struct Local {
  uint32_t name;
  uint32_t slot;
  bool boxed;
  int depth;
  const Node* decl;  // the name node that declared it; nullptr for hidden slots
};

struct Loop {
  int stack_depth;       // operand depth when the loop starts
  size_t continue_target;
  std::vector<size_t> breaks;
};

struct FunctionState {
  FunctionState* parent = nullptr;
  Proto* proto = nullptr;
  bool is_main = false;
  std::vector<Local> locals;
  int scope_depth = 0;
  uint32_t next_slot = 0;
  int stack_depth = 0;
  std::vector<Loop> loops;
  size_t last_target = SIZE_MAX;  // code position of the latest jump target
  size_t last_op = SIZE_MAX;      // code position of the latest instruction
  std::unordered_map<uint64_t, uint32_t> upvalue_index;  // (from_local, index) → upvalue
  std::vector<uint32_t> upvalue_names;
};

class Compiler {
 public:
  Compiler(Program& program, Heap& heap, SymbolTable& symbols, const OptimizerOptions& optimizer,
           std::unordered_set<const Node*>& captured)
      : program_(program), heap_(heap), symbols_(symbols), opt_(optimizer), captured_(captured) {}

  bool discovered_captures() const { return discovered_; }

  void predeclare(const std::vector<std::string>& names) {
    for (auto& n : names) {
      global_index(symbols_.intern(n));
      predeclared_.insert(n);
    }
  }

  void compile_main(const std::vector<NodePtr>& forms) {
    scan_bindings(forms);
    auto proto = std::make_unique<Proto>();
    proto->name = "<main>";
    proto->id = 0;
    FunctionState fs;
    fs.proto = proto.get();
    fs.is_main = true;
    program_.protos.push_back(std::move(proto));
    fs_ = &fs;
    if (!forms.empty()) pos_ = forms.front()->pos;
    body(forms, 0, false);
    emit(Op::RETURN, 0, 0);
    fs_ = nullptr;
  }

 private:
  Program& program_;
  Heap& heap_;
  SymbolTable& symbols_;
  const OptimizerOptions& opt_;
  std::unordered_set<const Node*>& captured_;
  bool discovered_ = false;
  FunctionState* fs_ = nullptr;
  SourcePos pos_;
  std::unordered_map<uint32_t, uint32_t> globals_;  // symbol → global index
  bool range_redefined_ = false;

  // ---- emission -------------------------------------------------------

  std::vector<uint32_t>& code() { return fs_->proto->code; }

  void adjust(int effect) {
    fs_->stack_depth += effect;
    if (fs_->stack_depth > int(fs_->proto->max_stack)) fs_->proto->max_stack = uint32_t(fs_->stack_depth);
  }

  size_t emit(Op op, int32_t a, int effect) {
    if (a > kMaxOperand || a < -kMaxOperand - 1) fail(pos_, "program too large: operand out of range");
    // Two local reads in a row (operands of most binary operations) become one.
    size_t last = fs_->last_op;
    if (op == Op::GET_LOCAL && opt_.superinstructions && a < 4096 && last != SIZE_MAX &&
        last + 1 == code().size() && fs_->last_target != code().size() &&
        decode_op(code()[last]) == Op::GET_LOCAL && decode_a(code()[last]) < 4096) {
      code()[last] = encode(Op::GET_LOCAL2, int32_t(decode_a(code()[last]) | (uint32_t(a) << 12)));
      adjust(effect);
      return last;
    }
    size_t pc = code().size();
    code().push_back(encode(op, a));
    fs_->proto->positions.push_back(pos_);
    fs_->last_op = pc;
    adjust(effect);
    return pc;
  }

  void emit_word(uint32_t w) {
    code().push_back(w);
    fs_->proto->positions.push_back(pos_);
  }

  size_t label() {
    fs_->last_target = code().size();
    return code().size();
  }

  // Points the jump at `pc` to the current end of code.
  void patch(size_t pc) {
    size_t target = label();
    Op op = decode_op(code()[pc]);
    int extra = kOpInfo[int(op)].extra_words;
    auto offset = int32_t(target - (pc + 1 + extra));
    if (extra) {
      code()[pc + 1] = uint32_t(offset);
    } else {
      if (offset > kMaxOperand) fail(pos_, "program too large: jump out of range");
      code()[pc] = encode(op, offset);
    }
  }

  void emit_loop(size_t target) {
    auto offset = int32_t(int64_t(target) - int64_t(code().size() + 1));
    emit(Op::LOOP, offset, 0);
  }

  uint32_t add_constant(Value v) {
    auto& k = fs_->proto->constants;
    for (size_t i = 0; i < k.size(); ++i) {
      if (k[i] == v) return uint32_t(i);
      if (is_type(v, ObjType::String) && is_type(k[i], ObjType::String) &&
          as_string(v)->view() == as_string(k[i])->view())
        return uint32_t(i);
    }
    k.push_back(v);
    return uint32_t(k.size() - 1);
  }

  void emit_constant(Value v) {
    if (v.is_int() && v.as_int() >= -kMaxOperand - 1 && v.as_int() <= kMaxOperand) {
      emit(Op::INT, int32_t(v.as_int()), 1);
    } else {
      emit(Op::CONST, int32_t(add_constant(v)), 1);
    }
  }

  // A runtime error at this point of the program (misuse that only fails
  // if it runs, like `break` outside a loop). Nominally yields a value.
  void emit_error(const std::string& message) {
    emit(Op::ERROR, int32_t(add_constant(Value::object(heap_.new_string(message)))), 1);
  }

  [[noreturn]] void fail(SourcePos pos, const std::string& message) {
    throw CompileError{pos, "syntax error: " + message};
  }

  // Drops the value on top of the stack. A store immediately before is
  // turned into its popping form unless a jump lands between the two.
  void pop_value() {
    if (ends_in_jump()) {  // the value was nominal: `return`, `break`, ... never push
      adjust(-1);
      return;
    }
    size_t pc = fs_->last_op;
    if (opt_.dce && pc != SIZE_MAX && fs_->last_target != code().size()) {
      Op op = decode_op(code()[pc]);
      size_t end = pc + 1 + size_t(kOpInfo[int(op)].extra_words);
      Op popping = op == Op::SET_LOCAL    ? Op::STORE_LOCAL
                   : op == Op::SET_GLOBAL ? Op::STORE_GLOBAL
                   : op == Op::INCR_LOCAL ? Op::INCR_LOCAL_STORE
                                          : op;
      if (popping != op && end == code().size()) {
        code()[pc] = encode(popping, int32_t(decode_a(code()[pc])));
        adjust(-1);
        ++program_.instructions_eliminated;
        return;
      }
    }
    emit(Op::POP, 0, -1);
  }

  // ---- scopes and names ---------------------------------------------------

  uint32_t intern(const std::string& s) { return symbols_.intern(s); }

  uint32_t global_index(uint32_t name) {
    auto it = globals_.find(name);
    if (it != globals_.end()) return it->second;
    auto idx = uint32_t(program_.global_names.size());
    program_.global_names.push_back(name);
    globals_.emplace(name, idx);
    return idx;
  }

  bool at_global_scope() const { return fs_->is_main && fs_->scope_depth == 0; }

  void begin_scope() { ++fs_->scope_depth; }

  void end_scope() {
    --fs_->scope_depth;
    auto& locals = fs_->locals;
    while (!locals.empty() && locals.back().depth > fs_->scope_depth) {
      fs_->next_slot = locals.back().slot;
      locals.pop_back();
    }
  }

  Local& declare(uint32_t name, const Node* decl) {
    uint32_t slot = fs_->next_slot++;
    if (fs_->next_slot > fs_->proto->slot_count) {
      fs_->proto->slot_count = fs_->next_slot;
      fs_->proto->slot_names.resize(fs_->next_slot);
    }
    fs_->proto->slot_names[slot] = name == kHidden ? "(hidden)" : symbols_.name(name);
    bool boxed = decl && captured_.count(decl);
    fs_->locals.push_back({name, slot, boxed, fs_->scope_depth, decl});
    return fs_->locals.back();
  }

  static Local* find_local(FunctionState* fs, uint32_t name) {
    for (auto it = fs->locals.rbegin(); it != fs->locals.rend(); ++it)
      if (it->name == name) return &*it;
    return nullptr;
  }

  Local* find_in_current_scope(uint32_t name) {
    for (auto it = fs_->locals.rbegin(); it != fs_->locals.rend() && it->depth == fs_->scope_depth; ++it)
      if (it->name == name) return &*it;
    return nullptr;
  }

  uint32_t add_upvalue(FunctionState* fs, bool from_local, uint32_t index, uint32_t name) {
    uint64_t key = (uint64_t(from_local) << 32) | index;
    auto it = fs->upvalue_index.find(key);
    if (it != fs->upvalue_index.end()) return it->second;
    auto idx = uint32_t(fs->proto->upvalues.size());
    fs->proto->upvalues.push_back({from_local, index});
    fs->upvalue_names.push_back(name);
    fs->proto->upvalue_names.push_back(symbols_.name(name));
    fs->upvalue_index.emplace(key, idx);
    return idx;
  }

  // Finds `name` in the functions enclosing `fs`; -1 when it is global.
  int resolve_upvalue(FunctionState* fs, uint32_t name) {
    if (!fs->parent) return -1;
    // Top-level variables are globals, not captured locals.
    if (Local* l = find_local(fs->parent, name)) {
      if (!l->boxed) {
        captured_.insert(l->decl);
        discovered_ = true;
      }
      return int(add_upvalue(fs, true, l->slot, name));
    }
    int up = resolve_upvalue(fs->parent, name);
    if (up < 0) return -1;
    return int(add_upvalue(fs, false, uint32_t(up), name));
  }

  Local& declare_named(const Node* name_node) { return declare(intern(name_node->text), name_node); }

  void load_name(const std::string& text) {
    uint32_t name = intern(text);
    if (Local* l = find_local(fs_, name)) {
      emit(l->boxed ? Op::GET_BOXED : Op::GET_LOCAL, int32_t(l->slot), 1);
      return;
    }
    int up = resolve_capture(name);
    if (up >= 0) {
      emit(Op::GET_UPVAL, up, 1);
      return;
    }
    emit(Op::GET_GLOBAL, int32_t(global_index(name)), 1);
  }

  // Assigns the value on top of the stack (kept) to `name`.
  void store_name(const std::string& text) {
    uint32_t name = intern(text);
    if (Local* l = find_local(fs_, name)) {
      emit(l->boxed ? Op::SET_BOXED : Op::SET_LOCAL, int32_t(l->slot), 0);
      return;
    }
    int up = resolve_capture(name);
    if (up >= 0) {
      emit(Op::SET_UPVAL, up, 0);
      return;
    }
    emit(Op::SET_GLOBAL, int32_t(global_index(name)), 0);
  }

  int resolve_capture(uint32_t name) { return resolve_upvalue(fs_, name); }

  void store_local(const Local& l) { emit(l.boxed ? Op::SET_BOXED : Op::SET_LOCAL, int32_t(l.slot), 0); }

  // ---- expressions ----------------------------------------------------------

  struct PosScope {
    Compiler& c;
    SourcePos saved;
    PosScope(Compiler& c, SourcePos p) : c(c), saved(c.pos_) { c.pos_ = p; }
    ~PosScope() { c.pos_ = saved; }
  };

  void body(const std::vector<NodePtr>& items, size_t from, bool tail) { sequence_of(items, from, items.size(), tail); }

  void block(const std::vector<NodePtr>& items, size_t from, size_t to, bool tail) {
    begin_scope();
    sequence_of(items, from, to, tail);
    end_scope();
  }

  // `(name ...)` where name is the special form, not shadowed by a local.
  bool is_special(const Node* n, const char* name) {
    return n->kind == Kind::Gene && n->items[0]->is_symbol(name) && !find_local(fs_, intern(name)) &&
           !(n->items.size() == 3 && n->items[1]->kind == Kind::Symbol &&
             (is_infix_operator(n->items[1]->text) || is_assignment_operator(n->items[1]->text)));
  }

  // A value computed only to be dropped, with no effect and no way to fail.
  bool is_pure(const Node* n) {
    if (is_literal(n) || n->kind == Kind::String || n->kind == Kind::QuotedSymbol) return true;
    return n->kind == Kind::Symbol && find_local(fs_, intern(n->text));
  }

  // items[from..to) in order; the value is the last one's (nil if none).
  void sequence_of(const std::vector<NodePtr>& items, size_t from, size_t to, bool tail) {
    if (from >= to) {
      emit(Op::NIL, 0, 1);
      return;
    }
    for (size_t i = from; i < to; ++i) {
      bool last = i + 1 == to;
      if (!last && opt_.dce && is_pure(items[i].get())) {
        program_.instructions_eliminated += 2;  // its push and its pop
        continue;
      }
      if (!last && opt_.dce && is_special(items[i].get(), "if")) {
        PosScope ps(*this, items[i]->pos);
        if_form(items[i].get(), false, true);
        continue;
      }
      expr(items[i].get(), last && tail);
      if (!last) pop_value();
    }
  }

  void expr(const Node* n, bool tail) {
    PosScope ps(*this, n->pos);
    switch (n->kind) {
      case Kind::Nil: emit(Op::NIL, 0, 1); return;
      case Kind::True: emit(Op::TRUE, 0, 1); return;
      case Kind::False: emit(Op::FALSE, 0, 1); return;
      case Kind::Placeholder: emit(Op::NIL, 0, 1); return;
      case Kind::Int: emit_constant(Value::integer(n->int_value)); return;
      case Kind::Float: emit_constant(Value::number(n->float_value)); return;
      case Kind::String: emit_constant(Value::object(heap_.new_string(n->text))); return;
      case Kind::QuotedSymbol: emit_constant(Value::symbol(intern(n->text))); return;
      case Kind::Symbol: load_name(n->text); return;
      case Kind::Path: path_get(n); return;
      case Kind::Spread: emit_error("type error: a spread belongs in an array or a call"); return;
      case Kind::Array: sequence(n->items, 0); return;
      case Kind::Map: map_literal(n); return;
      case Kind::Quote:
        fs_->proto->quotes.push_back(n->items[0].get());
        emit(Op::QUOTE, int32_t(fs_->proto->quotes.size() - 1), 1);
        return;
      case Kind::Gene:
        if (opt_.fold) {
          if (auto v = constant(n, 0)) {
            emit_constant(*v);
            ++program_.constants_folded;
            return;
          }
        }
        gene(n, tail);
        return;
    }
  }

  // ---- constant folding -------------------------------------------------------

  static bool is_literal(const Node* n) {
    switch (n->kind) {
      case Kind::Int: case Kind::Float: case Kind::True: case Kind::False: case Kind::Nil: return true;
      default: return false;
    }
  }

  // The value of an operator expression whose operands are all constants
  // (numbers, booleans, nil), or nothing. An expression that would raise
  // (1 / 0, overflow, a type error) is left to run time, so the error
  // keeps its place and its order relative to output.
  std::optional<Value> constant(const Node* n, int depth) {
    if (n->kind == Kind::Int) return Value::integer(n->int_value);
    if (n->kind == Kind::Float) return Value::number(n->float_value);
    if (n->kind == Kind::True) return Value::boolean(true);
    if (n->kind == Kind::False) return Value::boolean(false);
    if (n->kind == Kind::Nil) return Value::nil();
    if (n->kind != Kind::Gene || depth > 32) return std::nullopt;
    const auto& it = n->items;
    std::string op;
    std::vector<const Node*> args;
    if (it.size() == 3 && it[1]->kind == Kind::Symbol && is_infix_operator(it[1]->text)) {
      op = it[1]->text;
      args = {it[0].get(), it[2].get()};
    } else if (it[0]->kind == Kind::Symbol && (is_infix_operator(it[0]->text) || it[0]->text == "not") &&
               !find_local(fs_, intern(it[0]->text)) && it.size() >= 2 && it.size() <= 3) {
      op = it[0]->text;
      for (size_t i = 1; i < it.size(); ++i) args.push_back(it[i].get());
    } else {
      return std::nullopt;
    }
    std::vector<Value> v;
    for (const Node* a : args) {
      auto c = constant(a, depth + 1);
      if (!c) return std::nullopt;
      v.push_back(*c);
    }
    try {
      if (op == "not") return args.size() == 1 ? std::optional<Value>(Value::boolean(!v[0].truthy())) : std::nullopt;
      if (args.size() == 1) {
        if (op == "-") return arith_neg(v[0]);
        if (op == "/") return arith_div(Value::integer(1), v[0]);
        if (op == "+" || op == "*") return v[0].is_number() ? std::optional<Value>(v[0]) : std::nullopt;
        return std::nullopt;
      }
      Value a = v[0], b = v[1];
      if (op == "&&") return a.truthy() ? b : a;
      if (op == "||") return a.truthy() ? a : b;
      if (op == "+") return arith_add(heap_, a, b);
      if (op == "-") return arith_sub(a, b);
      if (op == "*") return arith_mul(a, b);
      if (op == "/") return arith_div(a, b);
      if (op == "%") return arith_mod(a, b);
      if (op == "==") return Value::boolean(values_equal(a, b));
      if (op == "!=") return Value::boolean(!values_equal(a, b));
      if (!a.is_number() || !b.is_number()) return std::nullopt;
      double x = a.to_double(), y = b.to_double();
      if (a.is_int() && b.is_int()) {
        int64_t i = a.as_int(), j = b.as_int();
        if (op == "<") return Value::boolean(i < j);
        if (op == "<=") return Value::boolean(i <= j);
        if (op == ">") return Value::boolean(i > j);
        return Value::boolean(i >= j);
      }
      if (op == "<") return Value::boolean(x < y);
      if (op == "<=") return Value::boolean(x <= y);
      if (op == ">") return Value::boolean(x > y);
      return Value::boolean(x >= y);
    } catch (RuntimeError&) {
      return std::nullopt;
    }
  }

  // Compiles `emit_body` and throws its code away, counting what was
  // eliminated: a branch that a constant condition can never take.
  template <typename F>
  void eliminate(F emit_body) {
    size_t mark = code().size();
    int depth = fs_->stack_depth;
    emit_body();
    for (size_t pc = mark; pc < code().size(); pc += 1 + size_t(kOpInfo[code()[pc] & 0xFF].extra_words))
      ++program_.instructions_eliminated;
    code().resize(mark);
    fs_->proto->positions.resize(mark);
    fs_->stack_depth = depth;
    fs_->last_op = SIZE_MAX;
    fs_->last_target = mark;
  }

  // Builds an array of items[from..], expanding spreads.
  void sequence(const std::vector<NodePtr>& items, size_t from) {
    bool spread = false;
    for (size_t i = from; i < items.size(); ++i) spread |= items[i]->kind == Kind::Spread;
    if (!spread) {
      for (size_t i = from; i < items.size(); ++i) expr(items[i].get(), false);
      int count = int(items.size() - from);
      emit(Op::NEW_ARRAY, count, 1 - count);
      return;
    }
    emit(Op::NEW_ARRAY, 0, 1);
    for (size_t i = from; i < items.size(); ++i) {
      const Node* item = items[i].get();
      if (item->kind == Kind::Spread) {
        expr(item->items[0].get(), false);
        emit(Op::ARRAY_SPREAD, 0, -1);
      } else {
        expr(item, false);
        emit(Op::ARRAY_PUSH, 0, -1);
      }
    }
  }

  void map_literal(const Node* n) {
    emit(Op::NEW_MAP, 0, 1);
    for (size_t i = 0; i < n->items.size(); ++i) {
      expr(n->items[i].get(), false);
      emit(Op::MAP_PUT, int32_t(intern(n->keys[i])), -1);
    }
  }

  void path_segment_get(const Node* seg) {
    if (seg->kind == Kind::Int) {
      int64_t i = std::clamp<int64_t>(seg->int_value, -kMaxOperand - 1, kMaxOperand);
      emit(Op::GET_INDEX, int32_t(i), 0);
    } else {
      emit(Op::GET_KEY, int32_t(intern(seg->text)), 0);
    }
  }

  void path_get(const Node* n) {
    load_name(n->text);
    for (auto& seg : n->items) path_segment_get(seg.get());
  }

  void path_set_last(const Node* seg) {
    if (seg->kind == Kind::Int) {
      int64_t i = std::clamp<int64_t>(seg->int_value, -kMaxOperand - 1, kMaxOperand);
      emit(Op::SET_INDEX, int32_t(i), -1);
    } else {
      emit(Op::SET_KEY, int32_t(intern(seg->text)), -1);
    }
  }

  void gene(const Node* n, bool tail) {
    const auto& items = n->items;
    const Node* head = items[0].get();
    if (items.size() == 3 && items[1]->kind == Kind::Symbol) {
      const std::string& op = items[1]->text;
      if (is_assignment_operator(op)) return assignment(op, items[0].get(), items[2].get());
      if (is_infix_operator(op)) return binary(op, items[0].get(), items[2].get(), tail);
    }
    if (head->kind == Kind::QuotedSymbol || head->kind == Kind::Placeholder) {
      emit_constant(Value::symbol(intern(head->kind == Kind::Placeholder ? "_" : head->text)));
      sequence(items, 1);
      emit(Op::NEW_GENE, 0, -1);
      return;
    }
    if (head->kind == Kind::Symbol && !find_local(fs_, intern(head->text))) {
      const std::string& h = head->text;
      if (h == "var") return var_form(n);
      if (h == "fn") return fn_form(n);
      if (h == "if") return if_form(n, tail);
      if (h == "do") return block(items, 1, items.size(), tail);
      if (h == "while") return while_form(n);
      if (h == "loop") return loop_form(n);
      if (h == "for") return for_form(n);
      if (h == "break") return break_form(n);
      if (h == "continue") return continue_form(n);
      if (h == "return") return return_form(n);
      if (h == "assert") return assert_form(n);
      if (h == "not") {
        if (items.size() != 2) return emit_error("wrong number of arguments: not takes 1");
        expr(items[1].get(), false);
        emit(Op::NOT, 0, 0);
        return;
      }
      if (is_infix_operator(h)) return prefix_operator(n, tail);
    }
    call(n, tail);
  }

  void call(const Node* n, bool tail) {
    const auto& items = n->items;
    if (inline_call(n)) return;
    bool spread = false;
    for (size_t i = 1; i < items.size(); ++i) spread |= items[i]->kind == Kind::Spread;
    expr(items[0].get(), false);
    if (spread) {
      sequence(items, 1);
      emit(Op::CALL_SPREAD, 0, -1);
      return;
    }
    for (size_t i = 1; i < items.size(); ++i) expr(items[i].get(), false);
    int argc = int(items.size() - 1);
    emit(tail && !fs_->is_main ? Op::TAIL_CALL : Op::CALL, argc, -argc);
  }

  Op arith_op(const std::string& op) {
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
    return Op::NE;
  }

  void binary(const std::string& op, const Node* a, const Node* b, bool tail) {
    if (op == "&&" || op == "||") {
      expr(a, false);
      size_t j = emit(op == "&&" ? Op::AND_JUMP : Op::OR_JUMP, 0, -1);
      expr(b, tail);
      patch(j);
      return;
    }
    expr(a, false);
    Op o = arith_op(op);
    if (opt_.superinstructions && (o == Op::ADD || o == Op::SUB) && b->kind == Kind::Int &&
        b->int_value > -kMaxOperand && b->int_value < kMaxOperand) {
      emit(Op::ADD_INT, int32_t(o == Op::ADD ? b->int_value : -b->int_value), 0);
      return;
    }
    expr(b, false);
    emit(o, 0, -1);
  }

  void prefix_operator(const Node* n, bool tail) {
    const auto& items = n->items;
    const std::string& op = items[0]->text;
    size_t argc = items.size() - 1;
    for (size_t i = 1; i < items.size(); ++i)
      if (items[i]->kind == Kind::Spread) return call(n, tail);  // the builtin handles spreads
    if (op == "+" || op == "*") {
      if (argc == 0) return emit_constant(Value::integer(op == "+" ? 0 : 1));
      expr(items[1].get(), false);
      for (size_t i = 2; i < items.size(); ++i) {
        expr(items[i].get(), false);
        emit(arith_op(op), 0, -1);
      }
      return;
    }
    if (op == "-" || op == "/") {
      if (argc == 0) return emit_error("wrong number of arguments: " + op + " takes at least 1");
      if (argc == 1) {
        if (op == "-") {
          expr(items[1].get(), false);
          emit(Op::NEG, 0, 0);
        } else {
          emit_constant(Value::integer(1));
          expr(items[1].get(), false);
          emit(Op::DIV, 0, -1);
        }
        return;
      }
      expr(items[1].get(), false);
      for (size_t i = 2; i < items.size(); ++i) {
        expr(items[i].get(), false);
        emit(arith_op(op), 0, -1);
      }
      return;
    }
    if (argc != 2) return emit_error("wrong number of arguments: " + op + " takes 2");
    binary(op, items[1].get(), items[2].get(), tail);
  }

  // `(x += k)`, `(x = (x + k))` on an unboxed local with a small int k:
  // the loop-counter pattern, one instruction instead of four.
  bool increment(const std::string& op, const Node* target, const Node* value) {
    if (!opt_.superinstructions) return false;
    Local* l = find_local(fs_, intern(target->text));
    if (!l || l->boxed) return false;
    const Node* k = nullptr;
    bool negate = false;
    if (op != "=") {
      k = value;
      negate = op == "-=";
    } else if (value->kind == Kind::Gene && value->items.size() == 3) {
      const auto& v = value->items;
      if (v[1]->kind == Kind::Symbol && (v[1]->text == "+" || v[1]->text == "-") && v[0]->is_symbol(target->text.c_str())) {
        k = v[2].get();
        negate = v[1]->text == "-";
      } else if (v[0]->kind == Kind::Symbol && (v[0]->text == "+" || v[0]->text == "-") &&
                 !find_local(fs_, intern(v[0]->text)) && v[1]->is_symbol(target->text.c_str())) {
        k = v[2].get();
        negate = v[0]->text == "-";
      }
    }
    if (!k || k->kind != Kind::Int || k->int_value <= INT32_MIN + 1 || k->int_value >= INT32_MAX) return false;
    emit(Op::INCR_LOCAL, int32_t(l->slot), 1);
    emit_word(uint32_t(int32_t(negate ? -k->int_value : k->int_value)));
    return true;
  }

  void assignment(const std::string& op, const Node* target, const Node* value) {
    if (target->kind == Kind::Symbol && increment(op, target, value)) return;
    if (target->kind == Kind::Symbol) {
      if (op == "=") {
        expr(value, false);
      } else {
        // `x += v` on an undeclared x is an assignment error, not a read error.
        uint32_t name = intern(target->text);
        if (!find_local(fs_, name) && resolve_capture(name) < 0)
          emit(Op::CHECK_GLOBAL, int32_t(global_index(name)), 0);
        load_name(target->text);
        expr(value, false);
        emit(op == "+=" ? Op::ADD : Op::SUB, 0, -1);
      }
      store_name(target->text);
      return;
    }
    if (target->kind == Kind::Path) {
      load_name(target->text);
      for (size_t i = 0; i + 1 < target->items.size(); ++i) path_segment_get(target->items[i].get());
      const Node* last = target->items.back().get();
      if (op == "=") {
        expr(value, false);
      } else {
        emit(Op::DUP, 0, 1);
        path_segment_get(last);
        expr(value, false);
        emit(op == "+=" ? Op::ADD : Op::SUB, 0, -1);
      }
      path_set_last(last);
      return;
    }
    fail(target->pos, "cannot assign to this expression");
  }

  // ---- special forms --------------------------------------------------------

  void var_form(const Node* n) {
    const auto& items = n->items;
    if (items.size() < 2 || items.size() > 3 || items[1]->kind != Kind::Symbol)
      fail(n->pos, "var takes a name and an optional value");
    if (items.size() == 3) expr(items[2].get(), false);
    else emit(Op::NIL, 0, 1);
    uint32_t name = intern(items[1]->text);
    if (at_global_scope()) {
      emit(Op::DEF_GLOBAL, int32_t(global_index(name)), 0);
    } else if (Local* existing = find_in_current_scope(name)) {
      store_local(*existing);
    } else {
      Local& fresh = declare_named(items[1].get());
      emit(fresh.boxed ? Op::NEW_BOX : Op::SET_LOCAL, int32_t(fresh.slot), 0);
    }
  }

  void fn_form(const Node* n) {
    const auto& items = n->items;
    size_t i = 1;
    const Node* name_node = nullptr;
    if (i < items.size() && items[i]->kind == Kind::Symbol) name_node = items[i++].get();
    if (i >= items.size() || (items[i]->kind != Kind::Array && items[i]->kind != Kind::Symbol))
      fail(n->pos, "fn needs a parameter list: [], [a b] or a bare name");
    const Node* params = items[i++].get();
    size_t body_from = i;
    if (items.size() - body_from >= 2 && items[body_from]->kind == Kind::String) ++body_from;  // docstring

    if (!name_node) return function(n, "", params, body_from);
    uint32_t name = intern(name_node->text);
    if (at_global_scope()) {
      function(n, name_node->text, params, body_from);
      emit(Op::DEF_GLOBAL, int32_t(global_index(name)), 0);
      return;
    }
    Local* existing = find_in_current_scope(name);
    if (!existing) {
      Local& l = declare_named(name_node);
      if (l.boxed) {  // the function may refer to itself: its box must exist first
        emit(Op::NIL, 0, 1);
        emit(Op::NEW_BOX, int32_t(l.slot), 0);
        emit(Op::POP, 0, -1);
      }
      existing = &l;
    }
    uint32_t slot = existing->slot;
    function(n, name_node->text, params, body_from);
    Local* target = find_local(fs_, name);  // re-find: `existing` may point into a grown vector
    emit(target->boxed ? Op::SET_BOXED : Op::SET_LOCAL, int32_t(slot), 0);
  }

  void function(const Node* n, const std::string& name, const Node* params, size_t body_from) {
    auto proto = std::make_unique<Proto>();
    proto->name = name;
    proto->id = uint32_t(program_.protos.size());
    Proto* p = proto.get();
    program_.protos.push_back(std::move(proto));

    FunctionState fs;
    fs.parent = fs_;
    fs.proto = p;
    FunctionState* saved = fs_;
    fs_ = &fs;
    begin_scope();
    std::vector<const Node*> param_nodes;
    if (params->kind == Kind::Symbol) param_nodes.push_back(params);
    else
      for (auto& item : params->items) param_nodes.push_back(item.get());
    for (const Node* pn : param_nodes) {
      if (pn->kind == Kind::Symbol) declare_named(pn);
      else if (pn->kind == Kind::Placeholder) declare(kHidden, nullptr);
      else fail(pn->pos, "a parameter must be a name or _");
    }
    p->arity = uint32_t(param_nodes.size());
    p->source = n;
    for (auto& l : fs.locals)
      if (l.boxed) emit(Op::BOX_LOCAL, int32_t(l.slot), 0);
    body(n->items, body_from, true);
    emit(Op::RETURN, 0, 0);
    end_scope();
    fs_ = saved;
    emit(Op::CLOSURE, int32_t(p->id), 1);
  }

  // Splits an `if` into its condition/branch pairs and else branch.
  // With `discard`, the if is a statement: no value is made for it.
  void if_form(const Node* n, bool tail, bool discard = false) {
    const auto& items = n->items;
    struct Branch {
      const Node* cond;
      bool negate;
      size_t from, to;
    };
    std::vector<Branch> branches;
    size_t else_from = 0, else_to = 0;
    bool has_else = false;

    auto is_kw = [](const Node* x, const char* kw) { return x->is_symbol(kw); };
    bool keywords = false;
    for (size_t i = 2; i < items.size(); ++i)
      if (is_kw(items[i].get(), "then") || is_kw(items[i].get(), "elif") || is_kw(items[i].get(), "else"))
        keywords = true;

    size_t i = 1;
    auto read_cond = [&](size_t& k, bool& negate) -> const Node* {
      negate = false;
      if (k + 1 < items.size() && is_kw(items[k].get(), "not")) {
        negate = true;
        ++k;
      }
      if (k >= items.size()) fail(n->pos, "if needs a condition");
      return items[k++].get();
    };
    bool negate;
    const Node* cond = read_cond(i, negate);
    if (!keywords) {
      size_t rest = items.size() - i;
      if (rest == 2) {
        branches.push_back({cond, negate, i, i + 1});
        has_else = true;
        else_from = i + 1;
        else_to = i + 2;
      } else {
        branches.push_back({cond, negate, i, items.size()});
      }
    } else {
      if (i < items.size() && is_kw(items[i].get(), "then")) ++i;
      size_t start = i;
      while (i < items.size() && !is_kw(items[i].get(), "elif") && !is_kw(items[i].get(), "else")) ++i;
      branches.push_back({cond, negate, start, i});
      while (i < items.size()) {
        if (is_kw(items[i].get(), "elif")) {
          ++i;
          bool neg;
          const Node* c = read_cond(i, neg);
          if (i < items.size() && is_kw(items[i].get(), "then")) ++i;
          size_t s = i;
          while (i < items.size() && !is_kw(items[i].get(), "elif") && !is_kw(items[i].get(), "else")) ++i;
          branches.push_back({c, neg, s, i});
        } else {  // else
          ++i;
          has_else = true;
          else_from = i;
          else_to = items.size();
          i = items.size();
        }
      }
    }

    // A branch: its value on the stack, or (discarding) nothing.
    auto branch = [&](size_t from, size_t to) {
      if (discard) discard_block(items, from, to);
      else block(items, from, to, tail);
    };
    std::vector<size_t> ends;
    int depth = fs_->stack_depth;
    for (size_t bi = 0; bi < branches.size(); ++bi) {
      auto& b = branches[bi];
      std::optional<Value> known;
      if (opt_.dce) known = constant(b.cond, 0);
      if (known) {
        if (known->truthy() != b.negate) {  // always taken: the rest is dead
          branch(b.from, b.to);
          for (size_t rest = bi + 1; rest < branches.size(); ++rest)
            eliminate([&] { branch(branches[rest].from, branches[rest].to); });
          if (has_else) eliminate([&] { branch(else_from, else_to); });
          for (size_t e : ends) patch(e);
          return;
        }
        eliminate([&] { branch(b.from, b.to); });  // never taken
        continue;
      }
      size_t skip = jump_unless(b.cond, b.negate);
      branch(b.from, b.to);
      if (!ends_in_jump()) ends.push_back(emit(Op::JUMP, 0, 0));
      fs_->stack_depth = depth;
      patch(skip);
    }
    if (has_else) branch(else_from, else_to);
    else if (!discard) emit(Op::NIL, 0, 1);
    for (size_t e : ends) patch(e);
  }

  // True when control cannot fall through the last instruction emitted.
  bool ends_in_jump() {
    size_t pc = fs_->last_op;
    if (pc == SIZE_MAX || fs_->last_target == code().size()) return false;
    Op op = decode_op(code()[pc]);
    return op == Op::RETURN || op == Op::JUMP || op == Op::LOOP || op == Op::ERROR;
  }

  // The operands of a comparison `(a < b)` / `(< a b)`, if cond is one.
  bool comparison(const Node* cond, Op& op, const Node*& a, const Node*& b) {
    if (cond->kind != Kind::Gene || cond->items.size() != 3) return false;
    const auto& it = cond->items;
    const Node* sym;
    if (it[1]->kind == Kind::Symbol && is_infix_operator(it[1]->text)) {
      sym = it[1].get();
      a = it[0].get();
      b = it[2].get();
    } else if (it[0]->kind == Kind::Symbol && is_infix_operator(it[0]->text) && !find_local(fs_, intern(it[0]->text))) {
      sym = it[0].get();
      a = it[1].get();
      b = it[2].get();
    } else {
      return false;
    }
    if (a->kind == Kind::Spread || b->kind == Kind::Spread) return false;
    const std::string& t = sym->text;
    if (t == "<") op = Op::JUMP_UNLESS_LT;
    else if (t == "<=") op = Op::JUMP_UNLESS_LE;
    else if (t == ">") op = Op::JUMP_UNLESS_GT;
    else if (t == ">=") op = Op::JUMP_UNLESS_GE;
    else if (t == "==") op = Op::JUMP_UNLESS_EQ;
    else if (t == "!=") op = Op::JUMP_UNLESS_NE;
    else return false;
    return true;
  }

  // Evaluates cond and emits a jump taken when it is falsy (truthy when
  // negated); returns the jump to patch.
  size_t jump_unless(const Node* cond, bool negate) {
    Op op;
    const Node *a, *b;
    if (opt_.superinstructions && !negate && comparison(cond, op, a, b)) {
      PosScope ps(*this, cond->pos);
      expr(a, false);
      expr(b, false);
      return emit(op, 0, -2);
    }
    expr(cond, false);
    return emit(negate ? Op::JUMP_IF_TRUE : Op::JUMP_IF_FALSE, 0, -1);
  }

  void discard_block(const std::vector<NodePtr>& items, size_t from, size_t to = SIZE_MAX) {
    begin_scope();
    for (size_t i = from; i < std::min(to, items.size()); ++i) {
      if (opt_.dce && is_pure(items[i].get())) {
        program_.instructions_eliminated += 2;
        continue;
      }
      if (opt_.dce && is_special(items[i].get(), "if")) {
        PosScope ps(*this, items[i]->pos);
        if_form(items[i].get(), false, true);
        continue;
      }
      expr(items[i].get(), false);
      pop_value();
    }
    end_scope();
  }

  void finish_loop(int depth) {
    Loop& loop = fs_->loops.back();
    for (size_t b : loop.breaks) patch(b);
    fs_->loops.pop_back();
    fs_->stack_depth = depth + 1;
  }

  void while_form(const Node* n) {
    const auto& items = n->items;
    if (items.size() < 2) fail(n->pos, "while needs a condition");
    int depth = fs_->stack_depth;
    size_t start = label();
    fs_->loops.push_back({depth, start, {}});
    size_t exit = jump_unless(items[1].get(), false);
    discard_block(items, 2);
    emit_loop(start);
    patch(exit);
    emit(Op::NIL, 0, 1);
    finish_loop(depth);
  }

  void loop_form(const Node* n) {
    int depth = fs_->stack_depth;
    size_t start = label();
    fs_->loops.push_back({depth, start, {}});
    discard_block(n->items, 1);
    emit_loop(start);
    finish_loop(depth);
  }

  bool is_builtin_range_call(const Node* coll) {
    if (coll->kind != Kind::Gene || !coll->items[0]->is_symbol("range")) return false;
    size_t argc = coll->items.size() - 1;
    if (argc < 2 || argc > 3 || range_redefined_) return false;
    for (size_t i = 1; i < coll->items.size(); ++i)
      if (coll->items[i]->kind == Kind::Spread) return false;
    uint32_t name = intern("range");
    for (FunctionState* f = fs_; f; f = f->parent)
      if (find_local(f, name)) return false;
    return true;
  }

  void for_form(const Node* n) {
    const auto& items = n->items;
    if (items.size() < 4 || items[1]->kind != Kind::Symbol || !items[2]->is_symbol("in"))
      fail(n->pos, "for takes the form (for x in collection body...)");
    const Node* coll = items[3].get();
    int depth = fs_->stack_depth;
    begin_scope();
    uint32_t state = declare(kHidden, nullptr).slot;
    size_t next;
    size_t start;
    if (is_builtin_range_call(coll)) {
      declare(kHidden, nullptr);
      declare(kHidden, nullptr);
      {
        PosScope ps(*this, coll->pos);
        expr(coll->items[1].get(), false);
        emit(Op::STORE_LOCAL, int32_t(state), -1);
        expr(coll->items[2].get(), false);
        emit(Op::STORE_LOCAL, int32_t(state + 1), -1);
        if (coll->items.size() == 4) expr(coll->items[3].get(), false);
        else emit(Op::INT, 1, 1);
        emit(Op::STORE_LOCAL, int32_t(state + 2), -1);
        emit(Op::RANGE_INIT, int32_t(state), 0);
      }
      start = label();
      next = emit(Op::RANGE_NEXT, int32_t(state), 1);
    } else {
      declare(kHidden, nullptr);
      expr(coll, false);
      emit(Op::STORE_LOCAL, int32_t(state), -1);
      emit(Op::INT, 0, 1);
      emit(Op::STORE_LOCAL, int32_t(state + 1), -1);
      start = label();
      next = emit(Op::FOR_NEXT, int32_t(state), 1);
    }
    emit_word(0);
    fs_->loops.push_back({depth, start, {}});
    begin_scope();
    Local& x = declare_named(items[1].get());
    if (x.boxed) {
      emit(Op::NEW_BOX, int32_t(x.slot), 0);
      emit(Op::POP, 0, -1);
    } else {
      emit(Op::STORE_LOCAL, int32_t(x.slot), -1);
    }
    for (size_t i = 4; i < items.size(); ++i) {
      expr(items[i].get(), false);
      pop_value();
    }
    end_scope();
    emit_loop(start);
    fs_->stack_depth = depth;
    patch(next);
    emit(Op::NIL, 0, 1);
    finish_loop(depth);
    end_scope();
  }

  void break_form(const Node* n) {
    if (fs_->loops.empty()) return emit_error("break outside a loop");
    int depth = fs_->stack_depth;
    if (n->items.size() > 1) expr(n->items[1].get(), false);
    else emit(Op::NIL, 0, 1);
    Loop& loop = fs_->loops.back();
    int extra = fs_->stack_depth - loop.stack_depth - 1;
    if (extra > 0) emit(Op::DROP_UNDER, extra, -extra);
    loop.breaks.push_back(emit(Op::JUMP, 0, 0));
    fs_->stack_depth = depth + 1;
  }

  void continue_form(const Node* n) {
    (void)n;
    if (fs_->loops.empty()) return emit_error("continue outside a loop");
    int depth = fs_->stack_depth;
    Loop& loop = fs_->loops.back();
    int extra = fs_->stack_depth - loop.stack_depth;
    if (extra > 0) emit(Op::POPN, extra, -extra);
    emit_loop(loop.continue_target);
    fs_->stack_depth = depth + 1;
  }

  void return_form(const Node* n) {
    if (fs_->is_main) return emit_error("return outside a function");
    if (n->items.size() > 1) expr(n->items[1].get(), true);
    else emit(Op::NIL, 0, 1);
    emit(Op::RETURN, 0, 0);
  }

  void assert_form(const Node* n) {
    const auto& items = n->items;
    if (items.size() < 2 || items.size() > 3) fail(n->pos, "assert takes a condition and an optional message");
    expr(items[1].get(), false);
    if (items.size() == 3) {
      expr(items[2].get(), false);
      emit(Op::ASSERT, 1, -1);
    } else {
      emit(Op::ASSERT, 0, 0);
    }
  }

  // Counts, for every name, the places anywhere in the program that bind or
  // assign it (var, fn, parameters, for variables, `=`/`+=`/`-=`). A name
  // bound nowhere but by its one top-level fn is known to be that function
  // wherever it is not shadowed; `range` bound nowhere is the builtin.
  void scan_bindings(const std::vector<NodePtr>& forms) {
    std::vector<const Node*> todo;
    for (auto& f : forms) todo.push_back(f.get());
    auto bind = [&](const Node* name) {
      if (name->kind == Kind::Symbol) ++binding_count_[name->text];
    };
    while (!todo.empty()) {
      const Node* x = todo.back();
      todo.pop_back();
      if (x->kind == Kind::Quote) continue;
      if (x->kind == Kind::Gene && x->items.size() >= 2) {
        const auto& it = x->items;
        if (it[0]->is_symbol("var") || it[0]->is_symbol("for")) bind(it[1].get());
        if (it[0]->is_symbol("fn")) {
          size_t params = 1;
          if (it[1]->kind == Kind::Symbol) bind(it[params++].get());
          if (params < it.size()) {
            if (it[params]->kind == Kind::Symbol) bind(it[params].get());
            else
              for (auto& p : it[params]->items) bind(p.get());
          }
        }
        if (it.size() == 3 && it[1]->kind == Kind::Symbol && is_assignment_operator(it[1]->text)) bind(it[0].get());
      }
      for (auto& c : x->items) todo.push_back(c.get());
    }
    range_redefined_ = binding_count_.count("range") > 0;
    for (auto& f : forms) consider_inlining(f.get());
  }

  // ---- inlining -------------------------------------------------------------------
  //
  // A small top-level function whose body calls no other Gene function
  // (a leaf: so never recursive) is compiled into its call sites behind a
  // guard: INLINE_GUARD checks at run time that the global still holds a
  // closure of that very fn form (and that the call would not overflow the
  // stack); otherwise the ordinary call runs. Programs behave the same with
  // or without it.

  struct InlineCandidate {
    const Node* form;
    std::vector<const Node*> params;
    size_t body_from;
    uint32_t index;  // in Program::inline_sources
  };
  std::unordered_map<std::string, InlineCandidate> inline_candidates_;
  std::unordered_map<std::string, int> binding_count_;
  std::unordered_set<std::string> predeclared_;
  static constexpr int kInlineMaxNodes = 40;

  void consider_inlining(const Node* f) {
    if (!opt_.inline_calls || f->kind != Kind::Gene || f->items.size() < 4 || !f->items[0]->is_symbol("fn") ||
        f->items[1]->kind != Kind::Symbol)
      return;
    const std::string& name = f->items[1]->text;
    if (binding_count_[name] != 1 || predeclared_.count(name) || find_builtin(name) >= 0) return;
    const Node* params = f->items[2].get();
    std::vector<const Node*> ps;
    if (params->kind == Kind::Symbol) ps.push_back(params);
    else if (params->kind == Kind::Array)
      for (auto& p : params->items) ps.push_back(p.get());
    else
      return;
    for (const Node* p : ps)
      if (p->kind != Kind::Symbol) return;
    size_t body_from = 3;
    if (f->items.size() - body_from >= 2 && f->items[body_from]->kind == Kind::String) ++body_from;
    int budget = kInlineMaxNodes;
    for (size_t i = body_from; i < f->items.size(); ++i)
      if (!inlinable(f->items[i].get(), budget)) return;
    auto index = uint32_t(program_.inline_sources.size());
    program_.inline_sources.push_back(f);
    inline_candidates_[name] = {f, ps, body_from, index};
  }

  // Small, no closures, no control transfer out of the body, and every
  // call is to an operator or to a builtin no one rebinds.
  bool inlinable(const Node* n, int& budget) {
    if (--budget < 0) return false;
    switch (n->kind) {
      case Kind::Spread: return false;
      case Kind::Quote: return true;
      case Kind::Gene: break;
      default:
        for (auto& c : n->items)
          if (!inlinable(c.get(), budget)) return false;
        return true;
    }
    const auto& it = n->items;
    if (it.size() == 3 && it[1]->kind == Kind::Symbol &&
        (is_infix_operator(it[1]->text) || is_assignment_operator(it[1]->text)))
      return inlinable(it[0].get(), budget) && inlinable(it[2].get(), budget);
    const Node* head = it[0].get();
    if (head->kind == Kind::QuotedSymbol || head->kind == Kind::Placeholder) {
    } else if (head->kind != Kind::Symbol) {
      return false;
    } else {
      static const char* const allowed[] = {"if", "do", "var", "not", "assert", "then", "elif", "else"};
      bool special = false;
      for (const char* a : allowed) special |= head->text == a;
      bool callee_ok = special || is_infix_operator(head->text) ||
                       (find_builtin(head->text) >= 0 && binding_count_.count(head->text) == 0);
      if (!callee_ok) return false;
    }
    for (size_t i = 1; i < it.size(); ++i)
      if (!inlinable(it[i].get(), budget)) return false;
    return true;
  }

  // Compiles `(name args...)` inline when name is a candidate; returns false
  // to leave it an ordinary call.
  bool inline_call(const Node* n) {
    const auto& items = n->items;
    if (!opt_.inline_calls || items[0]->kind != Kind::Symbol) return false;
    auto it = inline_candidates_.find(items[0]->text);
    if (it == inline_candidates_.end() || it->second.params.size() != items.size() - 1) return false;
    for (size_t i = 1; i < items.size(); ++i)
      if (items[i]->kind == Kind::Spread) return false;
    uint32_t name = intern(items[0]->text);
    for (FunctionState* f = fs_; f; f = f->parent)
      if (find_local(f, name)) return false;
    const InlineCandidate& c = it->second;
    int depth = fs_->stack_depth;
    size_t guard = emit(Op::INLINE_GUARD, int32_t(global_index(name)), 0);
    emit_word(c.index);
    emit_word(0);
    for (size_t i = 1; i < items.size(); ++i) expr(items[i].get(), false);

    // The body sees only its parameters and the globals: a function state
    // with no parent, writing into this function's code and frame.
    FunctionState inl;
    inl.proto = fs_->proto;
    inl.next_slot = fs_->next_slot;
    inl.stack_depth = fs_->stack_depth;
    inl.last_op = fs_->last_op;
    inl.last_target = fs_->last_target;
    FunctionState* caller = fs_;
    fs_ = &inl;
    begin_scope();
    std::vector<uint32_t> slots;
    for (const Node* p : c.params) slots.push_back(declare_named(p).slot);
    for (size_t i = slots.size(); i-- > 0;) emit(Op::STORE_LOCAL, int32_t(slots[i]), -1);
    sequence_of(c.form->items, c.body_from, c.form->items.size(), false);
    end_scope();
    fs_ = caller;
    fs_->stack_depth = inl.stack_depth;
    fs_->last_op = inl.last_op;
    fs_->last_target = inl.last_target;
    size_t done = emit(Op::JUMP, 0, 0);

    size_t slow = label();
    code()[guard + 2] = uint32_t(int32_t(slow - (guard + 3)));
    fs_->stack_depth = depth;
    load_name(items[0]->text);
    for (size_t i = 1; i < items.size(); ++i) expr(items[i].get(), false);
    int argc = int(items.size() - 1);
    emit(Op::CALL, argc, -argc);
    patch(done);
    ++program_.calls_inlined;
    return true;
  }
};

}  // namespace

std::unique_ptr<Program> compile_program(std::vector<NodePtr> forms, std::string file_name, Heap& heap,
                                         SymbolTable& symbols, const OptimizerOptions& optimizer,
                                         const std::vector<std::string>& predeclared) {
  std::unordered_set<const Node*> captured;
  for (int pass = 0;; ++pass) {
    auto program = std::make_unique<Program>();
    program->file_name = file_name;
    Compiler compiler(*program, heap, symbols, optimizer, captured);
    compiler.predeclare(predeclared);
    compiler.compile_main(forms);
    // A second pass knows every capture the first found; a third is never needed.
    if (!compiler.discovered_captures() || pass == 1) {
      program->forms = std::move(forms);
      if (optimizer.verify) {
        std::string problem = verify_program(*program);
        if (!problem.empty()) throw CompileError{{}, "internal error: bad bytecode: " + problem};
      }
      return program;
    }
  }
}

}  // namespace gene
