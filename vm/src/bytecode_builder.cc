#include "bytecode_builder.h"

#include <algorithm>
#include <string>

#include "compile_error.h"
#include "compiler_peephole.h"

namespace gene {
namespace {

[[noreturn]] void internal_error(SourcePos pos, const std::string& what) {
  throw CompileError{pos, "internal error: " + what};
}

void check_operand(int64_t a, SourcePos pos) {
  if (a > kMaxOperand || a < -kMaxOperand - 1) throw CompileError{pos, "syntax error: program too large: operand out of range"};
}

}  // namespace

BytecodeBuilder::Label BytecodeBuilder::new_label() {
  labels_.emplace_back();
  return Label(labels_.size() - 1);
}

void BytecodeBuilder::arrive(Label label, int depth, SourcePos pos) {
  LabelInfo& l = labels_[size_t(label)];
  if (l.depth >= 0 && l.depth != depth)
    internal_error(pos, "a jump brings stack depth " + std::to_string(depth) + " to a label at depth " +
                            std::to_string(l.depth));
  l.depth = depth;
}

void BytecodeBuilder::bind(Label label) {
  LabelInfo& l = labels_[size_t(label)];
  l.index = int32_t(code_.size());
  if (l.depth < 0) {  // no jump yet: only a later backward jump can come, from a reachable place
    if (reachable_) l.depth = depth_;
    return;
  }
  if (reachable_ && l.depth != depth_)
    internal_error(code_.empty() ? SourcePos{} : code_.back().pos,
                   "fall-through at stack depth " + std::to_string(depth_) + " meets jumps at " +
                       std::to_string(l.depth));
  if (!reachable_ && !l.used) return;
  depth_ = l.depth;
  reachable_ = true;
}

void BytecodeBuilder::emit(Op op, int32_t a, SourcePos pos, uint32_t word) {
  check_operand(a, pos);
  if (!reachable_) return;
  const OpInfo& info = op_info(op);
  int popped = info.popped(uint32_t(a));
  if (depth_ < popped)
    internal_error(pos, std::string(info.name) + " takes " + std::to_string(popped) + " values from a stack of " +
                            std::to_string(depth_));
  code_.push_back({op, a, word, -1, pos});
  depth_ += info.pushes - popped;
  max_depth_ = std::max(max_depth_, depth_);
  if (info.ends_block) reachable_ = false;
}

void BytecodeBuilder::emit_jump(Op op, Label target, SourcePos pos, int32_t a, uint32_t word) {
  if (!reachable_) return;
  const OpInfo& info = op_info(op);
  int before = depth_;
  emit(op, a, pos, word);
  code_.back().target = target;
  labels_[size_t(target)].used = true;
  arrive(target, before - info.popped(uint32_t(a)) + info.jump_pushes, pos);
}

// The deepest stack on any path once superinstructions may have replaced
// pushes: a walk in code order, restarting at each label's known depth.
int BytecodeBuilder::max_depth_after_fusion() const {
  std::vector<int> at(code_.size() + 1, -1);
  for (const LabelInfo& l : labels_)
    if (l.used && l.index >= 0) at[size_t(l.index)] = l.depth;
  int depth = 0, deepest = 0;
  bool live = true;
  for (size_t i = 0; i < code_.size(); ++i) {
    if (at[i] >= 0) {
      depth = at[i];
      live = true;
    }
    if (!live) continue;
    const OpInfo& info = op_info(code_[i].op);
    depth += info.pushes - info.popped(uint32_t(code_[i].a));
    deepest = std::max(deepest, depth);
    if (info.ends_block) live = false;
  }
  return deepest;
}

void BytecodeBuilder::finish(Proto& proto, bool superinstructions) {
  for (const LabelInfo& l : labels_)
    if (l.used && l.index < 0) internal_error({}, "a jump to a label never placed");
  if (superinstructions) {
    std::vector<bool> target(code_.size() + 1, false);
    for (const LabelInfo& l : labels_)
      if (l.used) target[size_t(l.index)] = true;
    std::vector<int32_t> moved, label_index;
    for (const LabelInfo& l : labels_) label_index.push_back(l.index);
    code_ = fuse_superinstructions(code_, target, label_index, moved);
    for (LabelInfo& l : labels_)
      if (l.index >= 0) l.index = moved[size_t(l.index)];
    max_depth_ = max_depth_after_fusion();
  }
  // Word offsets, then code with every jump resolved.
  std::vector<size_t> offset(code_.size() + 1, 0);
  for (size_t i = 0; i < code_.size(); ++i) offset[i + 1] = offset[i] + 1 + size_t(op_info(code_[i].op).extra_words);
  proto.code.clear();
  proto.positions.clear();
  for (size_t i = 0; i < code_.size(); ++i) {
    const Instr& in = code_[i];
    const OpInfo& info = op_info(in.op);
    int32_t a = in.a;
    uint32_t words[2] = {in.word, 0};
    if (info.has_jump()) {
      int64_t jump = int64_t(offset[size_t(labels_[size_t(in.target)].index)]) - int64_t(offset[i + 1]);
      if (jump_word(info.format) == 0) {
        check_operand(jump, in.pos);
        a = int32_t(jump);
      } else {
        words[jump_word(info.format) - 1] = uint32_t(int32_t(jump));
      }
    }
    proto.code.push_back(encode(in.op, a));
    for (int w = 0; w < info.extra_words; ++w) proto.code.push_back(words[w]);
    proto.positions.insert(proto.positions.end(), size_t(1 + info.extra_words), in.pos);
  }
  proto.max_stack = uint32_t(max_depth_);
}

}  // namespace gene
