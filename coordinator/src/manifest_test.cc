#include "gene/coordinator/manifest.h"

#include <gtest/gtest.h>

#include <chrono>

#include <fstream>
#include <random>

#include "gene/coordinator/farm_metrics.h"
#include "gene/coordinator/results.h"

namespace gene::coordinator {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kStats = {"instructions",        "frames_per_second",
                                         "frame_pool_hit_rate", "instructions_per_second",
                                         "tco_success_rate",    "memory_overhead_ratio"};

// A suite tree: ROOT/suites/<manifest>, ROOT/vm_internals/{tco,fib}.gene.
class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("gene-manifest-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(root_ / "suites");
    fs::create_directories(root_ / "vm_internals");
    write(root_ / "vm_internals/tco.gene", "(var n 10)\n0\n");
    write(root_ / "vm_internals/fib.gene", "(var n 10)\nn\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  ManifestResult load(const std::string& text, bool check_stats = true) {
    fs::path manifest = root_ / "suites/s.yaml";
    write(manifest, text);
    ManifestOptions options;
    if (check_stats) options.statistic_names = kStats;
    return load_manifest("suites/s.yaml", text, disk_file_resolver(manifest), options);
  }

  // The only error's text; fails when there is not exactly one.
  std::string one_error(const std::string& text) {
    auto r = load(text);
    EXPECT_FALSE(r.suite);
    EXPECT_EQ(r.errors.size(), 1u) << format_diagnostics(r.errors);
    return r.errors.empty() ? "" : r.errors[0].str();
  }

  fs::path root_;
};

const char* kDesignExample = R"(suite: vm_internals
defaults: {repetitions: 5, warmup: 1, timeout: 60s, optimize: 2}
hardware: {arch: x86_64}
targets:
  frames_per_second: "> 1e6"
  frame_pool_hit_rate: "> 0.80"
  instructions_per_second: "> 1e7"
  memory_overhead_ratio: "< 0.20"
benchmarks:
  - name: tco
    file: ../vm_internals/tco.gene
    params: {n: [1000, 100000, 1000000]}
    expect: 0
    targets: {tco_success_rate: "> 0.95"}
  - name: fib
    file: ../vm_internals/fib.gene
    params: {n: [20, 25]}
    expect: {20: 6765, 25: 75025}
    repetitions: 3
)";

TEST_F(ManifestTest, DesignExampleLoads) {
  auto r = load(kDesignExample);
  ASSERT_TRUE(r.suite) << format_diagnostics(r.errors);
  const Suite& s = *r.suite;
  EXPECT_EQ(s.name, "vm_internals");
  ASSERT_EQ(s.benchmarks.size(), 2u);
  ASSERT_EQ(s.jobs.size(), 5u);
  EXPECT_EQ(s.jobs[0].name, "tco/n:1000");
  EXPECT_EQ(s.jobs[2].name, "tco/n:1000000");
  EXPECT_EQ(s.jobs[3].name, "fib/n:20");
  EXPECT_EQ(s.jobs[0].expect, "0");
  EXPECT_EQ(s.jobs[3].expect, "6765");
  EXPECT_EQ(s.jobs[4].expect, "75025");
  EXPECT_EQ(s.jobs[4].params[0].value.int_value(), 25);

  const Benchmark& tco = s.benchmarks[0];
  EXPECT_EQ(tco.display_path, "vm_internals/tco.gene");
  EXPECT_EQ(tco.program, "(var n 10)\n0\n");
  EXPECT_EQ(tco.settings.repetitions, 5u);
  EXPECT_EQ(tco.settings.timeout_seconds, 60);
  ASSERT_EQ(tco.targets.size(), 5u);
  EXPECT_EQ(tco.targets[4].statistic, "tco_success_rate");
  EXPECT_EQ(tco.targets[4].op, ">");
  EXPECT_DOUBLE_EQ(tco.targets[4].threshold, 0.95);
  EXPECT_EQ(tco.hardware.at("arch"), "x86_64");
  EXPECT_EQ(s.benchmarks[1].settings.repetitions, 3u);
  EXPECT_EQ(s.benchmarks[1].targets.size(), 4u);
}

