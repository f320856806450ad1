// The rounds of `compare` against simulated workers whose truth is known:
// calibration once on the baseline with the same k sent to both sides, the
// order alternating, verdicts for a real slowdown and for identical sides,
// exact counts compared exactly, and every way a job can end early
// (failure, max rounds, max time, cancellation).
#include "gene/coordinator/compare_rounds.h"

#include <gtest/gtest.h>

#include <cmath>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace gene::coordinator {
namespace {

struct Call {
  std::string side;
  v1::JobRequest request;
};

// A worker whose runs take `scale` seconds of CPU times lognormal noise and
// execute `instructions` instructions.
class FakeSide final : public CompareSideRunner {
 public:
  FakeSide(std::string name, double scale, double instructions, std::vector<Call>& log, uint64_t seed)
      : scale_(scale), instructions_(instructions), log_(log), rng_(seed) {
    info_.set_name(std::move(name));
    info_.add_exact_statistic_names("instructions");
    info_.add_exact_statistic_names("allocations");
  }

  v1::JobResult run(const v1::JobRequest& request, Cancellation& cancel) override {
    log_.push_back({info_.name(), request});
    const size_t call = log_.size();
    if (on_call) on_call(call, cancel);
    v1::JobResult r;
    r.set_job_id(request.job_id());
    if (cancel.cancelled()) {
      r.set_status(v1::JOB_STATUS_CANCELLED);
      return r;
    }
    if (fail_from && call >= fail_from) {
      r.set_status(v1::JOB_STATUS_WRONG_VALUE);
      r.set_error_message("value 3, expected 4");
      return r;
    }
    if (sleep_seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_seconds));
    r.set_status(v1::JOB_STATUS_OK);
    r.mutable_calibration()->set_iterations(request.iterations() ? request.iterations() : 7);
    v1::Repetition* rep = r.add_repetitions();
    const double t = scale_ * std::exp(std::normal_distribution<double>(0, 0.02)(rng_));
    rep->set_cpu_seconds(t);
    rep->set_wall_seconds(t * 1.01);
    (*rep->mutable_statistics())["instructions"] = instructions_;
    (*rep->mutable_statistics())["allocations"] = 1000;
    return r;
  }
  const v1::WorkerInfo& info() const override { return info_; }

  size_t fail_from = 0;  // calls (1-based, both sides counted) from which runs fail
  double sleep_seconds = 0;
  std::function<void(size_t, Cancellation&)> on_call;

 private:
  v1::WorkerInfo info_;
  double scale_, instructions_;
  std::vector<Call>& log_;
  std::mt19937_64 rng_;
};

class FakePair final : public SidePairLease {
 public:
  FakePair(FakeSide& b, FakeSide& c) : b_(b), c_(c) {}
  CompareSideRunner& baseline() override { return b_; }
  CompareSideRunner& candidate() override { return c_; }

 private:
  FakeSide &b_, &c_;
};

// A pair that local mode would replace by fresh processes: renew() is
// logged as a call of its own.
class RenewablePair final : public SidePairLease {
 public:
  RenewablePair(FakeSide& b, FakeSide& c, std::vector<Call>& log, bool& fail) : b_(b), c_(c), log_(log), fail_(fail) {}
  CompareSideRunner& baseline() override { return b_; }
  CompareSideRunner& candidate() override { return c_; }
  bool renewable() const override { return true; }
  absl::Status renew() override {
    log_.push_back({"renew", {}});
    if (fail_) return absl::UnavailableError("the worker binary is gone");
    return absl::OkStatus();
  }

 private:
  FakeSide &b_, &c_;
  std::vector<Call>& log_;
  bool& fail_;
};

class FakeSource final : public SidePairSource {
 public:
  FakeSource(FakeSide& b, FakeSide& c) : b_(b), c_(c) {}
  absl::StatusOr<std::unique_ptr<SidePairLease>> acquire(const ComparedJob&, Cancellation&) override {
    if (!why_none_.empty()) return absl::FailedPreconditionError(why_none_);
    if (renew_log_) return std::unique_ptr<SidePairLease>(std::make_unique<RenewablePair>(b_, c_, *renew_log_, renew_fails_));
    return std::unique_ptr<SidePairLease>(std::make_unique<FakePair>(b_, c_));
  }
  size_t parallelism() override { return 1; }
  std::string why_none_;
  std::vector<Call>* renew_log_ = nullptr;  // set: the pairs are renewable
  bool renew_fails_ = false;

 private:
  FakeSide &b_, &c_;
};

