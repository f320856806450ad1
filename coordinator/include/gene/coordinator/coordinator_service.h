// The Coordinator gRPC service (farm.proto) on gRPC's callback API: Submit
// validates a suite against the workers' statistic names, checks that
// workers match its hardware selectors and that its baseline is stored,
// runs it on the worker pool (recording each job in the results store as it
// finishes), and streams progress then the SuiteResult with the verdicts
// against the baseline; Compare runs two builds' rounds on pairs of workers
// on one host; ListWorkers reports the pool. Submit and Compare each run on
// a thread of their own (a reactor per call); a submitter that goes away,
// or whose deadline passes, cancels its work at once, down to the jobs
// running on workers.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "farm.grpc.pb.h"
#include "gene/coordinator/cancellation.h"
#include "gene/coordinator/farm_metrics.h"
#include "gene/coordinator/results_store.h"
#include "gene/coordinator/worker_pool.h"

namespace gene::coordinator {

// Manifests and programs a submitter may send (gRPC refuses larger messages).
inline constexpr int kMaxSubmitBytes = 32 << 20;

class CoordinatorService final : public v1::Coordinator::CallbackService {
 public:
  // `metrics` and `store` may be null (no metrics, nothing recorded). `log`
  // gets one line per suite event.
  CoordinatorService(WorkerPool& pool, std::string token, FarmMetrics* metrics,
                     std::function<void(const std::string&)> log, ResultsStore* store = nullptr);
  ~CoordinatorService() override;

  // Cancels the suites and comparisons still running (and any that start
  // from now on) and waits until none uses the pool: before the server
  // shuts down and the pool goes.
  void cancel_running_calls();

  grpc::ServerWriteReactor<v1::SubmitEvent>* Submit(grpc::CallbackServerContext* context,
                                                    const v1::SubmitRequest* request) override;
  grpc::ServerUnaryReactor* ListWorkers(grpc::CallbackServerContext* context, const v1::ListWorkersRequest* request,
                                        v1::ListWorkersResponse* response) override;
  grpc::ServerWriteReactor<v1::CompareEvent>* Compare(grpc::CallbackServerContext* context,
                                                      const v1::CompareRequest* request) override;

 private:
  WorkerPool& pool_;
  std::string token_;
  FarmMetrics* metrics_;
  std::function<void(const std::string&)> log_;
  ResultsStore* store_;
  RunningCalls running_;
};

}  // namespace gene::coordinator