TEST_F(ManifestTest, OverridesMergeOverDefaults) {
  auto r = load(R"(suite: s
defaults: {repetitions: 2, warmup: 0, timeout: 1m30s, max_heap: 64MiB, max_depth: 500}
hardware: {arch: x86_64, class: fast}
targets: {frames_per_second: "> 1e6", instructions: "< 100"}
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    warmup: 2
    timeout: 500ms
    optimize: 0
    profile: true
    targets: {instructions: ">= 7"}
    hardware: {class: slow, cores: 8}
)");
  ASSERT_TRUE(r.suite) << format_diagnostics(r.errors);
  const Benchmark& b = r.suite->benchmarks[0];
  EXPECT_EQ(b.settings.repetitions, 2u);
  EXPECT_EQ(b.settings.warmup, 2u);
  EXPECT_DOUBLE_EQ(b.settings.timeout_seconds, 0.5);
  EXPECT_EQ(b.settings.optimize, 0u);
  EXPECT_EQ(b.settings.max_heap_bytes, 64u << 20);
  EXPECT_EQ(b.settings.max_depth, 500u);
  EXPECT_TRUE(b.settings.profile);
  ASSERT_EQ(b.targets.size(), 2u);
  EXPECT_EQ(b.targets[1].op, ">=");
  EXPECT_EQ(b.targets[1].threshold, 7);
  EXPECT_EQ(b.hardware, (std::map<std::string, std::string>{{"arch", "x86_64"}, {"class", "slow"}, {"cores", "8"}}));
  // No params: one job named after the benchmark.
  ASSERT_EQ(r.suite->jobs.size(), 1u);
  EXPECT_EQ(r.suite->jobs[0].name, "a");
}

TEST_F(ManifestTest, MinTime) {
  auto r = load(R"(suite: s
defaults: {min_time: 250ms}
benchmarks:
  - {name: a, file: ../vm_internals/tco.gene}
  - {name: b, file: ../vm_internals/tco.gene, min_time: 0}
  - {name: c, file: ../vm_internals/tco.gene, min_time: 1.5s}
)");
  ASSERT_TRUE(r.suite) << format_diagnostics(r.errors);
  EXPECT_DOUBLE_EQ(r.suite->benchmarks[0].settings.min_time_seconds, 0.25);
  EXPECT_DOUBLE_EQ(r.suite->benchmarks[1].settings.min_time_seconds, 0);  // calibration off
  EXPECT_DOUBLE_EQ(r.suite->benchmarks[2].settings.min_time_seconds, 1.5);
  // Not given anywhere: 100 ms.
  auto d = load("suite: s\nbenchmarks: [{name: a, file: ../vm_internals/tco.gene}]\n");
  ASSERT_TRUE(d.suite) << format_diagnostics(d.errors);
  EXPECT_DOUBLE_EQ(d.suite->benchmarks[0].settings.min_time_seconds, 0.1);

  EXPECT_EQ(one_error("suite: s\ndefaults: {min_time: 100}\nbenchmarks: [{name: a, file: ../vm_internals/tco.gene}]\n"),
            "suites/s.yaml:2:22: bad duration '100' for 'min_time': expected 0 (off) or a number with a unit, "
            "e.g. 100ms, 0.5s");
  // A repetition longer than the whole job cannot be: named where min_time was set.
  EXPECT_EQ(one_error("suite: s\ndefaults: {min_time: 2m, timeout: 1m}\n"
                      "benchmarks: [{name: a, file: ../vm_internals/tco.gene}]\n"),
            "suites/s.yaml:2:22: 'min_time' (120.0 s) must be shorter than 'timeout' (60.00 s) in benchmark 1 ('a')");
  EXPECT_NE(one_error("suite: s\nbenchmarks:\n  - {name: a, file: ../vm_internals/tco.gene, min_time: 5s, timeout: 1s}\n")
                .find("suites/s.yaml:3:57: 'min_time' (5.000 s) must be shorter than 'timeout' (1.000 s)"),
            std::string::npos);
}

