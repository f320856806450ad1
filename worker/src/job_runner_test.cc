// The job runner alone, without gRPC: what local mode gets.
#include "gene/job_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <chrono>
#include <thread>

#include "gene/machine_info.h"
#include "test_programs.h"

namespace gene::farm {
namespace {

using namespace testing;
using Clock = std::chrono::steady_clock;

struct JobRun {
  v1::JobResult result;
  std::vector<v1::JobEvent> events;
};

JobRun run(const v1::JobRequest& request, const std::atomic<bool>& cancel) {
  JobRun r;
  r.result = JobRunner("test-runner").run(request, cancel, [&](const v1::JobEvent& e) { r.events.push_back(e); });
  return r;
}

JobRun run(const v1::JobRequest& request) {
  std::atomic<bool> cancel{false};
  return run(request, cancel);
}

TEST(JobRunner, RunsWarmupsAndRepetitionsWithStatistics) {
  v1::JobRequest request = fib_job(15, 3);
  request.set_warmup(2);
  request.set_expect("610");
  JobRun r = run(request);
  ASSERT_EQ(r.result.status(), v1::JOB_STATUS_OK) << r.result.error_message();
  EXPECT_EQ(r.result.value(), "610");
  EXPECT_EQ(r.result.job_id(), "fib/n:15");
  EXPECT_EQ(r.result.worker(), "test-runner");
  ASSERT_EQ(r.result.repetitions_size(), 3);
  for (const auto& rep : r.result.repetitions()) {
    EXPECT_GT(rep.wall_seconds(), 0);
    EXPECT_GT(rep.cpu_seconds(), 0);
    EXPECT_GT(rep.statistics().at("instructions"), 1000);
    EXPECT_GT(rep.statistics().at("frames_allocated"), 1000);  // fib(15) makes 1973 calls
    EXPECT_TRUE(rep.instruction_mix().empty());                // profile off
  }
  // accepted, one repetition_done per measured repetition, the result.
  ASSERT_EQ(r.events.size(), 5u);
  EXPECT_TRUE(r.events[0].has_accepted());
  for (uint32_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(r.events[1 + i].has_repetition_done());
    EXPECT_EQ(r.events[1 + i].repetition_done().index(), i);
  }
  ASSERT_TRUE(r.events[4].has_result());
  EXPECT_EQ(r.events[4].result().status(), v1::JOB_STATUS_OK);
}

TEST(JobRunner, RatiosWithZeroDenominatorAreAbsent) {
  JobRun r = run(program_job("(1 + 2)"));
  ASSERT_EQ(r.result.status(), v1::JOB_STATUS_OK) << r.result.error_message();
  EXPECT_EQ(r.result.value(), "3");
  const auto& stats = r.result.repetitions(0).statistics();
  EXPECT_EQ(stats.count("tco_success_rate"), 0u);  // no tail calls
  EXPECT_EQ(stats.count("instructions"), 1u);
}

TEST(JobRunner, ProfileCollectsInstructionMixAndHotspots) {
  v1::JobRequest request = fib_job(10, 1);
  request.mutable_vm()->set_profile(true);
  JobRun r = run(request);
  ASSERT_EQ(r.result.status(), v1::JOB_STATUS_OK) << r.result.error_message();
  EXPECT_FALSE(r.result.profile().instruction_mix().empty());
  EXPECT_FALSE(r.result.profile().hotspots().empty());
}

TEST(JobRunner, ProgramErrorIsAResultWithItsPlace) {
  JobRun r = run(program_job(kTypeError));
  EXPECT_EQ(r.result.status(), v1::JOB_STATUS_PROGRAM_ERROR);
  EXPECT_NE(r.result.error_message().find("test.gene:2:"), std::string::npos) << r.result.error_message();
  EXPECT_NE(r.result.error_message().find("type error"), std::string::npos) << r.result.error_message();
  EXPECT_EQ(r.result.error_line(), 2);
  EXPECT_EQ(r.result.repetitions_size(), 0);
}

TEST(JobRunner, FileNameIsEscapedInErrors) {
  v1::JobRequest request = program_job(kTypeError);
  request.set_file_name("\x1b[2J\x1b[31mred.gene");
  JobRun r = run(request);
  EXPECT_EQ(r.result.error_message().find('\x1b'), std::string::npos) << r.result.error_message();
  EXPECT_NE(r.result.error_message().find("\\x1b[2J\\x1b[31mred.gene:2:"), std::string::npos)
      << r.result.error_message();
}

TEST(JobRunner, ReadErrorIsAProgramError) {
  JobRun r = run(program_job("(1 + "));
  EXPECT_EQ(r.result.status(), v1::JOB_STATUS_PROGRAM_ERROR);
  EXPECT_NE(r.result.error_message().find("read error"), std::string::npos) << r.result.error_message();
}

TEST(JobRunner, WrongValue) {
  v1::JobRequest request = fib_job(10, 2);
  request.set_expect("56");
  JobRun r = run(request);
  EXPECT_EQ(r.result.status(), v1::JOB_STATUS_WRONG_VALUE);
  EXPECT_NE(r.result.error_message().find("value 55, expected 56"), std::string::npos) << r.result.error_message();
}

TEST(JobRunner, LimitsAreResourceLimits) {
  v1::JobRequest depth = program_job("(fn f n (+ 1 (f (n + 1))))\n(f 0)");
  depth.mutable_vm()->set_max_depth(100);
  EXPECT_EQ(run(depth).result.status(), v1::JOB_STATUS_RESOURCE_LIMIT);

  v1::JobRequest heap = program_job("(var a [])\n(loop (push a [1 2 3]))");
  heap.mutable_vm()->set_max_heap_bytes(1 << 20);
  JobRun h = run(heap);
  EXPECT_EQ(h.result.status(), v1::JOB_STATUS_RESOURCE_LIMIT);
  EXPECT_NE(h.result.error_message().find("out of memory"), std::string::npos) << h.result.error_message();

  v1::JobRequest output = program_job("(loop (print \"0123456789\"))");
  output.mutable_vm()->set_max_output_bytes(1000);
  JobRun o = run(output);
  EXPECT_EQ(o.result.status(), v1::JOB_STATUS_RESOURCE_LIMIT);
  EXPECT_LE(o.result.output().size(), 1010u);
}

TEST(JobRunner, OutputIsCapturedNotPrinted) {
  ::testing::internal::CaptureStdout();
  JobRun r = run(program_job("(println \"hello\")\n7"));
  std::string printed = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(r.result.status(), v1::JOB_STATUS_OK) << r.result.error_message();
  EXPECT_EQ(r.result.output(), "hello\n");
  EXPECT_EQ(printed, "");
}

TEST(JobRunner, OneDeadlineCoversWarmupsAndRepetitions) {
  // Each run takes milliseconds, far below the 0.6 s deadline; 10000 of
  // them take far longer, so the deadline stops the job part way.
  v1::JobRequest request = program_job("(var i 0)\n(while (i < n) (i += 1))\ni", 0.6);
  (*request.mutable_params())["n"] = "1000000";
  request.set_warmup(1);
  request.set_repetitions(kMaxRepetitions);
  auto start = Clock::now();
  JobRun r = run(request);
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.result.status(), v1::JOB_STATUS_TIMEOUT) << r.result.error_message();
  EXPECT_GT(r.result.repetitions_size(), 0);  // the runs before the deadline are kept
  EXPECT_LT(r.result.repetitions_size(), int(kMaxRepetitions));
  EXPECT_GE(elapsed, 0.6);
  EXPECT_LT(elapsed, 2.0);
  EXPECT_NE(r.result.error_message().find("deadline of 600.0 ms (covering 1 warm-up and 10000 repetitions)"),
            std::string::npos)
      << r.result.error_message();
}

TEST(JobRunner, EndlessProgramTimesOut) {
  auto start = Clock::now();
  JobRun r = run(program_job(kForever, 0.3));
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.result.status(), v1::JOB_STATUS_TIMEOUT);
  EXPECT_GE(elapsed, 0.3);
  EXPECT_LT(elapsed, 2.0);
}

