// From a worker's raw result to a judged outcome: per-statistic medians over
// the repetitions, each target checked against its median, and the suite's
// verdict and exit status. The same code judges local and distributed runs,
// so both produce the same SuiteResult.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "farm.pb.h"
#include "gene/coordinator/manifest.h"
#include "gene/report/summary.h"

namespace gene::coordinator {

namespace v1 = ::gene::farm::v1;

// Aggregates of a sample: the one summary every report uses.
using report::Summary;
using report::summarize;

// Above this coefficient of variation a measurement is flagged as noisy.
using report::kNoisyCv;

// The values of one statistic over a result's repetitions (repetitions
// where it is absent are skipped).
std::vector<double> statistic_values(const v1::JobResult& result, const std::string& statistic);
std::vector<double> wall_seconds(const v1::JobResult& result);
std::vector<double> cpu_seconds(const v1::JobResult& result);

// The hardware class of a worker: its `class` label if set, else its arch.
std::string hardware_class(const v1::WorkerInfo& worker);

// Judges a finished job: copies its name and parameters, computes the
// median statistics and a verdict for every target of its benchmark (not
// applicable when the job did not end OK or the statistic is absent).
v1::JobOutcome judge_job(const Suite& suite, const Job& job, v1::JobResult result, const std::string& hardware,
                         uint32_t attempts);

// Sets `all_targets_met`: every job ended OK and no applicable target was missed.
void judge_suite(v1::SuiteResult& result);

// Exit status of `coordinator submit`.
inline constexpr int kExitAllMet = 0;
inline constexpr int kExitMissed = 1;    // a target missed or a job failed
inline constexpr int kExitUnusable = 2;  // bad manifest, no matching worker, farm unreachable
int exit_status(const v1::SuiteResult& result);

// How far a value is from a target's threshold, signed so that positive
// means "met with room to spare": a relative margin ((v - t) / |t| for > and
// >=, reversed for < and <=) when the threshold is not 0, else an absolute
// one. nullopt for == and != (met or not, no margin).
struct Margin {
  double amount = 0;
  bool relative = true;
};
std::optional<Margin> target_margin(const v1::TargetVerdict& verdict);

// "ok", "program_error", … (the JobStatus name without its prefix, lower case).
std::string status_label(v1::JobStatus status);

}  // namespace gene::coordinator
