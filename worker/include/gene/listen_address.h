// Listen addresses shared by the worker and `coordinator serve`.
#pragma once

#include <string>

namespace gene::farm {

// Splits "HOST:PORT" ("[::1]:7070" for IPv6); false when malformed.
bool split_host_port(const std::string& address, std::string& host, int& port);

// The address the metrics server binds for a gRPC listen host. civetweb
// binds numeric addresses only: a name other than localhost means "every
// interface", as it would for gRPC.
std::string metrics_host(const std::string& host);

}  // namespace gene::farm