ComparePlan plan_of(size_t jobs, const std::string& metric = "cpu") {
  ComparePlan plan;
  plan.suite = plan.candidate_suite = "demo";
  plan.settings = default_compare_settings();
  plan.settings.set_metric(metric);
  for (size_t i = 0; i < jobs; ++i) {
    ComparedJob j;
    j.name = "job/n:" + std::to_string(i);
    j.baseline.set_program("base");
    j.candidate.set_program("cand");
    j.baseline.set_repetitions(1);
    j.candidate.set_repetitions(1);
    plan.jobs.push_back(j);
  }
  return plan;
}

struct Outcome {
  v1::CompareResult result;
  std::vector<v1::CompareEvent> events;
};

Outcome compare(const ComparePlan& plan, SidePairSource& source, Cancellation* cancel = nullptr) {
  Outcome out;
  Cancellation own;
  out.result = run_comparison(plan, source, [&](const v1::CompareEvent& e) { out.events.push_back(e); },
                              cancel ? *cancel : own);
  return out;
}

TEST(CompareRounds, CalibratesOnceOnTheBaselineAndAlternatesTheOrder) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 1), c("cand", 0.1, 1000, log, 2);
  FakeSource source(b, c);
  ComparePlan plan = plan_of(1);
  plan.settings.set_max_rounds(8);
  plan.jobs[0].min_time_seconds = 0.05;
  plan.jobs[0].calibration_warmup = 1;
  Outcome r = compare(plan, source);
  ASSERT_GE(log.size(), 3u + 8u * 2);
  // Calibration: the baseline, with min_time and no k of its own.
  EXPECT_EQ(log[0].side, "base");
  EXPECT_EQ(log[0].request.iterations(), 0u);
  EXPECT_DOUBLE_EQ(log[0].request.min_time_seconds(), 0.05);
  EXPECT_EQ(log[0].request.warmup(), 1u);
  // Then one warm-up per side and the rounds, all with k = 7, one repetition, no warm-up.
  EXPECT_EQ(log[1].side, "cand");
  EXPECT_EQ(log[2].side, "base");
  for (size_t i = 1; i < log.size(); ++i) {
    EXPECT_EQ(log[i].request.iterations(), 7u) << i;
    EXPECT_EQ(log[i].request.repetitions(), 1u) << i;
    EXPECT_EQ(log[i].request.warmup(), 0u) << i;
    EXPECT_EQ(log[i].request.program(), log[i].side == "base" ? "base" : "cand");
  }
  // Rounds: AB, BA, AB, ...
  for (size_t round = 0; round < 8; ++round) {
    const std::string first = log[3 + 2 * round].side, second = log[4 + 2 * round].side;
    EXPECT_NE(first, second);
    EXPECT_EQ(first, round % 2 == 0 ? "base" : "cand") << round;
  }
  // Every request has its own id.
  std::set<std::string> ids;
  for (const auto& call : log) ids.insert(call.request.job_id());
  EXPECT_EQ(ids.size(), log.size());
  ASSERT_EQ(r.result.jobs_size(), 1);
  EXPECT_EQ(r.result.jobs(0).iterations(), 7u);
  EXPECT_EQ(r.result.jobs(0).rounds(), 8u);
  EXPECT_EQ(r.result.jobs(0).baseline_worker(), "base");
  EXPECT_EQ(r.result.jobs(0).candidate_worker(), "cand");
  EXPECT_EQ(r.result.baseline().name(), "base");
}

TEST(CompareRounds, TwentyPercentMoreWorkIsSlowerWithTheExactRatio) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 3), c("cand", 0.12, 1200, log, 4);
  FakeSource source(b, c);
  Outcome r = compare(plan_of(2), source);
  ASSERT_EQ(r.result.jobs_size(), 2);
  for (const auto& job : r.result.jobs()) {
    EXPECT_EQ(job.verdict(), v1::COMPARISON_VERDICT_SLOWER) << job.reason();
    EXPECT_TRUE(job.error().empty());
    EXPECT_NEAR(job.ratio(), 1.2, 0.02);
    EXPECT_LT(job.ci_low(), job.ratio());
    EXPECT_GT(job.ci_low(), 1.0);
    EXPECT_GT(job.ci_high(), job.ratio());
    EXPECT_NEAR(job.baseline_median(), 0.1, 0.005);
    EXPECT_NEAR(job.candidate_median(), 0.12, 0.005);
    EXPECT_EQ(job.baseline_values_size(), int(job.rounds()));
    EXPECT_LT(job.rounds(), 1000u) << "a 20% change needs few rounds";
    ASSERT_EQ(job.exact_size(), 2);
    EXPECT_EQ(job.exact(0).statistic(), "instructions");
    EXPECT_EQ(job.exact(0).candidate() / job.exact(0).baseline(), 1.2);
    EXPECT_FALSE(job.exact(0).varied());
    EXPECT_EQ(job.exact(1).candidate(), job.exact(1).baseline());
    // 99% over two jobs and the looks: each look's level is above 99.5%.
    EXPECT_GT(job.confidence(), 0.995);
  }
  // Progress after the calibration and after every round; one job_done per job; the result last.
  size_t rounds = 0, done = 0;
  for (const auto& e : r.events) rounds += e.has_round(), done += e.has_job_done();
  EXPECT_EQ(done, 2u);
  EXPECT_EQ(rounds, 2 + r.result.jobs(0).rounds() + r.result.jobs(1).rounds());
  EXPECT_TRUE(r.events.front().has_accepted());
  EXPECT_EQ(r.events.front().accepted().total_jobs(), 2u);
  EXPECT_TRUE(r.events.back().has_result());
}

