#include "command_support.h"

#include <grpcpp/create_channel.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "gene/coordinator/results.h"
#include "gene/coordinator/worker_connection.h"  // grpc_status_text
#include "gene/report/export_file.h"

namespace gene::coordinator {

void print_error(const std::string& message) { std::fprintf(stderr, "error: %s\n", message.c_str()); }

void print_error(const absl::Status& status) { print_error(std::string(status.message())); }

absl::StatusOr<std::string> read_manifest_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read manifest " + path + ": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int report_manifest_errors(const std::string& path, const ManifestResult& manifest) {
  std::fputs(format_diagnostics(manifest.errors).c_str(), stderr);
  print_error(std::to_string(manifest.problems) + " problem" + (manifest.problems == 1 ? "" : "s") + " in " + path +
              "; nothing ran");
  return kExitUnusable;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> coordinator_channel(const std::string& address,
                                                                   const gene::farm::TlsFiles& tls) {
  auto credentials = gene::farm::make_channel_credentials(tls);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);  // a result holds every repetition or round
  // Notice a coordinator that vanished without closing the connection.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return grpc::CreateCustomChannel(address, *credentials, args);
}

void print_coordinator_failure(const grpc::Status& status, const CoordinatorCall& call) {
  const std::string at = "the coordinator at " + call.address;
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      // The coordinator's own validation (statistic names of its workers).
      std::fprintf(stderr, "%s\n", status.error_message().c_str());
      print_error("the coordinator refused " + call.request + "; nothing ran");
      break;
    case grpc::StatusCode::FAILED_PRECONDITION: print_error(status.error_message()); break;
    case grpc::StatusCode::UNAVAILABLE:
      print_error("coordinator at " + call.address + " is unreachable or went away: " + status.error_message());
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      print_error(at + " refused our credentials: " + status.error_message() + " (set --token-file or GENE_FARM_TOKEN)");
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      print_error(at + " cannot " + call.ability + " (an older version?): " + status.error_message());
      break;
    case grpc::StatusCode::CANCELLED:
      print_error(at + " stopped " + call.work + " (shutting down?): " + status.error_message());
      break;
    case grpc::StatusCode::OK: print_error("the coordinator ended " + call.work + " without a result"); break;
    default: print_error(at + " failed " + call.work + ": " + grpc_status_text(status));
  }
}

bool check_outputs(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    if (path.empty()) continue;
    if (absl::Status writable = report::check_export_path(path); !writable.ok()) {
      print_error(writable);
      return false;
    }
  }
  return true;
}

}  // namespace gene::coordinator
