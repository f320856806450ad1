#include "gene/coordinator/coordinator_service.h"

#include "compare_reactor.h"
#include "gene/farm_security.h"
#include "gene/stream_reactor.h"
#include "submit_reactor.h"

namespace gene::coordinator {

CoordinatorService::CoordinatorService(WorkerPool& pool, std::string token, FarmMetrics* metrics,
                                       std::function<void(const std::string&)> log, ResultsStore* store)
    : pool_(pool), token_(std::move(token)), metrics_(metrics), log_(std::move(log)), store_(store) {}

CoordinatorService::~CoordinatorService() { cancel_running_calls(); }

void CoordinatorService::cancel_running_calls() { running_.cancel_all_and_wait(); }

grpc::ServerWriteReactor<v1::SubmitEvent>* CoordinatorService::Submit(grpc::CallbackServerContext* context,
                                                                      const v1::SubmitRequest* request) {
  grpc::Status auth = gene::farm::check_bearer_token(context->client_metadata(), token_);
  if (!auth.ok()) return new gene::farm::RefusedStream<v1::SubmitEvent>(auth);
  return SubmitReactor::start(context, *request, {pool_, metrics_, store_, running_, log_});
}

grpc::ServerUnaryReactor* CoordinatorService::ListWorkers(grpc::CallbackServerContext* context,
                                                          const v1::ListWorkersRequest*,
                                                          v1::ListWorkersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status auth = gene::farm::check_bearer_token(context->client_metadata(), token_);
  if (auth.ok())
    for (auto& s : pool_.statuses()) *response->add_workers() = std::move(s);
  reactor->Finish(auth);
  return reactor;
}

grpc::ServerWriteReactor<v1::CompareEvent>* CoordinatorService::Compare(grpc::CallbackServerContext* context,
                                                                        const v1::CompareRequest* request) {
  grpc::Status auth = gene::farm::check_bearer_token(context->client_metadata(), token_);
  if (!auth.ok()) return new gene::farm::RefusedStream<v1::CompareEvent>(auth);
  return CompareReactor::start(context, *request, pool_, store_, running_, log_);
}

}  // namespace gene::coordinator
