#include "bench_command.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench_json.h"
#include "file_io.h"
#include "gene/report/host_context.h"
#include "gene/report/summary.h"
#include "stats_report.h"
#include "units.h"

namespace gene::cli {

namespace {


double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// <file stem>/<param>:<value>... in command-line order (e.g. fib/n:30).
std::string benchmark_name(const CliOptions& cli) {
  std::string name = std::filesystem::path(cli.target).stem().string();
  for (auto& p : cli.params) name += "/" + p.name + ":" + p.text;
  return name;
}

// Progress on stderr: one line rewritten in place on a terminal, a plain
// line per finished run otherwise.
class Progress {
 public:
  // A rewritten line would collide with --trace output: plain lines then.
  explicit Progress(bool tracing) : tty_(!tracing && isatty(STDERR_FILENO)) {}

  void starting(const char* what, uint64_t i, uint64_t n) {
    if (!tty_) return;
    std::fprintf(stderr, "\r\033[K%s %llu/%llu ...%s", what, (unsigned long long)i, (unsigned long long)n,
                 last_.c_str());
    std::fflush(stderr);
  }

  void finished(const char* what, uint64_t i, uint64_t n, double wall, double cpu) {
    std::string times = "wall " + format_seconds(wall) + ", cpu " + format_seconds(cpu);
    if (tty_) {
      last_ = " (last: " + times + ")";
    } else {
      std::fprintf(stderr, "%s %llu/%llu: %s\n", what, (unsigned long long)i, (unsigned long long)n, times.c_str());
    }
  }

  void done() {
    if (tty_) std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }

