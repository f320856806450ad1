// Listen addresses shared by the worker and `coordinator serve`.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace gene::farm {

// Splits "HOST:PORT" ("[::1]:7070" for IPv6); false when malformed.
bool split_host_port(const std::string& address, std::string& host, int& port);

// The address the metrics server binds for a gRPC listen host. civetweb
// binds numeric addresses only: a name other than localhost means "every
// interface", as it would for gRPC.
std::string metrics_host(const std::string& host);

// Where /metrics binds: `metrics_listen` (HOST:PORT, --metrics-listen) when
// given, else metrics_host(listen_host) on `metrics_port` (--metrics-port);
// `port` -1 = no metrics. INVALID_ARGUMENT when both are given, or when
// `metrics_listen` is not HOST:PORT with a numeric address or localhost: an
// operator who names the address must never get every interface instead.
struct BindAddress {
  std::string host;
  int port = -1;
};
absl::StatusOr<BindAddress> metrics_bind_address(const std::string& listen_host, const std::string& metrics_listen,
                                                 int metrics_port);

}  // namespace gene::farm
