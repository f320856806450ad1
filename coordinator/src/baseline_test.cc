#include "gene/coordinator/baseline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <cstdio>
#include <random>

#include "store_test_fixture.h"
#include "store_test_jobs.h"

namespace gene::coordinator {
namespace {

// Medians of `runs` simulated runs of a job whose true time is `level`,
// each off by lognormal noise of `sigma` (relative spread).
std::vector<double> simulate(std::mt19937_64& rng, size_t runs, double level, double sigma) {
  std::normal_distribution<double> noise(0, sigma);
  std::vector<double> out;
  for (size_t i = 0; i < runs; ++i) out.push_back(level * std::exp(noise(rng)));
  return out;
}

TEST(Baseline, ParsesLatestRunsAndCommits) {
  EXPECT_EQ(parse_baseline("latest")->kind, BaselineSpec::Kind::Latest);
  auto run = parse_baseline("42");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->kind, BaselineSpec::Kind::Run);
  EXPECT_EQ(run->run, 42);
  auto commit = parse_baseline("AbCd1234-dirty");
  ASSERT_TRUE(commit.ok()) << commit.status();
  EXPECT_EQ(commit->kind, BaselineSpec::Kind::Commit);
  EXPECT_EQ(commit->commit, "abcd1234-dirty");
  for (const char* bad : {"", "abc", "newest", "0", "abcd12345678abcd12345678abcd12345678abcd1", "abcd-clean", "-1"}) {
    absl::StatusOr<BaselineSpec> refused = parse_baseline(bad);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(refused.status().message().find("--baseline wants latest"), std::string::npos) << bad;
  }
}

TEST(Baseline, ThresholdIsTheUpperFenceOfTheChanges) {
  // |changes| sorted: 0.01 0.01 0.02 0.02 | 0.03 0.03 0.04 0.04: Q1 = 0.015, Q3 = 0.035.
  std::vector<double> changes = {0.01, -0.01, 0.02, -0.02, 0.03, -0.03, 0.04, -0.04};
  EXPECT_NEAR(significance_threshold(changes, 0.01), 0.035 + 3 * 0.02, 1e-12);
  // An odd count leaves the middle value out of both halves.
  EXPECT_NEAR(significance_threshold({0.04, -0.01, 0.025, 0.03, 0.02}, 0), 0.035 + 3 * 0.02, 1e-12);
  // Never below min_effect.
  EXPECT_DOUBLE_EQ(significance_threshold({0.001, 0.001, 0.001, 0.001}, 0.01), 0.01);
  EXPECT_DOUBLE_EQ(significance_threshold({}, 0.02), 0.02);
}

TEST(Baseline, TooLittleHistoryIsInconclusiveNeverSlower) {
  BaselineOptions o;
  Comparison c = judge_time("fib/n:30", 0.010, 0.020, {0.010, 0.010, 0.010, 0.010}, "", "", o, 3);
  EXPECT_EQ(c.verdict, Verdict::Inconclusive);
  EXPECT_EQ(c.history_runs, 4u);
  EXPECT_DOUBLE_EQ(*c.ratio, 2.0);
  EXPECT_NE(c.reason.find("4 quiet runs stored up to the baseline (3 noisy left out); 5 needed"), std::string::npos)
      << c.reason;
  EXPECT_FALSE(c.threshold);
}

TEST(Baseline, NoisySidesAreHandledExplicitly) {
  BaselineOptions o;
  std::vector<double> steady = {0.0100, 0.0101, 0.0099, 0.0100, 0.0101, 0.0100};
  // A noisy baseline: no verdict on times.
  EXPECT_EQ(judge_time("j", 0.010, 0.013, steady, "its run 3 was flagged noisy", "", o).verdict,
            Verdict::Inconclusive);
  // A noisy run beyond the threshold: not slower...
  Comparison slow = judge_time("j", 0.010, 0.013, steady, "", "cpu_share", o);
  EXPECT_EQ(slow.verdict, Verdict::Inconclusive);
  EXPECT_NE(slow.reason.find("measured under noise (cpu_share)"), std::string::npos) << slow.reason;
  // ... and without the noise it is.
  EXPECT_EQ(judge_time("j", 0.010, 0.013, steady, "", "", o).verdict, Verdict::Slower);
  // Noise only lengthens times: a noisy run that is faster still is.
  EXPECT_EQ(judge_time("j", 0.010, 0.007, steady, "", "cpu_share", o).verdict, Verdict::Faster);
}

TEST(Baseline, TheBandIsTheRatioPlusMinusTheThreshold) {
  BaselineOptions o;
  std::vector<double> steady = {0.0100, 0.0102, 0.0099, 0.0101, 0.0100, 0.0102};
  Comparison c = judge_time("j", 0.010, 0.0125, steady, "", "", o);
  ASSERT_TRUE(c.threshold);
  EXPECT_EQ(c.verdict, Verdict::Slower);
  EXPECT_NEAR(*c.ci_low, 1.25 - *c.threshold, 1e-12);
  EXPECT_NEAR(*c.ci_high, 1.25 + *c.threshold, 1e-12);
  EXPECT_GT(*c.ci_low, 1);
  Comparison same = judge_time("j", 0.010, 0.0101, steady, "", "", o);
  EXPECT_EQ(same.verdict, Verdict::Same);
  EXPECT_LE(*same.ci_low, 1);
  EXPECT_GE(*same.ci_high, 1);
}

// Simulated histories where the truth is known: an unchanged program must
// almost never be called slower, a 10% slowdown almost always.
TEST(Baseline, FalseAlarmsAreRareAndRealSlowdownsFound) {
  std::mt19937_64 rng(20261207);
  BaselineOptions o;
  for (double sigma : {0.005, 0.02, 0.05}) {
    for (size_t runs : {size_t(5), size_t(10), size_t(30)}) {
      int false_slower = 0, trials = 2000;
      for (int t = 0; t < trials; ++t) {
        std::vector<double> history = simulate(rng, runs, 0.010, sigma);
        double candidate = simulate(rng, 1, 0.010, sigma)[0];
        Comparison c = judge_time("j", history.back(), candidate, history, "", "", o);
        false_slower += c.verdict == Verdict::Slower;
      }
      // Q3 + 3 IQR lies far out in the tail of the changes' distribution;
      // with 5 runs (4 changes) its estimate is rough, hence a looser bound.
      double rate = double(false_slower) / trials;
      RecordProperty("false_slower_sigma" + std::to_string(int(sigma * 1000)) + "permille_runs" +
                         std::to_string(runs),
                     std::to_string(rate));
      std::printf("unchanged, noise %.1f%%, %zu runs of history: %.2f%% called slower\n", sigma * 100, runs,
                  rate * 100);
      EXPECT_LT(rate, runs == 5 ? 0.05 : 0.02) << "sigma " << sigma << ", " << runs << " runs";
    }
  }
  // A 10% slowdown against 1% noise with 30 runs of history.
  int found = 0, trials = 2000;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> history = simulate(rng, 30, 0.010, 0.01);
    double candidate = simulate(rng, 1, 0.011, 0.01)[0];
    found += judge_time("j", history.back(), candidate, history, "", "", o).verdict == Verdict::Slower;
  }
  std::printf("10%% slower, noise 1%%, 30 runs of history: %.1f%% called slower\n", 100.0 * found / trials);
  EXPECT_GT(double(found) / trials, 0.9);
  // The same slowdown drowned in 10% noise: rarely called, never called faster.
  int called = 0, wrong_way = 0;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> history = simulate(rng, 30, 0.010, 0.10);
    double candidate = simulate(rng, 1, 0.011, 0.10)[0];
    Verdict v = judge_time("j", history.back(), candidate, history, "", "", o).verdict;
    called += v == Verdict::Slower;
    wrong_way += v == Verdict::Faster;
  }
  std::printf("10%% slower, noise 10%%, 30 runs of history: %.1f%% called slower, %.1f%% faster\n",
              100.0 * called / trials, 100.0 * wrong_way / trials);
  EXPECT_LT(double(called) / trials, 0.2);
  EXPECT_LT(double(wrong_way) / trials, 0.02);
}

