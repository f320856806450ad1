// The "benchmarks" entries of Google Benchmark's JSON format, written once
// for `gene bench --json` and `coordinator submit --json`: one "iteration"
// entry per measured repetition, then the aggregates `_mean`, `_median`,
// `_stddev` and `_cv` (summary.h computes them). Times are per run in
// milliseconds; statistics are top-level numeric keys, as Google Benchmark
// writes user counters (null when absent or not finite); the program's
// value is the `label`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gene/report/json_writer.h"
#include "gene/report/summary.h"

namespace gene::report {

// One measured repetition: its times per run (a calibrated repetition runs
// the program `iterations` times and reports the mean) and its statistics.
struct RepetitionSample {
  double wall_seconds = 0;
  double cpu_seconds = 0;
  uint64_t iterations = 1;
  std::vector<std::pair<std::string, std::optional<double>>> statistics;
};

// One job (one benchmark with one parameter combination).
struct JobSamples {
  std::string name;  // e.g. fib/n:30
  int family_index = 0;
  int per_family_instance_index = 0;
  std::string label;                  // the program's value
  std::optional<std::string> error;   // marks every entry error_occurred; no aggregates then
  std::vector<std::string> statistic_names;  // the order of the statistic keys
  std::vector<RepetitionSample> repetitions;
};

enum class Aggregate { Mean, Median, Stddev, Cv };

// The aggregate `a` of a summary; absent when the summary is.
std::optional<double> aggregate_of(const std::optional<Summary>& s, Aggregate a);

// Writers' own members, after the statistics and before the label: of the
// repetition at `index`, and of each aggregate.
struct EntryExtras {
  std::function<void(JsonWriter&, size_t index)> repetition;
  std::function<void(JsonWriter&, Aggregate)> aggregate;
};

// Appends the job's entries to the open "benchmarks" array. A job with an
// error gets no aggregates; one with an error and no repetition gets one
// entry carrying the error, as Google Benchmark writes a benchmark that
// stopped with an error.
void write_job_entries(JsonWriter& j, const JobSamples& job, const EntryExtras& extras = {});

}  // namespace gene::report
