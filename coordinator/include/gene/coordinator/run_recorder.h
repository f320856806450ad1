// One run's life in the results store, shared by local submits and
// `coordinator serve`: the run row before any job runs, each job in its own
// transaction as it finishes (from any thread), the end, and with a
// baseline the verdicts. A job that cannot be recorded does not stop the
// suite: the failure is kept and reported once.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gene/coordinator/baseline.h"
#include "gene/coordinator/results_store.h"

namespace gene::coordinator {

class RunRecorder {
 public:
  // Writes the run row; the store's FAILED_PRECONDITION when it refuses it.
  static absl::StatusOr<std::unique_ptr<RunRecorder>> begin(ResultsStore& store, const RunStart& run);

  int64_t run_id() const { return run_id_; }
  ResultsStore& store() { return store_; }

  // A finished job and the worker that ran it.
  void record(const v1::JobOutcome& job, const v1::WorkerInfo& worker);
  // Every job of a finished suite (a remote run's local copy), each with
  // its worker from the result.
  void record_all(const v1::SuiteResult& result);
  // The run ended.
  void finish(bool cancelled);
  // Judges the run against `spec` and records the verdicts; nullopt when the
  // store could not be read (the failure is kept).
  std::optional<std::vector<Comparison>> judge(const BaselineSpec& spec, const v1::SuiteResult& result,
                                               const BaselineOptions& options);

  // What could not be recorded, one message each (empty when all was).
  std::vector<std::string> failures() const;

 private:
  RunRecorder(ResultsStore& store, int64_t run_id) : store_(store), run_id_(run_id) {}
  void failed(const std::string& message);

  ResultsStore& store_;
  int64_t run_id_;
  mutable std::mutex mu_;
  std::vector<std::string> failures_;
};

// The options a run was asked to run with, as stored in `runs.options`:
// "--filter fib --repetitions 3 --min-time 0.5s".
std::string run_options_text(const std::string& filter, std::optional<uint32_t> repetitions,
                             std::optional<double> min_time_seconds);

}  // namespace gene::coordinator
