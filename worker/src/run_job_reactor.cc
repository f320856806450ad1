#include "run_job_reactor.h"

#include <string>

namespace gene::farm {

RunJobReactor::RunJobReactor(const v1::JobRequest& request, const JobRunner& runner, JobAdmission& admission)
    : request_(request), runner_(runner), admission_(admission) {}

RunJobReactor* RunJobReactor::start(const v1::JobRequest& request, const JobRunner& runner, JobAdmission& admission) {
  auto* reactor = new RunJobReactor(request, runner, admission);
  const double timeout = request.timeout_seconds() > 0 ? request.timeout_seconds() : kDefaultTimeoutSeconds;
  grpc::Status admitted = admission.admit(&reactor->cancel_, std::chrono::duration<double>(timeout));
  if (!admitted.ok()) {
    reactor->finish(admitted);
    return reactor;
  }
  // `admission` outlives every job thread (see WorkerServer::shutdown); the
  // thread's last act, after its last touch of the call.
  if (!reactor->start_thread([reactor] { return reactor->run_job(); }, [&admission] { admission.thread_done(); })) {
    // No thread to be had: refused like a busy worker.
    admission.job_done(&reactor->cancel_, v1::JOB_STATUS_UNSPECIFIED, 0);
    admission.thread_done();
    reactor->finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "no thread for the job"));
  }
  return reactor;
}

grpc::Status RunJobReactor::run_job() {
  runner_.run(request_, cancel_, [this](const v1::JobEvent& event) {
    // A client that does not read must not make the worker hold every
    // repetition twice: progress beyond the bound is dropped (the result
    // carries every repetition anyway); `accepted` and the result never are.
    if (!event.has_result()) return send(event, event.has_repetition_done() ? kMaxUnsentEvents : SIZE_MAX);
    v1::JobEvent final_event = event;
    auto* result = final_event.mutable_result();
    if (result->status() == v1::JOB_STATUS_CANCELLED && admission_.shutting_down())
      result->set_error_message("the worker is shutting down: " + result->error_message());
    result->mutable_conditions()->set_jobs_beside(
        admission_.job_done(&cancel_, result->status(), result->job_seconds()));
    send(final_event);
  });
  return grpc::Status::OK;
}

}  // namespace gene::farm
