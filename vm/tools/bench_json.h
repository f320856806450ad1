// `gene bench --json`: Google Benchmark's JSON format, so that its
// tools/compare.py can compare two runs; the entries are written by the
// same code as `coordinator submit --json`'s (gene/report/benchmark_entries.h).
#pragma once

#include <string>
#include <vector>

#include "gene/report/benchmark_entries.h"
#include "gene/report/host_context.h"
#include "stats_report.h"

namespace gene::cli {

struct Repetition {
  double wall_seconds = 0;  // around the whole run_program call
  double cpu_seconds = 0;   // process CPU time over the same span
  Scalars stats;            // Stats::scalars() of that run
};

struct BenchRun {
  std::string name;  // <file stem>[/<param>:<value>...]
  std::string value; // the program's value (display text)
  std::vector<Repetition> repetitions;
};

// The run's repetitions as the shared entry writer takes them.
report::JobSamples bench_samples(const BenchRun& run);

// {"context": {...}, "benchmarks": [one "iteration" entry per repetition,
// then the "aggregate" entries _mean, _median, _stddev, _cv]}.
std::string bench_json(const BenchRun& run, const report::HostContext& host, const std::string& executable);

}  // namespace gene::cli
