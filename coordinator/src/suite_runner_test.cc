#include "gene/coordinator/suite_runner.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

namespace gene::coordinator {
namespace {

// Runs jobs instantly (later jobs faster, so they finish out of order),
// reporting one statistic derived from the parameter.
class FakeExecutor : public JobExecutor {
 public:
  explicit FakeExecutor(size_t parallel) : parallel_(parallel) {}
  Outcome run(const v1::JobRequest& request, const Selectors&, const StartedCallback& started,
              Cancellation&) override {
    {
      std::lock_guard lock(mu_);
      requests.push_back(request);
    }
    started("fake", 1);
    int n = int(request.typed_params().at("n").int_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(n > 2 ? 1 : 20));
    Outcome out;
    out.worker.set_name("fake");
    out.worker.set_arch("x86_64");
    out.worker.add_exact_statistic_names("instructions");
    out.worker.add_exact_statistic_names("allocations");  // a count this job does not report
    out.attempts = 1;
    out.jobs_beside_on_host = beside;
    out.result.set_job_id(request.job_id());
    out.result.set_status(v1::JOB_STATUS_OK);
    out.result.set_value(std::to_string(n));
    for (uint32_t i = 0; i < request.repetitions(); ++i) {
      auto* rep = out.result.add_repetitions();
      rep->set_wall_seconds(0.001);
      rep->set_cpu_seconds(0.001);
      (*rep->mutable_statistics())["instructions"] = 100.0 * n;
    }
    return out;
  }
  absl::Status check_selectors(const Selectors& s) override {
    if (s.count("arch") && s.at("arch") != "x86_64") return absl::FailedPreconditionError("the fake is x86_64");
    return absl::OkStatus();
  }
  std::vector<std::string> statistic_names() override { return {"instructions"}; }
  size_t parallelism() override { return parallel_; }

