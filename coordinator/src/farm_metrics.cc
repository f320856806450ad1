#include "gene/coordinator/farm_metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/gateway.h>
#include <prometheus/metric_family.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>

#include "gene/coordinator/noise.h"
#include "gene/farm_text.h"
#include "gene/machine_info.h"
#include "gene/param_values.h"


namespace gene::coordinator {

namespace {

const std::vector<double> kDurationBuckets = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};

}  // namespace

BenchSeries bench_series(const std::string& statistic) {
  if (statistic == "bytes_allocated") return {"gene_bench_allocated_bytes", {}};
  const std::string pause = "gc_pause_seconds_";
  if (statistic.rfind(pause, 0) == 0) {
    std::string q = statistic.substr(pause.size());
    if (q == "p50") return {"gene_bench_gc_pause_seconds", {{"quantile", "0.5"}}};
    if (q == "p99") return {"gene_bench_gc_pause_seconds", {{"quantile", "0.99"}}};
    if (q == "max") return {"gene_bench_gc_pause_seconds", {{"quantile", "1"}}};
  }
  return {"gene_bench_" + statistic, {}};
}

std::string params_label(const v1::JobOutcome& job) {
  std::string s;
  // A coordinator from before typed parameters sent only the literal text.
  for (const auto& p : job.params())
    s += (s.empty() ? "" : ",") + p.name() + "=" + (p.has_typed() ? gene::farm::param_text(p.typed()) : p.value());
  return s;
}

FarmMetrics::FarmMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  jobs_total_ = &prometheus::BuildCounter()
                     .Name("gene_farm_jobs_total")
                     .Help("Jobs finished, by final status (JobStatus, lower case)")
                     .Register(*registry_);
  for (int s = v1::JOB_STATUS_OK; s <= v1::JOB_STATUS_CANCELLED; ++s)
    jobs_total_->Add({{"status", status_label(v1::JobStatus(s))}});
  job_duration_ = &prometheus::BuildHistogram()
                       .Name("gene_farm_job_duration_seconds")
                       .Help("Wall time of each finished job on its worker (warm-ups and repetitions)")
                       .Register(*registry_);
  last_run_ = &prometheus::BuildGauge()
                   .Name("gene_bench_last_run_timestamp_seconds")
                   .Help("When the suite last finished (Unix time)")
                   .Register(*registry_);
  run_info_ = &prometheus::BuildGauge()
                   .Name("gene_bench_run_info")
                   .Help("The VM build that produced a suite's last numbers on a hardware class "
                         "(vm_commit, dirty, build_id); always 1")
                   .Register(*registry_);
  regression_ = &prometheus::BuildGauge()
                     .Name("gene_bench_regression")
                     .Help("1 when the last run judged against its baseline (submit --baseline) was slower on the "
                           "statistic (cpu_seconds, or an exact count such as instructions), else 0")
                     .Register(*registry_);
  const v1::VmBuild build = gene::farm::this_build();
  prometheus::BuildGauge()
      .Name("gene_build_info")
      .Help("Build of the coordinator (and of the VM it runs in local mode); always 1")
      .Register(*registry_)
      .Add({{"version", build.version()},
            {"commit", build.commit()},
            {"dirty", build.dirty() ? "true" : "false"},
            {"build_id", build.build_id()}})
      .Set(1);
}

prometheus::Family<prometheus::Gauge>& FarmMetrics::gauge_family(const std::string& name, const std::string& help) {
  auto it = gauges_.find(name);
  if (it != gauges_.end()) return *it->second;
  auto& f = prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
  gauges_[name] = &f;
  return f;
}

void FarmMetrics::job_finished(const std::string& suite, const v1::JobOutcome& job) {
  std::lock_guard lock(mu_);
  jobs_total_->Add({{"status", status_label(job.result().status())}}).Increment();
  if (job.result().job_seconds() > 0)
    job_duration_->Add({{"suite", suite}}, prometheus::Histogram::BucketBoundaries(kDurationBuckets))
        .Observe(job.result().job_seconds());
}

