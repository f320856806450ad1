#include "submit_reactor.h"

#include <chrono>

#include "gene/coordinator/baseline.h"
#include "gene/coordinator/report.h"
#include "gene/coordinator/run_recorder.h"
#include "gene/farm_text.h"
#include "gene/job_runner.h"

namespace gene::coordinator {

namespace {

// A status message travels in a header, which clients cap at 8 KiB by
// default (beyond it they see only RESOURCE_EXHAUSTED): as many problems as
// fit in 4 KiB, then how many more there are.
std::string manifest_problems(const std::string& path, const ManifestResult& manifest) {
  constexpr size_t kMaxStatusMessageBytes = 4096;
  std::string message;
  size_t shown = 0;
  for (const auto& d : manifest.errors) {
    std::string line = d.str();
    if (message.size() + line.size() + 1 > kMaxStatusMessageBytes - 64) break;
    message += (shown ? "\n" : "") + line;
    ++shown;
  }
  if (shown < manifest.errors.size())
    message += "\n" + path + ": and " + std::to_string(manifest.problems - shown) + " more problems";
  return message;
}

}  // namespace

SubmitReactor::SubmitReactor(const v1::SubmitRequest& request, std::string peer, const Context& with)
    : CoordinatorStream(with.running), request_(request), peer_(std::move(peer)), with_(with) {}

SubmitReactor* SubmitReactor::start(grpc::CallbackServerContext* context, const v1::SubmitRequest& request,
                                    const Context& with) {
  auto* reactor = new SubmitReactor(request, context->peer(), with);
  reactor->start_work("suite");
  return reactor;
}

grpc::Status SubmitReactor::run() {
  const v1::SubmitRequest& request = request_;
  WorkerPool& pool = with_.pool;
  // Echoed in every diagnostic: escaped and cut like any client text.
  const std::string path =
      request.manifest_path().empty() ? "manifest.yaml" : gene::farm::printable(request.manifest_path());
  if (request.has_repetitions() && (request.repetitions() < 1 || request.repetitions() > 10000))
    return {grpc::StatusCode::INVALID_ARGUMENT, "repetitions must be between 1 and 10000"};
  if (request.has_min_time_seconds() &&
      !(request.min_time_seconds() >= 0 && request.min_time_seconds() <= gene::farm::kMaxMinTimeSeconds))
    return {grpc::StatusCode::INVALID_ARGUMENT, "min_time_seconds must be between 0 and 86400"};
  if (request.has_min_effect() && !(request.min_effect() >= 0 && request.min_effect() <= 1))
    return {grpc::StatusCode::INVALID_ARGUMENT, "min_effect must be between 0 and 1"};
  if (request.baseline().size() > 64) return {grpc::StatusCode::INVALID_ARGUMENT, "baseline is longer than 64 bytes"};

  // Target names are checked against what the workers report; before any
  // worker has answered there is nothing to check them against.
  pool.wait_for_first_round(std::chrono::seconds(5));
  ManifestOptions manifest_options;
  if (auto names = pool.statistic_names(); !names.empty()) manifest_options.statistic_names = std::move(names);
  std::map<std::string, std::string> files(request.files().begin(), request.files().end());
  ManifestResult manifest =
      load_manifest(path, request.manifest(), map_file_resolver(std::move(files)), manifest_options);
  if (!manifest.suite) return {grpc::StatusCode::INVALID_ARGUMENT, manifest_problems(path, manifest)};
  const Suite& suite = *manifest.suite;
  PlanOptions plan_options;
  if (request.has_repetitions()) plan_options.repetitions = request.repetitions();
  plan_options.filter = request.filter();
  if (request.has_min_time_seconds()) plan_options.min_time = request.min_time_seconds();
  absl::StatusOr<Plan> planned = plan_jobs(suite, plan_options);
  if (!planned.ok()) return {grpc::StatusCode::INVALID_ARGUMENT, std::string(planned.status().message())};
  const Plan& plan = *planned;
  if (absl::Status matched = check_plan_selectors(suite, plan, pool); !matched.ok())
    return {grpc::StatusCode::FAILED_PRECONDITION, std::string(matched.message())};
  std::optional<BaselineSpec> baseline;
  BaselineOptions baseline_options;
  if (request.has_min_effect()) baseline_options.min_effect = request.min_effect();
  ResultsStore* store = with_.store;
  if (!request.baseline().empty()) {
    if (!store)
      return {grpc::StatusCode::FAILED_PRECONDITION,
              "--baseline: this coordinator keeps no results store (coordinator serve --store PATH)"};
    absl::StatusOr<BaselineSpec> parsed = parse_baseline(request.baseline());
    absl::Status checked = parsed.ok() ? check_baseline(*store, *parsed, suite.name) : parsed.status();
    if (!checked.ok()) return {grpc::StatusCode::FAILED_PRECONDITION, std::string(checked.message())};
    baseline = *std::move(parsed);
  }
  std::unique_ptr<RunRecorder> recorder;
  std::vector<std::string> store_errors;
  if (store) {
    RunStart start{suite.name, manifest_hash(request.manifest(), suite), "remote",
                   run_options_text(plan_options.filter, plan_options.repetitions, plan_options.min_time),
                   uint32_t(plan.jobs.size()), ""};
    absl::StatusOr<std::unique_ptr<RunRecorder>> begun = RunRecorder::begin(*store, start);
    // A store that refuses writes must not stop the farm: the suite runs,
    // and the submitter hears what was not recorded.
    if (begun.ok()) {
      recorder = *std::move(begun);
    } else {
      std::string why(begun.status().message());
      store_errors.push_back(why);
      log("error: " + why);
    }
  }

  log("suite " + suite.name + ": " + std::to_string(plan.jobs.size()) + " jobs from " + peer_);
  FarmMetrics* metrics = with_.metrics;
  // The result event waits until the run is recorded and judged.
  auto sink = [this](const v1::SubmitEvent& e) {
    if (!e.has_result()) send(e);
  };
  auto on_job = [&](const v1::JobOutcome& job, const v1::WorkerInfo& worker) {
    if (recorder) recorder->record(job, worker);
    if (metrics) metrics->job_finished(suite.name, job);
  };
  v1::SuiteResult result = run_suite(suite, plan, plan_options, pool, sink, cancel_, on_job);
  const bool cancelled = cancel_.cancelled();
  std::vector<Comparison> comparisons;
  if (recorder) {
    recorder->finish(cancelled);
    if (baseline && !cancelled)
      if (auto judged = recorder->judge(*baseline, result, baseline_options)) comparisons = std::move(*judged);
    for (const auto& failure : recorder->failures()) {
      store_errors.push_back(failure);
      log("error: " + failure);
    }
    result.set_run_id(recorder->run_id());
    result.set_store(store->path());
  }
  for (const auto& c : comparisons) *result.add_comparisons() = comparison_to_proto(c);
  for (const auto& e : store_errors) result.add_store_errors(e);
  if (metrics && !cancelled) {
    metrics->suite_finished(
        result, std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (baseline) metrics->comparisons_judged(result, comparisons);
  }
  log("suite " + suite.name + ": " +
      (cancelled ? "cancelled"
                 : std::string(result.all_targets_met() ? "all targets met" : "targets missed or jobs failed")) +
      " in " + format_seconds(result.suite_seconds()) +
      (recorder ? " (run " + std::to_string(recorder->run_id()) + ")" : ""));
  if (cancelled) return {grpc::StatusCode::CANCELLED, "the suite was cancelled"};
  v1::SubmitEvent e;
  *e.mutable_result() = std::move(result);
  send(e);
  return grpc::Status::OK;
}

}  // namespace gene::coordinator
