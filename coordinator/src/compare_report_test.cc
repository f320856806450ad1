// What compare prints and writes from a result: the record of each job,
// the table, the JSON document, the exit status, and the HTML page (its
// text: the rendering is checked in a real browser end to end).
#include "gene/coordinator/compare_report.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "gene/coordinator/compare_html.h"
#include "gene/coordinator/compare_plan.h"

namespace gene::coordinator {
namespace {

v1::JobComparison job(const std::string& name, v1::ComparisonVerdict verdict, double ratio) {
  v1::JobComparison j;
  j.set_name(name);
  j.set_metric("cpu");
  j.set_verdict(verdict);
  j.set_ratio(ratio);
  j.set_ci_low(ratio * 0.99);
  j.set_ci_high(ratio * 1.01);
  j.set_rounds(4);
  j.set_seconds(1.5);
  j.set_confidence(0.9995);
  for (double b : {0.010, 0.011, 0.010, 0.012}) {
    j.add_baseline_values(b);
    j.add_candidate_values(b * ratio);
  }
  j.set_baseline_median(0.0105);
  j.set_candidate_median(0.0105 * ratio);
  j.set_reason("interval lies above 1");
  v1::ExactComparison* e = j.add_exact();
  e->set_statistic("instructions");
  e->set_baseline(1000);
  e->set_candidate(1000 * ratio);
  return j;
}

v1::CompareResult result() {
  v1::CompareResult r;
  r.set_suite("demo");
  r.set_candidate_suite("demo_plus");
  *r.mutable_settings() = default_compare_settings();
  r.mutable_baseline()->set_name("base");
  r.mutable_baseline()->mutable_vm()->set_commit("abc");
  r.mutable_baseline()->mutable_vm()->set_build_id("0123456789abcdef");
  (*r.mutable_baseline()->mutable_labels())["host"] = "node-1";
  r.mutable_candidate()->set_name("cand");
  r.mutable_candidate()->mutable_vm()->set_dirty(true);
  r.mutable_baseline_side()->set_text("build-a/worker");
  r.mutable_candidate_side()->set_text("build-b/worker,optimize=1");
  r.mutable_candidate_side()->mutable_vm()->set_optimize_level(1);
  *r.add_jobs() = job("fib/n:20", v1::COMPARISON_VERDICT_SLOWER, 1.2);
  *r.add_jobs() = job("loop/n:5", v1::COMPARISON_VERDICT_SAME, 1.001);
  v1::JobComparison failed;
  failed.set_name("bad/n:1");
  failed.set_metric("cpu");
  failed.set_verdict(v1::COMPARISON_VERDICT_INCONCLUSIVE);
  failed.set_error("candidate: wrong_value: value 3, expected 4");
  *r.add_jobs() = failed;
  v1::UnmatchedJob* u = r.add_unmatched();
  u->set_name("only/n:1");
  u->set_side("candidate");
  r.set_seconds(12);
  return r;
}

TEST(CompareReport, RecordOfAJob) {
  v1::JobComparison j = job("x", v1::COMPARISON_VERDICT_SLOWER, 1.2);
  v1::ExactComparison* zero = j.add_exact();
  zero->set_statistic("calls_inlined");  // 0 on both sides: the same
  v1::ExactComparison* fresh = j.add_exact();
  fresh->set_statistic("allocations");  // none before, some now: no ratio
  fresh->set_candidate(5);
  Comparison c = comparison_record(j);
  EXPECT_EQ(c.verdict, Verdict::Slower);
  EXPECT_DOUBLE_EQ(*c.ratio, 1.2);
  ASSERT_EQ(c.exact.size(), 3u);
  EXPECT_DOUBLE_EQ(*c.exact[0].second, 1.2);
  EXPECT_DOUBLE_EQ(*c.exact[1].second, 1.0);
  EXPECT_FALSE(c.exact[2].second);
  EXPECT_EQ(c.baseline_values.size(), 4u);
  EXPECT_DOUBLE_EQ(*c.confidence, 0.9995);
}

TEST(CompareReport, TableRowsReasonsAndCounts) {
  const std::string t = format_comparison_table(result());
  EXPECT_NE(t.find("compare demo with demo_plus: 3 jobs, CPU time per run, 99% confidence over all jobs, min effect 1%"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("baseline:  base (, commit abc, build 0123456789abcdef)  build-a/worker"), std::string::npos) << t;
  EXPECT_NE(t.find("-dirty"), std::string::npos);
  EXPECT_NE(t.find("build-b/worker,optimize=1"), std::string::npos);
  EXPECT_NE(t.find("fib/n:20  slower"), std::string::npos) << t;
  EXPECT_NE(t.find("+20.00%  1.2000 [1.1880, 1.2120]"), std::string::npos) << t;
  EXPECT_NE(t.find("10.50 ms"), std::string::npos) << t;
  EXPECT_NE(t.find("instructions +20.00%"), std::string::npos);
  EXPECT_NE(t.find("bad/n:1   failed"), std::string::npos) << t;
  EXPECT_NE(t.find("  error: candidate: wrong_value: value 3, expected 4"), std::string::npos);
  EXPECT_NE(t.find("not compared, only in the candidate's suite: only/n:1"), std::string::npos);
  EXPECT_NE(t.find("result: 1 slower, 1 same, 1 failed"), std::string::npos) << t;
}

TEST(CompareReport, ExitStatus) {
  v1::CompareResult r = result();
  EXPECT_EQ(compare_exit_status(r), 1);  // slower, and a failure
  r.mutable_jobs()->DeleteSubrange(2, 1);
  EXPECT_EQ(compare_exit_status(r), 1);  // slower
  r.mutable_jobs(0)->set_verdict(v1::COMPARISON_VERDICT_FASTER);
  EXPECT_EQ(compare_exit_status(r), 0);
  r.mutable_jobs(1)->set_verdict(v1::COMPARISON_VERDICT_INCONCLUSIVE);
  EXPECT_EQ(compare_exit_status(r), 0);
}

TEST(CompareReport, JsonDocument) {
  google::protobuf::Struct doc;
  const std::string json = comparison_json(result(), "2026-01-01T00:00:00+00:00");
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &doc).ok()) << json;
  const auto& f = doc.fields();
  EXPECT_EQ(f.at("baseline").struct_value().fields().at("host").string_value(), "node-1");
  EXPECT_EQ(f.at("candidate").struct_value().fields().at("options").string_value(), "optimize=1");
  EXPECT_TRUE(f.at("candidate").struct_value().fields().at("dirty").bool_value());
  const auto& list = f.at("comparisons").list_value();
  ASSERT_EQ(list.values_size(), 3);
  EXPECT_EQ(list.values(0).struct_value().fields().at("verdict").string_value(), "slower");
  EXPECT_EQ(list.values(2).struct_value().fields().at("verdict").string_value(), "inconclusive");
  EXPECT_EQ(list.values(2).struct_value().fields().at("error").string_value(),
            "candidate: wrong_value: value 3, expected 4");
  EXPECT_TRUE(list.values(2).struct_value().fields().at("ratio").has_null_value());
  EXPECT_EQ(f.at("metric").string_value(), "cpu");
  EXPECT_EQ(f.at("max_rounds").number_value(), 1000);
  EXPECT_EQ(f.at("unmatched").list_value().values(0).struct_value().fields().at("side").string_value(), "candidate");
  EXPECT_EQ(f.at("date").string_value(), "2026-01-01T00:00:00+00:00");
}

TEST(CompareHtml, SelfContainedAndEscaped) {
  v1::CompareResult r = result();
  r.mutable_jobs(0)->set_name("<script>alert(1)</script>");
  r.mutable_jobs(1)->set_reason("a & b \"quoted\"");
  const std::string h = comparison_html(r, "2026-01-01");
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_NE(h.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(h.find("a &amp; b &quot;quoted&quot;"), std::string::npos);
  EXPECT_EQ(h.find("http"), std::string::npos) << "nothing fetched";
  // Two plots per job; the failed job's strip plot says there is nothing to show.
  size_t svgs = 0;
  for (size_t at = h.find("<svg"); at != std::string::npos; at = h.find("<svg", at + 1)) ++svgs;
  EXPECT_EQ(svgs, 6u);
  EXPECT_NE(h.find("no rounds measured"), std::string::npos);
  EXPECT_NE(h.find(">slower</span>"), std::string::npos);
  EXPECT_NE(h.find(">failed</span>"), std::string::npos);
  EXPECT_NE(h.find("0123456789abcdef"), std::string::npos);  // the builds
  EXPECT_NE(h.find("CPU time per run (ms)"), std::string::npos);
}

}  // namespace
}  // namespace gene::coordinator