TEST(JobRunner, CancelFlagStopsTheJob) {
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto start = Clock::now();
  JobRun r = run(program_job(kForever, 60), cancel);
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  canceller.join();
  EXPECT_EQ(r.result.status(), v1::JOB_STATUS_CANCELLED);
  EXPECT_LT(elapsed, 2.0);
}

TEST(JobRunner, MalformedRequestsAreErrorResultsWithoutAcceptance) {
  v1::JobRequest empty = fib_job(5, 1);
  empty.clear_program();
  v1::JobRequest no_reps = fib_job(5, 1);
  no_reps.set_repetitions(0);
  v1::JobRequest huge = program_job(std::string(5u << 20, ' ') + "1");
  v1::JobRequest bad_name = fib_job(5, 1);
  (*bad_name.mutable_params())["n\xff"] = "1";  // protobuf's setters do not check UTF-8
  v1::JobRequest bad_level = fib_job(5, 1);
  bad_level.mutable_vm()->set_optimize_level(7);
  v1::JobRequest bad_timeout = fib_job(5, 1);
  bad_timeout.set_timeout_seconds(-1);
  for (const auto& [request, reason] :
       std::vector<std::pair<v1::JobRequest, std::string>>{{empty, "program is missing"},
                                                           {no_reps, "repetitions must be at least 1"},
                                                           {huge, "the limit is 4194304"},
                                                           {bad_name, "not valid UTF-8"},
                                                           {bad_level, "optimize_level"},
                                                           {bad_timeout, "timeout_seconds"}}) {
    JobRun r = run(request);
    EXPECT_EQ(r.result.status(), v1::JOB_STATUS_PROGRAM_ERROR) << reason;
    EXPECT_NE(r.result.error_message().find(reason), std::string::npos) << r.result.error_message();
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_TRUE(r.events[0].has_result());
    absl::Status invalid = validate_job_request(request);
    EXPECT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(invalid.message(), r.result.error_message().substr(std::string("invalid job: ").size()));
  }
}