TEST_F(ManifestTest, ParamsKeepTheirYamlTypes) {
  auto r = load(R"(suite: s
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    params: {s: "30", i: 30, f: 1.5, e: 1e3, b: true, z: ~, w: hello, q: 'say "hi"', h: 0x10}
)");
  ASSERT_TRUE(r.suite) << format_diagnostics(r.errors);
  std::map<std::string, v1::ParamValue> v;
  for (const auto& p : r.suite->jobs[0].params) v[p.name] = p.value;
  EXPECT_EQ(v["s"].string_value(), "30");
  EXPECT_EQ(v["i"].int_value(), 30);
  EXPECT_EQ(v["f"].float_value(), 1.5);
  EXPECT_EQ(v["e"].float_value(), 1000.0);
  EXPECT_TRUE(v["b"].has_bool_value() && v["b"].bool_value());
  EXPECT_TRUE(v["z"].has_nil_value());
  EXPECT_EQ(v["w"].string_value(), "hello");
  EXPECT_EQ(v["q"].string_value(), "say \"hi\"");
  EXPECT_EQ(v["h"].int_value(), 16);
  EXPECT_EQ(r.suite->jobs[0].name, "a/s:30/i:30/f:1.5/e:1e3/b:true/z:nil/w:hello/q:say \"hi\"/h:0x10");
}

// Job names, the params stored with each job and the Prometheus label are
// the users' handles on a job: typed parameters did not change them. The
// expectations were taken from the coordinator before typed parameters
// (when values travelled as Gene literal text).
TEST_F(ManifestTest, ParamsKeepTheirNamesAndStoredLabels) {
  auto r = load(R"(suite: s
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    params: {s: "30", i: 30, f: 1.5, e: 1e3, g: 2.50, x: 1e20, m: -0.001, b: true, z: ~, w: hello, q: 'say "hi"', h: 0x10, t: "a\tb"}
)");
  ASSERT_TRUE(r.suite) << format_diagnostics(r.errors);
  const Job& job = r.suite->jobs[0];
  EXPECT_EQ(job.name,
            "a/s:30/i:30/f:1.5/e:1e3/g:2.50/x:1e20/m:-0.001/b:true/z:nil/w:hello/q:say \"hi\"/h:0x10/t:a\\tb");
  v1::JobResult result;
  result.set_status(v1::JOB_STATUS_OK);
  v1::JobOutcome outcome = judge_job(*r.suite, job, result, "x86_64", 1);
  EXPECT_EQ(outcome.job_name(), job.name);
  EXPECT_EQ(params_label(outcome),
            "s=30,i=30,f=1.5,e=1000.0,g=2.5,x=1e20,m=-0.001,b=true,z=nil,w=hello,q=say \"hi\",h=16,t=a\tb");
}

TEST_F(ManifestTest, CartesianProductInManifestOrder) {
  auto r = load(R"(suite: s
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    params: {x: [1, 2], k: fixed, y: [a, b, c]}
)");
  ASSERT_TRUE(r.suite) << format_diagnostics(r.errors);
  std::vector<std::string> names;
  for (const auto& j : r.suite->jobs) names.push_back(j.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a/x:1/k:fixed/y:a", "a/x:1/k:fixed/y:b", "a/x:1/k:fixed/y:c",
                                             "a/x:2/k:fixed/y:a", "a/x:2/k:fixed/y:b", "a/x:2/k:fixed/y:c"}));
}

// --- one test per kind of error, each checking the place ---------------------

TEST_F(ManifestTest, UnknownKeys) {
  auto r = load(R"(suite: s
colour: blue
defaults: {repetition: 3}
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    paramz: {n: 1}
)");
  ASSERT_EQ(r.errors.size(), 3u) << format_diagnostics(r.errors);
  EXPECT_EQ(r.errors[0].str().substr(0, 17), "suites/s.yaml:2:1");
  EXPECT_NE(r.errors[0].message.find("unknown key 'colour'"), std::string::npos);
  EXPECT_EQ(r.errors[1].line, 3);
  EXPECT_EQ(r.errors[1].column, 12);
  EXPECT_NE(r.errors[1].message.find("did you mean 'repetitions'"), std::string::npos) << r.errors[1].message;
  EXPECT_EQ(r.errors[2].line, 7);
  EXPECT_EQ(r.errors[2].column, 5);
  EXPECT_NE(r.errors[2].message.find("did you mean 'params'"), std::string::npos);
}

