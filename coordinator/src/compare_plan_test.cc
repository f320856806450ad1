#include "gene/coordinator/compare_plan.h"

#include <gtest/gtest.h>

namespace gene::coordinator {
namespace {

Suite load(const std::string& yaml) {
  ManifestResult m = load_manifest("suites/s.yaml", yaml,
                                   map_file_resolver({{"../p/a.gene", "(var n 1) n"}, {"../p/b.gene", "(var n 2) n"}}),
                                   ManifestOptions{});
  EXPECT_TRUE(m.suite) << format_diagnostics(m.errors);
  return m.suite ? *m.suite : Suite{};
}

// Why parse_side refuses `text` ("" when it does not); a refusal is
// INVALID_ARGUMENT.
std::string side_error(const std::string& text, bool distributed) {
  absl::StatusOr<SideSpec> s = parse_side(text, distributed);
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << s.status();
  return std::string(s.status().message());
}

// Why plan_comparison refuses ("" when it does not); a refusal is INVALID_ARGUMENT.
std::string plan_error(const Suite& baseline, const Suite* candidate, const v1::CompareSide& baseline_side,
                       const v1::CompareSide& candidate_side, const v1::CompareSettings& settings) {
  absl::StatusOr<ComparePlan> plan = plan_comparison(baseline, candidate, baseline_side, candidate_side, settings);
  if (plan.ok()) return "";
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << plan.status();
  return std::string(plan.status().message());
}

TEST(CompareSide, WorkerPathWithVmOptions) {
  auto s = parse_side("build-b/bin/worker,optimize=1, max_heap=64MiB,max_depth=500", false);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->worker_path, "build-b/bin/worker");
  EXPECT_EQ(s->side.vm().optimize_level(), 1u);
  EXPECT_EQ(s->side.vm().max_heap_bytes(), 64u << 20);
  EXPECT_EQ(s->side.vm().max_depth(), 500u);
  EXPECT_EQ(s->side.text(), "build-b/bin/worker,optimize=1, max_heap=64MiB,max_depth=500");
  s = parse_side("w", false);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->side.vm().has_optimize_level());
}

TEST(CompareSide, BadOptionsAreRefusedClearly) {
  std::string error;
  error = side_error("w,optimise=1", false);
  EXPECT_EQ(error,
            "side 'w,optimise=1': unknown option 'optimise' (did you mean 'optimize'?); a worker side takes "
            "optimize=0..2, max_heap=SIZE, max_depth=N");
  error = side_error("w,optimize=3", false);
  EXPECT_EQ(error, "side 'w,optimize=3': optimize must be 0, 1 or 2, not '3'");
  error = side_error("w,optimize", false);
  EXPECT_EQ(error, "side 'w,optimize': 'optimize' is not K=V");
  error = side_error("w,optimize=1,optimize=2", false);
  EXPECT_NE(error.find("optimize is given twice"), std::string::npos);
  error = side_error("w,max_heap=lots", false);
  EXPECT_NE(error.find("max_heap must be a size"), std::string::npos);
  error = side_error(",optimize=1", false);
  EXPECT_NE(error.find("names no worker binary"), std::string::npos);
}

TEST(CompareSide, LabelsOnlyWithACoordinator) {
  std::string error;
  auto s = parse_side("label:class=fast,vm_commit=abc,optimize=0", true);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->side.selectors().at("class"), "fast");
  EXPECT_EQ(s->side.selectors().at("vm_commit"), "abc");
  EXPECT_FALSE(s->side.selectors().count("optimize"));
  EXPECT_EQ(s->side.vm().optimize_level(), 0u);
  EXPECT_TRUE(s->side.vm().has_optimize_level());
  error = side_error("label:class=fast", false);
  EXPECT_NE(error.find("label selectors need --coordinator"), std::string::npos);
  error = side_error("build/bin/worker", true);
  EXPECT_NE(error.find("with --coordinator a side is label:K=V"), std::string::npos);
  error = side_error("label:", true);
  EXPECT_NE(error.find("selects nothing"), std::string::npos);
}

TEST(CompareSettings, DefaultsAndLimits) {
  v1::CompareSettings s = default_compare_settings();
  EXPECT_TRUE(check_compare_settings(s).ok());
  EXPECT_EQ(s.metric(), "cpu");
  EXPECT_DOUBLE_EQ(s.min_effect(), 0.01);
  EXPECT_DOUBLE_EQ(s.confidence(), 0.99);
  EXPECT_DOUBLE_EQ(s.max_seconds(), 60);
  EXPECT_EQ(s.max_rounds(), 1000u);
  auto bad = [&](auto edit, const char* word) {
    v1::CompareSettings t = default_compare_settings();
    edit(t);
    absl::Status checked = check_compare_settings(t);
    EXPECT_EQ(checked.code(), absl::StatusCode::kInvalidArgument) << word;
    EXPECT_NE(checked.message().find(word), std::string::npos) << word;
  };
  bad([](auto& t) { t.set_min_effect(-0.1); }, "--min-effect");
  bad([](auto& t) { t.set_confidence(1); }, "--confidence");
  bad([](auto& t) { t.set_confidence(0.3); }, "--confidence");
  bad([](auto& t) { t.set_max_seconds(0); }, "--max-time");
  bad([](auto& t) { t.set_max_rounds(1); }, "--max-rounds");
  bad([](auto& t) { t.set_min_time_seconds(-1); }, "--min-time");
}

