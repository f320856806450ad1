// The coordinator's Prometheus series (docs/coordinator.md "Prometheus"):
// per job the median of every statistic as gene_bench_* gauges, targets and
// their thresholds, farm counters and the build; the workers gauge comes
// from make_workers_collectable(). Served on
// /metrics by `coordinator serve --metrics-port`, pushed to a Pushgateway by
// local mode's `--pushgateway`.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "gene/coordinator/comparison.h"
#include "gene/coordinator/results.h"

namespace gene::coordinator {

// The series a statistic is exported as: `bytes_allocated` →
// gene_bench_allocated_bytes, `gc_pause_seconds_p99` →
// gene_bench_gc_pause_seconds{quantile="0.99"} (`_max` is quantile "1"),
// anything else gene_bench_<statistic>.
struct BenchSeries {
  std::string name;
  std::map<std::string, std::string> labels;  // besides suite, benchmark, params, hardware
};
BenchSeries bench_series(const std::string& statistic);

// `n=30` (several joined with `,` in manifest order), each value as
// param_text shows it (strings as they are).
std::string params_label(const v1::JobOutcome& job);

class FarmMetrics {
 public:
  FarmMetrics();

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  // A job ended for good (retries are not separate jobs).
  void job_finished(const std::string& suite, const v1::JobOutcome& job);
  // The suite ended at `unix_seconds`: its jobs' medians, targets,
  // timestamp, and gene_bench_run_info (the build behind the numbers).
  void suite_finished(const v1::SuiteResult& result, double unix_seconds);
  // The suite's verdicts against its baseline: gene_bench_regression 1 for
  // each job and statistic judged `slower`, 0 for the others judged (a job's
  // series from an earlier verdict that was not judged again are removed).
  void comparisons_judged(const v1::SuiteResult& result, const std::vector<Comparison>& comparisons);

 private:
  prometheus::Family<prometheus::Gauge>& gauge_family(const std::string& name, const std::string& help);

  std::mutex mu_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges_;  // by series name
  prometheus::Family<prometheus::Counter>* jobs_total_ = nullptr;
  prometheus::Family<prometheus::Histogram>* job_duration_ = nullptr;
  prometheus::Family<prometheus::Gauge>* last_run_ = nullptr;
  prometheus::Family<prometheus::Gauge>* run_info_ = nullptr;
  prometheus::Family<prometheus::Gauge>* regression_ = nullptr;
  std::map<std::string, prometheus::Gauge*> run_info_series_;  // by suite and hardware
  std::map<std::string, std::map<std::string, prometheus::Gauge*>> regression_series_;  // by job, then statistic
};

// Worker counts by state, as gene_farm_workers{state="ready"|"busy"|"down"}.
struct WorkerCounts {
  size_t ready = 0, busy = 0, down = 0;
};
// A collectable for an Exposer that asks `counts` at every scrape, so the
// gauge is never stale.
std::shared_ptr<prometheus::Collectable> make_workers_collectable(std::function<WorkerCounts()> counts);

// Pushes `registry` to the Pushgateway at `url` (http://host:port), grouped
// by job "gene_bench" and `suite`, replacing that group. INVALID_ARGUMENT
// for a malformed URL, UNAVAILABLE when the push fails.
absl::Status push_to_gateway(const std::string& url, const std::string& suite,
                             const std::shared_ptr<prometheus::Registry>& registry);

}  // namespace gene::coordinator
