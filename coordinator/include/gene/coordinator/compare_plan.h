// What `coordinator compare` will run, decided before anything runs: the
// two sides as the user wrote them, the settings with their defaults and
// limits, the metric, and the jobs of the two suites matched by name, each
// with the request its side sends. Shared by local mode and the
// coordinator's Compare service, so both refuse the same bad input with
// the same words.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "farm.pb.h"
#include "gene/coordinator/manifest.h"
#include "gene/coordinator/suite_runner.h"

namespace gene::coordinator {

// Defaults: metric cpu, min_effect 1%, confidence 99%, 60 s and 1000
// rounds per job.
v1::CompareSettings default_compare_settings();

// OK when the settings are within their limits (farm.proto
// CompareSettings), else INVALID_ARGUMENT naming the option.
absl::Status check_compare_settings(const v1::CompareSettings& settings);

// Whether a statistic is a cost (more of it is slower): counts, seconds and
// bytes are; rates (`*_per_second`), shares and ratios (`*_rate*`,
// `*_ratio`) are not, since a higher one is better.
bool is_cost_statistic(const std::string& name);

// OK when `metric` is cpu, wall, or a cost statistic every side reports
// (`names` of each side); else INVALID_ARGUMENT saying why not, with a
// suggestion.
absl::Status check_metric(const std::string& metric, const std::vector<std::vector<std::string>>& names);

// A side as written on the command line. Local mode: `PATH[,K=V...]`, a
// worker binary with VM options (`optimize=0..2`, `max_heap=SIZE`,
// `max_depth=N`). With --coordinator: `label:K=V[,K=V...]`, label selectors,
// where the same three keys are VM options rather than labels.
struct SideSpec {
  std::string worker_path;  // local mode only
  v1::CompareSide side;     // selectors, VM options and the text as written
};
// INVALID_ARGUMENT when the text is malformed (unknown option, bad value, a
// label side without --coordinator or the reverse).
absl::StatusOr<SideSpec> parse_side(const std::string& text, bool distributed);

// One job present in both suites, with each side's request for a round:
// one repetition, no warm-up, the side's VM options applied. The rounds
// fill in `iterations` (the calibrated k) before sending it.
struct ComparedJob {
  std::string name;
  v1::JobRequest baseline, candidate;
  Selectors baseline_selectors, candidate_selectors;  // the side's over the benchmark's hardware selectors
  double min_time_seconds = 0.1;                      // the calibration's target
  uint32_t calibration_warmup = 1;                    // warm-ups before the baseline's calibration
};

struct ComparePlan {
  std::string suite, candidate_suite;
  std::vector<ComparedJob> jobs;  // in the baseline suite's order
  std::vector<v1::UnmatchedJob> unmatched;
  v1::CompareSettings settings;
  v1::CompareSide baseline_side, candidate_side;
};

// Matches the suites' jobs by name (after the filter) and builds every
// request; `candidate` null: the baseline's suite on both sides.
// INVALID_ARGUMENT when the filter is bad or no job is in both suites, or
// a side's selectors contradict a benchmark's hardware selectors.
absl::StatusOr<ComparePlan> plan_comparison(const Suite& baseline, const Suite* candidate,
                                            const v1::CompareSide& baseline_side, const v1::CompareSide& candidate_side,
                                            const v1::CompareSettings& settings);

}  // namespace gene::coordinator
