// Who may run a job now. Policy: at most `max_concurrent` jobs at once; a
// job beyond that is refused at once with RESOURCE_EXHAUSTED (the
// coordinator then tries another worker or later) rather than queued, so
// a busy worker never holds work a free one could do. During shutdown every
// new job is refused with UNAVAILABLE and the running ones are interrupted.
#pragma once

#include <grpcpp/support/status.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "farm.pb.h"

namespace gene::farm {

class WorkerMetrics;

// How long a job may outlive its deadline (the VM stops it at its next
// safepoint, well within this): past `overrun` its flag is raised again and
// its slot is given back; past `overrun + stop` it cannot be stopped, and
// the worker must be replaced.
struct OverrunGrace {
  std::chrono::milliseconds overrun{5000};
  std::chrono::milliseconds stop{10000};
};

class JobAdmission {
 public:
  // `metrics` may be null (no --metrics-port).
  JobAdmission(uint32_t max_concurrent, WorkerMetrics* metrics, OverrunGrace grace = {});

  // OK when the job may run: it then holds a slot until job_done(), and
  // `cancel` is raised if the worker shuts down meanwhile; the caller must
  // then run it on a thread that ends with thread_done(). Else
  // RESOURCE_EXHAUSTED (all slots taken) or UNAVAILABLE (shutting down).
  // `timeout` is the job's own deadline, from the time it is admitted.
  grpc::Status admit(std::atomic<bool>* cancel, std::chrono::duration<double> timeout);

  // Called now and then (the worker's watchdog): raises the flag of every
  // job past its deadline and grace and gives its slot back. Returns why the
  // worker is wedged (a job that ignored its flag for the whole stop grace),
  // or "".
  std::string check_overruns();

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
  const OverrunGrace grace_;
  struct Running {
    uint32_t beside = 0;  // the most jobs that ran beside it at any one time
    std::chrono::steady_clock::time_point deadline;
    bool released = false;  // its slot was given back past its deadline
  };
  // The running jobs, by cancel flag.
  std::map<std::atomic<bool>*, Running> running_jobs_;
};

}  // namespace gene::farm
