// `submit --baseline RUN|latest|COMMIT`: judges a run just recorded against
// stored runs of the same suite, job by job, on the same hardware class.
//
// Method (docs/history.md, "Judging a run against its baseline"):
//   - The baseline of a job is the newest earlier run where it ended ok on
//     the same hardware class (`latest`), that run (`RUN`), or the newest
//     such run made by that commit (`COMMIT`).
//   - Exact statistics (deterministic counts) are compared exactly: any
//     difference is a fact. A count of work done (instructions, frames,
//     allocations, bytes, collections, ...) that grew is `slower`, one that
//     fell `faster`; ratios of counts (hit rates, tco_success_rate) and the
//     optimizer's and the program's own counts only show in `exact`, since
//     the counts of work behind them carry the verdict.
//   - CPU time is judged against the noise the baseline's own history
//     shows: the relative changes of its median between consecutive quiet
//     runs (noisy runs left out), over the last 30 runs up to the baseline.
//     A change beyond Q3 + 3 × IQR of those changes (at least --min-effect)
//     is significant (rustc-perf's rule). Fewer than 5 quiet runs, a noisy
//     baseline, or a noisy run that would be `slower` give `inconclusive`
//     with the reason: never a `slower` the data cannot carry.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "farm.pb.h"
#include "gene/coordinator/comparison.h"
#include "gene/coordinator/results_store.h"

namespace gene::coordinator {

struct BaselineSpec {
  enum class Kind { Latest, Run, Commit };
  Kind kind = Kind::Latest;
  int64_t run = 0;     // Kind::Run
  std::string commit;  // Kind::Commit: 4 to 40 hex digits, "-dirty" allowed
  std::string text;    // as given
};

// "latest", a run id, or a commit; INVALID_ARGUMENT otherwise.
absl::StatusOr<BaselineSpec> parse_baseline(const std::string& text);

// Whether the baseline can be found for `suite` before anything runs: a run
// id must be a run of that suite, a commit must have made some run of it.
// `latest` always passes (a first run has no baseline yet: its verdicts are
// inconclusive). A number that is no run id but names a commit of the
// suite becomes a commit. NOT_FOUND otherwise; FAILED_PRECONDITION when
// the store cannot be read.
absl::Status check_baseline(ResultsStore& store, BaselineSpec& spec, const std::string& suite);

struct BaselineOptions {
  double min_effect = 0.01;  // the least relative change of CPU time called slower or faster
  size_t max_history = 30;   // runs the noise estimate looks back over
  size_t min_history = 5;    // quiet runs it needs
};

// The least relative change of a median that counts as significant, from
// the relative changes between consecutive runs: Q3 + 3 × IQR of their
// magnitudes (quartiles as medians of the lower and upper halves), at
// least `min_effect`.
double significance_threshold(std::vector<double> changes, double min_effect);

// The verdict on one job's CPU time: candidate against baseline medians,
// with the baseline's history (medians of its quiet runs, oldest first,
// the baseline's own last). `noisy_*`: why that side was measured under
// noise ("" when it was not); `noisy_left_out`: noisy runs the history
// skipped (for the reason of an inconclusive verdict).
Comparison judge_time(const std::string& job, double baseline, double candidate, const std::vector<double>& history,
                      const std::string& noisy_baseline, const std::string& noisy_candidate,
                      const BaselineOptions& options, size_t noisy_left_out = 0);

// Each exact statistic both sides have: candidate / baseline (null when
// the baseline's is 0 and the candidate's is not), by name.
std::vector<std::pair<std::string, std::optional<double>>> exact_ratios(
    const std::map<std::string, StoredStatistic>& baseline, const std::map<std::string, double>& candidate,
    const std::vector<std::string>& exact_names);

// Exact statistics of one job: one comparison for `instructions` and one
// for every other count of work that changed, each with every exact ratio
// in `exact`.
std::vector<Comparison> judge_exact(const std::string& job, const std::map<std::string, StoredStatistic>& baseline,
                                    const std::map<std::string, double>& candidate,
                                    const std::vector<std::string>& exact_names);

// +1 when an exact statistic counts work done (more of it is slower), else
// 0 (a ratio, or a count of what the program or the optimizer chose).
int exact_direction(const std::string& statistic);

// Judges every job of `result` (recorded as run `run_id`) against the
// store. FAILED_PRECONDITION when the store cannot be read.
absl::StatusOr<std::vector<Comparison>> judge_against_baseline(ResultsStore& store, const BaselineSpec& spec,
                                                              const v1::SuiteResult& result, int64_t run_id,
                                                              const BaselineOptions& options);

// The table of verdicts printed after submit's summary, ending with a
// count per verdict.
std::string format_verdicts(const std::vector<Comparison>& comparisons, const BaselineSpec& spec);

// Whether some comparison says `slower` (submit then exits 1).
bool any_slower(const std::vector<Comparison>& comparisons);

// A verdict as SuiteResult.comparisons carries it from a coordinator to
// its submitter, and back.
v1::BaselineComparison comparison_to_proto(const Comparison& c);
Comparison comparison_from_proto(const v1::BaselineComparison& c);

}  // namespace gene::coordinator
