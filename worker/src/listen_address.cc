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

std::string metrics_host(const std::string& host) {
  if (host == "localhost") return "127.0.0.1";
  std::string bare = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, bare.c_str(), buf) == 1) return bare;
  if (inet_pton(AF_INET6, bare.c_str(), buf) == 1) return "[" + bare + "]";
  return "0.0.0.0";
}

}  // namespace gene::farm
