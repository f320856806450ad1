// The pairs of `compare`'s local mode: a baseline and a candidate worker
// started as child processes of this one, alike in everything but their
// binary (one CPU for both, no address randomization; see child_worker.h),
// and replaced by a fresh pair whenever the rounds ask (SidePairLease::
// renew): a process can run a few percent faster or slower than another of
// the same binary for as long as it lives, so the rounds sample processes
// as well as runs.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gene/coordinator/child_worker.h"
#include "gene/coordinator/compare_rounds.h"
#include "gene/coordinator/worker_connection.h"

namespace gene::coordinator {

// One side's worker process and the connection to it.
struct LocalSide {
  std::unique_ptr<ChildWorker> process;
  std::unique_ptr<WorkerConnection> connection;
};

// Both sides, started from the binaries at `baseline_path` and
// `candidate_path`, pinned to `cpu` (-1: not pinned), each described
// (info() is filled). An error naming the side on failure. Must be called
// from the main thread (see ChildWorker::start).
struct LocalPair {
  LocalSide baseline, candidate;
  static absl::StatusOr<LocalPair> start(const std::string& baseline_path, const std::string& candidate_path,
                                         int cpu);
  // Closes the connections, then stops both workers (idempotent).
  void stop();
};

// The pairs for run_comparison(): one job at a time, on the current pair,
// which a lease may replace.
class LocalPairs final : public SidePairSource {
 public:
  LocalPairs(LocalPair& first, std::string baseline_path, std::string candidate_path, int cpu)
      : pair_(first), baseline_path_(std::move(baseline_path)), candidate_path_(std::move(candidate_path)),
        cpu_(cpu) {}
  absl::StatusOr<std::unique_ptr<SidePairLease>> acquire(const ComparedJob&, Cancellation&) override;
  size_t parallelism() override { return 1; }  // one machine: jobs at once would disturb each other
  // How many pairs have been started after the first.
  int renewals() const { return renewals_; }

 private:
  struct Lease;
  absl::Status renew();

  LocalPair& pair_;
  const std::string baseline_path_, candidate_path_;
  const int cpu_;
  int renewals_ = 0;
};

}  // namespace gene::coordinator