 private:
  bool tty_;
  std::string last_;
};

std::string options_text(const CliOptions& cli) {
  const auto& o = cli.run.optimizer;
  std::string s = "-O" + std::to_string(o.level);
  auto off = [&](bool on, bool level_default, const char* flag) {
    if (!on && level_default) s += std::string(" ") + flag;
  };
  auto d = gene::OptimizerOptions::for_level(o.level);
  off(o.fold, d.fold, "--no-fold");
  off(o.dce, d.dce, "--no-dce");
  off(o.inline_calls, d.inline_calls, "--no-inline");
  off(o.superinstructions, d.superinstructions, "--no-superinstructions");
  off(o.tco, d.tco, "--no-tco");
  return s;
}

void print_time_summary(std::FILE* out, const char* label, const report::Summary& s) {
  char cv[32] = "n/a";
  if (s.cv) std::snprintf(cv, sizeof cv, "%.2f%%", *s.cv * 100);
  std::fprintf(out, "  %-6s %12s %12s %12s %12s %12s %8s\n", label, format_seconds(s.median).c_str(),
               format_seconds(s.mean).c_str(), format_seconds(s.stddev).c_str(), format_seconds(s.min).c_str(),
               format_seconds(s.max).c_str(), cv);
}

void print_report(std::FILE* out, const CliOptions& cli, const BenchRun& run, const gene::Stats& profiled) {
  size_t n = run.repetitions.size();
  std::string params;
  for (auto& p : cli.params) params += " --param " + p.name + "=" + p.text;
  std::fprintf(out, "benchmark   %s\n", run.name.c_str());
  std::fprintf(out, "program     %s%s %s\n", cli.target.c_str(), params.c_str(), options_text(cli).c_str());
  std::fprintf(out, "runs        %zu repetition%s after %llu warm-up run%s, each in a fresh VM\n", n,
               n == 1 ? "" : "s", (unsigned long long)cli.warmup, cli.warmup == 1 ? "" : "s");
  std::fprintf(out, "value       %s\n", run.value.c_str());

  std::fprintf(out, "\n  %-10s %12s %12s %14s\n", "repetition", "wall", "cpu", "instructions/s");
  std::vector<double> wall, cpu;
  for (size_t i = 0; i < n; ++i) {
    auto& r = run.repetitions[i];
    wall.push_back(r.wall_seconds);
    cpu.push_back(r.cpu_seconds);
    std::optional<double> ips;
    for (auto& [name, v] : r.stats)
      if (name == "instructions_per_second") ips = v;
    std::fprintf(out, "  %10zu %12s %12s %14s\n", i + 1, format_seconds(r.wall_seconds).c_str(),
                 format_seconds(r.cpu_seconds).c_str(), ips ? format_rate(*ips).c_str() : "n/a");
  }
  std::fprintf(out, "\n  %-6s %12s %12s %12s %12s %12s %8s\n", "", "median", "mean", "stddev", "min", "max", "cv");
  print_time_summary(out, "wall", *report::summarize(wall));  // repetitions >= 1
  print_time_summary(out, "cpu", *report::summarize(cpu));

  // The statistics: per name, the median over repetitions.
  Scalars medians;
  for (size_t k = 0; k < run.repetitions.front().stats.size(); ++k) {
    std::vector<std::optional<double>> vs;
    for (auto& r : run.repetitions)
      if (k < r.stats.size()) vs.push_back(r.stats[k].second);
    medians.emplace_back(run.repetitions.front().stats[k].first, report::median_of(vs));
  }
  std::fprintf(out, "\nstatistics (median of %zu repetition%s)\n\n", n, n == 1 ? "" : "s");
  print_stats_table(out, medians);
  print_profile(out, profiled);
}

}  // namespace

int bench_command(const CliOptions& cli) {
  const std::string source = read_source_file(cli.target);
  // An unwritable --json file is found before the runs, not after them.
  if (!cli.json_out.empty()) check_output(cli.json_out);
  gene::RunOptions options = cli.run;
  options.output = [](std::string_view) {};  // the program's own printing is not part of the report

  const report::HostContext host = report::collect_host_context();  // date and load average as the benchmark starts
  BenchRun run;
  run.name = benchmark_name(cli);
  gene::Stats last_stats;
  bool value_warned = false;
  Progress progress(cli.run.trace);
  const uint64_t total = cli.warmup + cli.repetitions;
  for (uint64_t i = 0; i < total; ++i) {
    const bool warm = i < cli.warmup;
    const char* what = warm ? "warm-up" : "repetition";
    uint64_t index = warm ? i + 1 : i - cli.warmup + 1, count = warm ? cli.warmup : cli.repetitions;
    progress.starting(what, index, count);
    double cpu0 = process_cpu_seconds();
    auto wall0 = std::chrono::steady_clock::now();
    options.trace = cli.run.trace && i == 0;  // --trace: the first run only
    gene::RunResult r = gene::run_program(source, cli.target, cli.params, options);
    auto wall1 = std::chrono::steady_clock::now();
    double cpu1 = process_cpu_seconds();
    if (!r.ok()) {
      progress.done();
      if (r.error_kind == gene::ErrorKind::Usage) usage_error(r.error);
      std::fprintf(stderr, "error: %s\n", r.error.c_str());
      return 1;
    }
    double wall = std::chrono::duration<double>(wall1 - wall0).count(), cpu = cpu1 - cpu0;
    progress.finished(what, index, count, wall, cpu);
    if (i == 0) run.value = r.value;
    if (r.value != run.value && !value_warned) {
      progress.done();
      std::fprintf(stderr, "warning: %s %llu/%llu gave the value %s, the first run gave %s\n", what,
                   (unsigned long long)index, (unsigned long long)count, r.value.c_str(), run.value.c_str());
      value_warned = true;
    }
    if (warm) continue;
    run.repetitions.push_back({wall, cpu, r.stats.scalars()});
    last_stats = std::move(r.stats);
  }
  progress.done();

  // With --json -, stdout holds the JSON alone and the report moves to stderr.
  std::FILE* out = cli.json_out == "-" ? stderr : stdout;
  print_report(out, cli, run, last_stats);
  std::fflush(out);

  std::vector<double> wall;
  for (auto& r : run.repetitions) wall.push_back(r.wall_seconds);
  auto ws = report::summarize(wall);
  if (ws && ws->cv && *ws->cv > report::kNoisyCv) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "warning: wall time varies too much to trust: coefficient of variation %.1f%% > %.0f%% over %zu "
                 "repetitions (a busy machine? try more --repetitions or --warmup)\n",
                 *ws->cv * 100, report::kNoisyCv * 100, wall.size());
  }
  if (!cli.json_out.empty()) write_output(cli.json_out, bench_json(run, host, cli.program_name));
  return 0;
}

}  // namespace gene::cli
