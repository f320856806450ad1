#include "job_admission.h"

#include <algorithm>

#include "worker_metrics.h"

namespace gene::farm {

JobAdmission::JobAdmission(uint32_t max_concurrent, WorkerMetrics* metrics, OverrunGrace grace)
    : max_concurrent_(max_concurrent), metrics_(metrics), grace_(grace) {}

grpc::Status JobAdmission::admit(std::atomic<bool>* cancel, std::chrono::duration<double> timeout) {
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
  running_jobs_[cancel] = {0, std::chrono::steady_clock::now() +
                                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout),
                            false};
  for (auto& [flag, job] : running_jobs_) job.beside = std::max(job.beside, running_ - 1);
  if (metrics_) metrics_->set_busy(int(running_));
  return grpc::Status::OK;
}

uint32_t JobAdmission::job_done(std::atomic<bool>* cancel, v1::JobStatus status, double seconds) {
  std::lock_guard lock(mu_);
  uint32_t beside = 0;
  bool released = false;
  if (auto it = running_jobs_.find(cancel); it != running_jobs_.end()) {
    beside = it->second.beside;
    released = it->second.released;
    running_jobs_.erase(it);
  }
  if (!released) --running_;
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
  for (auto& [flag, job] : running_jobs_) flag->store(true);
}

std::string JobAdmission::check_overruns() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (auto& [flag, job] : running_jobs_) {
    if (now < job.deadline + grace_.overrun) continue;
    flag->store(true);
    if (!job.released) {
      job.released = true;
      --running_;
      if (metrics_) metrics_->set_busy(int(running_));
    }
    if (now >= job.deadline + grace_.overrun + grace_.stop) {
      auto past = std::chrono::duration_cast<std::chrono::seconds>(now - job.deadline).count();
      return "a job is still running " + std::to_string(past) + " s past its deadline and ignores its interrupt";
    }
  }
  return "";
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
