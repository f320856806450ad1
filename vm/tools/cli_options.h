// The `gene` command line: which command, its target, and every option,
// parsed once for all commands. Usage errors exit with status 2.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gene/vm.h"

namespace gene::cli {

struct CliOptions {
  std::string command;             // run, eval, disasm, bench
  std::string target;              // FILE, or CODE for eval
  std::vector<gene::Param> params; // --param k=v, in command-line order
  gene::RunOptions run;            // optimizer, limits, --profile, --trace
  bool stats = false;              // --stats
  std::string json_out;            // --json OUT ("" = none, "-" = stdout)
  uint64_t repetitions = 5;        // bench: --repetitions N
  uint64_t warmup = 1;             // bench: --warmup N
  std::string program_name;        // argv[0]
};

// Parses argv; prints usage or version and exits 0 for --help/--version,
// exits 2 with a message on a usage error. Applies GENE_TRACE=1 and
// GENE_PROFILE=1 from the environment.
CliOptions parse_cli(int argc, char** argv);

// Prints "error: MESSAGE" and a hint to stderr, then exits with status 2.
[[noreturn]] void usage_error(const std::string& message);

}  // namespace gene::cli
