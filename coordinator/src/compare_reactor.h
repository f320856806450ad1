// One Compare call on the coordinator (gRPC's callback API): the work runs
// on its own thread (rounds take minutes and must not hold a gRPC thread);
// its events are written in order, one write in flight at a time. The
// submitter going away (OnCancel) cancels the rounds at once: the calls in
// flight on the pair's workers are cancelled, not left to finish.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "farm.grpc.pb.h"
#include "gene/coordinator/cancellation.h"
#include "gene/coordinator/results_store.h"
#include "gene/coordinator/worker_pool.h"

namespace gene::coordinator {

// Counts the comparisons running, so that shutdown can cancel them and
// wait until none uses the pool any more.
class CompareRegistry {
 public:
  void started(Cancellation* cancel);
  void finished(Cancellation* cancel);
  // Cancels every running comparison and waits until they have ended.
  void cancel_all_and_wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Cancellation*> running_;
};

class CompareReactor final : public grpc::ServerWriteReactor<v1::CompareEvent> {
 public:
  using Log = std::function<void(const std::string&)>;
  // Starts the comparison's thread; gRPC owns the returned reactor.
  // `store` (may be null) records each comparison.
  static CompareReactor* start(grpc::CallbackServerContext* context, const v1::CompareRequest& request,
                               WorkerPool& pool, ResultsStore* store, CompareRegistry& registry, Log log);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  CompareReactor(const v1::CompareRequest& request, std::string peer, WorkerPool& pool, ResultsStore* store,
                 CompareRegistry& registry, Log log);
  // The whole comparison, on its own thread; ends the call with `status`.
  grpc::Status run();
  void send(const v1::CompareEvent& event);
  void finish(const grpc::Status& status);
  void write_next(std::unique_lock<std::mutex>& lock);
  void unref();

  const v1::CompareRequest request_;
  const std::string peer_;
  WorkerPool& pool_;
  ResultsStore* store_;
  CompareRegistry& registry_;
  const Log log_;
  Cancellation cancel_;
  std::atomic<int> refs_{1};

  std::mutex mu_;
  std::deque<v1::CompareEvent> pending_;
  v1::CompareEvent writing_event_;  // must live until OnWriteDone
  bool writing_ = false;
  std::optional<grpc::Status> final_status_;  // set when the work is done: finish after the last write
  bool finishing_ = false;                    // Finish() called: nothing more may be written
};

}  // namespace gene::coordinator