TEST(Baseline, ExactCountsAreFactsWithADirection) {
  std::map<std::string, StoredStatistic> before = {{"instructions", {1000, true}},
                                                   {"allocations", {50, true}},
                                                   {"frame_pool_hit_rate", {0.9, true}},
                                                   {"calls_inlined", {3, true}},
                                                   {"execution_seconds", {0.01, false}}};
  std::map<std::string, double> after = {{"instructions", 1100},
                                         {"allocations", 50},
                                         {"frame_pool_hit_rate", 0.95},
                                         {"calls_inlined", 4},
                                         {"execution_seconds", 0.02}};
  std::vector<std::string> exact = {"instructions", "allocations", "frame_pool_hit_rate", "calls_inlined"};
  auto out = judge_exact("fib/n:30", before, after, exact);
  // instructions first; allocations unchanged, and a rate and an optimizer
  // count that changed, get no comparison of their own.
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric, "instructions");
  EXPECT_EQ(out[0].verdict, Verdict::Slower);
  EXPECT_DOUBLE_EQ(*out[0].ratio, 1.1);
  EXPECT_EQ(out[0].ci_low, out[0].ratio);
  EXPECT_NE(out[0].reason.find("rose +10.0% (1000 → 1100): more work"), std::string::npos) << out[0].reason;
  // Other counts of work that changed do.
  auto more_allocations = after;
  more_allocations["allocations"] = 60;
  auto two = judge_exact("fib/n:30", before, more_allocations, exact);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].metric, "allocations");
  EXPECT_EQ(two[1].verdict, Verdict::Slower);
  // Every exact ratio rides along, sorted; timings are not exact.
  ASSERT_EQ(out[0].exact.size(), 4u);
  EXPECT_EQ(out[0].exact[0].first, "allocations");
  EXPECT_DOUBLE_EQ(*out[0].exact[0].second, 1.0);
  EXPECT_EQ(out[0].exact[1].first, "calls_inlined");

  // The same counts: `same`, even when a per-run mean differs in its last bits.
  std::map<std::string, double> same = {{"instructions", 1000}, {"frame_pool_hit_rate", 0.9 + 1e-14}};
  auto unchanged = judge_exact("fib/n:30", before, same, exact);
  ASSERT_EQ(unchanged.size(), 1u);
  EXPECT_EQ(unchanged[0].verdict, Verdict::Same);

  // Fewer instructions are faster; a count from nothing has no ratio.
  std::map<std::string, StoredStatistic> zero = {{"instructions", {0, true}}};
  auto from_zero = judge_exact("j", zero, {{"instructions", 5}}, {"instructions"});
  EXPECT_EQ(from_zero[0].verdict, Verdict::Slower);
  EXPECT_FALSE(from_zero[0].ratio);
  EXPECT_FALSE(from_zero[0].exact[0].second);
  EXPECT_EQ(judge_exact("j", before, {{"instructions", 900}}, {"instructions"})[0].verdict, Verdict::Faster);
}