TEST_F(ManifestTest, WrongTypes) {
  auto r = load(R"(suite: s
defaults: {repetitions: many, warmup: -1, optimize: 3}
targets: [frames_per_second]
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    params: {n: {deep: 1}}
    profile: yes
)");
  ASSERT_EQ(r.errors.size(), 6u) << format_diagnostics(r.errors);
  EXPECT_EQ(r.errors[0].str(), "suites/s.yaml:2:25: 'repetitions' must be an integer, not a string ('many')");
  EXPECT_EQ(r.errors[1].str(), "suites/s.yaml:2:39: 'warmup' must be between 0 and 10000, not -1");
  EXPECT_EQ(r.errors[2].str(), "suites/s.yaml:2:53: 'optimize' must be between 0 and 2, not 3");
  EXPECT_EQ(r.errors[3].str(), "suites/s.yaml:3:10: 'targets' must be a map, not a list");
  EXPECT_EQ(r.errors[4].line, 7);
  EXPECT_NE(r.errors[4].message.find("must be scalars"), std::string::npos);
  EXPECT_EQ(r.errors[5].line, 8);
}

TEST_F(ManifestTest, MissingFile) {
  std::string e = one_error(R"(suite: s
benchmarks:
  - name: a
    file: ../vm_internals/nope.gene
)");
  EXPECT_EQ(e.substr(0, e.find(" (")), "suites/s.yaml:4:11: file '../vm_internals/nope.gene': no such file");
}

TEST_F(ManifestTest, FileEscapingTheTree) {
  auto r = load(R"(suite: s
benchmarks:
  - name: a
    file: ../../etc/passwd
  - name: b
    file: /etc/passwd
)");
  ASSERT_EQ(r.errors.size(), 2u) << format_diagnostics(r.errors);
  EXPECT_EQ(r.errors[0].line, 4);
  EXPECT_NE(r.errors[0].message.find("escapes the suite's directory tree"), std::string::npos);
  EXPECT_EQ(r.errors[1].line, 6);
  EXPECT_NE(r.errors[1].message.find("not absolute"), std::string::npos);
}

TEST_F(ManifestTest, SymlinkEscapingTheTree) {
  fs::create_symlink("/etc/hostname", root_ / "vm_internals/link.gene");
  std::string e = one_error(R"(suite: s
benchmarks:
  - name: a
    file: ../vm_internals/link.gene
)");
  EXPECT_NE(e.find("suites/s.yaml:4:11: file '../vm_internals/link.gene': escapes"), std::string::npos) << e;
}

TEST_F(ManifestTest, BadDurationsAndSizes) {
  auto r = load(R"(suite: s
defaults: {timeout: 60}
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    timeout: 30 seconds
    max_heap: 64 MiBs
  - name: b
    file: ../vm_internals/tco.gene
    timeout: 30s1m
)");
  ASSERT_EQ(r.errors.size(), 4u) << format_diagnostics(r.errors);
  EXPECT_EQ(
      r.errors[0].str(),
      "suites/s.yaml:2:21: bad duration '60' for 'timeout': expected a number with a unit, e.g. 500ms, 30s, 1m30s");
  EXPECT_EQ(r.errors[1].line, 6);
  EXPECT_EQ(r.errors[1].column, 14);
  EXPECT_EQ(r.errors[2].line, 7);
  EXPECT_NE(r.errors[2].message.find("bad size '64 MiBs'"), std::string::npos);
  EXPECT_EQ(r.errors[3].line, 10);
}

TEST_F(ManifestTest, BadTargetExpressions) {
  auto r = load(R"(suite: s
targets:
  frames_per_second: ">> 1e6"
  frame_pool_hit_rate: 0.8
  instructions_per_second: "> fast"
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    targets: {tco_success_rate: "=> 0.95", instructions: "!= 5"}
)");
  ASSERT_EQ(r.errors.size(), 4u) << format_diagnostics(r.errors);
  EXPECT_EQ(r.errors[0].str(),
            "suites/s.yaml:3:22: bad target '>> 1e6' for 'frames_per_second': expected \"OP NUMBER\" with OP one of "
            "> >= < <= == != (e.g. \"> 1e6\")");
  EXPECT_EQ(r.errors[1].line, 4);
  EXPECT_EQ(r.errors[2].line, 5);
  EXPECT_EQ(r.errors[3].line, 9);
  EXPECT_EQ(r.errors[3].column, 33);
}

