// The farm's shared security rules, used alike by the worker, the
// coordinator and `coordinator submit`: a bearer token in call metadata
// (from --token-file or GENE_FARM_TOKEN) and optional TLS / mTLS.
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class ClientContext;
}

namespace gene::farm {

// The environment variable that holds the token when no file is given.
inline constexpr const char* kTokenEnvVar = "GENE_FARM_TOKEN";

// The token from `token_file` (its text without surrounding white space)
// when given, else from GENE_FARM_TOKEN, else "" (auth off).
// FAILED_PRECONDITION when the file cannot be read; INVALID_ARGUMENT when
// the token is empty or not printable ASCII (it must fit in an HTTP/2
// header).
absl::StatusOr<std::string> load_token(const std::string& token_file);

// OK when `token` is empty (auth off) or `metadata` carries
// `authorization: Bearer <token>`; else UNAUTHENTICATED. The comparison
// takes the same time wherever the tokens differ.
grpc::Status check_bearer_token(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                                const std::string& token);

// Adds `authorization: Bearer <token>` to an outgoing call (nothing when
// `token` is empty).
void add_bearer_token(grpc::ClientContext& context, const std::string& token);

// PEM file paths for --tls-cert, --tls-key, --tls-ca. All empty: plaintext.
struct TlsFiles {
  std::string cert, key, ca;
  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

// Server side: plaintext when `tls` is empty; else TLS with cert + key
// (both required), and when `ca` is given, client certificates signed by it
// are required (mTLS). INVALID_ARGUMENT when the cert or key is missing,
// FAILED_PRECONDITION when a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> make_server_credentials(const TlsFiles& tls);

// Client side: plaintext when `tls` is empty; else TLS verifying the
// server against `ca` (system roots when empty), presenting cert + key when
// given (for mTLS). Errors as make_server_credentials's.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> make_channel_credentials(const TlsFiles& tls);

}  // namespace gene::farm
