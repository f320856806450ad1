// `coordinator submit --json OUT`: a suite's result in Google Benchmark's
// JSON format (DESIGN.md "Coordinator"), so that Google Benchmark's
// tools/compare.py compares two runs. One "iteration" entry per measured
// repetition and the aggregates _mean, _median, _stddev, _cv per job; VM
// statistics are top-level numeric keys, as Google Benchmark writes user
// counters; the program's value is the label; non-finite numbers are null.
#pragma once

#include <string>

#include "gene/report/host_context.h"
#include "gene/coordinator/results.h"

namespace gene::coordinator {

// `host` describes the machine writing the file; the workers' hardware is
// in the context's `workers` and each job's `hardware`.
std::string benchmark_json(const v1::SuiteResult& result, const std::string& executable, const report::HostContext& host);

}  // namespace gene::coordinator