TEST_F(ManifestTest, UnknownStatisticNames) {
  auto r = load(R"(suite: s
targets: {frames_per_sec: "> 1e6"}
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    targets: {bogus_stat: "< 1"}
)");
  ASSERT_EQ(r.errors.size(), 2u) << format_diagnostics(r.errors);
  EXPECT_EQ(r.errors[0].str(),
            "suites/s.yaml:2:11: unknown statistic 'frames_per_sec' in 'targets' (did you mean 'frames_per_second'?)");
  EXPECT_EQ(r.errors[1].str(), "suites/s.yaml:6:15: unknown statistic 'bogus_stat' in 'targets'");
  // Without a list of names (a submitter checking before the farm does), not checked.
  EXPECT_FALSE(load(R"(suite: s
targets: {frames_per_sec: "> 1e6"}
benchmarks: [{name: a, file: ../vm_internals/tco.gene}]
)",
                    false)
                   .errors.size());
}

TEST_F(ManifestTest, RequiredKeysAndNames) {
  auto r = load(R"(suite: Bad-Name
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
  - name: a
    file: ../vm_internals/fib.gene
  - file: ../vm_internals/fib.gene
  - name: c
)");
  ASSERT_EQ(r.errors.size(), 4u) << format_diagnostics(r.errors);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_NE(r.errors[0].message.find("bad suite name 'Bad-Name'"), std::string::npos);
  EXPECT_EQ(r.errors[1].str(), "suites/s.yaml:5:11: duplicate benchmark name 'a' (first at line 3)");
  EXPECT_EQ(r.errors[2].str(), "suites/s.yaml:7:5: benchmark 3 has no 'name'");
  EXPECT_EQ(r.errors[3].str(), "suites/s.yaml:8:5: benchmark 4 ('c') has no 'file'");

  auto missing = load("description: nothing\n");
  ASSERT_EQ(missing.errors.size(), 2u);
  EXPECT_EQ(missing.errors[0].str(), "suites/s.yaml:1:1: missing required key 'suite'");
  EXPECT_EQ(missing.errors[1].str(), "suites/s.yaml:1:1: missing required key 'benchmarks'");
  EXPECT_EQ(one_error("suite: s\nbenchmarks: []\n"),
            "suites/s.yaml:2:13: 'benchmarks' is empty: a suite needs at least one benchmark");
}

TEST_F(ManifestTest, ExpectPerValue) {
  auto r = load(R"(suite: s
benchmarks:
  - name: a
    file: ../vm_internals/fib.gene
    params: {n: [1, 2]}
    expect: {1: 1, 3: 2}
  - name: b
    file: ../vm_internals/fib.gene
    params: {n: [1, 2], m: [3, 4]}
    expect: {1: 1}
  - name: c
    file: ../vm_internals/fib.gene
    expect: [1, 2]
)");
  ASSERT_EQ(r.errors.size(), 3u) << format_diagnostics(r.errors);
  EXPECT_EQ(r.errors[0].str(),
            "suites/s.yaml:6:20: 'expect' has a value for n=3, which 'n' does not list (it lists 1, 2)");
  EXPECT_EQ(r.errors[1].line, 10);
  EXPECT_NE(r.errors[1].message.find("exactly one parameter with a list"), std::string::npos);
  EXPECT_EQ(r.errors[2].line, 13);
}

TEST_F(ManifestTest, YamlSyntaxErrorHasAPlace) {
  std::string e = one_error("suite: s\nbenchmarks: [\n  {name: a\n");
  EXPECT_EQ(e.substr(0, 14), "suites/s.yaml:");
  EXPECT_NE(e.find("YAML syntax error"), std::string::npos) << e;
}

TEST_F(ManifestTest, DuplicateKeys) {
  std::string e = one_error(R"(suite: s
suite: t
benchmarks: [{name: a, file: ../vm_internals/tco.gene}]
)");
  EXPECT_EQ(e, "suites/s.yaml:2:1: duplicate key 'suite' in the manifest (first at line 1)");
}

