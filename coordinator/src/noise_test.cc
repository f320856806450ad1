// The noise flag on simulated results, where the truth is known: a quiet
// job, one that shared its CPU, one preempted, one whose times spread, one
// beside other jobs, one cut short by its deadline and one whose exact
// counts changed; and one started on an overloaded machine, which is only
// a note.
#include "gene/coordinator/noise.h"

#include <gtest/gtest.h>

#include <random>

namespace gene::coordinator {
namespace {

struct Sim {
  double wall = 0.1;          // seconds per run
  double utilization = 0.99;  // cpu / wall
  uint64_t involuntary = 0;   // per repetition
  double wall_spread = 0;     // relative, alternating +/-
  int repetitions = 5;
};

v1::JobResult simulate(const Sim& sim) {
  v1::JobResult r;
  r.set_status(v1::JOB_STATUS_OK);
  for (int i = 0; i < sim.repetitions; ++i) {
    v1::Repetition* rep = r.add_repetitions();
    double wall = sim.wall * (1 + (i % 2 ? sim.wall_spread : -sim.wall_spread));
    rep->set_wall_seconds(wall);
    rep->set_cpu_seconds(wall * sim.utilization);
    rep->set_iterations(10);
    rep->set_involuntary_context_switches(sim.involuntary);
    (*rep->mutable_statistics())["instructions"] = 123456;
    (*rep->mutable_statistics())["execution_seconds"] = wall;
  }
  r.mutable_conditions()->set_load_average(0.5);
  r.mutable_conditions()->set_machine_cpus(2);
  r.mutable_calibration()->set_min_time_seconds(0.1);
  r.mutable_calibration()->set_iterations(10);
  return r;
}

std::vector<std::string> kinds(const v1::JobResult& r, uint32_t beside = 0) {
  std::vector<std::string> out;
  for (const auto& reason : noise_reasons(r, {"instructions"}, beside, "h1")) out.push_back(reason.kind());
  return out;
}

using Kinds = std::vector<std::string>;

TEST(Noise, QuietJobIsTrusted) {
  EXPECT_EQ(kinds(simulate({})), Kinds{});
  // A few switches (the worker's own gRPC threads) are not preemption.
  Sim sim;
  sim.involuntary = 40;  // 40 in 1 s of runs: grazed, not shared
  EXPECT_EQ(kinds(simulate(sim)), Kinds{});
}

TEST(Noise, SharedCpu) {
  Sim sim;
  sim.utilization = 0.5;  // a busy loop on the same core takes half
  sim.involuntary = 250;
  auto reasons = noise_reasons(simulate(sim), {"instructions"}, 0, "h1");
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_EQ(reasons[0].kind(), "cpu_share");
  EXPECT_NE(reasons[0].text().find("CPU time was 50% of wall time (median over 5 repetitions)"), std::string::npos)
      << reasons[0].text();
  EXPECT_EQ(reasons[1].kind(), "preempted");
  EXPECT_NE(reasons[1].text().find("preempted in 5 of 5 repetitions (1250 involuntary context switches)"),
            std::string::npos)
      << reasons[1].text();
  // Just below and above the utilization threshold.
  sim = {};
  sim.utilization = 0.96;
  EXPECT_EQ(kinds(simulate(sim)), Kinds{});
  sim.utilization = 0.94;
  EXPECT_EQ(kinds(simulate(sim)), Kinds{"cpu_share"});
}

TEST(Noise, PreemptedInMostRepetitions) {
  v1::JobResult r = simulate({});
  for (int i = 0; i < 3; ++i) r.mutable_repetitions(i)->set_involuntary_context_switches(60);  // 60 in 1 s
  EXPECT_EQ(kinds(r), Kinds{"preempted"});
  r.mutable_repetitions(2)->set_involuntary_context_switches(0);  // 2 of 5: not most
  EXPECT_EQ(kinds(r), Kinds{});
}

TEST(Noise, SpreadLoadJobsBesideAndShortRepetitions) {
  Sim sim;
  sim.wall_spread = 0.2;
  EXPECT_EQ(kinds(simulate(sim)), Kinds{"spread"});

  // A loaded machine is a note, not a reason: the job's own signals say
  // whether the load reached its CPU.
  v1::JobResult loaded = simulate({});
  loaded.mutable_conditions()->set_load_average(4.3);
  EXPECT_EQ(kinds(loaded), Kinds{});
  EXPECT_TRUE(overloaded(loaded.conditions()));
  loaded.mutable_conditions()->set_load_average(1.9);
  EXPECT_FALSE(overloaded(loaded.conditions()));
  loaded.mutable_conditions()->clear_load_average();  // unknown
  EXPECT_FALSE(overloaded(loaded.conditions()));

  v1::JobResult beside = simulate({});
  EXPECT_EQ(kinds(beside, 1), Kinds{"jobs_beside"});
  beside.mutable_conditions()->set_jobs_beside(3);  // the worker's own count
  auto b = noise_reasons(beside, {}, 1, "h1");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].text().find("3 other jobs ran beside it on host h1"), std::string::npos) << b[0].text();