TEST(CompareMetric, CostsOnlyAndOnBothSides) {
  const std::vector<std::string> names = {"instructions", "instructions_per_second", "frame_pool_hit_rate",
                                          "object_pool_hit_rate_array", "memory_overhead_ratio", "gc_seconds"};
  EXPECT_TRUE(check_metric("cpu", {names, names}).ok());
  EXPECT_TRUE(check_metric("wall", {}).ok());
  EXPECT_TRUE(check_metric("instructions", {names, names}).ok());
  EXPECT_TRUE(check_metric("gc_seconds", {names, names}).ok());
  for (const char* rate : {"instructions_per_second", "frame_pool_hit_rate", "object_pool_hit_rate_array",
                           "memory_overhead_ratio"})
    EXPECT_NE(check_metric(rate, {names, names}).message().find("a rate or a ratio"), std::string::npos) << rate;
  EXPECT_EQ(check_metric("instructons", {names, names}),
            absl::InvalidArgumentError("--metric instructons: no such statistic (did you mean 'instructions'?); use cpu, wall or a "
            "statistic's name"));
  EXPECT_NE(check_metric("gc_seconds", {names, {"instructions"}}).message().find("only one side"), std::string::npos);
}

const char* kBase = R"(suite: base
defaults: {repetitions: 5, warmup: 2, min_time: 50ms}
benchmarks:
  - {name: a, file: ../p/a.gene, params: {n: [1, 2, 3]}, expect: {1: 1, 2: 2, 3: 3}}
  - {name: only_base, file: ../p/a.gene}
)";
const char* kCandidate = R"(suite: cand
defaults: {optimize: 1}
hardware: {class: fast}
benchmarks:
  - {name: a, file: ../p/b.gene, params: {n: [2, 3, 4]}}
  - {name: only_cand, file: ../p/b.gene}
)";

TEST(ComparePlan, JobsMatchByNameAndOthersAreReported) {
  Suite base = load(kBase), cand = load(kCandidate);
  v1::CompareSide bs, cs;
  cs.mutable_vm()->set_max_depth(77);
  auto plan = plan_comparison(base, &cand, bs, cs, default_compare_settings());
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->jobs.size(), 2u);
  EXPECT_EQ(plan->jobs[0].name, "a/n:2");
  EXPECT_EQ(plan->jobs[1].name, "a/n:3");
  const ComparedJob& j = plan->jobs[0];
  EXPECT_EQ(j.baseline.program(), "(var n 1) n");
  EXPECT_EQ(j.candidate.program(), "(var n 2) n");
  EXPECT_EQ(j.baseline.expect(), "2");
  EXPECT_FALSE(j.candidate.has_expect());
  EXPECT_EQ(j.baseline.repetitions(), 1u);
  EXPECT_EQ(j.baseline.warmup(), 0u);
  EXPECT_EQ(j.calibration_warmup, 2u);
  EXPECT_DOUBLE_EQ(j.min_time_seconds, 0.05);
  EXPECT_EQ(j.baseline.vm().optimize_level(), 2u);
  EXPECT_EQ(j.candidate.vm().optimize_level(), 1u);
  EXPECT_EQ(j.candidate.vm().max_depth(), 77u);
  EXPECT_TRUE(j.baseline_selectors.empty());
  EXPECT_EQ(j.candidate_selectors.at("class"), "fast");
  std::vector<std::string> unmatched;
  for (const auto& u : plan->unmatched) unmatched.push_back(u.side() + ":" + u.name());
  EXPECT_EQ(unmatched, (std::vector<std::string>{"baseline:a/n:1", "baseline:only_base", "candidate:a/n:4",
                                                 "candidate:only_cand"}));
}

TEST(ComparePlan, OneSuiteForBothSidesWithSideOptions) {
  Suite base = load(kBase);
  v1::CompareSide bs, cs;
  cs.mutable_vm()->set_optimize_level(0);
  v1::CompareSettings settings = default_compare_settings();
  settings.set_filter("^a/");
  settings.set_min_time_seconds(0.2);
  auto plan = plan_comparison(base, nullptr, bs, cs, settings);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->jobs.size(), 3u);
  EXPECT_TRUE(plan->unmatched.empty());
  EXPECT_EQ(plan->jobs[0].candidate.vm().optimize_level(), 0u);
  EXPECT_EQ(plan->jobs[0].baseline.vm().optimize_level(), 2u);
  EXPECT_DOUBLE_EQ(plan->jobs[0].min_time_seconds, 0.2);
  EXPECT_DOUBLE_EQ(plan->jobs[0].baseline.min_time_seconds(), 0.2);
}

TEST(ComparePlan, NothingInCommonOrNothingMatchedIsAnError) {
  Suite base = load(kBase), cand = load(kCandidate);
  v1::CompareSettings settings = default_compare_settings();
  std::string error;
  settings.set_filter("only");
  error = plan_error(base, &cand, {}, {}, settings);
  EXPECT_NE(error.find("no job is in both suites"), std::string::npos) << error;
  settings.set_filter("nothing");
  error = plan_error(base, &cand, {}, {}, settings);
  EXPECT_EQ(error, "--filter 'nothing' matches no job of suite base");
  settings.set_filter("(");
  error = plan_error(base, &cand, {}, {}, settings);
  EXPECT_NE(error.find("bad --filter"), std::string::npos);
}

TEST(ComparePlan, ASideContradictingTheManifestsSelectorsIsAnError) {
  Suite base = load(kBase), cand = load(kCandidate);
  v1::CompareSide cs;
  (*cs.mutable_selectors())["class"] = "slow";
  std::string error;
  error = plan_error(base, &cand, {}, cs, default_compare_settings());
  EXPECT_EQ(error, "--candidate selects class=slow, but benchmark 'a' asks for class=fast");
}

}  // namespace
}  // namespace gene::coordinator
