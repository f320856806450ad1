// `coordinator workers --coordinator ADDR`: the coordinator's view of its
// workers (ListWorkers), one line each.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "farm.grpc.pb.h"
#include "gene/coordinator/commands.h"
#include "gene/coordinator/manifest.h"

namespace gene::coordinator {

namespace v1 = ::gene::farm::v1;

int run_workers(const WorkersOptions& o) {
  absl::StatusOr<std::string> token = gene::farm::load_token(o.token_file);
  if (!token.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(token.status().message()).c_str());
    return 2;
  }
  auto credentials = gene::farm::make_channel_credentials(o.tls);
  if (!credentials.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(credentials.status().message()).c_str());
    return 2;
  }
  auto stub = v1::Coordinator::NewStub(grpc::CreateChannel(o.coordinator, *credentials));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  gene::farm::add_bearer_token(context, *token);
  v1::ListWorkersResponse response;
  grpc::Status status = stub->ListWorkers(&context, v1::ListWorkersRequest(), &response);
  if (!status.ok()) {
    std::fprintf(stderr, "error: coordinator at %s: %s\n", o.coordinator.c_str(), status.error_message().c_str());
    return 2;
  }
  size_t width = 7;
  for (const auto& w : response.workers()) width = std::max(width, w.address().size());
  std::printf("%-*s  %-5s  %-4s  %-16s  %s\n", int(width), "ADDRESS", "STATE", "JOBS", "NAME", "LABELS / LAST ERROR");
  for (const auto& w : response.workers()) {
    std::string state = v1::WorkerState_Name(w.state());
    state = state.substr(state.rfind('_') + 1);
    for (char& c : state) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::map<std::string, std::string> labels(w.info().labels().begin(), w.info().labels().end());
    std::string detail = w.state() == v1::WORKER_STATE_DOWN ? w.last_error() : format_labels(labels);
    std::printf("%-*s  %-5s  %4u  %-16s  %s\n", int(width), w.address().c_str(), state.c_str(), w.running_jobs(),
                w.info().name().empty() ? "-" : w.info().name().c_str(), detail.c_str());
  }
  return 0;
}

}  // namespace gene::coordinator