void FarmMetrics::suite_finished(const v1::SuiteResult& result, double unix_seconds) {
  std::lock_guard lock(mu_);
  for (const auto& job : result.jobs()) {
    if (job.result().status() != v1::JOB_STATUS_OK) continue;  // no medians to show
    const prometheus::Labels base = {{"suite", result.suite()},
                                     {"benchmark", job.benchmark()},
                                     {"params", params_label(job)},
                                     {"hardware", job.hardware()}};
    for (const auto& [stat, median] : job.median_statistics()) {
      if (!std::isfinite(median)) continue;
      BenchSeries series = bench_series(stat);
      prometheus::Labels labels = base;
      labels.insert(series.labels.begin(), series.labels.end());
      gauge_family(series.name, "Median over the last run's repetitions of the VM statistic " + stat)
          .Add(labels)
          .Set(median);
    }
    if (auto wall = summarize(wall_seconds(job.result())))
      gauge_family("gene_bench_wall_seconds", "Median wall time of one repetition").Add(base).Set(wall->median);
    if (auto cpu = summarize(cpu_seconds(job.result())))
      gauge_family("gene_bench_cpu_seconds", "Median CPU time of one repetition").Add(base).Set(cpu->median);
    if (auto utilization = summarize(cpu_utilization(job.result())))
      gauge_family("gene_bench_cpu_utilization",
                   "Median CPU time / wall time of a repetition (below 0.95: the job shared its CPU)")
          .Add(base)
          .Set(utilization->median);
    if (job.result().repetitions_size() > 0)
      gauge_family("gene_bench_iterations", "Runs per measured repetition (calibrated to min_time)")
          .Add(base)
          .Set(std::max<uint32_t>(1, job.result().repetitions(0).iterations()));

    // Trust: the flag, and each reason as its own series (0 when absent,
    // so that a reason gone since the last run does not linger).
    gauge_family("gene_bench_noisy", "1 when the job's last run was measured under noise (see noise_reason), else 0")
        .Add(base)
        .Set(job.noisy() ? 1 : 0);
    for (const char* kind : kNoiseReasonKinds) {
      bool present = std::any_of(job.noise_reasons().begin(), job.noise_reasons().end(),
                                 [&](const v1::NoiseReason& r) { return r.kind() == kind; });
      prometheus::Labels labels = base;
      labels["reason"] = kind;
      gauge_family("gene_bench_noise_reason", "1 when this reason flagged the job's last run as noisy, else 0")
          .Add(labels)
          .Set(present ? 1 : 0);
    }

    // Instruction mix: from the job's profile run (exact counts), profiled jobs only.
    for (const auto& op : job.result().profile().instruction_mix()) {
      prometheus::Labels labels = base;
      labels["opcode"] = op.opcode();
      gauge_family("gene_bench_instructions_by_opcode", "Instructions executed per opcode (the job's profile run)")
          .Add(labels)
          .Set(double(op.count()));
    }

    for (const auto& t : job.targets()) {
      prometheus::Labels labels = base;
      labels["statistic"] = t.statistic();
      prometheus::Labels with_op = labels;
      with_op["op"] = t.op();
      gauge_family("gene_bench_target_threshold", "The target's threshold for the statistic (op: the comparison)")
          .Add(with_op)
          .Set(t.threshold());
      if (t.outcome() == v1::TARGET_OUTCOME_NOT_APPLICABLE) continue;
      gauge_family("gene_bench_target_met", "1 when the statistic's median met its target in the last run, else 0")
          .Add(labels)
          .Set(t.outcome() == v1::TARGET_OUTCOME_MET ? 1 : 0);
    }
  }
  last_run_->Add({{"suite", result.suite()}}).Set(unix_seconds);

  // The build behind the numbers, per hardware class: the commit lives here,
  // not on the per-statistic series, so their number does not grow with
  // every build. The previous build's series goes when another replaces it.
  std::map<std::string, std::vector<const v1::VmBuild*>> builds;  // by hardware class
  for (const auto& job : result.jobs()) {
    auto w = result.workers().find(job.result().worker());
    if (job.result().status() != v1::JOB_STATUS_OK || w == result.workers().end()) continue;
    auto& list = builds[job.hardware()];
    if (std::none_of(list.begin(), list.end(),
                     [&](const v1::VmBuild* b) { return b->build_id() == w->second.vm().build_id(); }))
      list.push_back(&w->second.vm());
  }
  for (const auto& [hardware, list] : builds) {
    std::string commits, ids;
    bool dirty = false;
    for (const v1::VmBuild* b : list) {
      commits += (commits.empty() ? "" : ",") + b->commit();
      ids += (ids.empty() ? "" : ",") + b->build_id();
      dirty = dirty || b->dirty();
    }
    const std::string key = result.suite() + '\0' + hardware;
    auto old = run_info_series_.find(key);
    if (old != run_info_series_.end()) run_info_->Remove(old->second);
    run_info_series_[key] = &run_info_->Add({{"suite", result.suite()},
                                             {"hardware", hardware},
                                             {"vm_commit", commits},
                                             {"dirty", dirty ? "true" : "false"},
                                             {"build_id", ids}});
    run_info_series_[key]->Set(1);
  }
}