TEST(Baseline, DirectionsOfExactStatistics) {
  EXPECT_EQ(exact_direction("instructions"), 1);
  EXPECT_EQ(exact_direction("bytes_allocated"), 1);
  EXPECT_EQ(exact_direction("tco_success_rate"), 0);
  EXPECT_EQ(exact_direction("object_pool_hit_rate_array"), 0);
  EXPECT_EQ(exact_direction("constants_folded"), 0);
  EXPECT_EQ(exact_direction("tail_calls"), 0);
}

TEST(Baseline, ProtoRoundTrip) {
  Comparison c;
  c.name = "fib/n:30";
  c.metric = "cpu";
  c.verdict = Verdict::Same;
  c.ratio = 1.01;
  c.ci_low = 0.98;
  c.ci_high = 1.04;
  c.baseline_median = 0.01;
  c.candidate_median = 0.0101;
  c.exact = {{"allocations", std::nullopt}, {"instructions", 1.0}};
  c.reason = "within";
  c.baseline_run = 7;
  c.history_runs = 12;
  c.threshold = 0.03;
  Comparison back = comparison_from_proto(comparison_to_proto(c));
  EXPECT_EQ(back.name, c.name);
  EXPECT_EQ(back.verdict, Verdict::Same);
  EXPECT_EQ(back.ratio, c.ratio);
  EXPECT_EQ(back.ci_low, c.ci_low);
  EXPECT_EQ(back.exact, c.exact);
  EXPECT_EQ(back.baseline_run, 7);
  EXPECT_EQ(back.history_runs, 12u);
  EXPECT_EQ(back.threshold, 0.03);
  Comparison empty = comparison_from_proto(comparison_to_proto(Comparison{}));
  EXPECT_FALSE(empty.ratio);
  EXPECT_FALSE(empty.baseline_run);
  EXPECT_EQ(empty.verdict, Verdict::Inconclusive);
}

