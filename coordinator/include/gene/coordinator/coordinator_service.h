// The Coordinator gRPC service (farm.proto): Submit validates a suite
// against the workers' statistic names, checks that workers match its
// hardware selectors and that its baseline is stored, runs it on the worker
// pool (recording each job in the results store as it finishes), and
// streams progress then the SuiteResult with the verdicts against the
// baseline; Compare runs two builds' rounds on pairs of workers on one
// host; ListWorkers reports the pool.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "farm.grpc.pb.h"
#include "gene/coordinator/farm_metrics.h"
#include "gene/coordinator/results_store.h"
#include "gene/coordinator/worker_pool.h"

namespace gene::coordinator {

// Manifests and programs a submitter may send (gRPC refuses larger messages).
inline constexpr int kMaxSubmitBytes = 32 << 20;

class CompareRegistry;

// Submit and ListWorkers use the synchronous API; Compare the callback API
// (a reactor per call, its rounds on their own thread).
class CoordinatorService final : public v1::Coordinator::WithCallbackMethod_Compare<v1::Coordinator::Service> {
 public:
  // `metrics` and `store` may be null (no metrics, nothing recorded). `log`
  // gets one line per suite event.
  CoordinatorService(WorkerPool& pool, std::string token, FarmMetrics* metrics,
                     std::function<void(const std::string&)> log, ResultsStore* store = nullptr);
  ~CoordinatorService() override;

  // Cancels the comparisons still running and waits until none uses the
  // pool (after the server has shut down, before the pool goes).
  void stop_comparisons();

  grpc::Status Submit(grpc::ServerContext* context, const v1::SubmitRequest* request,
                      grpc::ServerWriter<v1::SubmitEvent>* writer) override;
  grpc::Status ListWorkers(grpc::ServerContext* context, const v1::ListWorkersRequest* request,
                           v1::ListWorkersResponse* response) override;
  grpc::ServerWriteReactor<v1::CompareEvent>* Compare(grpc::CallbackServerContext* context,
                                                      const v1::CompareRequest* request) override;

 private:
  WorkerPool& pool_;
  std::string token_;
  FarmMetrics* metrics_;
  std::function<void(const std::string&)> log_;
  ResultsStore* store_;
  std::unique_ptr<CompareRegistry> compares_;
};

}  // namespace gene::coordinator
