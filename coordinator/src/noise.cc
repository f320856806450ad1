#include "gene/coordinator/noise.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "gene/coordinator/report.h"
#include "gene/coordinator/results.h"

namespace gene::coordinator {

namespace {

std::string percent(double fraction) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.0f%%", fraction * 100);
  return buf;
}

std::string printf_string(const char* fmt, double v) {
  char buf[64];
  snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

v1::NoiseReason reason(const char* kind, std::string text) {
  v1::NoiseReason r;
  r.set_kind(kind);
  r.set_text(std::move(text));
  return r;
}

// Values equal up to the rounding of a mean over a repetition's runs.
bool same(double a, double b) { return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b)); }

}  // namespace

std::vector<double> cpu_utilization(const v1::JobResult& result) {
  std::vector<double> out;
  for (const auto& rep : result.repetitions())
    if (rep.wall_seconds() > 0) out.push_back(rep.cpu_seconds() / rep.wall_seconds());
  return out;
}

bool preempted(const v1::Repetition& rep) {
  // The switches cover all the repetition's runs: its whole wall time.
  double wall = rep.wall_seconds() * double(std::max<uint32_t>(1, rep.iterations()));
  if (rep.involuntary_context_switches() == 0) return false;
  return wall <= 0 || double(rep.involuntary_context_switches()) >= kPreemptionsPerSecond * wall;
}

std::vector<v1::NoiseReason> noise_reasons(const v1::JobResult& result, const std::vector<std::string>& exact,
                                           uint32_t jobs_beside_on_host, const std::string& host) {
  std::vector<v1::NoiseReason> reasons;
  const int n = result.repetitions_size();
  if (result.status() != v1::JOB_STATUS_OK || n == 0) return reasons;
  const std::string over = " over " + std::to_string(n) + " repetition" + (n == 1 ? "" : "s");

  if (auto u = summarize(cpu_utilization(result)); u && u->median < kMinCpuUtilization)
    reasons.push_back(reason("cpu_share", "CPU time was " + percent(u->median) + " of wall time (median" + over +
                                              "): the thread waited for a CPU while another task ran on it"));

  int hit = 0;
  uint64_t switches = 0;
  for (const auto& rep : result.repetitions()) {
    hit += preempted(rep) ? 1 : 0;
    switches += rep.involuntary_context_switches();
  }
  if (2 * hit > n)
    reasons.push_back(reason("preempted", "preempted in " + std::to_string(hit) + " of " + std::to_string(n) +
                                              " repetitions (" + std::to_string(switches) +
                                              " involuntary context switches): another task wanted its CPU"));

  if (auto wall = summarize(wall_seconds(result)); wall && wall->cv && *wall->cv > kNoisyCv)
    reasons.push_back(reason("spread", "wall time varies by " + printf_string("%.1f%%", *wall->cv * 100) +
                                           " (coefficient of variation" + over + ")"));

  // The load average is not a reason of its own: it is machine-wide and
  // lags a minute, so it blames jobs whose CPU was free (and misses short
  // bursts); the job's own signals above tell whether other work reached
  // its CPU. The report shows it as a note (overloaded()).
  const v1::JobConditions& c = result.conditions();
  uint32_t beside = std::max(c.jobs_beside(), jobs_beside_on_host);
  if (beside > 0)
    reasons.push_back(reason("jobs_beside", std::to_string(beside) + " other job" + (beside == 1 ? "" : "s") +
                                                " ran beside it on " + (host.empty() ? "its host" : "host " + host) +
                                                " (worker --max-concurrent, serve --jobs-per-host)"));

  const v1::Calibration& cal = result.calibration();
  if (cal.limited_by_deadline())
    reasons.push_back(reason("short_repetitions",
                             "the job's timeout kept repetitions at " + std::to_string(cal.iterations()) + " run" +
                                 (cal.iterations() == 1 ? "" : "s") + " (" +
                                 format_seconds(cal.run_seconds() * cal.iterations()) + "), below min_time " +
                                 format_seconds(cal.min_time_seconds())));

  std::vector<std::string> varied;
  for (const auto& name : exact) {
    std::vector<double> values = statistic_values(result, name);
    if (values.size() > 1 && std::any_of(values.begin(), values.end(), [&](double v) { return !same(v, values[0]); }))
      varied.push_back(name);
  }
  if (!varied.empty()) {
    std::string names;
    for (const auto& v : varied) names += (names.empty() ? "" : ", ") + v;
    reasons.push_back(reason("exact_counts_differ", "exact counts differ between repetitions (" + names +
                                                        "): the program or the VM is not deterministic"));
  }
  return reasons;
}

bool overloaded(const v1::JobConditions& c) {
  return c.has_load_average() && c.machine_cpus() > 0 && c.load_average() > double(c.machine_cpus());
}

void judge_noise(v1::JobOutcome& job, const v1::WorkerInfo& worker, uint32_t jobs_beside_on_host) {
  job.set_jobs_beside_on_host(jobs_beside_on_host);
  const std::set<std::string> exact(worker.exact_statistic_names().begin(), worker.exact_statistic_names().end());
  std::vector<std::string> reported;  // this job's exact statistics, in the order the worker lists them
  for (const auto& name : worker.exact_statistic_names())
    if (job.median_statistics().count(name)) reported.push_back(name);
  job.clear_exact_statistics();
  for (const auto& name : reported) job.add_exact_statistics(name);
  auto host = worker.labels().find("host");
  job.clear_noise_reasons();
  for (auto& r : noise_reasons(job.result(), reported, jobs_beside_on_host,
                               host == worker.labels().end() ? "" : host->second))
    *job.add_noise_reasons() = std::move(r);
  job.set_noisy(job.noise_reasons_size() > 0);
}

}  // namespace gene::coordinator