TEST(JobRunner, BadParameterIsAProgramError) {
  v1::JobRequest request = fib_job(5, 1);
  (*request.mutable_params())["n"] = "99999999999999999999999";
  JobRun r = run(request);
  EXPECT_EQ(r.result.status(), v1::JOB_STATUS_PROGRAM_ERROR);
  EXPECT_NE(r.result.error_message().find("out of range"), std::string::npos) << r.result.error_message();
}

// Typed parameters reach the VM as exactly their values: a string that
// looks like a number stays a string, quotes and control characters need
// no escaping by the caller, and a float keeps every digit.
TEST(JobRunner, TypedParametersAreBoundAsTheirValues) {
  v1::JobRequest request = program_job(
      "(var s 0) (var i 0) (var j 0) (var f 0) (var g 0) (var b 0) (var z 0) (var q 0) (var n 0)\n"
      "[s i j f g b z q n (s == \"30\") (f == 0.1) (g == 1e300) (j == 140737488355327)\n"
      " (q == \"say \\\"hi\\\"\\t\\0!\\\\\\n\u00e9\u20ac\")]");
  auto& p = *request.mutable_typed_params();
  p["s"].set_string_value("30");
  p["i"].set_int_value(-(int64_t(1) << 47));
  p["j"].set_int_value((int64_t(1) << 47) - 1);
  p["f"].set_float_value(0.1);
  p["g"].set_float_value(1e300);
  p["b"].set_bool_value(false);
  p["z"].mutable_nil_value();
  p["q"].set_string_value(std::string("say \"hi\"\t\0!\\\n\u00e9\u20ac", 18));
  // A name in both maps: the typed value wins over the text.
  (*request.mutable_params())["n"] = "1";
  p["n"].set_int_value(2);
  JobRun r = run(request);
  ASSERT_EQ(r.result.status(), v1::JOB_STATUS_OK) << r.result.error_message();
  EXPECT_EQ(r.result.value(),
            "[\"30\" -140737488355328 140737488355327 0.1 1e+300 false nil "
            "\"say \\\"hi\\\"\\t\\0!\\\\\\n\u00e9\u20ac\" 2 true true true true true]");
}

