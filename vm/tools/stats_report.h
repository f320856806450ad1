// The VM statistics as people and programs read them: the grouped
// `--stats` table (with the `--profile` instruction mix and hotspots) and
// the one-object `--json` report of `gene run` / `gene eval`.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gene/vm.h"

namespace gene::cli {

using Scalars = std::vector<std::pair<std::string, std::optional<double>>>;

// Prints the statistics grouped (execution, frames & calls, memory,
// optimizer; any other name under "other"), each formatted by its unit,
// and the five upstream performance targets met (✓) or missed (✗) beside
// the statistics they apply to.
void print_stats_table(std::FILE* out, const Scalars& scalars);

// Prints the --profile sections: instruction mix (count and share per
// opcode) and hotspots (top functions and top lines by instructions).
// Prints nothing when the run was not profiled.
void print_profile(std::FILE* out, const gene::Stats& stats);

// `gene run/eval --json`: value, error, every statistic by its
// name, and instruction_mix / hotspots when profiled.
std::string run_json(const gene::RunResult& result);

}  // namespace gene::cli