TEST_F(ManifestTest, AllErrorsAtOnceInFileOrder) {
  auto r = load(R"(suite: s
defaults: {timeout: soon}
targets: {nope: "> 1"}
benchmarks:
  - name: a
    file: missing.gene
    params: {n: []}
    extra: 1
)");
  ASSERT_EQ(r.errors.size(), 5u) << format_diagnostics(r.errors);
  for (size_t i = 1; i < r.errors.size(); ++i) EXPECT_LE(r.errors[i - 1].line, r.errors[i].line);
}

TEST_F(ManifestTest, TooManyJobs) {
  std::string e = one_error(R"(suite: s
benchmarks:
  - name: a
    file: ../vm_internals/tco.gene
    params: {a: &v [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], b: *v, c: *v, d: *v, e: *v, f: *v, g: *v, h: *v, i: *v,
             j: *v, k: *v, l: *v, m: *v, n: *v, o: *v, p: *v, q: *v, r: *v, s: *v, t: *v, u: *v}
)");
  EXPECT_EQ(e,
            "suites/s.yaml:3:5: benchmark 'a' expands to more than 10000 jobs; a suite may have at most 10000 in all");
}

TEST_F(ManifestTest, NeverCrashesOnOddYaml) {
  for (const char* text :
       {"", "~", "[]", "- 1\n- 2\n", "suite: [", "{suite: s, benchmarks: [[]]}",
        "suite: s\nbenchmarks: [{name: {a: 1}, file: [x], params: 3, expect: ~}]\n",
        "suite: !!int s\nbenchmarks: [{name: a, file: ../vm_internals/tco.gene, params: {n: !!float x}}]\n",
        "a: &x [*x]\n", "suite: s\n---\nsuite: t\n"}) {
    auto r = load(text);
    EXPECT_FALSE(r.suite) << text;
    EXPECT_FALSE(r.errors.empty()) << text;
    for (const auto& d : r.errors) EXPECT_EQ(d.file, "suites/s.yaml") << text;
  }
  std::string deep(5000, '[');
  EXPECT_FALSE(load("suite: " + deep).errors.empty());
}

// Limits: lengths first, names matched in linear time, problems counted
// but reported only up to kMaxDiagnostics, client text escaped.
TEST_F(ManifestTest, LongNamesAreRefusedByTheirLength) {
  const std::string body = "\nbenchmarks: [{name: a, file: ../vm_internals/tco.gene}]\n";
  EXPECT_NE(one_error("suite: " + std::string(100000, 'a') + body).find("suite name is 100000 bytes; at most 128"),
            std::string::npos);
  EXPECT_TRUE(load("suite: " + std::string(kMaxSuiteNameBytes, 'a') + body).suite);
  EXPECT_NE(one_error("suite: " + std::string(kMaxSuiteNameBytes + 1, 'a') + body).find("at most 128"),
            std::string::npos);
  std::string e = one_error("suite: s\nbenchmarks: [{name: " + std::string(300000, 'b') +
                            ", file: ../vm_internals/tco.gene}]\n");
  EXPECT_NE(e.find("300000 bytes; at most 256"), std::string::npos) << e;
  EXPECT_LT(e.size(), 400u);
  e = one_error("suite: s\nbenchmarks: [{name: a, file: ../vm_internals/tco.gene, params: {" +
                std::string(1000, 'p') + ": 1}}]\n");
  EXPECT_NE(e.find("1000 bytes"), std::string::npos) << e;
}

TEST_F(ManifestTest, ParameterValuesFitTheWorkersLimit) {
  std::string e = one_error("suite: s\nbenchmarks: [{name: a, file: ../vm_internals/tco.gene, params: {v: '" +
                            std::string(70000, 'x') + "'}}]\n");
  EXPECT_NE(e.find("at most 65536"), std::string::npos) << e;
  EXPECT_TRUE(load("suite: s\nbenchmarks: [{name: a, file: ../vm_internals/tco.gene, params: {v: '" +
                   std::string(60000, 'x') + "'}}]\n")
                  .suite);
}

