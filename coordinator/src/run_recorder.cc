#include "gene/coordinator/run_recorder.h"

#include <cstdio>

namespace gene::coordinator {

absl::StatusOr<std::unique_ptr<RunRecorder>> RunRecorder::begin(ResultsStore& store, const RunStart& run) {
  absl::StatusOr<int64_t> id = store.begin_run(run);
  if (!id.ok()) return id.status();
  return std::unique_ptr<RunRecorder>(new RunRecorder(store, *id));
}

void RunRecorder::failed(const std::string& message) {
  std::lock_guard lock(mu_);
  failures_.push_back(message);
}

void RunRecorder::record(const v1::JobOutcome& job, const v1::WorkerInfo& worker) {
  if (absl::Status recorded = store_.record_job(run_id_, job, worker); !recorded.ok())
    failed(std::string(recorded.message()));
}

void RunRecorder::record_all(const v1::SuiteResult& result) {
  for (const auto& job : result.jobs()) {
    auto it = result.workers().find(job.result().worker());
    record(job, it == result.workers().end() ? v1::WorkerInfo() : it->second);
  }
}

void RunRecorder::finish(bool cancelled) {
  if (absl::Status finished = store_.finish_run(run_id_, cancelled); !finished.ok())
    failed(std::string(finished.message()));
}

std::optional<std::vector<Comparison>> RunRecorder::judge(const BaselineSpec& spec, const v1::SuiteResult& result,
                                                          const BaselineOptions& options) {
  auto comparisons = judge_against_baseline(store_, spec, result, run_id_, options);
  if (!comparisons.ok()) {
    failed("cannot judge run " + std::to_string(run_id_) + " against its baseline: " +
           std::string(comparisons.status().message()));
    return std::nullopt;
  }
  if (absl::Status recorded = store_.record_comparisons(run_id_, "baseline", *comparisons); !recorded.ok())
    failed(std::string(recorded.message()));
  return *std::move(comparisons);
}

std::vector<std::string> RunRecorder::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

std::string run_options_text(const std::string& filter, std::optional<uint32_t> repetitions,
                             std::optional<double> min_time_seconds) {
  std::string s;
  if (!filter.empty()) s += "--filter '" + filter + "'";
  if (repetitions) s += std::string(s.empty() ? "" : " ") + "--repetitions " + std::to_string(*repetitions);
  if (min_time_seconds) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%gs", *min_time_seconds);
    s += std::string(s.empty() ? "" : " ") + "--min-time " + buf;
  }
  return s;
}

}  // namespace gene::coordinator
