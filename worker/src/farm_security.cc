#include "gene/farm_security.h"

#include <grpcpp/client_context.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gene::farm {

namespace {

bool read_file(const std::string& path, std::string& text, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  text = s.str();
  return true;
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

bool load_token(const std::string& token_file, std::string& token, std::string& error) {
  std::string source;
  if (!token_file.empty()) {
    if (!read_file(token_file, token, error)) return false;
    source = token_file;
  } else if (const char* env = std::getenv(kTokenEnvVar)) {
    token = env;
    source = kTokenEnvVar;
  } else {
    token.clear();
    return true;
  }
  token = trim(token);
  if (token.empty()) {
    error = "the token in " + source + " is empty";
    return false;
  }
  if (!printable_ascii(token)) {
    error = "the token in " + source + " must be printable ASCII without spaces";
    return false;
  }
  return true;
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

std::shared_ptr<grpc::ServerCredentials> make_server_credentials(const TlsFiles& tls, std::string& error) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  if (tls.cert.empty() || tls.key.empty()) {
    error = "TLS needs both --tls-cert and --tls-key";
    return nullptr;
  }
  grpc::SslServerCredentialsOptions options;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!read_file(tls.key, pair.private_key, error) || !read_file(tls.cert, pair.cert_chain, error)) return nullptr;
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.ca.empty()) {
    if (!read_file(tls.ca, options.pem_root_certs, error)) return nullptr;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> make_channel_credentials(const TlsFiles& tls, std::string& error) {
  if (!tls.enabled()) return grpc::InsecureChannelCredentials();
  if (tls.cert.empty() != tls.key.empty()) {
    error = "a client certificate needs both --tls-cert and --tls-key";
    return nullptr;
  }
  grpc::SslCredentialsOptions options;
  if (!tls.ca.empty() && !read_file(tls.ca, options.pem_root_certs, error)) return nullptr;
  if (!tls.cert.empty() &&
      (!read_file(tls.cert, options.pem_cert_chain, error) || !read_file(tls.key, options.pem_private_key, error)))
    return nullptr;
  return grpc::SslCredentials(options);
}

}  // namespace gene::farm
