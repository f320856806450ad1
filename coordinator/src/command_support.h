// Pieces the `submit` and `compare` commands share: error lines, reading
// a manifest and its problems, the channel to a coordinator and what its
// failed calls mean, and output files.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <vector>

#include "gene/coordinator/manifest.h"
#include "gene/farm_security.h"

namespace gene::coordinator {

// "error: MESSAGE" on stderr.
void print_error(const std::string& message);

// The file's text; false with `error` set ("cannot read manifest PATH: ...").
bool read_manifest_text(const std::string& path, std::string& text, std::string& error);

// Prints every problem of the manifest at `path` and the closing error
// line; returns the exit status for a bad manifest (2).
int report_manifest_errors(const std::string& path, const ManifestResult& manifest);

// A channel to the coordinator at `address` for a long streaming call:
// large results, keepalive pings that notice a coordinator gone silent.
// nullptr with `error` set when the TLS files are bad.
std::shared_ptr<grpc::Channel> coordinator_channel(const std::string& address, const gene::farm::TlsFiles& tls,
                                                   std::string& error);

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

// Writes `text` to `path` ("-": stdout) whole or not at all
// (gene/report/export_file.h); false with `error` set.
bool write_output(const std::string& path, const std::string& text, std::string& error);

}  // namespace gene::coordinator
