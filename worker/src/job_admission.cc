#include "job_admission.h"

#include <algorithm>

#include "worker_metrics.h"

namespace gene::farm {

JobAdmission::JobAdmission(uint32_t max_concurrent, WorkerMetrics* metrics)
    : max_concurrent_(max_concurrent), metrics_(metrics) {}

grpc::Status JobAdmission::admit(std::atomic<bool>* cancel) {
  std::lock_guard lock(mu_);
  if (shutting_down_) {
    if (metrics_) metrics_->job_refused("shutting_down");
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the worker is shutting down");
  }
  if (running_ >= max_concurrent_) {
    if (metrics_) metrics_->job_refused("busy");
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "the worker is busy (" + std::to_string(running_) +
                                                                  " of " + std::to_string(max_concurrent_) +
                                                                  " jobs running); try another worker or later");
  }
  ++running_;
  ++threads_;
  running_jobs_[cancel] = 0;
  for (auto& [flag, beside] : running_jobs_) beside = std::max(beside, running_ - 1);
  if (metrics_) metrics_->set_busy(int(running_));
  return grpc::Status::OK;
}

uint32_t JobAdmission::job_done(std::atomic<bool>* cancel, v1::JobStatus status, double seconds) {
  std::lock_guard lock(mu_);
  --running_;
  uint32_t beside = 0;
  if (auto it = running_jobs_.find(cancel); it != running_jobs_.end()) {
    beside = it->second;
    running_jobs_.erase(it);
  }
  if (metrics_) {
    metrics_->job_finished(status, seconds);
    metrics_->set_busy(int(running_));
  }
  return beside;
}

void JobAdmission::thread_done() {
  std::lock_guard lock(mu_);
  --threads_;
  // Notified under the lock: a waiter cannot return (and destroy this)
  // before the job thread has let go of it.
  idle_.notify_all();
}

void JobAdmission::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  for (auto& [flag, beside] : running_jobs_) flag->store(true);
}

bool JobAdmission::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

void JobAdmission::wait_until_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return threads_ == 0; });
}

}  // namespace gene::farm