TEST(JobRunner, BadTypedParametersAreProgramErrors) {
  auto with = [](const std::string& name, v1::ParamValue value) {
    v1::JobRequest request = fib_job(5, 1);
    (*request.mutable_typed_params())[name] = std::move(value);
    return run(request).result;
  };
  v1::ParamValue inf, none, big, long_text;
  inf.set_float_value(INFINITY);
  big.set_int_value(int64_t(1) << 47);
  v1::ParamValue int64_min, int64_max;
  int64_min.set_int_value(std::numeric_limits<int64_t>::min());
  int64_max.set_int_value(std::numeric_limits<int64_t>::max());
  long_text.set_string_value(std::string(kMaxParamTextBytes + 1, 'x'));
  for (const auto& [result, reason] :
       std::vector<std::pair<v1::JobResult, std::string>>{{with("f", inf), "parameter f: a float value must be finite"},
                                                          {with("v", none), "parameter v: value has no type"},
                                                          {with("n", big), "parameter n: integer out of range: 140737488355328"},
                                                          {with("n", int64_min), "integer out of range: -9223372036854775808"},
                                                          {with("n", int64_max), "integer out of range: 9223372036854775807"},
                                                          {with("t", long_text), "value is longer than 65536 bytes"},
                                                          {with("", big), "a parameter has an empty name"}}) {
    EXPECT_EQ(result.status(), v1::JOB_STATUS_PROGRAM_ERROR) << reason;
    EXPECT_NE(result.error_message().find(reason), std::string::npos) << result.error_message();
  }
}

TEST(JobRunner, StatusLabelsAndStatisticNames) {
  EXPECT_EQ(job_status_label(v1::JOB_STATUS_OK), "ok");
  EXPECT_EQ(job_status_label(v1::JOB_STATUS_PROGRAM_ERROR), "program_error");
  EXPECT_EQ(job_status_label(v1::JOB_STATUS_WORKER_LOST), "worker_lost");
  EXPECT_EQ(job_status_label(v1::JOB_STATUS_CANCELLED), "cancelled");
  auto names = statistic_names();
  for (const char* name : {"instructions", "frames_per_second", "frame_pool_hit_rate", "tco_success_rate",
                           "memory_overhead_ratio", "gc_pause_seconds_p99"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

TEST(MachineInfo, DescribesThisMachine) {
  v1::WorkerInfo info = describe_this_machine("w1", {{"class", "fast"}, {"arch", "spoofed"}}, 2);
  EXPECT_EQ(info.name(), "w1");
  EXPECT_GT(info.cores(), 0u);
  EXPECT_GT(info.memory_bytes(), 0u);
  EXPECT_FALSE(info.arch().empty());
  EXPECT_FALSE(info.kernel().empty());
  EXPECT_FALSE(info.vm().version().empty());
  EXPECT_EQ(info.labels().at("class"), "fast");
  EXPECT_EQ(info.labels().at("arch"), info.arch());  // implicit labels win
  EXPECT_EQ(info.labels().at("cores"), std::to_string(info.cores()));
  EXPECT_EQ(info.labels().at("cpu_model"), info.cpu_model());
  EXPECT_EQ(info.max_concurrent(), 2u);
  EXPECT_EQ(size_t(info.statistic_names_size()), statistic_names().size());
}

}  // namespace
}  // namespace gene::farm
