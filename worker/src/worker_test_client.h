// A real gRPC client for the worker's tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "farm.grpc.pb.h"
#include "gene/farm_security.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace gene::farm::testing {

struct JobCall {
  grpc::Status status;
  std::vector<v1::JobEvent> events;
  // The result event, or an empty result when there was none.
  v1::JobResult result() const {
    for (const auto& e : events)
      if (e.has_result()) return e.result();
    return {};
  }
};

class WorkerClient {
 public:
  explicit WorkerClient(const std::string& address, std::string token = "",
                        std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials())
      : channel_(grpc::CreateChannel(address, credentials)),
        worker_(v1::Worker::NewStub(channel_)),
        health_(grpc::health::v1::Health::NewStub(channel_)),
        token_(std::move(token)) {}

  // Every call carries a deadline, so a broken worker fails the test
  // instead of hanging it.
  void prepare(grpc::ClientContext& context, double seconds = 20) const {
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
    add_bearer_token(context, token_);
  }

  grpc::Status describe(v1::WorkerInfo& info) const {
    grpc::ClientContext context;
    prepare(context);
    return worker_->Describe(&context, v1::DescribeRequest(), &info);
  }

  JobCall run_job(const v1::JobRequest& request) const {
    grpc::ClientContext context;
    prepare(context);
    JobCall call;
    auto reader = worker_->RunJob(&context, request);
    v1::JobEvent event;
    while (reader->Read(&event)) call.events.push_back(event);
    call.status = reader->Finish();
    return call;
  }

  grpc::Status health(grpc::health::v1::HealthCheckResponse& response, const std::string& service = "") const {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    return health_->Check(&context, request, &response);
  }

  v1::Worker::Stub& stub() { return *worker_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Worker::Stub> worker_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::string token_;
};

}  // namespace gene::farm::testing
