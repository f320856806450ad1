#include "gene/coordinator/results.h"

#include <gtest/gtest.h>

#include "gene/coordinator/report.h"

namespace gene::coordinator {
namespace {

v1::JobResult result_with(std::vector<double> frames_per_second, v1::JobStatus status = v1::JOB_STATUS_OK) {
  v1::JobResult r;
  r.set_status(status);
  r.set_value("0");
  for (size_t i = 0; i < frames_per_second.size(); ++i) {
    v1::Repetition* rep = r.add_repetitions();
    rep->set_wall_seconds(0.010 + 0.001 * double(i));
    rep->set_cpu_seconds(0.009);
    (*rep->mutable_statistics())["frames_per_second"] = frames_per_second[i];
    (*rep->mutable_statistics())["instructions"] = 1000;
  }
  return r;
}

Suite suite_with_targets(std::vector<Target> targets) {
  Suite s;
  s.name = "s";
  Benchmark b;
  b.name = "tco";
  b.targets = std::move(targets);
  s.benchmarks.push_back(b);
  Job j;
  j.name = "tco/n:10";
  v1::ParamValue ten;
  ten.set_int_value(10);
  j.params.push_back({"n", "10", ten});
  s.jobs.push_back(j);
  return s;
}

TEST(Summarize, Aggregates) {
  EXPECT_FALSE(summarize({}));
  auto s = summarize({4, 1, 3, 2});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->count, 4u);
  EXPECT_DOUBLE_EQ(s->median, 2.5);
  EXPECT_DOUBLE_EQ(s->mean, 2.5);
  EXPECT_DOUBLE_EQ(s->min, 1);
  EXPECT_DOUBLE_EQ(s->max, 4);
  EXPECT_NEAR(s->stddev, 1.2909944, 1e-6);
  EXPECT_NEAR(*s->cv, 0.5163978, 1e-6);
  auto one = summarize({7});
  EXPECT_EQ(one->median, 7);
  EXPECT_EQ(one->stddev, 0);
  EXPECT_FALSE(summarize({0, 0})->cv);
}

TEST(Judge, MedianAgainstTargets) {
  Suite s =
      suite_with_targets({{"frames_per_second", ">", 1e6}, {"instructions", "<", 10}, {"tco_success_rate", ">", 0.95}});
  v1::JobOutcome o = judge_job(s, s.jobs[0], result_with({5e6, 1e5, 2e6}), "x86_64", 1);
  EXPECT_EQ(o.job_name(), "tco/n:10");
  EXPECT_EQ(o.benchmark(), "tco");
  EXPECT_EQ(o.hardware(), "x86_64");
  ASSERT_EQ(o.params_size(), 1);
  EXPECT_EQ(o.params(0).typed().int_value(), 10);
  EXPECT_DOUBLE_EQ(o.median_statistics().at("frames_per_second"), 2e6);
  ASSERT_EQ(o.targets_size(), 3);
  EXPECT_EQ(o.targets(0).outcome(), v1::TARGET_OUTCOME_MET);
  EXPECT_DOUBLE_EQ(o.targets(0).value(), 2e6);
  EXPECT_EQ(o.targets(1).outcome(), v1::TARGET_OUTCOME_MISSED);
  // An absent ratio: the target does not apply (n/a), it is not missed.
  EXPECT_EQ(o.targets(2).outcome(), v1::TARGET_OUTCOME_NOT_APPLICABLE);
  EXPECT_FALSE(o.targets(2).has_value());

  v1::SuiteResult sr;
  *sr.add_jobs() = o;
  judge_suite(sr);
  EXPECT_FALSE(sr.all_targets_met());
  EXPECT_EQ(exit_status(sr), kExitMissed);
}

TEST(Judge, FailedJobTargetsDoNotApplyButFailTheSuite) {
  Suite s = suite_with_targets({{"frames_per_second", ">", 1}});
  v1::JobOutcome o = judge_job(s, s.jobs[0], result_with({5}, v1::JOB_STATUS_WRONG_VALUE), "x86_64", 1);
  EXPECT_EQ(o.targets(0).outcome(), v1::TARGET_OUTCOME_NOT_APPLICABLE);
  v1::SuiteResult sr;
  *sr.add_jobs() = o;
  judge_suite(sr);
  EXPECT_FALSE(sr.all_targets_met());
  EXPECT_EQ(exit_status(sr), kExitMissed);
}

TEST(Judge, ExitStatus) {
  Suite s = suite_with_targets({{"frames_per_second", ">", 1}});
  v1::SuiteResult ok;
  *ok.add_jobs() = judge_job(s, s.jobs[0], result_with({5}), "x86_64", 1);
  judge_suite(ok);
  EXPECT_TRUE(ok.all_targets_met());
  EXPECT_EQ(exit_status(ok), kExitAllMet);
  v1::SuiteResult none = ok;
  *none.add_jobs() = judge_job(s, s.jobs[0], result_with({}, v1::JOB_STATUS_NO_WORKER), "", 0);
  EXPECT_EQ(exit_status(none), kExitUnusable);
}

TEST(Margin, SignedTowardsMet) {
  v1::TargetVerdict v;
  v.set_op(">");
  v.set_threshold(100);
  v.set_value(150);
  EXPECT_DOUBLE_EQ(target_margin(v)->amount, 0.5);
  v.set_op("<");
  EXPECT_DOUBLE_EQ(target_margin(v)->amount, -0.5);
  v.set_threshold(0);
  v.set_value(2);
  EXPECT_FALSE(target_margin(v)->relative);
  EXPECT_DOUBLE_EQ(target_margin(v)->amount, -2);
  v.set_op("==");
  EXPECT_FALSE(target_margin(v));
  v.clear_value();
  v.set_op(">");
  EXPECT_FALSE(target_margin(v));
}

TEST(Report, TableShowsTargetsAndVerdict) {
  Suite s = suite_with_targets({{"frames_per_second", ">", 1e6}, {"tco_success_rate", ">", 0.95}});
  v1::SuiteResult sr;
  sr.set_suite("s");
  sr.set_suite_seconds(1.25);
  *sr.add_jobs() = judge_job(s, s.jobs[0], result_with({5e5, 6e5, 7e5}), "x86_64", 1);
  (*sr.mutable_workers())["local"].set_arch("x86_64");
  judge_suite(sr);
  std::string t = format_summary(sr);
  EXPECT_NE(t.find("suite s: 1 job on 1 worker [local (x86_64)] in 1.250 s"), std::string::npos) << t;
  EXPECT_NE(t.find("tco/n:10"), std::string::npos) << t;
  EXPECT_NE(t.find("✗ frames_per_second  > 1e+06  6e+05  -40.0%"), std::string::npos) << t;
  EXPECT_NE(t.find("– tco_success_rate   > 0.95   n/a (absent)"), std::string::npos) << t;
  EXPECT_NE(t.find("result: 1 target missed, 0 met, 1 not applicable"), std::string::npos) << t;
}

TEST(Report, TableShowsCalibrationNoiseAndExactCounts) {
  Suite s = suite_with_targets({{"instructions", "<", 2000}, {"frames_per_second", ">", 1}});
  v1::JobResult r = result_with({5, 6, 7});
  for (auto& rep : *r.mutable_repetitions()) rep.set_iterations(42);
  r.mutable_conditions()->set_cpu_governor("powersave");
  r.mutable_conditions()->set_load_average(3.5);
  r.mutable_conditions()->set_machine_cpus(2);
  v1::JobOutcome job = judge_job(s, s.jobs[0], r, "x86_64", 1);
  job.add_exact_statistics("instructions");
  job.set_noisy(true);
  v1::NoiseReason* reason = job.add_noise_reasons();
  reason->set_kind("cpu_share");
  reason->set_text("CPU time was 50% of wall time");
  v1::SuiteResult sr;
  sr.set_suite("s");
  *sr.add_jobs() = job;
  judge_suite(sr);
  std::string t = format_summary(sr);
  EXPECT_NE(t.find("JOB       STATUS  ITERS      WALL    CV  INSTRUCTIONS"), std::string::npos) << t;
  EXPECT_NE(t.find("tco/n:10  ok         42  11.00 ms"), std::string::npos) << t;
  EXPECT_NE(t.find("          1000  "), std::string::npos) << t;  // the exact count, whole
  EXPECT_NE(t.find("  ! noisy: CPU time was 50% of wall time\n"), std::string::npos) << t;
  EXPECT_NE(t.find("✓ instructions       < 2e+03  1e+03  +50.0%   exact\n"), std::string::npos) << t;
  EXPECT_NE(t.find("✓ frames_per_second  > 1          6  +500.0%\n"), std::string::npos) << t;
  EXPECT_NE(t.find("exact: INSTRUCTIONS and the targets marked exact"), std::string::npos) << t;
  EXPECT_NE(t.find("! noisy: 1 of 1 job measured under noise"), std::string::npos) << t;
  EXPECT_NE(t.find("note: CPU frequency governor powersave"), std::string::npos) << t;
  EXPECT_NE(t.find("note: the machine's load average reached 3.50 on 2 CPUs as a job started"), std::string::npos) << t;
  // No bare "cv > 10%" warning any more: the spread is one reason among others.
  EXPECT_EQ(t.find("cv >"), std::string::npos) << t;
}

TEST(Report, Formats) {
  EXPECT_EQ(format_seconds(1.5), "1.500 s");
  EXPECT_EQ(format_seconds(0.0021), "2.100 ms");
  EXPECT_EQ(format_seconds(3e-7), "300.0 ns");
  EXPECT_EQ(format_seconds(0.99999), "1.000 s");  // rounds up into the next unit
  EXPECT_EQ(format_seconds(0), "0 s");
  EXPECT_EQ(format_seconds(4321.6), "4322 s");
  EXPECT_EQ(format_number(12345678), "1.23e+07");
  EXPECT_EQ(format_number(0.8), "0.8");
  EXPECT_EQ(format_clock(75), "1:15");
  EXPECT_EQ(format_clock(3725), "1:02:05");
  EXPECT_EQ(status_label(v1::JOB_STATUS_WORKER_LOST), "worker_lost");
}

}  // namespace
}  // namespace gene::coordinator
