#include "gene/coordinator/compare_store.h"

#include <gtest/gtest.h>

#include "store_test_fixture.h"

namespace gene::coordinator {
namespace {

namespace fs = std::filesystem;

Suite load(const std::string& yaml) {
  ManifestResult m = load_manifest("suites/s.yaml", yaml, map_file_resolver({{"../p/a.gene", "(var n 1) n"}}),
                                   ManifestOptions{});
  EXPECT_TRUE(m.suite) << format_diagnostics(m.errors);
  return m.suite ? *m.suite : Suite{};
}

v1::WorkerInfo worker(const std::string& name, const std::string& build_id) {
  v1::WorkerInfo w;
  w.set_name(name);
  w.set_arch("x86_64");
  w.set_cpu_model("Test CPU");
  w.set_cores(2);
  w.mutable_vm()->set_version("0.1.0");
  w.mutable_vm()->set_commit("abcdef123456");
  w.mutable_vm()->set_build_id(build_id);
  return w;
}

// One side's rounds of a job as compare_rounds keeps them: a repetition
// per round.
v1::JobResult rounds(double instructions, std::vector<double> cpu, const std::string& value) {
  v1::JobResult r;
  r.set_status(v1::JOB_STATUS_OK);
  r.set_value(value);
  r.mutable_calibration()->set_iterations(8);
  for (double c : cpu) {
    auto* rep = r.add_repetitions();
    rep->set_cpu_seconds(c);
    rep->set_wall_seconds(c);
    rep->set_iterations(8);
    (*rep->mutable_statistics())["instructions"] = instructions;
  }
  return r;
}

v1::JobComparison compared(const std::string& name, v1::ComparisonVerdict verdict) {
  v1::JobComparison c;
  c.set_name(name);
  c.set_metric("cpu");
  c.set_verdict(verdict);
  return c;
}

class CompareStoreTest : public testing::StoreFixture {
 protected:
  int64_t integer(const std::string& sql) const { return raw_integer(path(), sql); }
};

TEST_F(CompareStoreTest, ARunPerSideAndTheVerdictsOnTheCandidates) {
  const std::string text = "suite: s\nbenchmarks: [{name: a, file: ../p/a.gene, params: {n: [1, 2, 3]}}]\n";
  const Suite base = load(text);
  const Suite cand = load("suite: s2\nbenchmarks: [{name: a, file: ../p/a.gene, params: {n: [1, 2, 3]}}]\n");
  ASSERT_EQ(base.jobs.size(), 3u);

  v1::CompareResult result;
  result.set_suite("s");
  result.set_candidate_suite("s2");
  *result.mutable_baseline() = worker("wa", "00000000000000aa");
  *result.mutable_candidate() = worker("wb", "00000000000000bb");
  result.mutable_settings()->set_metric("cpu");
  // a/n:1: three rounds on each side, slower.
  v1::JobComparison* slower = result.add_jobs();
  *slower = compared("a/n:1", v1::COMPARISON_VERDICT_SLOWER);
  slower->set_ratio(1.2);
  slower->set_ci_low(1.1);
  slower->set_ci_high(1.3);
  slower->set_rounds(3);
  *slower->mutable_baseline_result() = rounds(100, {0.010, 0.011, 0.012}, "1");
  *slower->mutable_candidate_result() = rounds(120, {0.012, 0.013, 0.014}, "1");
  // a/n:2: the candidate failed after a round.
  v1::JobComparison* failed = result.add_jobs();
  *failed = compared("a/n:2", v1::COMPARISON_VERDICT_INCONCLUSIVE);
  failed->set_error("candidate: wrong_value: value 3, expected 2");
  *failed->mutable_baseline_result() = rounds(100, {0.010}, "2");
  *failed->mutable_candidate_result() = rounds(100, {0.010}, "2");
  failed->mutable_candidate_result()->set_status(v1::JOB_STATUS_WRONG_VALUE);
  failed->mutable_candidate_result()->set_error_message("value 3, expected 2");
  // a/n:3: never reached a worker (the comparison was cancelled first).
  *result.add_jobs() = compared("a/n:3", v1::COMPARISON_VERDICT_INCONCLUSIVE);
  result.mutable_jobs(2)->set_error("cancelled");
  result.set_cancelled(true);

  std::unique_ptr<ResultsStore> store = open_rw(path());
  ASSERT_TRUE(store);
  record_comparison(*store, {&base, text}, {&cand, "other text"}, "local", result);
  EXPECT_EQ(result.store_errors_size(), 0) << result.store_errors(0);
  EXPECT_EQ(result.store(), path());
  EXPECT_EQ(result.baseline_run(), 1);
  EXPECT_EQ(result.candidate_run(), 2);

  auto runs = store->runs({});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 2u);
  const StoredRun &c = (*runs)[0], &b = (*runs)[1];  // newest first
  EXPECT_EQ(b.suite, "s");
  EXPECT_EQ(c.suite, "s2");
  EXPECT_NE(b.manifest_hash, c.manifest_hash);
  for (const StoredRun* r : {&b, &c}) {
    EXPECT_EQ(r->status, "cancelled");
    EXPECT_EQ(r->mode, "local");
    EXPECT_EQ(r->jobs_planned, 3u);
    ASSERT_EQ(r->jobs.size(), 3u);
  }
  EXPECT_NE(b.options.find("baseline side of s vs s2"), std::string::npos) << b.options;
  EXPECT_NE(c.options.find("candidate side of s vs s2"), std::string::npos) << c.options;
  EXPECT_EQ(b.vm.build_id, "00000000000000aa");
  EXPECT_EQ(c.vm.build_id, "00000000000000bb");

