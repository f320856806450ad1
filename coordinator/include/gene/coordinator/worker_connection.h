// One worker reached directly, outside any pool: `compare`'s local mode
// talks to the two worker processes it started this way. Describe once,
// then RunJob calls to their end, each cancellable at once.
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "farm.grpc.pb.h"
#include "gene/coordinator/compare_rounds.h"

namespace gene::coordinator {

// "UNAVAILABLE: Socket closed" (the code's name, then the message).
std::string grpc_status_text(const grpc::Status& status);

class WorkerConnection final : public CompareSideRunner {
 public:
  // Plaintext to `address` (HOST:PORT), with `token` ("" = none).
  WorkerConnection(const std::string& address, std::string token);

  // Asks the worker what it is (info()); UNAVAILABLE, saying why, when it
  // does not answer within `deadline_seconds`.
  absl::Status describe(double deadline_seconds);

  // The worker's result; a call that fails ends as WORKER_LOST (CANCELLED
  // once `cancel` rose) with the call's status in the message.
  v1::JobResult run(const v1::JobRequest& request, Cancellation& cancel) override;
  const v1::WorkerInfo& info() const override { return info_; }

 private:
  std::string address_, token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Worker::Stub> stub_;
  v1::WorkerInfo info_;
};

}  // namespace gene::coordinator