TEST_F(ManifestTest, ManyProblemsAreCountedNotAllReported) {
  std::string text = "suite: s\n";
  for (int i = 0; i < 200000; ++i) text += "k" + std::to_string(i) + ": 1\n";
  text += "benchmarks: [{name: a, file: ../vm_internals/tco.gene}]\n";
  auto r = load(text);
  EXPECT_FALSE(r.suite);
  EXPECT_EQ(r.problems, 200000u);
  ASSERT_EQ(r.errors.size(), kMaxDiagnostics + 1);
  EXPECT_EQ(r.errors[0].str().substr(0, 33), "suites/s.yaml:2:1: unknown key 'k");
  EXPECT_EQ(r.errors.back().str(), "suites/s.yaml: and 199900 more problems");
}

TEST_F(ManifestTest, SizeEncodingAndNestingBeforeParsing) {
  auto big = load("suite: s\ndescription: '" + std::string(kMaxManifestBytes, 'x') + "'\n");
  ASSERT_EQ(big.errors.size(), 1u);
  EXPECT_NE(big.errors[0].message.find("at most 4194304"), std::string::npos);
  EXPECT_EQ(one_error("suite: s\ndescription: caf\xe9\nbenchmarks: []\n"),
            "suites/s.yaml:2:17: the manifest is not valid UTF-8 (byte 0xe9)");
  for (std::string deep : {std::string(100000, '[') + std::string(100000, ']'), "\n  " + std::string(6000, '-')}) {
    for (size_t i = 3; deep[0] == '\n' && i < deep.size(); i += 2) deep[i] = ' ';
    std::string e = one_error("suite: s\nx: " + deep + "\n");
    EXPECT_NE(e.find("YAML nested more than"), std::string::npos) << e.substr(0, 200);
  }
}

// yaml-cpp 0.7 loops forever on these (found by manifest_fuzz: ",i3te").
TEST_F(ManifestTest, StrayCommasThatHangYamlCppAreSyntaxErrors) {
  for (const char* text : {",i3te", "# c\n,", "--- ,", "a: 1\n---\n,", "a: 1\n...\n,", "  ,", "- a\n,", "&x ,",
                           "!!str ,", "%YAML 1.2\n---\n,", "\t,", "\xef\xbb\xbf,", "\t!smal,tr", "&a,b", "- *a,"}) {
    std::string e = one_error(text);
    EXPECT_NE(e.find("',' cannot start a value here"), std::string::npos) << text << ": " << e;
  }
  // Control characters, which YAML does not allow (found by manifest_fuzz: "\0,\x05ete").
  EXPECT_EQ(one_error(std::string("\0,\x05ete", 6)),
            "suites/s.yaml:1:1: the manifest contains the control character \\x00, which YAML does not allow");
  EXPECT_NE(one_error("suite: s\ndescription: a\x1b[2Jb\n").find("1b"), std::string::npos);
  // Commas inside values and block scalars are text.
  auto r = load("suite: s\ndescription: |\n  one\n  , two\nbenchmarks:\n  - {name: a, file: ../vm_internals/tco.gene}\n"
                "  - name: b\n    file: ../vm_internals/tco.gene\n    params: {x: \"a, b\", y: [1, 2]}\n");
  ASSERT_TRUE(r.suite) << format_diagnostics(r.errors);
  EXPECT_EQ(r.suite->description, "one\n, two\n");
}

// Inputs on which yaml-cpp 0.7 never ends that the comma check misses:
// a pass that only counts the parser's events stops them (found by
// manifest_fuzz: a tag, then a flow sequence and a ',' on one line).
TEST_F(ManifestTest, AParseThatNeverEndsIsStoppedByItsEventBudget) {
  const std::string hang = "\011!smaunLLLLLLLNULLLLLLLLLLLLursaon: [1, 2, 3] ,s: [\042a\042, 'on one 2-ckre machine.\012suite: vm_internals\012description: >-\012  pseUatrm Gene VM-internals programs (t programs (tco, simple_pro-internals programs (t programs (tco, simple_profiLLLLLLLLLL F";
  const auto started = std::chrono::steady_clock::now();
  std::string e = one_error(hang);
  EXPECT_NE(e.find("does not end on this input"), std::string::npos) << e;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  // A large well-formed manifest is well within the budget.
  std::string many = "suite: s\nbenchmarks:\n";
  for (int i = 0; i < 2000; ++i)
    many += "  - {name: b" + std::to_string(i) + ", file: ../vm_internals/tco.gene, params: {n: [1, 2]}}\n";
  auto r = load(many);
  EXPECT_TRUE(r.suite) << format_diagnostics(r.errors);
}

