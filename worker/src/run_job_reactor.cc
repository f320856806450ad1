#include "run_job_reactor.h"

#include <system_error>
#include <thread>

namespace gene::farm {

RunJobReactor::RunJobReactor(const v1::JobRequest& request, const JobRunner& runner, JobAdmission& admission)
    : request_(request), runner_(runner), admission_(admission) {}

RunJobReactor* RunJobReactor::start(const v1::JobRequest& request, const JobRunner& runner, JobAdmission& admission) {
  auto* reactor = new RunJobReactor(request, runner, admission);
  const double timeout = request.timeout_seconds() > 0 ? request.timeout_seconds() : kDefaultTimeoutSeconds;
  grpc::Status admitted = admission.admit(&reactor->cancel_, std::chrono::duration<double>(timeout));
  if (!admitted.ok()) {
    reactor->finishing_ = true;
    reactor->Finish(admitted);
    return reactor;
  }
  reactor->refs_.fetch_add(1);  // the job thread's
  try {
    std::thread(run_job, reactor).detach();
  } catch (const std::system_error& e) {  // no thread to be had: refuse like a busy worker
    reactor->refs_.fetch_sub(1);
    admission.job_done(&reactor->cancel_, v1::JOB_STATUS_UNSPECIFIED, 0);
    admission.thread_done();
    reactor->finishing_ = true;
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, std::string("no thread: ") + e.what()));
  }
  return reactor;
}

void RunJobReactor::run_job(RunJobReactor* self) {
  JobAdmission& admission = self->admission_;  // outlives every job thread (see WorkerServer::shutdown)
  self->runner_.run(self->request_, self->cancel_, [self](const v1::JobEvent& event) {
    if (!event.has_result()) return self->send(event);
    v1::JobEvent final_event = event;
    auto* result = final_event.mutable_result();
    if (result->status() == v1::JOB_STATUS_CANCELLED && self->admission_.shutting_down())
      result->set_error_message("the worker is shutting down: " + result->error_message());
    result->mutable_conditions()->set_jobs_beside(
        self->admission_.job_done(&self->cancel_, result->status(), result->job_seconds()));
    self->send(final_event);
  });
  self->unref();  // may delete self
  admission.thread_done();
}

void RunJobReactor::send(const v1::JobEvent& event) {
  std::unique_lock lock(mu_);
  if (finishing_) return;  // the client is gone; nobody to tell
  // A client that does not read must not make the worker hold every
  // repetition twice: progress beyond the bound is dropped (the result
  // carries every repetition anyway); `accepted` and the result never are.
  if (event.has_repetition_done() && pending_.size() >= kMaxUnsentEvents) return;
  pending_.push_back(event);
  if (event.has_result()) result_queued_ = true;
  write_next(lock);
}

void RunJobReactor::write_next(std::unique_lock<std::mutex>& lock) {
  if (writing_ || finishing_) return;
  if (!pending_.empty()) {
    writing_ = true;
    writing_event_ = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    StartWrite(&writing_event_);
  } else if (result_queued_) {
    finishing_ = true;
    lock.unlock();
    Finish(grpc::Status::OK);
  }
}

void RunJobReactor::OnWriteDone(bool ok) {
  std::unique_lock lock(mu_);
  writing_ = false;
  if (!ok) {  // the call is broken or cancelled: stop the job, end the call
    cancel_.store(true);
    finishing_ = true;
    pending_.clear();
    lock.unlock();
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
    return;
  }
  write_next(lock);
}

void RunJobReactor::OnCancel() { cancel_.store(true); }

void RunJobReactor::OnDone() { unref(); }

void RunJobReactor::unref() {
  if (refs_.fetch_sub(1) == 1) delete this;
}

}  // namespace gene::farm
