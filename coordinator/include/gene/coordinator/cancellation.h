// Cancelling work that waits on gRPC calls: raising a Cancellation sets the
// flag that loops check between steps and cancels every call registered
// with it, so a job running on a worker stops now, not at its end.
#pragma once

#include <grpcpp/client_context.h>

#include <atomic>
#include <mutex>
#include <vector>

namespace gene::coordinator {

class Cancellation {
 public:
  // Raises the flag and cancels the calls in flight; later calls are
  // cancelled as they register. Safe from any thread, any number of times.
  void cancel();
  bool cancelled() const { return flag_.load(); }
  const std::atomic<bool>& flag() const { return flag_; }

  // Keeps `context` registered while the guard lives.
  class Guard {
   public:
    Guard(Cancellation& owner, grpc::ClientContext& context);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    Cancellation& owner_;
    grpc::ClientContext& context_;
  };

 private:
  std::atomic<bool> flag_{false};
  std::mutex mu_;
  std::vector<grpc::ClientContext*> calls_;
};

}  // namespace gene::coordinator
