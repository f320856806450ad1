#include "gene/coordinator/suite_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "gene/coordinator/name_filter.h"
#include "gene/coordinator/noise.h"
#include "gene/farm_text.h"
#include "gene/job_runner.h"  // the request limits (constants only)
#include "job_threads.h"

namespace gene::coordinator {

namespace {

// Runs of different suites (and coordinator restarts) get different job ids.
std::string run_id() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  char buf[32];
  snprintf(buf, sizeof buf, "%08x%02x", rd(), unsigned(counter++ & 0xff));
  return buf;
}

}  // namespace

absl::StatusOr<Plan> plan_jobs(const Suite& suite, const PlanOptions& options) {
  Plan plan;
  auto filter = NameFilter::compile(options.filter);
  if (!filter.ok()) {
    return absl::InvalidArgumentError("bad --filter regular expression '" + farm::printable(options.filter) +
                                      "': " + std::string(filter.status().message()));
  }
  for (size_t i = 0; i < suite.jobs.size(); ++i)
    if (filter->matches(suite.jobs[i].name)) plan.jobs.push_back(i);
  if (plan.jobs.empty()) {
    std::string names;
    for (size_t i = 0; i < suite.jobs.size() && i < 8; ++i) names += (i ? ", " : "") + farm::printable(suite.jobs[i].name, 80);
    if (suite.jobs.size() > 8) names += ", …";
    return absl::InvalidArgumentError("--filter '" + farm::printable(options.filter) + "' matches no job of suite " +
                                      suite.name + " (jobs: " + names + ")");
  }
  return plan;
}

v1::JobRequest job_request(const Suite& suite, const Job& job, const std::string& job_id, const PlanOptions& options) {
  const Benchmark& b = suite.benchmarks.at(job.benchmark);
  v1::JobRequest r;
  r.set_job_id(job_id);
  r.set_program(b.program);
  r.set_file_name(b.display_path.empty() ? b.file : b.display_path);
  for (const auto& p : job.params) (*r.mutable_typed_params())[p.name] = p.value;
  v1::VmOptions* vm = r.mutable_vm();
  vm->set_optimize_level(b.settings.optimize);
  vm->set_max_heap_bytes(b.settings.max_heap_bytes);
  vm->set_max_depth(b.settings.max_depth);
  vm->set_profile(b.settings.profile);
  r.set_repetitions(options.repetitions.value_or(b.settings.repetitions));
  r.set_warmup(b.settings.warmup);
  r.set_timeout_seconds(b.settings.timeout_seconds);
  r.set_min_time_seconds(options.min_time.value_or(b.settings.min_time_seconds));
  if (job.expect) r.set_expect(*job.expect);
  return r;
}

absl::Status check_plan_selectors(const Suite& suite, const Plan& plan, JobExecutor& executor) {
  std::vector<size_t> checked;  // benchmarks already checked
  for (size_t i : plan.jobs) {
    size_t b = suite.jobs[i].benchmark;
    if (std::find(checked.begin(), checked.end(), b) != checked.end()) continue;
    checked.push_back(b);
    const Benchmark& bench = suite.benchmarks[b];
    if (absl::Status matched = executor.check_selectors(bench.hardware); !matched.ok())
      return absl::FailedPreconditionError("no worker matches the hardware selectors of benchmark '" + bench.name +
                                           "' (" + format_labels(bench.hardware) + "): " +
                                           std::string(matched.message()));
  }
  return absl::OkStatus();
}

v1::SuiteResult run_suite(const Suite& suite, const Plan& plan, const PlanOptions& options, JobExecutor& executor,
                          const SubmitEventSink& sink, Cancellation& cancel,
                          const JobDoneCallback& on_job_done) {
  const auto start = std::chrono::steady_clock::now();
  const uint32_t total = uint32_t(plan.jobs.size());
  // SUITE/RUN/INDEX must fit the worker's job_id limit for every suite the manifest accepts.
  static_assert(kMaxSuiteNameBytes + 1 + 10 + 1 + 5 <= farm::kMaxJobIdBytes,
                "job ids of the longest suite name fit the worker's limit");
  const std::string id = suite.name + "/" + run_id();

  std::mutex mu;  // guards everything below and serializes `sink`
  uint32_t done = 0;
  std::vector<std::optional<v1::JobOutcome>> outcomes(plan.jobs.size());
  std::map<std::string, v1::WorkerInfo> workers;
  auto emit = [&](const v1::SubmitEvent& e) {
    if (sink) sink(e);
  };
  {
    v1::SubmitEvent e;
    e.mutable_accepted()->set_suite(suite.name);
    e.mutable_accepted()->set_total_jobs(total);
    std::lock_guard lock(mu);
    emit(e);
  }

  std::atomic<size_t> next{0};
  auto work = [&] {
    for (;;) {
      size_t k = next++;
      if (k >= plan.jobs.size()) return;
      const Job& job = suite.jobs[plan.jobs[k]];
      const Benchmark& bench = suite.benchmarks[job.benchmark];
      v1::JobRequest request = job_request(suite, job, id + "/" + std::to_string(plan.jobs[k]), options);

      JobExecutor::Outcome outcome;
      if (cancel.cancelled()) {
        outcome.result.set_job_id(request.job_id());
        outcome.result.set_status(v1::JOB_STATUS_CANCELLED);
        outcome.result.set_error_message("the suite was cancelled");
      } else {
        auto started = [&](const std::string& worker, uint32_t attempt) {
          v1::SubmitEvent e;
          v1::JobStarted* s = e.mutable_job_started();
          s->set_job_name(job.name);
          s->set_benchmark(bench.name);
          s->set_worker(worker);
          s->set_attempt(attempt);
          std::lock_guard lock(mu);
          s->set_done(done);
          s->set_total(total);
          emit(e);
        };
        outcome = executor.run(request, bench.hardware, started, cancel);
      }
      v1::JobOutcome judged =
          judge_job(suite, job, std::move(outcome.result),
                    outcome.worker.name().empty() ? "" : hardware_class(outcome.worker), outcome.attempts);
      judge_noise(judged, outcome.worker, outcome.jobs_beside_on_host);
      if (on_job_done) on_job_done(judged, outcome.worker);
      v1::SubmitEvent e;
      v1::JobFinished* f = e.mutable_job_finished();
      f->set_job_name(job.name);
      f->set_benchmark(bench.name);
      f->set_status(judged.result().status());
      std::lock_guard lock(mu);
      if (!outcome.worker.name().empty()) workers[outcome.worker.name()] = outcome.worker;
      outcomes[k] = std::move(judged);
      f->set_done(++done);
      f->set_total(total);
      emit(e);
    }
  };
  run_on_threads(std::min(plan.jobs.size(), executor.parallelism()), work);

  v1::SuiteResult result;
  result.set_suite(suite.name);
  for (auto& o : outcomes) *result.add_jobs() = std::move(*o);
  for (auto& [name, info] : workers) (*result.mutable_workers())[name] = info;
  judge_suite(result);
  result.set_suite_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  v1::SubmitEvent e;
  *e.mutable_result() = result;
  emit(e);
  return result;
}

}  // namespace gene::coordinator
