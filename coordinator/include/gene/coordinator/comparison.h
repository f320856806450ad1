// The record of one job compared between two builds, and its JSON: what
// `coordinator compare` reports per job and `submit --baseline` reports per
// job against stored runs. Both write the same `comparisons` entries with
// the same verdict words (paired_comparison.h), through this one writer.
//
//   {"name", "metric", "verdict", "ratio", "ci_low", "ci_high", "rounds",
//    "seconds", "baseline_median", "candidate_median", "exact": {stat: ratio},
//    "reason", ...extras}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gene/coordinator/paired_comparison.h"
#include "gene/report/json_writer.h"

namespace gene::coordinator {

struct Comparison {
  std::string name;    // the job: `fib/n:30`
  std::string metric;  // `cpu`, `wall`, or a statistic's name (`instructions`)
  Verdict verdict = Verdict::Inconclusive;
  // Candidate / baseline of the metric with its confidence interval; absent
  // when there is no estimate (a failed job, too few rounds).
  std::optional<double> ratio, ci_low, ci_high;
  uint32_t rounds = 0;  // rounds measured (each one value per side)
  double seconds = 0;   // wall time the comparison took
  // The metric's median per side (seconds for cpu and wall, else the
  // statistic's unit); absent without a value.
  std::optional<double> baseline_median, candidate_median;
  // Exact statistics (deterministic counts) compared exactly: statistic →
  // candidate / baseline, in statistic order. A ratio other than 1 is a
  // fact, not an estimate. Absent (null) when the baseline's count is 0 and
  // the candidate's is not.
  std::vector<std::pair<std::string, std::optional<double>>> exact;
  std::string reason;  // how the verdict was reached, or why there is none
  // Extras, written only when set.
  std::optional<double> confidence;  // the interval's level, after the adjustments for looks and jobs
  std::string error;                 // the job failed on a side: what happened (the verdict is then inconclusive)
  std::vector<double> baseline_values, candidate_values;  // the metric per round, in round order
  // `submit --baseline` judges against stored runs, not rounds (rounds and
  // seconds are then 0): the stored run it compared with, how many stored
  // runs the noise estimate rests on, and the relative change it took as
  // significant.
  std::optional<int64_t> baseline_run;
  std::optional<uint32_t> history_runs;
  std::optional<double> threshold;
};

// The exact ratios that differ from 1, e.g. "instructions +20.00%,
// allocations -3.10%" (a ratio without a value: "frames_allocated new");
// "" when every exact count is the same on both sides.
std::string format_exact_differences(const Comparison& c);

// Writes one `comparisons` entry as a JSON object (the caller's writer is
// inside an array).
void write_comparison(report::JsonWriter& j, const Comparison& c);

// The build one side ran (from its worker's Describe).
struct ComparedBuild {
  std::string version, commit, build_id, compiler, flags;
  bool dirty = false;
  std::string worker;   // the worker's name
  std::string host;     // its `host` label
  std::string options;  // the side's VM options over the manifest's (`optimize=1`), "" for none
  std::string side;     // how the side was chosen: a worker binary, or label selectors (`label:class=fast`)
};

// Writes {"version", "commit", "dirty", "build_id", "compiler", "flags",
// "worker", "host", "options", "side"} as the value of the current key.
void write_build(report::JsonWriter& j, const ComparedBuild& b);

}  // namespace gene::coordinator