  // Rounds are repetitions, judged like a submit's: the median per run.
  EXPECT_EQ(b.jobs[0].status, "ok");
  EXPECT_EQ(b.jobs[0].repetitions, 3u);
  EXPECT_EQ(b.jobs[0].iterations, 8u);
  EXPECT_DOUBLE_EQ(*b.jobs[0].cpu_seconds, 0.011);
  EXPECT_DOUBLE_EQ(*c.jobs[0].cpu_seconds, 0.013);
  EXPECT_DOUBLE_EQ(*c.jobs[0].instructions, 120);
  EXPECT_EQ(b.jobs[1].status, "ok");
  EXPECT_EQ(c.jobs[1].status, "wrong_value");
  EXPECT_EQ(c.jobs[1].error, "value 3, expected 2");
  EXPECT_EQ(b.jobs[2].status, "cancelled");
  EXPECT_EQ(c.jobs[2].status, "cancelled");

  // The verdicts belong to the candidate's run, against the baseline's.
  ASSERT_EQ(c.jobs[0].verdicts.size(), 1u);
  EXPECT_EQ(c.jobs[0].verdicts[0], (std::pair<std::string, std::string>{"cpu", "slower"}));
  EXPECT_TRUE(b.jobs[0].verdicts.empty());
  EXPECT_EQ(integer("SELECT count(*) FROM comparisons WHERE run_id = 2 AND baseline_run_id = 1 AND "
                    "source = 'compare'"),
            3);
  EXPECT_EQ(integer("SELECT count(*) FROM repetitions"), 3 + 3 + 1 + 1);
}

TEST_F(CompareStoreTest, OneSuiteOnBothSidesOfARemoteComparison) {
  const std::string text = "suite: s\nbenchmarks: [{name: a, file: ../p/a.gene, params: {n: [1]}}]\n";
  const Suite base = load(text);
  v1::CompareResult result;
  result.set_suite("s");
  result.set_candidate_suite("s");
  *result.mutable_baseline() = *result.mutable_candidate() = worker("w", "00000000000000aa");
  v1::JobComparison* job = result.add_jobs();
  *job = compared("a/n:1", v1::COMPARISON_VERDICT_SAME);
  *job->mutable_baseline_result() = rounds(100, {0.010, 0.010}, "1");
  *job->mutable_candidate_result() = rounds(100, {0.010, 0.010}, "1");
  std::unique_ptr<ResultsStore> store = open_rw(path());
  ASSERT_TRUE(store);
  record_comparison(*store, {&base, text}, {&base, text}, "remote", result);
  EXPECT_EQ(result.store_errors_size(), 0);
  auto runs = store->runs({});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 2u);
  for (const StoredRun& r : *runs) {
    EXPECT_EQ(r.status, "finished");
    EXPECT_EQ(r.mode, "remote");
    ASSERT_EQ(r.jobs.size(), 1u);
    EXPECT_EQ(r.jobs[0].name, "a/n:1");
  }
  EXPECT_EQ((*runs)[0].manifest_hash, (*runs)[1].manifest_hash);  // one suite, both sides
}

}  // namespace
}  // namespace gene::coordinator
