#include "worker_metrics.h"

#include <exception>

#include "gene/job_runner.h"

namespace gene::farm {

absl::StatusOr<std::unique_ptr<WorkerMetrics>> WorkerMetrics::start(const std::string& host, int port,
                                                                    const v1::VmBuild& build) {
  std::unique_ptr<WorkerMetrics> m(new WorkerMetrics());
  auto& registry = *m->registry_;
  auto& jobs = prometheus::BuildCounter()
                   .Name("gene_worker_jobs_total")
                   .Help("Jobs run by this worker, by final status (JobStatus, lower case)")
                   .Register(registry);
  // Every series exists from the start, so rate() sees a 0 before the first event.
  for (int s = v1::JOB_STATUS_OK; s <= v1::JOB_STATUS_CANCELLED; ++s)
    m->jobs_by_status_[v1::JobStatus(s)] = &jobs.Add({{"status", job_status_label(v1::JobStatus(s))}});
  auto& refused = prometheus::BuildCounter()
                      .Name("gene_worker_jobs_refused_total")
                      .Help("RunJob calls refused before running, by reason")
                      .Register(registry);
  for (const char* reason : {"busy", "invalid", "unauthenticated", "shutting_down"})
    m->refused_by_reason_[reason] = &refused.Add({{"reason", reason}});
  m->duration_ = &prometheus::BuildHistogram()
                      .Name("gene_worker_job_duration_seconds")
                      .Help("Wall time of each job, warm-ups and repetitions included")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
                                                                       60, 120, 300, 600});
  m->busy_ =
      &prometheus::BuildGauge().Name("gene_worker_busy").Help("Jobs running now (0 = idle)").Register(registry).Add({});
  prometheus::BuildGauge()
      .Name("gene_build_info")
      .Help("Build of the embedded Gene VM; always 1")
      .Register(registry)
      .Add({{"version", build.version()},
            {"commit", build.commit()},
            {"dirty", build.dirty() ? "true" : "false"},
            {"build_id", build.build_id()}})
      .Set(1);
  try {
    // Bracketless IPv6 hosts would be ambiguous to civetweb.
    std::string h = host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
    m->exposer_ = std::make_unique<prometheus::Exposer>(h + ":" + std::to_string(port), 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError("cannot serve metrics on " + host + ":" + std::to_string(port) + ": " + e.what());
  }
  m->exposer_->RegisterCollectable(m->registry_);
  auto ports = m->exposer_->GetListeningPorts();
  m->port_ = ports.empty() ? port : ports.front();
  return m;
}

void WorkerMetrics::job_finished(v1::JobStatus status, double seconds) {
  auto it = jobs_by_status_.find(status);
  if (it == jobs_by_status_.end()) return;  // not a job that ran
  it->second->Increment();
  duration_->Observe(seconds);
}

void WorkerMetrics::job_refused(const std::string& reason) {
  if (auto it = refused_by_reason_.find(reason); it != refused_by_reason_.end()) it->second->Increment();
}

void WorkerMetrics::set_busy(int running_jobs) { busy_->Set(running_jobs); }

}  // namespace gene::farm
