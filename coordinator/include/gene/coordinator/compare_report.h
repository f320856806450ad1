// What `coordinator compare` prints and writes from a CompareResult (the
// same in local and distributed mode): the table on stdout, the JSON
// document, and the exit status.
#pragma once

#include <string>

#include "farm.pb.h"
#include "gene/coordinator/comparison.h"

namespace gene::coordinator {

namespace v1 = ::gene::farm::v1;

// The record of a compared job (JSON, and the results store).
Comparison comparison_record(const v1::JobComparison& job);

// The build a side ran, from its worker's description.
ComparedBuild compared_build(const v1::WorkerInfo& worker, const v1::CompareSide& side);

// A side's VM options as text, "optimize=1, max_depth=500"; "" for none.
std::string format_side_options(const v1::VmOptions& vm);

// A ratio as a signed change: 1.2031 → "+20.31%", 0.95 → "-5.00%".
std::string format_change(double ratio);

// The metric's value in its unit: seconds for cpu and wall, else a number.
std::string format_metric_value(const std::string& metric, double value);

// The header, one row per job (verdict, change, ratio and interval,
// rounds, time, both medians, exact differences), the reasons of jobs
// without a verdict, unmatched jobs, and a last line counting verdicts.
std::string format_comparison_table(const v1::CompareResult& result);

// {"baseline": {build}, "candidate": {build}, "comparisons": [...], plus
// "suite", "candidate_suite", "metric", "confidence", "min_effect",
// "max_time", "max_rounds", "unmatched", "cancelled", "seconds", "date",
// and when recorded "store", "baseline_run", "candidate_run"}.
std::string comparison_json(const v1::CompareResult& result, const std::string& date);

// 0 when no job is slower and none failed, else 1.
int compare_exit_status(const v1::CompareResult& result);

}  // namespace gene::coordinator
