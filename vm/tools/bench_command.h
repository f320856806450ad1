// `gene bench FILE`: runs a program N times in one process (each run a
// fresh VM through run_program) after warm-up runs, and reports wall and
// CPU time per repetition, their summary, the median statistics, and
// optionally Google Benchmark JSON.
#pragma once

#include "cli_options.h"

namespace gene::cli {

// Returns the exit status: 0 ok, 1 the program failed in some run.
int bench_command(const CliOptions& cli);

}  // namespace gene::cli
