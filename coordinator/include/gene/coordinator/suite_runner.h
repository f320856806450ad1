// The pipeline shared by local mode and `coordinator serve`: plan a suite's
// jobs, hand each to an executor (the in-process job runner, or the pool of
// remote workers), judge the results and stream progress as SubmitEvents.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "farm.pb.h"
#include "gene/coordinator/cancellation.h"
#include "gene/coordinator/manifest.h"
#include "gene/coordinator/results.h"

namespace gene::coordinator {

using Selectors = std::map<std::string, std::string>;

// Where jobs run. Implementations: LocalExecutor (in-process) and WorkerPool
// (remote workers over gRPC).
class JobExecutor {
 public:
  virtual ~JobExecutor() = default;

  struct Outcome {
    v1::JobResult result;
    v1::WorkerInfo worker;  // where the last attempt ran (empty for NO_WORKER)
    uint32_t attempts = 0;  // attempts that reached a worker
    uint32_t jobs_beside_on_host = 0;  // most other jobs run on the same host during the last attempt
  };
  // Called when a worker accepts an attempt of the job.
  using StartedCallback = std::function<void(const std::string& worker, uint32_t attempt)>;

  // Runs the job to its end on a worker whose labels match `selectors`,
  // retrying attempts lost with their worker; never throws. Raising
  // `cancel` stops it at once, wherever it is (waiting for a worker, or
  // running on one).
  virtual Outcome run(const v1::JobRequest& request, const Selectors& selectors, const StartedCallback& started,
                      Cancellation& cancel) = 0;
  // OK when some usable worker matches `selectors`; else
  // FAILED_PRECONDITION saying why none does (listing what the workers
  // offer).
  virtual absl::Status check_selectors(const Selectors& selectors) = 0;
  // Statistic names the workers report, for validating targets.
  virtual std::vector<std::string> statistic_names() = 0;
  // How many jobs may run at once.
  virtual size_t parallelism() = 0;
};

struct PlanOptions {
  std::optional<uint32_t> repetitions;  // overrides every benchmark's
  std::string filter;                   // RE2 regular expression, partial match on job names; "" = all
  std::optional<double> min_time = std::nullopt;  // seconds; overrides every benchmark's (0 = no calibration)
};

// The indices (into suite.jobs) of the jobs to run.
struct Plan {
  std::vector<size_t> jobs;
};
// The jobs the filter picks, or INVALID_ARGUMENT (a bad filter regex, or
// one that matches nothing).
absl::StatusOr<Plan> plan_jobs(const Suite& suite, const PlanOptions& options);

// The request for one job.
v1::JobRequest job_request(const Suite& suite, const Job& job, const std::string& job_id, const PlanOptions& options);

// OK when every planned job's selectors match some worker, else
// FAILED_PRECONDITION with the first problem (before anything runs).
absl::Status check_plan_selectors(const Suite& suite, const Plan& plan, JobExecutor& executor);

using SubmitEventSink = std::function<void(const v1::SubmitEvent&)>;

// Runs the planned jobs and returns the judged result. Events go to `sink`
// (one at a time, from any thread): accepted, job_started/job_finished, and
// finally the result. `on_job_done` (optional) sees each judged job as it
// ends, with the worker that ran it (empty when none did), before the job
// counts as finished: the results store records it there.
using JobDoneCallback = std::function<void(const v1::JobOutcome&, const v1::WorkerInfo&)>;
v1::SuiteResult run_suite(const Suite& suite, const Plan& plan, const PlanOptions& options, JobExecutor& executor,
                          const SubmitEventSink& sink, Cancellation& cancel,
                          const JobDoneCallback& on_job_done = {});

}  // namespace gene::coordinator
