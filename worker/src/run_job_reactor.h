// One RunJob call: the job runs on its own thread (a VM run may take
// minutes and must not hold a gRPC thread) and its events are written to
// the stream in order, one write in flight at a time, as gRPC requires.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <deque>
#include <mutex>

#include "farm.grpc.pb.h"
#include "gene/job_runner.h"
#include "job_admission.h"

namespace gene::farm {

// Events a job keeps for a client that reads slower than the job runs (one
// more may be in flight).
inline constexpr size_t kMaxUnsentEvents = 16;

class RunJobReactor final : public grpc::ServerWriteReactor<v1::JobEvent> {
 public:
  // Admits the job and starts it, or ends the call at once with the
  // admission's refusal. Either way gRPC owns the returned reactor.
  static RunJobReactor* start(const v1::JobRequest& request, const JobRunner& runner, JobAdmission& admission);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  RunJobReactor(const v1::JobRequest& request, const JobRunner& runner, JobAdmission& admission);
  static void run_job(RunJobReactor* self);

  // Queues an event from the job thread; the result is the last one.
  void send(const v1::JobEvent& event);
  // Starts the next write, or ends the call once the result is written.
  // Called with `lock` held; releases it before calling into gRPC.
  void write_next(std::unique_lock<std::mutex>& lock);
  // Drops one of the two owners (gRPC's OnDone, the job thread).
  void unref();

  const v1::JobRequest request_;
  const JobRunner& runner_;
  JobAdmission& admission_;
  // Raised by a cancelled call or a shutdown; the VM polls it.
  std::atomic<bool> cancel_{false};
  std::atomic<int> refs_{1};

  std::mutex mu_;
  std::deque<v1::JobEvent> pending_;
  v1::JobEvent writing_event_;  // must live until OnWriteDone
  bool writing_ = false;
  bool result_queued_ = false;
  bool finishing_ = false;  // Finish() called: nothing more may be written
};

}  // namespace gene::farm