void FarmMetrics::comparisons_judged(const v1::SuiteResult& result, const std::vector<Comparison>& comparisons) {
  std::lock_guard lock(mu_);
  std::map<std::string, std::map<std::string, bool>> slower;  // by job, then statistic
  for (const auto& c : comparisons) {
    std::string statistic = c.metric == "cpu" ? "cpu_seconds" : c.metric == "wall" ? "wall_seconds" : c.metric;
    bool& s = slower[c.name][statistic];
    s = s || c.verdict == Verdict::Slower;
  }
  for (const auto& job : result.jobs()) {
    auto judged = slower.find(job.job_name());
    if (judged == slower.end()) continue;
    const std::string key = result.suite() + '\0' + job.job_name() + '\0' + job.hardware();
    auto& series = regression_series_[key];
    for (auto it = series.begin(); it != series.end();) {
      if (judged->second.count(it->first)) {
        ++it;
        continue;
      }
      regression_->Remove(it->second);
      it = series.erase(it);
    }
    for (const auto& [statistic, is_slower] : judged->second) {
      auto& gauge = series[statistic];
      if (!gauge)
        gauge = &regression_->Add({{"suite", result.suite()},
                                   {"benchmark", job.benchmark()},
                                   {"params", params_label(job)},
                                   {"hardware", job.hardware()},
                                   {"statistic", statistic}});
      gauge->Set(is_slower ? 1 : 0);
    }
  }
}

namespace {

class WorkersCollectable final : public prometheus::Collectable {
 public:
  explicit WorkersCollectable(std::function<WorkerCounts()> counts) : counts_(std::move(counts)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    WorkerCounts c = counts_();
    prometheus::MetricFamily f;
    f.name = "gene_farm_workers";
    f.help = "Workers known to the coordinator, by state";
    f.type = prometheus::MetricType::Gauge;
    for (auto [state, n] : {std::pair{"ready", c.ready}, {"busy", c.busy}, {"down", c.down}}) {
      prometheus::ClientMetric m;
      m.label.push_back({"state", state});
      m.gauge.value = double(n);
      f.metric.push_back(std::move(m));
    }
    return {f};
  }

 private:
  std::function<WorkerCounts()> counts_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> make_workers_collectable(std::function<WorkerCounts()> counts) {
  return std::make_shared<WorkersCollectable>(std::move(counts));
}

absl::Status push_to_gateway(const std::string& url, const std::string& suite,
                             const std::shared_ptr<prometheus::Registry>& registry) {
  static const RE2 kUrl("(https?)://([^/:]+|\\[[0-9a-fA-F:.]+\\])(?::([0-9]{1,5}))?/?");
  std::string scheme, host, port;
  if (!RE2::FullMatch(url, kUrl, &scheme, &host, &port))
    return absl::InvalidArgumentError("--pushgateway wants http://HOST[:PORT], not \"" + farm::printable(url) + "\"");
  if (port.empty()) port = scheme == "https" ? "443" : "80";
  try {
    prometheus::Gateway gateway(scheme + "://" + host, port, "gene_bench", {{"suite", suite}});
    gateway.RegisterCollectable(registry);
    int code = gateway.Push();
    if (code < 200 || code >= 300)
      return absl::UnavailableError("the Pushgateway at " + url + " answered " +
                                    (code < 0 ? "nothing (unreachable?)" : "HTTP " + std::to_string(code)));
  } catch (const std::exception& e) {
    return absl::UnavailableError("cannot push to " + url + ": " + e.what());
  }
  return absl::OkStatus();
}

}  // namespace gene::coordinator
