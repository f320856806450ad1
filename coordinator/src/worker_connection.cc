#include "gene/coordinator/worker_connection.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <chrono>

#include "gene/farm_security.h"
#include "gene/job_runner.h"

namespace gene::coordinator {

namespace {

// Results carry every repetition's statistics: far above a request's size.
constexpr int kMaxResultBytes = 64 << 20;
// Beyond a job's own timeout, before the worker counts as hung.
constexpr double kDeadlineSlackSeconds = 30;

std::chrono::system_clock::time_point after(double seconds) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

std::string grpc_status_text(const grpc::Status& s) {
  static const char* const names[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  const int code = int(s.error_code());
  const std::string name = code >= 0 && code < 17 ? names[code] : std::to_string(code);
  return s.error_message().empty() ? name : name + ": " + s.error_message();
}

WorkerConnection::WorkerConnection(const std::string& address, std::string token)
    : address_(address), token_(std::move(token)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxResultBytes);
  channel_ = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  stub_ = v1::Worker::NewStub(channel_);
}

absl::Status WorkerConnection::describe(double deadline_seconds) {
  grpc::ClientContext context;
  context.set_deadline(after(deadline_seconds));
  context.set_wait_for_ready(true);  // a worker that has just started may still be binding
  gene::farm::add_bearer_token(context, token_);
  grpc::Status status = stub_->Describe(&context, v1::DescribeRequest(), &info_);
  if (status.ok()) return absl::OkStatus();
  return absl::UnavailableError("the worker at " + address_ + " did not answer Describe: " + grpc_status_text(status));
}

v1::JobResult WorkerConnection::run(const v1::JobRequest& request, Cancellation& cancel) {
  grpc::ClientContext context;
  const double timeout = request.timeout_seconds() > 0 ? request.timeout_seconds() : farm::kDefaultTimeoutSeconds;
  context.set_deadline(after(timeout + kDeadlineSlackSeconds));
  gene::farm::add_bearer_token(context, token_);
  Cancellation::Guard guard(cancel, context);
  auto reader = stub_->RunJob(&context, request);
  v1::JobEvent event;
  std::optional<v1::JobResult> result;
  while (reader->Read(&event))
    if (event.has_result()) result = std::move(*event.mutable_result());
  grpc::Status status = reader->Finish();
  if (status.ok() && result) return std::move(*result);
  v1::JobResult failed;
  failed.set_job_id(request.job_id());
  failed.set_worker(info_.name());
  if (cancel.cancelled()) {
    failed.set_status(v1::JOB_STATUS_CANCELLED);
    failed.set_error_message("cancelled");
  } else if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    failed.set_status(v1::JOB_STATUS_PROGRAM_ERROR);
    failed.set_error_message("the worker at " + address_ + " refused the job: " + status.error_message());
  } else {
    failed.set_status(v1::JOB_STATUS_WORKER_LOST);
    failed.set_error_message("the worker at " + address_ + " failed the call: " +
                             (status.ok() ? std::string("the stream ended without a result")
                                          : grpc_status_text(status)));
  }
  return failed;
}

}  // namespace gene::coordinator
