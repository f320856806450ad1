// One RunJob call: the job runs on its own thread (a VM run may take
// minutes and must not hold a gRPC thread) and its events are written to
// the stream in order (gene/stream_reactor.h). A cancelled call, or one
// whose deadline passed, raises the job's flag at once: the VM stops at its
// next safepoint.
#pragma once

#include <atomic>

#include "farm.grpc.pb.h"
#include "gene/job_runner.h"
#include "gene/stream_reactor.h"
#include "job_admission.h"

namespace gene::farm {

// Events a job keeps for a client that reads slower than the job runs (one
// more may be in flight).
inline constexpr size_t kMaxUnsentEvents = 16;

class RunJobReactor final : public StreamReactor<v1::JobEvent> {
 public:
  // Admits the job and starts it, or ends the call at once with the
  // admission's refusal. Either way gRPC owns the returned reactor.
  static RunJobReactor* start(const v1::JobRequest& request, const JobRunner& runner, JobAdmission& admission);

 private:
  RunJobReactor(const v1::JobRequest& request, const JobRunner& runner, JobAdmission& admission);
  // Runs the job, streaming its events; the call's status.
  grpc::Status run_job();
  void cancel_work() override { cancel_.store(true); }

  const v1::JobRequest request_;
  const JobRunner& runner_;
  JobAdmission& admission_;
  // Raised by a cancelled call or a shutdown; the VM polls it.
  std::atomic<bool> cancel_{false};
};

}  // namespace gene::farm
