#include "gene/coordinator/coordinator_service.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gene/coordinator/report.h"
#include "gene/farm_security.h"
#include "gene/job_runner.h"

namespace gene::coordinator {

CoordinatorService::CoordinatorService(WorkerPool& pool, std::string token, FarmMetrics* metrics,
                                       std::function<void(const std::string&)> log)
    : pool_(pool), token_(std::move(token)), metrics_(metrics), log_(std::move(log)) {}

grpc::Status CoordinatorService::ListWorkers(grpc::ServerContext* context, const v1::ListWorkersRequest*,
                                             v1::ListWorkersResponse* response) {
  grpc::Status auth = gene::farm::check_bearer_token(context->client_metadata(), token_);
  if (!auth.ok()) return auth;
  for (auto& s : pool_.statuses()) *response->add_workers() = std::move(s);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::Submit(grpc::ServerContext* context, const v1::SubmitRequest* request,
                                        grpc::ServerWriter<v1::SubmitEvent>* writer) {
  grpc::Status auth = gene::farm::check_bearer_token(context->client_metadata(), token_);
  if (!auth.ok()) return auth;
  const std::string path = request->manifest_path().empty() ? "manifest.yaml" : request->manifest_path();
  if (request->has_repetitions() && (request->repetitions() < 1 || request->repetitions() > 10000))
    return {grpc::StatusCode::INVALID_ARGUMENT, "repetitions must be between 1 and 10000"};
  if (request->has_min_time_seconds() &&
      !(request->min_time_seconds() >= 0 && request->min_time_seconds() <= gene::farm::kMaxMinTimeSeconds))
    return {grpc::StatusCode::INVALID_ARGUMENT, "min_time_seconds must be between 0 and 86400"};

  // Target names are checked against what the workers report; before any
  // worker has answered there is nothing to check them against.
  pool_.wait_for_first_round(std::chrono::seconds(5));
  ManifestOptions manifest_options;
  if (auto names = pool_.statistic_names(); !names.empty()) manifest_options.statistic_names = std::move(names);
  std::map<std::string, std::string> files(request->files().begin(), request->files().end());
  ManifestResult manifest =
      load_manifest(path, request->manifest(), map_file_resolver(std::move(files)), manifest_options);
  if (!manifest.suite) {
    std::string message = format_diagnostics(manifest.errors);
    if (!message.empty() && message.back() == '\n') message.pop_back();
    return {grpc::StatusCode::INVALID_ARGUMENT, message};
  }
  const Suite& suite = *manifest.suite;
  PlanOptions plan_options;
  if (request->has_repetitions()) plan_options.repetitions = request->repetitions();
  plan_options.filter = request->filter();
  if (request->has_min_time_seconds()) plan_options.min_time = request->min_time_seconds();
  Plan plan = plan_jobs(suite, plan_options);
  if (!plan.error.empty()) return {grpc::StatusCode::INVALID_ARGUMENT, plan.error};
  if (std::string why = check_plan_selectors(suite, plan, pool_); !why.empty())
    return {grpc::StatusCode::FAILED_PRECONDITION, why};

  if (log_) log_("suite " + suite.name + ": " + std::to_string(plan.jobs.size()) + " jobs from " + context->peer());
  // The submitter going away (or the server shutting down) cancels the suite.
  std::atomic<bool> cancel{false};
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread watcher([&] {
    std::unique_lock lock(mu);
    while (!finished) {
      if (context->IsCancelled()) cancel = true;
      cv.wait_for(lock, std::chrono::milliseconds(100));
    }
  });
  auto sink = [&](const v1::SubmitEvent& e) {
    if (!cancel && !writer->Write(e)) cancel = true;
  };
  auto on_job = [&](const v1::JobOutcome& job) {
    if (metrics_) metrics_->job_finished(suite.name, job);
  };
  v1::SuiteResult result = run_suite(suite, plan, plan_options, pool_, sink, cancel, on_job);
  {
    std::lock_guard lock(mu);
    finished = true;
  }
  cv.notify_all();
  watcher.join();
  if (metrics_ && !cancel)
    metrics_->suite_finished(
        result, std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  if (log_)
    log_("suite " + suite.name + ": " +
         (cancel ? "cancelled"
                 : std::string(result.all_targets_met() ? "all targets met" : "targets missed or jobs failed")) +
         " in " + format_seconds(result.suite_seconds()));
  if (cancel) return {grpc::StatusCode::CANCELLED, "the suite was cancelled"};
  return grpc::Status::OK;
}

}  // namespace gene::coordinator
