// The bytecode builder: the emitter writes instructions and symbolic labels
// here, and finish() lays them out as words in a Proto. It keeps the
// operand stack depth from the opcode table as instructions arrive (no
// stack effect is ever passed by hand), checks that every jump reaches its
// label at one depth, and drops what follows an instruction that ends a
// block until a label some jump reaches is bound: code that cannot run is
// never emitted. Before layout, the peephole pass (compiler_peephole.cc)
// may fuse instructions into superinstructions.
#pragma once

#include <cstdint>
#include <vector>

#include "bytecode.h"

namespace gene {

struct Instr {
  Op op;
  int32_t a = 0;
  uint32_t word = 0;   // SlotStep: the step; GlobalGuard: the inlined fn
  int32_t target = -1;  // jump formats: a label
  SourcePos pos;
};

class BytecodeBuilder {
 public:
  using Label = int32_t;

  Label new_label();
  // Places the label before the next instruction.
  void bind(Label label);
  void emit(Op op, int32_t a, SourcePos pos, uint32_t word = 0);
  // An instruction whose format has a jump, to `target`.
  void emit_jump(Op op, Label target, SourcePos pos, int32_t a = 0, uint32_t word = 0);

  int depth() const { return depth_; }
  bool reachable() const { return reachable_; }

  // Fuses superinstructions when asked, then writes code, positions and
  // max_stack into the proto. Throws CompileError when a jump or an operand
  // does not fit its field.
  void finish(Proto& proto, bool superinstructions);

 private:
  struct LabelInfo {
    int32_t index = -1;  // the instruction it precedes, once bound
    int depth = -1;      // the stack depth every jump to it must bring
    bool used = false;   // some kept jump goes there
  };
  std::vector<Instr> code_;
  std::vector<LabelInfo> labels_;
  int depth_ = 0;
  int max_depth_ = 0;
  bool reachable_ = true;

  void arrive(Label label, int depth, SourcePos pos);
  int max_depth_after_fusion() const;
};

}  // namespace gene
