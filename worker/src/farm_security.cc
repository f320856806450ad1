#include "gene/farm_security.h"

#include <grpcpp/client_context.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gene::farm {

namespace {

absl::StatusOr<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool printable_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}

// Walks all of `expected` whatever `given` is, so the time taken does not
// reveal how much of the token matched.
bool same_secret(std::string_view given, std::string_view expected) {
  size_t diff = given.size() ^ expected.size();
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i]) ^ (i < given.size() ? static_cast<unsigned char>(given[i]) : 0u);
  return diff == 0;
}

}  // namespace

absl::StatusOr<std::string> load_token(const std::string& token_file) {
  std::string token, source;
  if (!token_file.empty()) {
    absl::StatusOr<std::string> text = read_file(token_file);
    if (!text.ok()) return text.status();
    token = *std::move(text);
    source = token_file;
  } else if (const char* env = std::getenv(kTokenEnvVar)) {
    token = env;
    source = kTokenEnvVar;
  } else {
    return "";
  }
  token = trim(token);
  if (token.empty()) return absl::InvalidArgumentError("the token in " + source + " is empty");
  if (!printable_ascii(token))
    return absl::InvalidArgumentError("the token in " + source + " must be printable ASCII without spaces");
  return token;
}

grpc::Status check_bearer_token(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                                const std::string& token) {
  if (token.empty()) return grpc::Status::OK;
  auto it = metadata.find("authorization");
  if (it == metadata.end())
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing authorization metadata (Bearer token)");
  std::string_view value(it->second.data(), it->second.size());
  const std::string_view prefix = "Bearer ";
  if (value.substr(0, prefix.size()) != prefix || !same_secret(value.substr(prefix.size()), token))
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong token");
  return grpc::Status::OK;
}

void add_bearer_token(grpc::ClientContext& context, const std::string& token) {
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> make_server_credentials(const TlsFiles& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  if (tls.cert.empty() || tls.key.empty())
    return absl::InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
  absl::StatusOr<std::string> key = read_file(tls.key);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> cert = read_file(tls.cert);
  if (!cert.ok()) return cert.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  if (!tls.ca.empty()) {
    absl::StatusOr<std::string> ca = read_file(tls.ca);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> make_channel_credentials(const TlsFiles& tls) {
  if (!tls.enabled()) return grpc::InsecureChannelCredentials();
  if (tls.cert.empty() != tls.key.empty())
    return absl::InvalidArgumentError("a client certificate needs both --tls-cert and --tls-key");
  grpc::SslCredentialsOptions options;
  if (!tls.ca.empty()) {
    absl::StatusOr<std::string> ca = read_file(tls.ca);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
  }
  if (!tls.cert.empty()) {
    absl::StatusOr<std::string> cert = read_file(tls.cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = read_file(tls.key);
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *std::move(cert);
    options.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(options);
}

}  // namespace gene::farm
