// The peephole pass: superinstructions for hot instruction sequences. It
// runs on the builder's instruction list before layout, so jumps are still
// labels and a fused sequence never swallows an instruction that a jump
// reaches. Each fusion is one row of a table in compiler_peephole.cc.
#pragma once

#include <cstdint>
#include <vector>

#include "bytecode_builder.h"

namespace gene {

// Returns the fused code. `target[i]` says a jump reaches instruction i
// (target has code.size() + 1 entries), `label_index[l]` is where label l
// was placed; `moved[i]` receives the new index of old instruction i, and
// moved[code.size()] the new end.
std::vector<Instr> fuse_superinstructions(const std::vector<Instr>& code, const std::vector<bool>& target,
                                          const std::vector<int32_t>& label_index, std::vector<int32_t>& moved);

}  // namespace gene
