#include "gene/listen_address.h"

#include <arpa/inet.h>

namespace gene::farm {

bool split_host_port(const std::string& address, std::string& host, int& port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  host = address.substr(0, colon);
  if (host.find(':') != std::string::npos && (host.front() != '[' || host.back() != ']')) return false;
  std::string digits = address.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  port = std::stoi(digits);
  return port <= 65535;
}

namespace {

// The numeric address civetweb binds for `host` (IPv6 in brackets), or ""
// when `host` is a name other than localhost.
std::string numeric_host(const std::string& host) {
  if (host == "localhost") return "127.0.0.1";
  std::string bare = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, bare.c_str(), buf) == 1) return bare;
  if (inet_pton(AF_INET6, bare.c_str(), buf) == 1) return "[" + bare + "]";
  return "";
}

}  // namespace

std::string metrics_host(const std::string& host) {
  std::string numeric = numeric_host(host);
  return numeric.empty() ? "0.0.0.0" : numeric;
}

absl::StatusOr<BindAddress> metrics_bind_address(const std::string& listen_host, const std::string& metrics_listen,
                                                 int metrics_port) {
  if (metrics_listen.empty()) return BindAddress{metrics_host(listen_host), metrics_port};
  if (metrics_port >= 0) return absl::InvalidArgumentError("give --metrics-port or --metrics-listen, not both");
  std::string given;
  BindAddress bind;
  if (!split_host_port(metrics_listen, given, bind.port))
    return absl::InvalidArgumentError("--metrics-listen wants HOST:PORT, not \"" + metrics_listen + "\"");
  bind.host = numeric_host(given);
  if (bind.host.empty())
    return absl::InvalidArgumentError("--metrics-listen wants a numeric address or localhost, not \"" + given + "\"");
  return bind;
}

}  // namespace gene::farm
