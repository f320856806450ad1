#include "health_check.h"

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <future>

#include "gene/farm_security.h"

namespace gene::coordinator {

namespace {

// HealthCheckRequest { string service = 1; }
std::string encode_request(const std::string& service) {
  std::string out;
  if (service.empty()) return out;
  out += char(0x0A);  // field 1, length-delimited
  size_t n = service.size();
  while (n >= 0x80) {
    out += char((n & 0x7F) | 0x80);
    n >>= 7;
  }
  out += char(n);
  return out + service;
}

// HealthCheckResponse { ServingStatus status = 1; } — other fields skipped.
ServingStatus decode_response(const std::string& bytes) {
  size_t i = 0;
  auto varint = [&](uint64_t& v) {
    v = 0;
    for (int shift = 0; i < bytes.size() && shift < 64; shift += 7) {
      uint8_t b = uint8_t(bytes[i++]);
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  };
  ServingStatus status = ServingStatus::Unknown;
  while (i < bytes.size()) {
    uint64_t key = 0, v = 0;
    if (!varint(key)) break;
    switch (key & 7) {
      case 0:
        if (!varint(v)) return status;
        if (key >> 3 == 1) status = ServingStatus(v <= 3 ? int(v) : 0);
        break;
      case 2:
        if (!varint(v) || v > bytes.size() - i) return status;
        i += size_t(v);
        break;
      case 1: i += 8; break;
      case 5: i += 4; break;
      default: return status;
    }
  }
  return status;
}

}  // namespace

HealthAnswer check_health(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                          std::chrono::milliseconds deadline, const std::string& token) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  gene::farm::add_bearer_token(context, token);
  std::string request_bytes = encode_request(service);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  HealthAnswer answer;
  answer.status = done.get_future().get();
  if (answer.status.ok()) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (response.Dump(&slices).ok())
      for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    answer.serving = decode_response(bytes);
  }
  return answer;
}

}  // namespace gene::coordinator
