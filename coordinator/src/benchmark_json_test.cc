#include "gene/coordinator/benchmark_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gene::coordinator {
namespace {

v1::SuiteResult sample_result() {
  v1::SuiteResult sr;
  sr.set_suite("demo");
  v1::JobOutcome* ok = sr.add_jobs();
  ok->set_job_name("fib/n:20");
  ok->set_benchmark("fib");
  ok->set_hardware("x86_64");
  v1::JobResult* r = ok->mutable_result();
  r->set_status(v1::JOB_STATUS_OK);
  r->set_value("6765");
  for (int i = 0; i < 2; ++i) {
    v1::Repetition* rep = r->add_repetitions();
    rep->set_wall_seconds(0.002 * (i + 1));
    rep->set_cpu_seconds(0.001);
    rep->set_iterations(64);
    rep->set_involuntary_context_switches(3);
    (*rep->mutable_statistics())["instructions"] = 100;
  }
  r->mutable_calibration()->set_min_time_seconds(0.1);
  r->mutable_conditions()->set_load_average(0.75);
  r->mutable_conditions()->set_jobs_beside(1);
  ok->set_noisy(true);
  v1::NoiseReason* reason = ok->add_noise_reasons();
  reason->set_kind("jobs_beside");
  reason->set_text("1 other job ran beside it");
  v1::JobOutcome* bad = sr.add_jobs();
  bad->set_job_name("fib/n:25");
  bad->set_benchmark("fib");
  bad->mutable_result()->set_status(v1::JOB_STATUS_PROGRAM_ERROR);
  bad->mutable_result()->set_error_message("fib.gene:1:2: boom \"quoted\"");
  v1::WorkerInfo& w1 = (*sr.mutable_workers())["w1"];
  w1.set_arch("x86_64");
  w1.mutable_vm()->set_commit("abc123");
  w1.mutable_vm()->set_dirty(true);
  w1.mutable_vm()->set_build_id("0123456789abcdef");
  w1.add_exact_statistic_names("instructions");
  w1.set_hardware_counters("unavailable: no PMU");
  return sr;
}

TEST(BenchmarkJson, GoogleBenchmarkShape) {
  report::HostContext host;
  host.date = "2026-01-01T00:00:00+00:00";
  host.host_name = "h";
  host.num_cpus = 2;
  host.load_avg = {0.5, 0.25, 0.125};
  std::string j = benchmark_json(sample_result(), "coordinator", host);
  for (const char* expected : {"\"json_schema_version\": 1",
                               "\"suite\": \"demo\"",
                               "\"name\": \"w1\"",
                               "\"hardware\": \"x86_64\"",
                               "\"name\": \"fib/n:20\"",
                               "\"run_type\": \"iteration\"",
                               "\"repetition_index\": 1",
                               "\"real_time\": 4",
                               "\"time_unit\": \"ms\"",
                               "\"instructions\": 100",
                               "\"label\": \"6765\"",
                               "\"name\": \"fib/n:20_mean\"",
                               "\"name\": \"fib/n:20_median\"",
                               "\"name\": \"fib/n:20_stddev\"",
                               "\"name\": \"fib/n:20_cv\"",
                               "\"aggregate_name\": \"cv\"",
                               "\"aggregate_unit\": \"percentage\"",
                               "\"real_time\": 3,",
                               "\"per_family_instance_index\": 1",
                               "\"error_occurred\": true",
                               "\"error_message\": \"program_error: fib.gene:1:2: boom \\\"quoted\\\"\"",
                               "\"load_avg\": [\n",
                               // The build the jobs ran on, and which statistics are exact.
                               "\"vm_commit\": \"abc123\",\n    \"dirty\": true,\n    \"build_id\": \"0123456789abcdef\"",
                               "\"exact_statistics\": [\n      \"instructions\"\n    ]",
                               "\"vm_build_id\": \"0123456789abcdef\"",
                               "\"hardware_counters\": \"unavailable: no PMU\"",
                               // Calibrated: k runs per repetition, as Google Benchmark's iterations.
                               "\"iterations\": 64,",
                               "\"cpu_utilization\": 0.5,",
                               "\"involuntary_context_switches\": 3,",
                               // Trust, in each aggregate.
                               "\"noisy\": true,",
                               "\"noise_reasons\": [\n        {\"kind\": \"jobs_beside\", \"text\": \"1 other job ran beside it\"}",
                               "\"min_time\": 0.1,",
                               "\"load_average\": 0.75,",
                               "\"jobs_beside\": 1,"})
    EXPECT_NE(j.find(expected), std::string::npos) << expected << "\n" << j;
  // The failed job has no aggregates.
  EXPECT_EQ(j.find("fib/n:25_mean"), std::string::npos);
}

TEST(BenchmarkJson, NonFiniteIsNull) {
  v1::SuiteResult sr = sample_result();
  (*sr.mutable_jobs(0)->mutable_result()->mutable_repetitions(0)->mutable_statistics())["gc_seconds"] = NAN;
  std::string j = benchmark_json(sr, "coordinator", report::HostContext{});
  EXPECT_NE(j.find("\"gc_seconds\": null"), std::string::npos) << j;
  EXPECT_EQ(j.find("nan"), std::string::npos);
}

}  // namespace
}  // namespace gene::coordinator
