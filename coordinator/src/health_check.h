// A grpc.health.v1.Health/Check client without generated code: Debian's
// gRPC ships no health.proto, and the request and answer are one field each,
// so they are encoded here by hand and sent through a generic stub.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <memory>
#include <string>

namespace gene::coordinator {

enum class ServingStatus { Unknown = 0, Serving = 1, NotServing = 2, ServiceUnknown = 3 };

struct HealthAnswer {
  grpc::Status status;  // of the call
  ServingStatus serving = ServingStatus::Unknown;
};

// Asks `channel` for the health of `service` ("" = the whole server).
HealthAnswer check_health(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                          std::chrono::milliseconds deadline, const std::string& token);

}  // namespace gene::coordinator