TEST(Baseline, VerdictTableCountsAndNamesTheSlower) {
  Comparison slower;
  slower.name = "fib/n:30";
  slower.metric = "instructions";
  slower.verdict = Verdict::Slower;
  slower.ratio = 1.1;
  slower.baseline_median = 1000;
  slower.candidate_median = 1100;
  slower.baseline_run = 4;
  slower.reason = "exact count rose";
  Comparison time;
  time.name = "fib/n:30";
  time.metric = "cpu";
  time.reason = "2 quiet runs";
  BaselineSpec spec;
  spec.text = "latest";
  std::string table = format_verdicts({slower, time}, spec);
  EXPECT_NE(table.find("fib/n:30  instructions  slower"), std::string::npos) << table;
  EXPECT_NE(table.find("+10.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("run 4"), std::string::npos) << table;
  EXPECT_NE(table.find("verdicts: 1 slower, 0 faster, 0 same, 1 inconclusive; slower: fib/n:30 instructions +10.0%"),
            std::string::npos)
      << table;
  EXPECT_TRUE(any_slower({slower, time}));
  EXPECT_FALSE(any_slower({time}));
}


// A store holding runs of suite "demo", one job each, for the lookups.
class BaselineStoreTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    open_store();
  }

  // The job every run holds: fib/n:30, three repetitions of `cpu` seconds.
  static v1::JobOutcome job(double instructions, double cpu, bool noisy = false) {
    return testing::stored_job("fib/n:30", instructions, {cpu, cpu, cpu}, noisy);
  }

  // Records a run of `jobs`; returns its id and the SuiteResult submit has.
  std::pair<int64_t, v1::SuiteResult> run(const std::string& commit, std::vector<v1::JobOutcome> jobs,
                                          const std::string& suite = "demo") {
    v1::WorkerInfo w = testing::stored_worker(commit, false);
    v1::SuiteResult result;
    result.set_suite(suite);
    (*result.mutable_workers())["w1"] = w;
    for (auto& j : jobs) *result.add_jobs() = j;
    return {testing::record_run(*store_, suite, w, jobs), result};
  }
};

TEST_F(BaselineStoreTest, UnknownRunsAndCommitsAreFoundBeforeAnythingRuns) {
  auto [first, r1] = run("aaaa11112222", {job(1000, 0.01)});
  auto [other, r2] = run("aaaa11112222", {job(1000, 0.01)}, "other");
  std::string error;
  auto check = [&](const std::string& text) {
    auto spec = parse_baseline(text);
    EXPECT_TRUE(spec.ok()) << spec.status();
    absl::Status checked = check_baseline(*store_, *spec, "demo");
    error = std::string(checked.message());
    return checked.ok();
  };
  EXPECT_TRUE(check("latest"));
  EXPECT_TRUE(check(std::to_string(first)));
  EXPECT_FALSE(check("99"));
  EXPECT_NE(error.find("no run 99 in"), std::string::npos) << error;
  EXPECT_FALSE(check(std::to_string(other)));
  EXPECT_NE(error.find("is of suite other, not demo"), std::string::npos) << error;
  EXPECT_TRUE(check("aaaa1111"));
  EXPECT_FALSE(check("bbbb1111"));
  EXPECT_NE(error.find("no run of suite demo"), std::string::npos) << error;
  EXPECT_NE(error.find("its newest commits: aaaa11112222"), std::string::npos) << error;
  EXPECT_FALSE(check("aaaa-dirty"));
  // Digits that are no run id but a stored commit's start name the commit.
  auto [digits, r3] = run("12345678abcd", {job(1000, 0.01)});
  BaselineSpec spec = *parse_baseline("1234");
  EXPECT_TRUE(check_baseline(*store_, spec, "demo").ok());
  EXPECT_EQ(spec.kind, BaselineSpec::Kind::Commit);
}

