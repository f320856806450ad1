// The worker's Prometheus metrics (prefix gene_worker_, plus
// gene_build_info), served on /metrics when --metrics-port is given.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "farm.pb.h"

namespace gene::farm {

class WorkerMetrics {
 public:
  // Serves /metrics on host:port (port 0: any free port); UNAVAILABLE when
  // the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<WorkerMetrics>> start(const std::string& host, int port,
                                                              const v1::VmBuild& build);

  // The port actually bound.
  int port() const { return port_; }

  // A job ended with `status` after `seconds` (its whole run).
  void job_finished(v1::JobStatus status, double seconds);
  // A RunJob call was refused before running: "busy", "invalid",
  // "unauthenticated" or "shutting_down".
  void job_refused(const std::string& reason);
  // Jobs running now.
  void set_busy(int running_jobs);

 private:
  WorkerMetrics() = default;

  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  // Labelled children, made once: the hot path only increments.
  std::map<v1::JobStatus, prometheus::Counter*> jobs_by_status_;
  std::map<std::string, prometheus::Counter*> refused_by_reason_;
  prometheus::Histogram* duration_ = nullptr;
  prometheus::Gauge* busy_ = nullptr;
};

}  // namespace gene::farm
