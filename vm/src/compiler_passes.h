// The compiler's passes, in the order compile_program() runs them:
//
//   analyze_program        syntax tree → IR: scopes, names, captures, tail positions
//   fold_constants         constant folding and propagation          (--no-fold)
//   eliminate_dead_code    branches never taken, values never used   (--no-dce)
//   inline_calls           small leaf functions at their call sites   (--no-inline)
//   emit_program           IR → bytecode through the bytecode builder, whose
//                          peephole pass fuses superinstructions     (--no-superinstructions)
//
// Each optimization pass returns what it did, for the statistics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bytecode.h"
#include "compiler_ir.h"
#include "gene/vm.h"
#include "heap.h"

namespace gene {

// Throws CompileError on a malformed special form.
std::unique_ptr<ir::Module> analyze_program(const std::vector<NodePtr>& forms, SymbolTable& symbols,
                                            const std::vector<std::string>& predeclared);

// Returns the number of operations and variable reads replaced by constants.
uint64_t fold_constants(ir::Module& module);

// Returns the number of instructions removed (by the cost model).
uint64_t eliminate_dead_code(ir::Module& module);

// Returns the number of call sites inlined.
uint64_t inline_calls(ir::Module& module, const SymbolTable& symbols);

void emit_program(const ir::Module& module, Program& program, Heap& heap, SymbolTable& symbols,
                  const OptimizerOptions& options);

// The instructions an expression compiles to when its value is used,
// without superinstructions: what dead-code elimination counts as removed
// and what the inliner's size limit measures (as Luau's CostModel does).
uint64_t instruction_cost(const ir::Expr* e);

}  // namespace gene