TEST_F(BaselineStoreTest, JudgesEachJobAgainstItsStoredBaseline) {
  // Six quiet runs of one build, one noisy run.
  for (int i = 0; i < 6; ++i) run("aaaa11112222", {job(1000, 0.0100 + 0.0001 * (i % 3))});
  auto [noisy, r0] = run("aaaa11112222", {job(1000, 0.02, /*noisy=*/true)});
  BaselineOptions o;

  // Unchanged: same instructions; the newest earlier run is the noisy one,
  // so its times say nothing.
  auto [same_id, same] = run("aaaa11112222", {job(1000, 0.0101)});
  BaselineSpec latest = *parse_baseline("latest");
  auto verdicts = judge_against_baseline(*store_, latest, same, same_id, o);
  ASSERT_TRUE(verdicts.ok()) << verdicts.status();
  ASSERT_EQ(verdicts->size(), 2u);
  EXPECT_EQ((*verdicts)[0].metric, "instructions");
  EXPECT_EQ((*verdicts)[0].verdict, Verdict::Same);
  EXPECT_EQ((*verdicts)[0].baseline_run, noisy);
  EXPECT_EQ((*verdicts)[1].metric, "cpu");
  EXPECT_EQ((*verdicts)[1].verdict, Verdict::Inconclusive);
  EXPECT_NE((*verdicts)[1].reason.find("measured under noise"), std::string::npos) << (*verdicts)[1].reason;
  EXPECT_FALSE(any_slower(*verdicts));

  // 10% more work: instructions slower as a fact; the time too, against
  // run 6's quiet history.
  auto [slow_id, slow] = run("bbbb11112222", {job(1100, 0.0111)});
  BaselineSpec sixth = *parse_baseline("6");
  verdicts = judge_against_baseline(*store_, sixth, slow, slow_id, o);
  ASSERT_TRUE(verdicts.ok()) << verdicts.status();
  ASSERT_EQ(verdicts->size(), 2u);
  EXPECT_EQ((*verdicts)[0].verdict, Verdict::Slower);
  EXPECT_EQ((*verdicts)[0].baseline_run, 6);
  EXPECT_EQ((*verdicts)[1].verdict, Verdict::Slower) << (*verdicts)[1].reason;
  EXPECT_EQ((*verdicts)[1].history_runs, 6u);
  ASSERT_EQ((*verdicts)[1].exact.size(), 1u);
  EXPECT_DOUBLE_EQ(*(*verdicts)[1].exact[0].second, 1.1);

  // By commit: the newest run of that build.
  BaselineSpec by_commit = *parse_baseline("aaaa1111");
  ASSERT_TRUE(check_baseline(*store_, by_commit, "demo").ok());
  verdicts = judge_against_baseline(*store_, by_commit, slow, slow_id, o);
  ASSERT_TRUE(verdicts.ok()) << verdicts.status();
  EXPECT_EQ((*verdicts)[0].baseline_run, same_id);

  // A job the baseline lacks, and a failed job: inconclusive, with why.
  v1::JobOutcome fresh = job(10, 0.001);
  fresh.set_job_name("new/n:1");
  v1::JobOutcome failed = job(10, 0.001);
  failed.mutable_result()->set_status(v1::JOB_STATUS_TIMEOUT);
  auto [mixed_id, mixed] = run("bbbb11112222", {fresh, failed});
  verdicts = judge_against_baseline(*store_, latest, mixed, mixed_id, o);
  ASSERT_TRUE(verdicts.ok()) << verdicts.status();
  ASSERT_EQ(verdicts->size(), 2u);
  EXPECT_EQ((*verdicts)[0].verdict, Verdict::Inconclusive);
  EXPECT_NE((*verdicts)[0].reason.find("has no new/n:1 that ended ok on x86_64"), std::string::npos)
      << (*verdicts)[0].reason;
  EXPECT_NE((*verdicts)[1].error.find("this run: timeout"), std::string::npos) << (*verdicts)[1].error;
}

}  // namespace
}  // namespace gene::coordinator
