// One Compare call on the coordinator (gRPC's callback API): the work runs
// on its own thread (rounds take minutes and must not hold a gRPC thread);
// its events are written in order. The submitter going away (OnCancel)
// cancels the rounds at once: the calls in flight on the pair's workers are
// cancelled, not left to finish.
#pragma once

#include <string>

#include "farm.grpc.pb.h"
#include "gene/coordinator/cancellation.h"
#include "gene/coordinator/results_store.h"
#include "gene/coordinator/worker_pool.h"
#include "coordinator_stream.h"

namespace gene::coordinator {

class CompareReactor final : public CoordinatorStream<v1::CompareEvent> {
 public:
  using Log = std::function<void(const std::string&)>;
  // Starts the comparison's thread; gRPC owns the returned reactor.
  // `store` (may be null) records each comparison.
  static CompareReactor* start(grpc::CallbackServerContext* context, const v1::CompareRequest& request,
                               WorkerPool& pool, ResultsStore* store, RunningCalls& running, Log log);

 private:
  CompareReactor(const v1::CompareRequest& request, std::string peer, WorkerPool& pool, ResultsStore* store,
                 RunningCalls& running, Log log);
  grpc::Status run() override;

  const v1::CompareRequest request_;
  const std::string peer_;
  WorkerPool& pool_;
  ResultsStore* store_;
  const Log log_;
};

}  // namespace gene::coordinator
