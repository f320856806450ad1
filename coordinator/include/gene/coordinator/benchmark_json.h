// `coordinator submit --json OUT`: a suite's result in Google Benchmark's
// JSON format (docs/coordinator.md "--json OUT"), so that Google Benchmark's
// tools/compare.py compares two runs. One "iteration" entry per measured
// repetition and the aggregates _mean, _median, _stddev, _cv per job; VM
// statistics are top-level numeric keys, as Google Benchmark writes user
// counters; the program's value is the label; non-finite numbers are null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gene/coordinator/comparison.h"
#include "gene/coordinator/results.h"
#include "gene/report/host_context.h"

namespace gene::coordinator {

// Where the run was recorded and what it was judged against: the context
// gets `store` and `run_id`; with a baseline the document gets `baseline`
// (as given) and `comparisons` (the shared shape, comparison.h).
struct RunRecord {
  std::string store;              // the store's path; "" when nothing was recorded
  std::optional<int64_t> run_id;  // the run's id in it
  std::optional<std::string> baseline;
  std::vector<Comparison> comparisons;
};

// `host` describes the machine writing the file; the workers' hardware is
// in the context's `workers` and each job's `hardware`.
std::string benchmark_json(const v1::SuiteResult& result, const std::string& executable, const report::HostContext& host,
                           const RunRecord& record = {});

}  // namespace gene::coordinator
