// One Submit call on the coordinator (gRPC's callback API): the suite is
// checked and run on a thread of its own (a suite takes minutes and must not
// hold a gRPC thread), its events streamed in order. The submitter going
// away, or its deadline passing, cancels the suite at once: the jobs it has
// running on workers are cancelled there, and the waiting ones never start.
#pragma once

#include <functional>
#include <string>

#include "farm.grpc.pb.h"
#include "gene/coordinator/cancellation.h"
#include "gene/coordinator/farm_metrics.h"
#include "gene/coordinator/results_store.h"
#include "gene/coordinator/worker_pool.h"
#include "coordinator_stream.h"

namespace gene::coordinator {

class SubmitReactor final : public CoordinatorStream<v1::SubmitEvent> {
 public:
  using Log = std::function<void(const std::string&)>;
  // What a suite runs with; all but the pool may be null.
  struct Context {
    WorkerPool& pool;
    FarmMetrics* metrics;
    ResultsStore* store;
    RunningCalls& running;
    Log log;
  };
  // Starts the suite's thread; gRPC owns the returned reactor.
  static SubmitReactor* start(grpc::CallbackServerContext* context, const v1::SubmitRequest& request,
                              const Context& with);

 private:
  SubmitReactor(const v1::SubmitRequest& request, std::string peer, const Context& with);
  grpc::Status run() override;
  void log(const std::string& line) const {
    if (with_.log) with_.log(line);
  }

  const v1::SubmitRequest request_;
  const std::string peer_;
  const Context with_;
};

}  // namespace gene::coordinator