TEST(CompareRounds, IdenticalSidesAreNeverSlowerOrFaster) {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    std::vector<Call> log;
    FakeSide b("base", 0.1, 1000, log, 10 + seed), c("cand", 0.1, 1000, log, 20 + seed);
    FakeSource source(b, c);
    Outcome r = compare(plan_of(1), source);
    const auto& job = r.result.jobs(0);
    EXPECT_EQ(job.verdict(), v1::COMPARISON_VERDICT_SAME) << job.reason();
    EXPECT_LT(job.ci_low(), 1.01);
    EXPECT_GT(job.ci_high(), 1 / 1.01);
  }
}

TEST(CompareRounds, AnExactMetricDecidesAfterOnePairOfRounds) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 5), c("cand", 0.1, 1030, log, 6);
  FakeSource source(b, c);
  Outcome r = compare(plan_of(1, "instructions"), source);
  const auto& job = r.result.jobs(0);
  EXPECT_EQ(job.verdict(), v1::COMPARISON_VERDICT_SLOWER) << job.reason();
  EXPECT_EQ(job.rounds(), 2u);
  EXPECT_DOUBLE_EQ(job.ratio(), 1.03);
  EXPECT_EQ(job.ci_low(), job.ci_high());
}

TEST(CompareRounds, AFailingSideEndsItsJobWithTheErrorAndTheOthersGoOn) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 7), c("cand", 0.1, 1000, log, 8);
  c.fail_from = 10;  // the candidate fails in the job's fourth round
  FakeSource source(b, c);
  ComparePlan plan = plan_of(2);
  Outcome r = compare(plan, source);
  const auto& failed = r.result.jobs(0);
  EXPECT_EQ(failed.verdict(), v1::COMPARISON_VERDICT_INCONCLUSIVE);
  EXPECT_EQ(failed.error(), "candidate: wrong_value: value 3, expected 4");
  EXPECT_EQ(failed.reason(), failed.error());
  EXPECT_EQ(failed.rounds(), 3u);
  // The second job starts after the candidate went on failing: it fails too, on the candidate's warm-up.
  EXPECT_EQ(r.result.jobs(1).error(), "candidate: wrong_value: value 3, expected 4");
  EXPECT_EQ(r.result.jobs(1).rounds(), 0u);
}

TEST(CompareRounds, MaxRoundsEndsInconclusiveAndSaysWhy) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 9), c("cand", 0.1, 1000, log, 10);
  FakeSource source(b, c);
  ComparePlan plan = plan_of(1);
  plan.settings.set_max_rounds(6);
  Outcome r = compare(plan, source);
  const auto& job = r.result.jobs(0);
  EXPECT_EQ(job.verdict(), v1::COMPARISON_VERDICT_INCONCLUSIVE);
  EXPECT_EQ(job.rounds(), 6u);
  EXPECT_NE(job.reason().find("max rounds 6 reached"), std::string::npos) << job.reason();
  EXPECT_TRUE(job.error().empty());
}

TEST(CompareRounds, MaxTimeEndsTheJob) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 11), c("cand", 0.1, 1000, log, 12);
  b.sleep_seconds = c.sleep_seconds = 0.02;
  FakeSource source(b, c);
  ComparePlan plan = plan_of(1);
  plan.settings.set_max_seconds(0.3);
  Outcome r = compare(plan, source);
  const auto& job = r.result.jobs(0);
  EXPECT_EQ(job.verdict(), v1::COMPARISON_VERDICT_INCONCLUSIVE);
  EXPECT_NE(job.reason().find("max time 0.3 s reached"), std::string::npos) << job.reason();
  EXPECT_GE(job.seconds(), 0.3);
  EXPECT_LT(job.rounds(), 20u);
}

