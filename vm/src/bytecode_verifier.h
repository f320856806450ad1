// The bytecode verifier: checks, from the opcode table alone, that a
// compiled function decodes, that every operand names something that
// exists, that every jump lands on an instruction, and that the operand
// stack has one depth at every instruction on every path, never below
// zero and never above the function's max_stack. The compiler runs it in
// debug builds and whenever OptimizerOptions::verify is set (the tests,
// `gene run --verify-bytecode`).
#pragma once

#include <string>

#include "bytecode.h"

namespace gene {

// "" when the function is well formed, else the first problem found,
// as "function NAME at PC: PROBLEM".
std::string verify_function(const Proto& proto, const Program& program);

// The first problem in any function of the program, or "".
std::string verify_program(const Program& program);

}  // namespace gene
