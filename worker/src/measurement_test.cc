// How the job runner measures: calibrated repetitions, the noise signals
// each repetition carries, exact counts, hardware counts (or why there are
// none), the profile run apart, and the jobs a worker runs side by side.
// Correctness only: nothing here asserts how fast anything is.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <set>

#include "gene/job_runner.h"
#include "gene/machine_info.h"
#include "calibration.h"
#include "hardware_counters.h"
#include "job_admission.h"
#include "test_programs.h"

namespace gene::farm {
namespace {

using namespace testing;

v1::JobResult run(const v1::JobRequest& request, std::vector<v1::JobEvent>* events = nullptr) {
  std::atomic<bool> cancel{false};
  return JobRunner("test-runner").run(request, cancel, [&](const v1::JobEvent& e) {
    if (events) events->push_back(e);
  });
}

// A few microseconds per run.
v1::JobRequest tiny_job(double min_time, uint32_t repetitions = 3) {
  v1::JobRequest r = program_job("(1 + 2)", 30);
  r.set_repetitions(repetitions);
  r.set_min_time_seconds(min_time);
  r.set_expect("3");
  return r;
}

// Millions of instructions per run: far longer than a millisecond on any machine.
v1::JobRequest long_job(double min_time) {
  v1::JobRequest r = program_job("(var i 0)\n(while (i < 2000000) (i += 1))\ni", 60);
  r.set_repetitions(2);
  r.set_min_time_seconds(min_time);
  return r;
}

TEST(Calibration, TinyProgramRunsManyTimesPerRepetition) {
  // One run takes microseconds: for k to come out 1, the job's thread would
  // have to wait 200 ms for a CPU in the middle of a single run (20 ms, the
  // earlier min_time, is an ordinary wait on a loaded machine).
  std::vector<v1::JobEvent> events;
  v1::JobRequest request = tiny_job(0.2);
  request.set_warmup(0);  // calibration still runs (and counts as warm-up)
  v1::JobResult r = run(request, &events);
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  const uint32_t k = r.calibration().iterations();
  EXPECT_GT(k, 1u);
  EXPECT_GE(r.calibration().runs(), 1u);
  EXPECT_DOUBLE_EQ(r.calibration().min_time_seconds(), 0.2);
  EXPECT_FALSE(r.calibration().limited_by_deadline());
  ASSERT_EQ(r.repetitions_size(), 3);
  for (const auto& rep : r.repetitions()) {
    EXPECT_EQ(rep.iterations(), k);
    // Statistics are per run, not summed over the k runs.
    EXPECT_EQ(rep.statistics().at("instructions"), r.repetitions(0).statistics().at("instructions"));
  }
  int done = 0;
  for (const auto& e : events) {
    if (!e.has_repetition_done()) continue;
    EXPECT_EQ(e.repetition_done().iterations(), k);
    ++done;
  }
  EXPECT_EQ(done, 3);
}

TEST(Calibration, LongProgramRunsOnce) {
  v1::JobResult r = run(long_job(0.001));
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  EXPECT_EQ(r.calibration().iterations(), 1u);
  for (const auto& rep : r.repetitions()) EXPECT_EQ(rep.iterations(), 1u);
}

TEST(Calibration, OffAtZero) {
  v1::JobResult r = run(tiny_job(0));
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  EXPECT_EQ(r.calibration().iterations(), 1u);
  EXPECT_EQ(r.calibration().runs(), 0u);
  for (const auto& rep : r.repetitions()) EXPECT_EQ(rep.iterations(), 1u);
}

TEST(Calibration, NeverBlowsTheDeadline) {
  // 100 s per repetition cannot fit a 6 s job: k is held down so that the
  // repetitions still fit, and the result says so. The plan takes half the
  // time left, estimated from calibration batches; the job ends OK only if
  // the repetitions run no slower than twice that estimate. With 1.5 s the
  // last batch lasted a tenth of a second, and a loaded machine could slow
  // the repetitions after it by more than that; 6 s times batches long
  // enough to see the load the repetitions will meet.
  v1::JobRequest request = tiny_job(100);
  request.set_timeout_seconds(6);
  v1::JobResult r = run(request);
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  EXPECT_TRUE(r.calibration().limited_by_deadline());
  EXPECT_GT(r.calibration().iterations(), 1u);
  EXPECT_LT(r.job_seconds(), 6);
}

TEST(Calibration, GivenIterationsSkipIt) {
  // compare calibrates once and sends the same k to both sides.
  v1::JobRequest request = tiny_job(0.5, 2);
  request.set_warmup(0);
  request.set_iterations(7);
  v1::JobResult r = run(request);
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  EXPECT_EQ(r.calibration().iterations(), 7u);
  EXPECT_EQ(r.calibration().runs(), 0u);  // no calibration run
  ASSERT_EQ(r.repetitions_size(), 2);
  for (const auto& rep : r.repetitions()) EXPECT_EQ(rep.iterations(), 7u);
  EXPECT_LT(r.job_seconds(), 0.5) << "a calibration to 0.5 s would have taken longer";
  request.set_iterations(kMaxIterations + 1);
  EXPECT_NE(validate_job_request(request).message().find("iterations must be at most"), std::string::npos);
}

TEST(Calibration, BadMinTimeIsRefused) {
  for (double bad : {-1.0, std::nan(""), 1e9}) {
    v1::JobRequest request = tiny_job(bad);
    EXPECT_NE(validate_job_request(request).message().find("min_time_seconds"), std::string::npos) << bad;
  }
}

TEST(Signals, EveryRepetitionCarriesThem) {
  v1::JobResult r = run(tiny_job(0.01));
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  for (const auto& rep : r.repetitions()) {
    EXPECT_GT(rep.wall_seconds(), 0);
    EXPECT_GT(rep.cpu_seconds(), 0);
    // One thread cannot use more CPU than wall time (a little clock slack).
    EXPECT_LE(rep.cpu_seconds(), rep.wall_seconds() * 1.05 + 1e-6);
  }
  const v1::JobConditions& c = r.conditions();
  EXPECT_TRUE(c.has_load_average());
  EXPECT_GE(c.load_average(), 0);
  EXPECT_GE(c.machine_cpus(), 1u);
  EXPECT_EQ(c.jobs_beside(), 0u);  // the runner alone knows of no other job
}

TEST(ExactCounts, IdenticalOnEveryRepetition) {
  // Allocation, reference cycles that only the collector frees, tail calls
  // and inlining: every count the VM calls exact must repeat exactly.
  const std::string program =
      "(fn loop_tail [n acc] (if (n == 0) acc else (loop_tail (n - 1) (acc + 1))))\n"
      "(fn sq x (x * x))\n"
      "(var total 0)\n"
      "(var i 0)\n"
      "(while (i < 12000)\n"
      "  (var a {^id i})\n"
      "  (var b {^id (i + 1) ^peer a})\n"
      "  (a/peer = b)\n"
      "  (var arr [i (str i)])\n"
      "  (push arr arr)\n"
      "  (total = (total + (sq (len arr))))\n"
      "  (i += 1))\n"
      "(total + (loop_tail 1000 0))\n";
  v1::JobRequest request = program_job(program, 60);
  request.set_repetitions(4);
  request.set_min_time_seconds(0.005);
  v1::JobResult r = run(request);
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  const std::vector<std::string> exact = exact_statistic_names();
  const std::vector<std::string> all = statistic_names();
  ASSERT_FALSE(exact.empty());
  for (const auto& name : exact) {
    EXPECT_NE(std::find(all.begin(), all.end(), name), all.end()) << name;
    auto first = r.repetitions(0).statistics().find(name);
    if (first == r.repetitions(0).statistics().end()) continue;  // an absent ratio
    for (const auto& rep : r.repetitions()) EXPECT_EQ(rep.statistics().at(name), first->second) << name;
  }
  // The program really exercises what is counted.
  const auto& s = r.repetitions(0).statistics();
  EXPECT_GT(s.at("allocations"), 12000);
  EXPECT_GT(s.at("gc_cycle_frees"), 0);  // the collector ran, on counts
  // Timings are not exact.
  for (const char* timing : {"execution_seconds", "instructions_per_second", "gc_seconds"})
    EXPECT_EQ(std::find(exact.begin(), exact.end(), timing), exact.end()) << timing;
}

TEST(HardwareCounts, PresentOrAbsentWithAReason) {
  const std::string status = hardware_counters_status();
  v1::JobResult r = run(tiny_job(0.01));
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  const auto& stats = r.repetitions(0).statistics();
  if (status.rfind("unavailable: ", 0) == 0) {
    // This machine (no PMU here): no count at all, and a reason that names
    // the call, the errno and what it means.
    for (const char* name : kHardwareCountNames) EXPECT_EQ(stats.count(name), 0u) << name;
    EXPECT_NE(status.find("perf_event_open(cpu_instructions) failed with E"), std::string::npos) << status;
    EXPECT_GT(status.size(), 60u) << status;
  } else {
    ASSERT_EQ(status.rfind("available: ", 0), 0u) << status;
    EXPECT_GT(stats.at("cpu_instructions"), 0) << status;
    EXPECT_GT(stats.at("cpu_cycles"), 0) << status;
  }
  v1::WorkerInfo info = describe_this_machine("w", {}, 1);
  EXPECT_EQ(info.hardware_counters(), status);
  // Hardware counts are statistics a target may name, never exact ones.
  auto names = statistic_names();
  auto exact = exact_statistic_names();
  for (const char* name : kHardwareCountNames) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
    EXPECT_EQ(std::find(exact.begin(), exact.end(), name), exact.end()) << name;
  }
}

TEST(HardwareCounts, ErrnosAreExplained) {
  EXPECT_NE(explain_perf_error(ENOENT).find("no hardware performance counters"), std::string::npos);
  EXPECT_NE(explain_perf_error(EACCES).find("perf_event_paranoid"), std::string::npos);
  EXPECT_NE(explain_perf_error(EPERM).find("seccomp"), std::string::npos);
  EXPECT_NE(explain_perf_error(ENOSYS).find("without perf events"), std::string::npos);
  EXPECT_FALSE(explain_perf_error(EINVAL).empty());
}

TEST(Profile, ComesFromOneExtraUntimedRun) {
  v1::JobRequest request = fib_job(12, 3);
  request.mutable_vm()->set_profile(true);
  request.set_min_time_seconds(0.005);
  v1::JobResult r = run(request);
  ASSERT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  ASSERT_FALSE(r.profile().instruction_mix().empty());
  EXPECT_FALSE(r.profile().hotspots().empty());
  EXPECT_GT(r.profile().wall_seconds(), 0);
  // The measured repetitions ran without the profiler ...
  for (const auto& rep : r.repetitions()) {
    EXPECT_TRUE(rep.instruction_mix().empty());
    EXPECT_TRUE(rep.hotspots().empty());
  }
  // ... of the very same program: the profile counts every instruction a
  // repetition's run executed.
  uint64_t profiled = 0;
  for (const auto& op : r.profile().instruction_mix()) profiled += op.count();
  EXPECT_EQ(double(profiled), r.repetitions(0).statistics().at("instructions"));
  // Without profile: no profile run.
  request.mutable_vm()->set_profile(false);
  EXPECT_TRUE(run(request).profile().instruction_mix().empty());
}

TEST(JobsBeside, AdmissionCountsTheMostAtOnce) {
  JobAdmission admission(3, nullptr);
  std::atomic<bool> a{false}, b{false}, c{false};
  ASSERT_TRUE(admission.admit(&a, std::chrono::seconds(60)).ok());
  ASSERT_TRUE(admission.admit(&b, std::chrono::seconds(60)).ok());
  EXPECT_EQ(admission.job_done(&a, v1::JOB_STATUS_OK, 0), 1u);  // b ran beside a
  ASSERT_TRUE(admission.admit(&c, std::chrono::seconds(60)).ok());
  EXPECT_EQ(admission.job_done(&c, v1::JOB_STATUS_OK, 0), 1u);  // b
  EXPECT_EQ(admission.job_done(&b, v1::JOB_STATUS_OK, 0), 1u);  // a, then c: one at a time
  std::atomic<bool> d{false};
  ASSERT_TRUE(admission.admit(&d, std::chrono::seconds(60)).ok());
  EXPECT_EQ(admission.job_done(&d, v1::JOB_STATUS_OK, 0), 0u);  // alone
  for (int i = 0; i < 4; ++i) admission.thread_done();
}

TEST(MachineInfo, ImplicitLabelsNameTheHostAndTheBuild) {
  v1::WorkerInfo info = describe_this_machine("w", {{"class", "x"}}, 1, "node-7");
  EXPECT_EQ(info.labels().at("host"), "node-7");
  EXPECT_EQ(info.labels().at("vm_build_id"), info.vm().build_id());
  EXPECT_EQ(info.labels().at("vm_commit"), info.vm().commit() + (info.vm().dirty() ? "-dirty" : ""));
  EXPECT_EQ(info.vm().build_id().size(), 16u);
  EXPECT_EQ(describe_this_machine("w", {}, 1).labels().at("host"), this_host_name());
  for (const char* implicit : kImplicitLabels) EXPECT_EQ(info.labels().count(implicit), 1u) << implicit;
  std::set<std::string> names(info.statistic_names().begin(), info.statistic_names().end());
  for (const auto& e : info.exact_statistic_names()) EXPECT_EQ(names.count(e), 1u) << e;
  const std::string text = describe_text(info);
  for (const char* line : {"cores:", "memory:", "hardware counters:", "vm build:", "build id "})
    EXPECT_NE(text.find(line), std::string::npos) << text;
  EXPECT_NE(version_text("worker").find("build id  " + info.vm().build_id()), std::string::npos);
}

}  // namespace
}  // namespace gene::farm
