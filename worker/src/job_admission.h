// Who may run a job now. Policy: at most `max_concurrent` jobs at once; a
// job beyond that is refused at once with RESOURCE_EXHAUSTED (the
// coordinator then tries another worker or later) rather than queued, so
// a busy worker never holds work a free one could do. During shutdown every
// new job is refused with UNAVAILABLE and the running ones are interrupted.
#pragma once

#include <grpcpp/support/status.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <map>

#include "farm.pb.h"

namespace gene::farm {

class WorkerMetrics;

class JobAdmission {
 public:
  // `metrics` may be null (no --metrics-port).
  JobAdmission(uint32_t max_concurrent, WorkerMetrics* metrics);

  // OK when the job may run: it then holds a slot until job_done(), and
  // `cancel` is raised if the worker shuts down meanwhile; the caller must
  // then run it on a thread that ends with thread_done(). Else
  // RESOURCE_EXHAUSTED (all slots taken) or UNAVAILABLE (shutting down).
  grpc::Status admit(std::atomic<bool>* cancel);

  // The job's VM has stopped: frees its slot, counts the job, and stops
  // watching `cancel`. Called before the result is sent, so that a caller
  // who sends its next job as soon as it has the result finds the slot free.
  // Returns the most other jobs that ran beside it at any one time (they
  // shared the machine with it: its result says so).
  uint32_t job_done(std::atomic<bool>* cancel, v1::JobStatus status, double seconds);

  // The last thing a job thread does, after its last touch of the call.
  void thread_done();

  // Refuses new jobs from now on and raises every running job's flag.
  void shut_down();
  bool shutting_down() const;

  // Blocks until every job thread has ended.
  void wait_until_idle();

 private:
  const uint32_t max_concurrent_;
  WorkerMetrics* const metrics_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  uint32_t running_ = 0;  // jobs holding a slot
  uint32_t threads_ = 0;  // job threads alive (a job's thread outlives its slot briefly)
  bool shutting_down_ = false;
  // The running jobs, by cancel flag: the most jobs that ran beside each.
  std::map<std::atomic<bool>*, uint32_t> running_jobs_;
};

}  // namespace gene::farm