  v1::JobResult cut = simulate({});
  cut.mutable_calibration()->set_limited_by_deadline(true);
  EXPECT_EQ(kinds(cut), Kinds{"short_repetitions"});
}

TEST(Noise, ExactCountsThatChangeAreARedFlag) {
  v1::JobResult r = simulate({});
  (*r.mutable_repetitions(3)->mutable_statistics())["instructions"] = 123457;
  auto reasons = noise_reasons(r, {"instructions"}, 0, "");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].kind(), "exact_counts_differ");
  EXPECT_NE(reasons[0].text().find("(instructions)"), std::string::npos);
  // Timings vary by nature: not checked as exact.
  EXPECT_EQ(kinds(simulate({.wall_spread = 0.05})), Kinds{});
}

TEST(Noise, OnlyFinishedJobsAreJudged) {
  Sim sim;
  sim.utilization = 0.3;
  v1::JobResult r = simulate(sim);
  r.set_status(v1::JOB_STATUS_TIMEOUT);
  EXPECT_EQ(kinds(r), Kinds{});
  EXPECT_EQ(kinds(v1::JobResult()), Kinds{});
}

TEST(Noise, JudgeNoiseFillsTheOutcome) {
  v1::JobOutcome job;
  *job.mutable_result() = simulate({.utilization = 0.6});
  (*job.mutable_median_statistics())["instructions"] = 123456;
  (*job.mutable_median_statistics())["execution_seconds"] = 0.1;
  v1::WorkerInfo worker;
  worker.add_exact_statistic_names("frames_allocated");
  worker.add_exact_statistic_names("instructions");
  (*worker.mutable_labels())["host"] = "node-3";
  judge_noise(job, worker, 0);
  EXPECT_TRUE(job.noisy());
  ASSERT_EQ(job.exact_statistics_size(), 1);  // frames_allocated was not reported
  EXPECT_EQ(job.exact_statistics(0), "instructions");
  ASSERT_EQ(job.noise_reasons_size(), 1);
  EXPECT_EQ(job.noise_reasons(0).kind(), "cpu_share");
  // Judged again (a retry), the reasons are replaced, not appended.
  *job.mutable_result() = simulate({});
  judge_noise(job, worker, 0);
  EXPECT_FALSE(job.noisy());
  EXPECT_EQ(job.noise_reasons_size(), 0);
}

TEST(Noise, UtilizationAndPreemptionOfARepetition) {
  v1::JobResult r = simulate({.utilization = 0.8});
  auto u = cpu_utilization(r);
  ASSERT_EQ(u.size(), 5u);
  EXPECT_DOUBLE_EQ(u[0], 0.8);
  v1::Repetition rep;
  rep.set_wall_seconds(0.01);
  rep.set_iterations(10);  // 0.1 s in all
  rep.set_involuntary_context_switches(4);  // 40 a second
  EXPECT_FALSE(preempted(rep));
  rep.set_involuntary_context_switches(5);  // 50 a second
  EXPECT_TRUE(preempted(rep));
}

}  // namespace
}  // namespace gene::coordinator
