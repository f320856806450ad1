// `gene run FILE`, `gene eval 'CODE'` and `gene disasm FILE`.
#pragma once

#include "cli_options.h"

namespace gene::cli {

// run and eval: the program's output to stdout (eval adds its value),
// `error: FILE:LINE:COL: MESSAGE` to stderr, --stats/--profile tables to
// stderr, --json after everything else. Returns 0 ok, 1 program error.
int run_command(const CliOptions& cli);

// disasm: the bytecode listing to stdout. Returns 0, or 1 on a reading error.
int disasm_command(const CliOptions& cli);

}  // namespace gene::cli
