// `gene bench --json` and `coordinator submit --json` fed the same samples
// write the same entries: the same times per repetition, and the same
// aggregates (_mean, _median, _stddev, _cv) of the times and of every
// statistic. Both go through one summary and one entry writer; this test
// proves it holds through each command's own conversion of its results.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <map>

#include "bench_json.h"
#include "gene/coordinator/benchmark_json.h"

namespace {

namespace v1 = gene::farm::v1;
using google::protobuf::Struct;
using google::protobuf::Value;

struct Sample {
  double wall, cpu;
  std::vector<std::pair<std::string, std::optional<double>>> stats;
};

// Spread that gives a real stddev and cv; a statistic absent in one
// repetition; one whose mean is 0 (cv undefined: null on both sides).
const std::vector<Sample> kSamples = {
    {0.0100, 0.0090, {{"instructions", 1000}, {"frames_per_second", 2.5e6}, {"gc_seconds", 0}}},
    {0.0123, 0.0101, {{"instructions", 1000}, {"frames_per_second", 2.1e6}, {"gc_seconds", 0}}},
    {0.0300, 0.0170, {{"instructions", 1000}, {"frames_per_second", std::nullopt}, {"gc_seconds", 0}}},
    {0.0111, 0.0099, {{"instructions", 1000}, {"frames_per_second", 2.3e6}, {"gc_seconds", 0}}},
};
const char* const kName = "fib/n:30";

std::map<std::string, Struct> entries_by_name(const std::string& json) {
  Struct doc;
  auto status = google::protobuf::util::JsonStringToMessage(json, &doc);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  std::map<std::string, Struct> out;
  for (const Value& entry : doc.fields().at("benchmarks").list_value().values()) {
    const Struct& s = entry.struct_value();
    std::string name = s.fields().at("name").string_value();
    if (s.fields().at("run_type").string_value() == "iteration") {
      const std::string index = std::to_string(int(s.fields().at("repetition_index").number_value()));
      name.append("#").append(index);
    }
    out[name] = s;
  }
  return out;
}

std::string gene_bench_json() {
  gene::cli::BenchRun run;
  run.name = kName;
  run.value = "832040";
  for (const auto& s : kSamples) run.repetitions.push_back({s.wall, s.cpu, s.stats});
  return gene::cli::bench_json(run, gene::report::HostContext{}, "gene");
}

std::string coordinator_submit_json() {
  v1::SuiteResult suite;
  suite.set_suite("agreement");
  v1::JobOutcome* job = suite.add_jobs();
  job->set_job_name(kName);
  job->set_benchmark("fib");
  v1::JobResult* r = job->mutable_result();
  r->set_status(v1::JOB_STATUS_OK);
  r->set_value("832040");
  for (const auto& s : kSamples) {
    v1::Repetition* rep = r->add_repetitions();
    rep->set_wall_seconds(s.wall);
    rep->set_cpu_seconds(s.cpu);
    rep->set_iterations(1);
    for (const auto& [name, v] : s.stats)
      if (v) (*rep->mutable_statistics())[name] = *v;  // absent ratios are absent in the proto
  }
  return gene::coordinator::benchmark_json(suite, "coordinator", gene::report::HostContext{});
}

TEST(ReportAgreement, GeneBenchAndSubmitWriteTheSameEntriesForTheSameSamples) {
  auto gene = entries_by_name(gene_bench_json());
  auto submit = entries_by_name(coordinator_submit_json());
  std::vector<std::string> names;
  for (const auto& [name, entry] : gene) names.push_back(name);
  std::vector<std::string> submit_names;
  for (const auto& [name, entry] : submit) submit_names.push_back(name);
  ASSERT_EQ(names, submit_names);
  ASSERT_EQ(names.size(), kSamples.size() + 4);  // the repetitions and four aggregates

  const char* kKeys[] = {"run_name",  "run_type",     "repetitions", "iterations",        "real_time", "cpu_time",
                         "time_unit", "instructions", "gc_seconds",  "frames_per_second", "label"};
  for (const auto& name : names) {
    for (const char* key : kKeys) {
      SCOPED_TRACE(name + " " + key);
      const auto& g = gene.at(name).fields();
      const auto& s = submit.at(name).fields();
      ASSERT_TRUE(g.count(key)) << "gene bench lacks it";
      ASSERT_TRUE(s.count(key)) << "submit lacks it";
      EXPECT_EQ(g.at(key).DebugString(), s.at(key).DebugString());
    }
  }
  // The aggregates are real ones: the cv of the wall time is stddev / mean.
  const auto& cv = gene.at(std::string(kName) + "_cv").fields();
  const auto& mean = gene.at(std::string(kName) + "_mean").fields();
  const auto& stddev = gene.at(std::string(kName) + "_stddev").fields();
  EXPECT_NEAR(cv.at("real_time").number_value(),
              stddev.at("real_time").number_value() / mean.at("real_time").number_value(), 1e-12);
  EXPECT_GT(cv.at("real_time").number_value(), 0.1);
  EXPECT_EQ(cv.at("gc_seconds").kind_case(), Value::kNullValue);  // mean 0: no cv
  EXPECT_EQ(gene.at(std::string(kName) + "_median").fields().at("frames_per_second").number_value(), 2.3e6);
}

}  // namespace
