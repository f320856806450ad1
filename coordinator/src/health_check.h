// The coordinator's health checks of its workers: grpc.health.v1.Health/Check
// through the generated stub (proto/grpc/health/v1/health.proto), with a
// deadline and the farm's token.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace gene::coordinator {

struct HealthAnswer {
  grpc::Status status;  // of the call
  grpc::health::v1::HealthCheckResponse::ServingStatus serving = grpc::health::v1::HealthCheckResponse::UNKNOWN;

  bool serving_ok() const { return status.ok() && serving == grpc::health::v1::HealthCheckResponse::SERVING; }
};

// Asks for the health of `service` ("" = the whole server).
HealthAnswer check_health(grpc::health::v1::Health::StubInterface& stub, const std::string& service,
                          std::chrono::milliseconds deadline, const std::string& token);

}  // namespace gene::coordinator
