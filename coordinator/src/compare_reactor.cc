#include "compare_reactor.h"

#include "gene/coordinator/compare_plan.h"
#include "gene/coordinator/compare_rounds.h"
#include "gene/coordinator/compare_store.h"
#include "gene/coordinator/manifest.h"

namespace gene::coordinator {

namespace {

// The pool's pairs for the rounds.
class PoolPairs final : public SidePairSource {
 public:
  PoolPairs(WorkerPool& pool, const ComparePlan& plan) : pool_(pool), plan_(plan) {}
  absl::StatusOr<std::unique_ptr<SidePairLease>> acquire(const ComparedJob& job, Cancellation& cancel) override {
    return pool_.acquire_pair(job.baseline_selectors, job.candidate_selectors, cancel);
  }
  size_t parallelism() override {
    const Selectors b(plan_.baseline_side.selectors().begin(), plan_.baseline_side.selectors().end());
    const Selectors c(plan_.candidate_side.selectors().begin(), plan_.candidate_side.selectors().end());
    return pool_.pair_hosts(b, c);
  }

 private:
  WorkerPool& pool_;
  const ComparePlan& plan_;
};

std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace

CompareReactor::CompareReactor(const v1::CompareRequest& request, std::string peer, WorkerPool& pool,
                               ResultsStore* store, RunningCalls& running, Log log)
    : CoordinatorStream(running),
      request_(request),
      peer_(std::move(peer)),
      pool_(pool),
      store_(store),
      log_(std::move(log)) {}

CompareReactor* CompareReactor::start(grpc::CallbackServerContext* context, const v1::CompareRequest& request,
                                      WorkerPool& pool, ResultsStore* store, RunningCalls& running, Log log) {
  auto* reactor = new CompareReactor(request, context->peer(), pool, store, running, std::move(log));
  reactor->start_work("comparison");
  return reactor;
}

grpc::Status CompareReactor::run() {
  const v1::CompareRequest& r = request_;
  const v1::CompareSettings& settings = r.settings();
  if (absl::Status checked = check_compare_settings(settings); !checked.ok())
    return {grpc::StatusCode::INVALID_ARGUMENT, std::string(checked.message())};

  // Target names and the metric are checked against what the workers
  // report; before any has answered there is nothing to check them against.
  pool_.wait_for_first_round(std::chrono::seconds(5));
  ManifestOptions options;
  std::vector<std::string> names = pool_.statistic_names();
  if (!names.empty()) options.statistic_names = names;
  auto load = [&](const std::string& text, const std::string& path, const auto& files, std::string& problems) {
    ManifestResult m = load_manifest(path.empty() ? "manifest.yaml" : path, text,
                                     map_file_resolver({files.begin(), files.end()}), options);
    if (!m.suite) problems += format_diagnostics(m.errors);
    return m.suite;
  };
  std::string problems;
  std::optional<Suite> base = load(r.manifest(), r.manifest_path(), r.files(), problems);
  std::optional<Suite> cand;
  if (!r.candidate_manifest().empty())
    cand = load(r.candidate_manifest(), r.candidate_manifest_path(), r.candidate_files(), problems);
  if (!problems.empty()) return {grpc::StatusCode::INVALID_ARGUMENT, trimmed(problems)};
  absl::StatusOr<ComparePlan> plan =
      plan_comparison(*base, cand ? &*cand : nullptr, r.baseline(), r.candidate(), settings);
  if (!plan.ok()) return {grpc::StatusCode::INVALID_ARGUMENT, std::string(plan.status().message())};
  if (!names.empty())
    if (absl::Status checked = check_metric(settings.metric(), {names}); !checked.ok())
      return {grpc::StatusCode::INVALID_ARGUMENT, std::string(checked.message())};
  for (const ComparedJob& job : plan->jobs)
    if (absl::Status paired = pool_.check_pair(job.baseline_selectors, job.candidate_selectors); !paired.ok()) {
      // Name the job only when its benchmark's own hardware selectors took part.
      const bool own = job.baseline_selectors.size() > size_t(r.baseline().selectors_size()) ||
                       job.candidate_selectors.size() > size_t(r.candidate().selectors_size());
      return {grpc::StatusCode::FAILED_PRECONDITION,
              (own ? "job " + job.name + ": " : std::string()) + std::string(paired.message())};
    }

  if (log_)
    log_("compare " + plan->suite + ": " + std::to_string(plan->jobs.size()) + (plan->jobs.size() == 1 ? " job" : " jobs") +
         " from " + peer_);
  PoolPairs pairs(pool_, *plan);
  // Each side's rounds stay here (for the store) unless the submitter wants
  // a copy; the result goes out once it is recorded.
  auto sink = [this](const v1::CompareEvent& e) {
    if (e.has_result()) return;
    v1::CompareEvent light = e;
    if (light.has_job_done()) {
      light.mutable_job_done()->clear_baseline_result();
      light.mutable_job_done()->clear_candidate_result();
    }
    send(light);
  };
  v1::CompareResult result = run_comparison(*plan, pairs, sink, cancel_);
  if (store_) {
    record_comparison(*store_, {&*base, r.manifest()},
                      {cand ? &*cand : &*base, cand ? r.candidate_manifest() : r.manifest()}, "remote", result);
    if (log_)
      for (const auto& failure : result.store_errors()) log_("compare " + plan->suite + ": " + failure);
  }
  {
    v1::CompareEvent e;
    *e.mutable_result() = result;
    if (!r.keep_rounds())
      for (auto& job : *e.mutable_result()->mutable_jobs()) {
        job.clear_baseline_result();
        job.clear_candidate_result();
      }
    send(e);
  }
  if (log_) {
    size_t slower = 0, failed = 0;
    for (const auto& job : result.jobs()) {
      slower += job.verdict() == v1::COMPARISON_VERDICT_SLOWER;
      failed += !job.error().empty();
    }
    log_("compare " + plan->suite + ": " +
         (cancel_.cancelled() ? std::string("cancelled")
                              : std::to_string(slower) + " slower, " + std::to_string(failed) + " failed, of " +
                                    std::to_string(result.jobs_size()) + (result.jobs_size() == 1 ? " job" : " jobs")));
  }
  if (cancel_.cancelled()) return {grpc::StatusCode::CANCELLED, "the comparison was cancelled"};
  return grpc::Status::OK;
}

}  // namespace gene::coordinator
