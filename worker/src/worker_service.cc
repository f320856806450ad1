#include "worker_service.h"

#include "gene/farm_security.h"
#include "run_job_reactor.h"
#include "worker_metrics.h"

namespace gene::farm {

namespace {

// A RunJob call refused before any event: it only carries a status.
class RefusedJob final : public grpc::ServerWriteReactor<v1::JobEvent> {
 public:
  explicit RefusedJob(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

WorkerService::WorkerService(v1::WorkerInfo info, std::string token, JobAdmission& admission, WorkerMetrics* metrics,
                             uint64_t max_heap_cap)
    : info_(std::move(info)),
      token_(std::move(token)),
      runner_(info_.name()),
      admission_(admission),
      metrics_(metrics),
      max_heap_cap_(max_heap_cap) {}

grpc::ServerUnaryReactor* WorkerService::Describe(grpc::CallbackServerContext* context,
                                                  const v1::DescribeRequest* /*request*/, v1::WorkerInfo* response) {
  auto* reactor = context->DefaultReactor();
  grpc::Status auth = check_bearer_token(context->client_metadata(), token_);
  if (auth.ok()) *response = info_;
  reactor->Finish(auth);
  return reactor;
}

grpc::ServerWriteReactor<v1::JobEvent>* WorkerService::RunJob(grpc::CallbackServerContext* context,
                                                              const v1::JobRequest* request) {
  grpc::Status auth = check_bearer_token(context->client_metadata(), token_);
  if (!auth.ok()) {
    if (metrics_) metrics_->job_refused("unauthenticated");
    return new RefusedJob(auth);
  }
  // A malformed request is the caller's bug, not a job outcome: it ends the
  // call with INVALID_ARGUMENT and is not counted as a job.
  if (absl::Status invalid = validate_job_request(*request); !invalid.ok()) {
    if (metrics_) metrics_->job_refused("invalid");
    return new RefusedJob(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid job: " + std::string(invalid.message())));
  }
  // The worker caps what a client may ask for: refused with the cap named,
  // not clamped, so a result never silently ran under other limits.
  if (request->vm().max_heap_bytes() > max_heap_cap_) {
    if (metrics_) metrics_->job_refused("invalid");
    return new RefusedJob(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "invalid job: vm.max_heap_bytes is " +
                                           std::to_string(request->vm().max_heap_bytes()) +
                                           "; this worker allows at most " + std::to_string(max_heap_cap_) +
                                           " (--max-heap-cap)"));
  }
  if (request->vm().max_heap_bytes() == 0 && max_heap_cap_ < kDefaultMaxHeapBytes) {
    v1::JobRequest capped = *request;  // the default heap would exceed the cap: the cap it is
    capped.mutable_vm()->set_max_heap_bytes(max_heap_cap_);
    return RunJobReactor::start(capped, runner_, admission_);
  }
  return RunJobReactor::start(*request, runner_, admission_);
}

}  // namespace gene::farm