  std::mutex mu_;
  std::vector<v1::JobRequest> requests;
  size_t parallel_;
  uint32_t beside = 0;  // other jobs on the host, as the fake reports them
};

Suite make_suite() {
  Suite s;
  s.name = "demo";
  Benchmark b;
  b.name = "count";
  b.file = "count.gene";
  b.display_path = "bench/count.gene";
  b.program = "n";
  b.settings.repetitions = 3;
  b.targets.push_back({"instructions", "<", 250});
  s.benchmarks.push_back(b);
  for (int n = 1; n <= 4; ++n) {
    Job j;
    j.name = "count/n:" + std::to_string(n);
    v1::ParamValue value;
    value.set_int_value(n);
    j.params.push_back({"n", std::to_string(n), value});
    j.expect = std::to_string(n);
    s.jobs.push_back(j);
  }
  return s;
}

TEST(SuiteRunner, EventsAndResultInManifestOrder) {
  Suite s = make_suite();
  FakeExecutor exec(4);
  PlanOptions options;
  absl::StatusOr<Plan> planned = plan_jobs(s, options);
  ASSERT_TRUE(planned.ok()) << planned.status();
  const Plan& plan = *planned;
  std::vector<v1::SubmitEvent> events;
  Cancellation cancel;
  v1::SuiteResult r = run_suite(
      s, plan, options, exec, [&](const v1::SubmitEvent& e) { events.push_back(e); }, cancel);

  ASSERT_EQ(r.jobs_size(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r.jobs(i).job_name(), "count/n:" + std::to_string(i + 1));
  EXPECT_EQ(r.suite(), "demo");
  EXPECT_EQ(r.workers().count("fake"), 1u);
  // n=1, n=2 meet instructions < 250; n=3, n=4 do not.
  EXPECT_EQ(r.jobs(1).targets(0).outcome(), v1::TARGET_OUTCOME_MET);
  EXPECT_EQ(r.jobs(2).targets(0).outcome(), v1::TARGET_OUTCOME_MISSED);
  EXPECT_FALSE(r.all_targets_met());

  ASSERT_EQ(events.size(), 1u + 4 * 2 + 1);
  EXPECT_TRUE(events.front().has_accepted());
  EXPECT_EQ(events.front().accepted().total_jobs(), 4u);
  EXPECT_TRUE(events.back().has_result());
  uint32_t last_done = 0;
  for (const auto& e : events)
    if (e.has_job_finished()) {
      EXPECT_EQ(e.job_finished().done(), last_done + 1);
      last_done = e.job_finished().done();
    }
  EXPECT_EQ(last_done, 4u);

  // Requests carry the benchmark's settings, parameters and expectation.
  const v1::JobRequest& req = exec.requests[0];
  EXPECT_EQ(req.file_name(), "bench/count.gene");
  EXPECT_EQ(req.repetitions(), 3u);
  EXPECT_TRUE(req.has_expect());
  EXPECT_EQ(req.vm().optimize_level(), 2u);
  EXPECT_DOUBLE_EQ(req.min_time_seconds(), 0.1);  // the manifest's default, always sent
}

TEST(SuiteRunner, JudgesTrust) {
  Suite s = make_suite();
  FakeExecutor exec(1);
  Cancellation cancel;
  v1::SuiteResult quiet = run_suite(s, *plan_jobs(s, {}), {}, exec, {}, cancel);
  for (const auto& job : quiet.jobs()) {
    EXPECT_FALSE(job.noisy()) << job.job_name();
    // The worker's exact statistics that this job reported.
    ASSERT_EQ(job.exact_statistics_size(), 1);
    EXPECT_EQ(job.exact_statistics(0), "instructions");
  }
  exec.beside = 2;
  v1::SuiteResult shared = run_suite(s, *plan_jobs(s, {}), {}, exec, {}, cancel);
  for (const auto& job : shared.jobs()) {
    EXPECT_TRUE(job.noisy()) << job.job_name();
    EXPECT_EQ(job.jobs_beside_on_host(), 2u);
    ASSERT_EQ(job.noise_reasons_size(), 1);
    EXPECT_EQ(job.noise_reasons(0).kind(), "jobs_beside");
  }
}

TEST(SuiteRunner, MinTimeOverride) {
  Suite s = make_suite();
  PlanOptions options;
  options.min_time = 0;
  EXPECT_DOUBLE_EQ(job_request(s, s.jobs[0], "id", options).min_time_seconds(), 0);
  s.benchmarks[0].settings.min_time_seconds = 0.5;
  EXPECT_DOUBLE_EQ(job_request(s, s.jobs[0], "id", {}).min_time_seconds(), 0.5);
}

TEST(SuiteRunner, FilterAndRepetitionsOverride) {
  Suite s = make_suite();
  FakeExecutor exec(1);
  PlanOptions options{7, "n:[24]$"};
  absl::StatusOr<Plan> planned = plan_jobs(s, options);
  ASSERT_TRUE(planned.ok()) << planned.status();
  const Plan& plan = *planned;
  ASSERT_EQ(plan.jobs, (std::vector<size_t>{1, 3}));
  Cancellation cancel;
  v1::SuiteResult r = run_suite(s, plan, options, exec, {}, cancel);
  ASSERT_EQ(r.jobs_size(), 2);
  EXPECT_EQ(r.jobs(0).result().repetitions_size(), 7);

  for (const auto& [filter, words] : {std::pair{"(", "bad --filter"}, std::pair{"nothing", "matches no job"}}) {
    absl::StatusOr<Plan> refused = plan_jobs(s, {std::nullopt, filter});
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << filter;
    EXPECT_NE(refused.status().message().find(words), std::string::npos) << refused.status();
  }
}

TEST(SuiteRunner, SelectorsCheckedBeforeRunning) {
  Suite s = make_suite();
  s.benchmarks[0].hardware = {{"arch", "sparc"}};
  FakeExecutor exec(1);
  absl::StatusOr<Plan> plan = plan_jobs(s, {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  absl::Status matched = check_plan_selectors(s, *plan, exec);
  EXPECT_EQ(matched.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(matched.message(), "no worker matches the hardware selectors of benchmark 'count' (arch=sparc): the fake is x86_64");
}

TEST(SuiteRunner, CancelledSuiteRunsNothing) {
  Suite s = make_suite();
  FakeExecutor exec(1);
  Cancellation cancel;
  cancel.cancel();
  v1::SuiteResult r = run_suite(s, *plan_jobs(s, {}), {}, exec, {}, cancel);
  EXPECT_TRUE(exec.requests.empty());
  ASSERT_EQ(r.jobs_size(), 4);
  EXPECT_EQ(r.jobs(0).result().status(), v1::JOB_STATUS_CANCELLED);
}

}  // namespace
}  // namespace gene::coordinator
