// The compiler's pipeline: one analysis walk, then each optimization pass
// its switch allows, then emission and, in debug builds and tests, the
// verifier over every function made. compiler_passes.h lists the passes.
#include "compiler.h"

#include "bytecode_verifier.h"
#include "compile_error.h"
#include "compiler_passes.h"

namespace gene {

std::unique_ptr<Program> compile_program(std::vector<NodePtr> forms, std::string file_name, Heap& heap,
                                         SymbolTable& symbols, const OptimizerOptions& optimizer,
                                         const std::vector<std::string>& predeclared) {
  auto program = std::make_unique<Program>();
  program->file_name = std::move(file_name);
  std::unique_ptr<ir::Module> module = analyze_program(forms, symbols, predeclared);
  if (optimizer.fold) program->constants_folded = fold_constants(*module);
  if (optimizer.dce) program->instructions_eliminated = eliminate_dead_code(*module);
  if (optimizer.inline_calls) program->calls_inlined = inline_calls(*module, symbols);
  emit_program(*module, *program, heap, symbols, optimizer);
  program->forms = std::move(forms);  // quoted syntax and inline guards point into it
  if (optimizer.verify) {
    std::string problem = verify_program(*program);
    if (!problem.empty()) throw CompileError{{}, "internal error: bad bytecode: " + problem};
  }
  return program;
}

}  // namespace gene
