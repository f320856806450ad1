#include "gene/coordinator/history.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store_test_fixture.h"
#include "store_test_jobs.h"

namespace gene::coordinator {
namespace {

class HistoryTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    open_store();
  }

  // One repetition of `cpu` seconds; a job that failed ran none.
  static v1::JobOutcome job(const std::string& name, double instructions, double cpu, bool noisy = false,
                            v1::JobStatus status = v1::JOB_STATUS_OK) {
    return testing::stored_job(name, instructions, status == v1::JOB_STATUS_OK ? std::vector<double>{cpu}
                                                                               : std::vector<double>{},
                               noisy, status);
  }

  int64_t run(const std::string& suite, const std::string& commit, bool dirty, std::vector<v1::JobOutcome> jobs) {
    return testing::record_run(*store_, suite, testing::stored_worker(commit, dirty), jobs);
  }
};

TEST_F(HistoryTest, NewestFirstWithTheChangeFromTheRunBefore) {
  run("demo", "aaaa11112222", false, {job("fib/n:30", 1000, 0.010), job("count/n:5", 50, 0.001)});
  run("other", "aaaa11112222", false, {job("fib/n:30", 9999, 0.5)});
  run("demo", "bbbb11112222", true, {job("fib/n:30", 1100, 0.011, true), job("count/n:5", 50, 0.001)});
  auto runs = load_history(*store_, {"demo", "", 0});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run.id, 3);
  EXPECT_EQ((*runs)[1].run.id, 1);
  const HistoryJob& fib = (*runs)[0].jobs[0];
  EXPECT_EQ(fib.previous_run, 1);  // not run 2: another suite
  EXPECT_NEAR(*fib.change, 0.1, 1e-12);
  EXPECT_NEAR(*fib.instructions_change, 0.1, 1e-12);
  EXPECT_FALSE((*runs)[1].jobs[0].change);  // nothing before the first run

  std::string table = format_history(*runs);
  EXPECT_NE(table.find("run 3  "), std::string::npos) << table;
  EXPECT_LT(table.find("run 3  "), table.find("run 1  "));
  EXPECT_NE(table.find("vm bbbb11112222-dirty"), std::string::npos) << table;
  EXPECT_NE(table.find("11.00 ms  +10.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("1100  +10.0%  noisy (cpu_share)"), std::string::npos) << table;
  EXPECT_NE(table.find("50       ="), std::string::npos) << table;
}

TEST_F(HistoryTest, JobPatternAndLastCountOnlyRunsWithAMatchingJob) {
  run("demo", "aaaa11112222", false, {job("fib/n:30", 1000, 0.010)});
  run("demo", "aaaa11112222", false, {job("count/n:5", 50, 0.001)});
  run("demo", "aaaa11112222", false, {job("count/n:5", 50, 0.001)});
  auto runs = load_history(*store_, {"", "^fib", 1});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].run.id, 1);
  auto bad = load_history(*store_, {"", "(", 0});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bad --job regular expression"), std::string::npos) << bad.status();
}

google::protobuf::Struct parse(const std::string& json) {
  google::protobuf::Struct s;
  auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return s;
}

TEST_F(HistoryTest, JsonHasTheDocumentedShape) {
  run("demo", "aaaa11112222", false, {job("fib/n:30", 1000, 0.010)});
  run("demo", "bbbb11112222", true,
      {job("fib/n:30", 1100, 0.011, true), job("bad/n:1", 0, 0, false, v1::JOB_STATUS_PROGRAM_ERROR)});
  auto runs = load_history(*store_, {});
  ASSERT_TRUE(runs.ok()) << runs.status();
  auto doc = parse(history_json(*runs, "/x/results.sqlite"));
  const auto& list = doc.fields().at("runs").list_value();
  ASSERT_EQ(list.values_size(), 2);
  const auto& newest = list.values(0).struct_value().fields();
  EXPECT_EQ(newest.at("id").number_value(), 2);
  EXPECT_EQ(newest.at("suite").string_value(), "demo");
  EXPECT_EQ(newest.at("hardware").string_value(), "x86_64");
  EXPECT_EQ(newest.at("started_at").string_value().size(), 20u);  // 2026-12-07T03:04:05Z
  EXPECT_EQ(newest.at("started_at").string_value().back(), 'Z');
  const auto& vm = newest.at("vm").struct_value().fields();
  EXPECT_EQ(vm.at("commit").string_value(), "bbbb11112222");
  EXPECT_TRUE(vm.at("dirty").bool_value());
  EXPECT_TRUE(vm.count("version") && vm.count("build_id"));
  const auto& jobs = newest.at("jobs").list_value();
  ASSERT_EQ(jobs.values_size(), 2);
  const auto& fib = jobs.values(0).struct_value().fields();
  EXPECT_EQ(fib.at("name").string_value(), "fib/n:30");
  EXPECT_EQ(fib.at("status").string_value(), "ok");
  EXPECT_DOUBLE_EQ(fib.at("median").number_value(), 0.011);
  EXPECT_EQ(fib.at("unit").string_value(), "s");
  EXPECT_NEAR(fib.at("change").number_value(), 0.1, 1e-12);
  EXPECT_EQ(fib.at("previous_run").number_value(), 1);
  EXPECT_TRUE(fib.at("noisy").bool_value());
  const auto& bad = jobs.values(1).struct_value().fields();
  EXPECT_EQ(bad.at("status").string_value(), "program_error");
  EXPECT_TRUE(bad.at("change").has_null_value());
}

TEST_F(HistoryTest, HtmlIsSelfContainedWithAPlotPerJob) {
  run("demo", "aaaa11112222", false, {job("fib/n:30", 1000, 0.010)});
  run("demo", "aaaa11112222", false, {job("fib/n:30", 1000, 0.012, true)});
  run("demo", "bbbb11112222", true,
      {job("fib/n:30", 1000, 0.011), job("bad/n:1", 0, 0, false, v1::JOB_STATUS_PROGRAM_ERROR)});
  auto runs = load_history(*store_, {});
  ASSERT_TRUE(runs.ok()) << runs.status();
  std::string html = history_html(*runs, "/x/<results>.sqlite");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(html.find("&lt;results&gt;"), std::string::npos);  // escaped
  // Two plots, each with labelled axes.
  size_t plots = 0;
  for (size_t at = html.find("<svg xmlns"); at != std::string::npos; at = html.find("<svg xmlns", at + 1)) ++plots;
  EXPECT_EQ(plots, 2u);
  EXPECT_NE(html.find("CPU time per run (ms)"), std::string::npos);
  EXPECT_NE(html.find("run id (oldest → newest)"), std::string::npos);
  // Points labelled by commit, dirty builds marked; a noisy point; a failed job.
  EXPECT_NE(html.find(">aaaa11112222</text>"), std::string::npos);
  EXPECT_NE(html.find(">bbbb11112222-dirty</text>"), std::string::npos);
  EXPECT_NE(html.find("class=\"build\""), std::string::npos);  // the change of build
  EXPECT_NE(html.find("class=\"point noisy\""), std::string::npos);
  EXPECT_NE(html.find("class=\"failed\""), std::string::npos);
}

}  // namespace
}  // namespace gene::coordinator
