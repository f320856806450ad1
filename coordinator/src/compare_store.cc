#include "gene/coordinator/compare_store.h"

#include <cstdio>

#include "gene/coordinator/compare_report.h"
#include "gene/coordinator/noise.h"
#include "gene/coordinator/results.h"
#include "gene/coordinator/run_recorder.h"

namespace gene::coordinator {

namespace {

// `runs.options` of a comparison's run: which side, and what it ran with.
std::string options_text(const v1::CompareResult& result, const char* side) {
  const v1::CompareSettings& s = result.settings();
  char buf[160];
  std::snprintf(buf, sizeof buf, "compare, %s side of %s: --metric %s --min-effect %g%% --confidence %g%%", side,
                (result.suite() + (result.candidate_suite() != result.suite() ? " vs " + result.candidate_suite()
                                                                             : std::string()))
                    .c_str(),
                s.metric().c_str(), s.min_effect() * 100, s.confidence() * 100);
  std::string text = buf;
  const std::string extra =
      run_options_text(s.filter(), std::nullopt,
                       s.has_min_time_seconds() ? std::optional<double>(s.min_time_seconds()) : std::nullopt);
  return extra.empty() ? text : text + " " + extra;
}

const Job* find_job(const Suite& suite, const std::string& name) {
  for (const Job& j : suite.jobs)
    if (j.name == name) return &j;
  return nullptr;
}

// One side's run; 0 when it could not be begun.
int64_t record_side(ResultsStore& store, const ComparedSuite& side, const char* name, const std::string& mode,
                    v1::CompareResult& result, const v1::WorkerInfo& worker, bool baseline) {
  RunStart start;
  start.suite = side.suite->name;
  start.manifest_hash = manifest_hash(side.manifest_text, *side.suite);
  start.mode = mode;
  start.options = options_text(result, name);
  start.jobs_planned = uint32_t(result.jobs_size());
  absl::StatusOr<std::unique_ptr<RunRecorder>> begun = RunRecorder::begin(store, start);
  if (!begun.ok()) {
    *result.add_store_errors() = std::string(begun.status().message());
    return 0;
  }
  RunRecorder* recorder = begun->get();
  for (const v1::JobComparison& c : result.jobs()) {
    const Job* job = find_job(*side.suite, c.name());
    if (!job) continue;
    v1::JobResult rounds = baseline ? c.baseline_result() : c.candidate_result();
    if (rounds.status() == v1::JOB_STATUS_UNSPECIFIED) {  // never reached a worker
      rounds.set_status(v1::JOB_STATUS_CANCELLED);
      rounds.set_error_message(c.error());
    }
    v1::JobOutcome outcome = judge_job(*side.suite, *job, rounds, hardware_class(worker), 1);
    judge_noise(outcome, worker, 0);
    recorder->record(outcome, worker);
  }
  recorder->finish(result.cancelled());
  for (const auto& failure : recorder->failures()) *result.add_store_errors() = failure;
  return recorder->run_id();
}

}  // namespace

void record_comparison(ResultsStore& store, const ComparedSuite& baseline, const ComparedSuite& candidate,
                       const std::string& mode, v1::CompareResult& result) {
  result.set_store(store.path());
  const v1::WorkerInfo baseline_worker = result.baseline(), candidate_worker = result.candidate();
  const int64_t b = record_side(store, baseline, "baseline", mode, result, baseline_worker, true);
  const int64_t c = record_side(store, candidate, "candidate", mode, result, candidate_worker, false);
  result.set_baseline_run(b);
  result.set_candidate_run(c);
  if (!b || !c) return;
  std::vector<Comparison> comparisons;
  for (const v1::JobComparison& job : result.jobs()) {
    Comparison record = comparison_record(job);
    record.baseline_run = b;
    comparisons.push_back(std::move(record));
  }
  if (absl::Status recorded = store.record_comparisons(c, "compare", comparisons); !recorded.ok())
    *result.add_store_errors() = std::string(recorded.message());
}

}  // namespace gene::coordinator