TEST(CompareRounds, CancellingStopsTheJobAndSkipsTheRest) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 13), c("cand", 0.1, 1000, log, 14);
  b.on_call = [](size_t call, Cancellation& cancel) {
    if (call == 9) cancel.cancel();
  };
  c.on_call = b.on_call;
  FakeSource source(b, c);
  Cancellation cancel;
  Outcome r = compare(plan_of(3), source, &cancel);
  EXPECT_TRUE(r.result.cancelled());
  ASSERT_EQ(r.result.jobs_size(), 3);
  for (const auto& job : r.result.jobs()) {
    EXPECT_EQ(job.error(), "cancelled") << job.name();
    EXPECT_EQ(job.verdict(), v1::COMPARISON_VERDICT_INCONCLUSIVE);
  }
  EXPECT_LE(log.size(), 10u) << "nothing more runs once cancelled";
}

TEST(CompareRounds, NoPairIsTheJobsError) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 15), c("cand", 0.1, 1000, log, 16);
  FakeSource source(b, c);
  source.why_none_ = "no pair of workers on one host";
  Outcome r = compare(plan_of(1), source);
  EXPECT_EQ(r.result.jobs(0).error(), "no pair of workers on one host");
  EXPECT_TRUE(log.empty());
}

TEST(CompareRounds, AMetricTheWorkerDoesNotReportIsAnError) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 17), c("cand", 0.1, 1000, log, 18);
  FakeSource source(b, c);
  Outcome r = compare(plan_of(1, "gc_seconds"), source);
  EXPECT_EQ(r.result.jobs(0).error(), "baseline: the result has no gc_seconds");
}

TEST(CompareRounds, ARenewablePairIsReplacedAfterEachSampleAndWarmedUpAgain) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 11), c("cand", 0.1, 1000, log, 12);
  b.sleep_seconds = c.sleep_seconds = 0.05;  // a round lasts 0.1 s: a pair serves several
  FakeSource source(b, c);
  source.renew_log_ = &log;
  ComparePlan plan = plan_of(1);
  plan.settings.set_max_rounds(24);
  Outcome r = compare(plan, source);
  ASSERT_EQ(r.result.jobs_size(), 1);
  EXPECT_EQ(r.result.jobs(0).rounds(), 24u);
  // calibrate, warm-ups, then rounds; after each renewal a warm-up per side
  // (candidate first, as at the start) before the next round.
  size_t renewals = 0, rounds_since = 0, round_calls = 0;
  for (size_t i = 3; i < log.size(); ++i) {
    if (log[i].side == "renew") {
      ++renewals;
      EXPECT_GE(rounds_since, 2u) << "a pair serves at least one AB and one BA round";
      EXPECT_EQ(rounds_since % 2, 0u) << "a sample is whole units";
      rounds_since = 0;
      ASSERT_LT(i + 2, log.size());
      EXPECT_EQ(log[i + 1].side, "cand");
      EXPECT_NE(log[i + 1].request.job_id().find("/warmup"), std::string::npos);
      EXPECT_EQ(log[i + 2].side, "base");
      EXPECT_NE(log[i + 2].request.job_id().find("/warmup"), std::string::npos);
      i += 2;
      continue;
    }
    EXPECT_NE(log[i].request.job_id().find("/round"), std::string::npos) << i;
    ++round_calls;
    if (round_calls % 2 == 0) ++rounds_since;
  }
  EXPECT_GE(renewals, 2u);
  EXPECT_LE(renewals, 12u);
  EXPECT_EQ(round_calls, 48u);
}

TEST(CompareRounds, AnExactMetricOrAFailedRenewalNeedsNoFreshPair) {
  std::vector<Call> log;
  FakeSide b("base", 0.1, 1000, log, 13), c("cand", 0.1, 1200, log, 14);
  FakeSource source(b, c);
  source.renew_log_ = &log;
  // Counts do not depend on the process: decided at the first unit, no renewal.
  Outcome r = compare(plan_of(1, "instructions"), source);
  EXPECT_EQ(r.result.jobs(0).verdict(), v1::COMPARISON_VERDICT_SLOWER);
  for (const auto& call : log) EXPECT_NE(call.side, "renew");
  // A pair that cannot be started again ends the job with the reason, the
  // rounds so far kept.
  log.clear();
  b.sleep_seconds = c.sleep_seconds = 0.15;
  source.renew_fails_ = true;
  r = compare(plan_of(1), source);
  const auto& job = r.result.jobs(0);
  EXPECT_EQ(job.verdict(), v1::COMPARISON_VERDICT_INCONCLUSIVE);
  EXPECT_NE(job.error().find("starting a fresh pair of workers: the worker binary is gone"), std::string::npos)
      << job.error();
  EXPECT_EQ(job.rounds(), 2u);
}

}  // namespace
}  // namespace gene::coordinator
