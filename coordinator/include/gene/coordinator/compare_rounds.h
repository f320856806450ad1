// The rounds of `coordinator compare`, shared by local mode (two child
// worker processes) and the coordinator's Compare service (a pair of
// workers from its pool). Per job: calibrate once on the baseline (k runs
// per repetition reach min_time), one warm-up per side, then rounds of one
// k-run repetition per side, the order alternating (AB, BA, ...), fed to
// SequentialComparison until it gives a verdict at a look, or the job's
// time or rounds run out. Exact statistics are compared beside the metric.
// When the pair is renewable, each pair of processes serves the rounds of
// about kSampleSeconds and gives one sample of the statistics
// (paired_comparison.h), then a fresh pair, warmed up once, takes over.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "farm.pb.h"
#include "gene/coordinator/cancellation.h"
#include "gene/coordinator/compare_plan.h"

namespace gene::coordinator {

// A worker running one side's jobs.
class CompareSideRunner {
 public:
  virtual ~CompareSideRunner() = default;
  // Runs the job to its end: the worker's result, or a result with a
  // failed status (WORKER_LOST, CANCELLED, ...) and a message when the
  // call itself failed. Never throws; stops at once when `cancel` rises.
  virtual v1::JobResult run(const v1::JobRequest& request, Cancellation& cancel) = 0;
  virtual const v1::WorkerInfo& info() const = 0;
};

// The two sides of one job, held while it runs.
class SidePairLease {
 public:
  virtual ~SidePairLease() = default;
  virtual CompareSideRunner& baseline() = 0;
  virtual CompareSideRunner& candidate() = 0;
  // Whether renew() can replace both sides by fresh processes of the same
  // builds (local mode's child workers can; a farm's long-lived workers
  // cannot).
  virtual bool renewable() const { return false; }
  // Replaces both sides by fresh processes; baseline() and candidate() then
  // name the new ones. An error (the pair is then unusable) when they could
  // not be started.
  virtual absl::Status renew() { return absl::UnimplementedError("this pair of workers cannot be renewed"); }
};

// Where pairs come from.
class SidePairSource {
 public:
  virtual ~SidePairSource() = default;
  // A pair for `job`, waiting for one to be free; CANCELLED when
  // cancelled, another code saying why when there is none.
  virtual absl::StatusOr<std::unique_ptr<SidePairLease>> acquire(const ComparedJob& job, Cancellation& cancel) = 0;
  // How many jobs may be compared at once.
  virtual size_t parallelism() = 0;
};

using CompareEventSink = std::function<void(const v1::CompareEvent&)>;

// Compares every planned job and returns the result; events go to `sink`
// one at a time (accepted, rounds, job_done, finally the result). Jobs not
// reached when `cancel` rises end with the error "cancelled".
v1::CompareResult run_comparison(const ComparePlan& plan, SidePairSource& pairs, const CompareEventSink& sink,
                                 Cancellation& cancel);

// The verdict's word ("slower", ...) and back.
const char* comparison_verdict_word(v1::ComparisonVerdict verdict);

}  // namespace gene::coordinator