TEST_F(ManifestTest, ClientTextIsEscapedInMessages) {
  std::string e = one_error("suite: s\nbenchmarks: [{name: a, file: \"\\e[2J\\u0085x.gene\"}]\n");
  EXPECT_EQ(e.find('\x1b'), std::string::npos) << e;
  EXPECT_NE(e.find("file '\\x1b[2J\\xc2\\x85x.gene'"), std::string::npos) << e;
  write(root_ / "vm_internals/bad.gene", "(var x \"\xff\")\n");
  e = one_error("suite: s\nbenchmarks: [{name: a, file: ../vm_internals/bad.gene}]\n");
  EXPECT_NE(e.find("not valid UTF-8"), std::string::npos) << e;
}

TEST_F(ManifestTest, MapResolverServesSentFiles) {
  auto r = load_manifest("bench/suites/x.yaml", "suite: x\nbenchmarks: [{name: a, file: ../p/a.gene}]\n",
                         map_file_resolver({{"../p/a.gene", "1"}}), {});
  ASSERT_TRUE(r.suite) << format_diagnostics(r.errors);
  EXPECT_EQ(r.suite->benchmarks[0].program, "1");
  EXPECT_EQ(r.suite->benchmarks[0].display_path, "bench/p/a.gene");
  auto missing =
      load_manifest("x.yaml", "suite: x\nbenchmarks: [{name: a, file: b.gene}]\n", map_file_resolver({}), {});
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].str(), "x.yaml:2:30: file 'b.gene': not among the files the submitter sent");
}

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration("500ms"), 0.5);
  EXPECT_EQ(parse_duration("30s"), 30);
  EXPECT_EQ(parse_duration("1m30s"), 90);
  EXPECT_EQ(parse_duration("2h"), 7200);
  EXPECT_EQ(parse_duration("1.5s"), 1.5);
  EXPECT_EQ(parse_duration("1m500ms"), 60.5);
  for (const char* bad : {"", "60", "s", "30 s", "30s1m", "1s1s", "-1s", "1d", "1.s"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Units, Sizes) {
  EXPECT_EQ(parse_size("64MiB"), 64u << 20);
  EXPECT_EQ(parse_size("1024"), 1024u);
  EXPECT_EQ(parse_size("512KiB"), 512u << 10);
  EXPECT_EQ(parse_size("1GB"), 1000000000u);
  EXPECT_EQ(parse_size("1.5KiB"), 1536u);
  for (const char* bad : {"", "MiB", "64mib", "-1", "1.5", "64 MiBs"}) EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(Units, Targets) {
  EXPECT_EQ(parse_target("> 1e6"), std::make_pair(std::string(">"), 1e6));
  EXPECT_EQ(parse_target(">=0.8"), std::make_pair(std::string(">="), 0.8));
  EXPECT_EQ(parse_target("  !=  -5 "), std::make_pair(std::string("!="), -5.0));
  EXPECT_EQ(parse_target("< .2"), std::make_pair(std::string("<"), 0.2));
  for (const char* bad : {"", "1e6", "> ", "=> 1", "> 1e6x", ">> 1", "= 1", "> 1e999"})
    EXPECT_FALSE(parse_target(bad)) << bad;
  Target t{"x", "<=", 2};
  EXPECT_TRUE(t.holds(2));
  EXPECT_FALSE(t.holds(2.1));
}

TEST(Selectors, AllMustMatch) {
  std::map<std::string, std::string> labels = {{"arch", "x86_64"}, {"cores", "8"}};
  EXPECT_TRUE(selectors_match({}, labels));
  EXPECT_TRUE(selectors_match({{"arch", "x86_64"}}, labels));
  EXPECT_FALSE(selectors_match({{"arch", "x86_64"}, {"cores", "4"}}, labels));
  EXPECT_FALSE(selectors_match({{"class", "fast"}}, labels));
}

}  // namespace
}  // namespace gene::coordinator
