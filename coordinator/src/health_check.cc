#include "health_check.h"

#include <grpcpp/client_context.h>

#include "gene/farm_security.h"

namespace gene::coordinator {

HealthAnswer check_health(grpc::health::v1::Health::StubInterface& stub, const std::string& service,
                          std::chrono::milliseconds deadline, const std::string& token) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  gene::farm::add_bearer_token(context, token);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  HealthAnswer answer;
  answer.status = stub.Check(&context, request, &response);
  if (answer.status.ok()) answer.serving = response.status();
  return answer;
}

}  // namespace gene::coordinator
