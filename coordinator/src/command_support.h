// Pieces the `submit` and `compare` commands share: error lines, reading
// a manifest and its problems, the channel to a coordinator and what its
// failed calls mean, and output files.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <memory>
#include <string>
#include <vector>

#include "gene/coordinator/manifest.h"
#include "gene/farm_security.h"

namespace gene::coordinator {

// "error: MESSAGE" on stderr.
void print_error(const std::string& message);
void print_error(const absl::Status& status);

// The file's text, or why not ("cannot read manifest PATH: ...").
absl::StatusOr<std::string> read_manifest_text(const std::string& path);

// Prints every problem of the manifest at `path` and the closing error
// line; returns the exit status for a bad manifest (2).
int report_manifest_errors(const std::string& path, const ManifestResult& manifest);

// A channel to the coordinator at `address` for a long streaming call:
// large results, keepalive pings that notice a coordinator gone silent.
// An error when the TLS files are bad.
absl::StatusOr<std::shared_ptr<grpc::Channel>> coordinator_channel(const std::string& address,
                                                                   const gene::farm::TlsFiles& tls);

// The words of one call to a coordinator, for the lines that say why it
// ended without a result.
struct CoordinatorCall {
  std::string address;  // --coordinator
  std::string work;     // what it was asked to do: "the suite", "the comparison"
  std::string request;  // what it refuses when the request is bad: the manifest's path, "the comparison"
  std::string ability;  // what an older coordinator may not do: "compare", "run suites"
};

// Prints what a call to the coordinator that ended with `status` and no
// result means to the user (the coordinator's own diagnostics first when
// it refused the request).
void print_coordinator_failure(const grpc::Status& status, const CoordinatorCall& call);

// Every export a command names (--json OUT, --html OUT; "" for none),
// checked before anything runs: prints the error and returns false when
// one cannot be written.
bool check_outputs(const std::vector<std::string>& paths);

}  // namespace gene::coordinator
