// Compiler: syntax tree → bytecode. Names are resolved here: locals to
// slots, captured variables to boxes, everything else to global slots.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bytecode.h"
#include "gene/vm.h"
#include "heap.h"

namespace gene {

// Compiles a whole program. `predeclared` names (host parameters) get
// global slots first, in order, so the host can bind them by index.
std::unique_ptr<Program> compile_program(std::vector<NodePtr> forms, std::string file_name,
                                         Heap& heap, SymbolTable& symbols,
                                         const OptimizerOptions& optimizer,
                                         const std::vector<std::string>& predeclared = {});

}  // namespace gene
