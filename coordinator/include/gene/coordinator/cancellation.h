// Cancelling work that waits on gRPC calls: raising a Cancellation sets the
// flag that loops check between steps, cancels every call registered with
// it and wakes every wait registered with it, so a job running on a worker
// stops now, not at its end or at the next health check.
#pragma once

#include <grpcpp/client_context.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace gene::coordinator {

class Cancellation {
 public:
  // Raises the flag, cancels the calls in flight and wakes the waits; later
  // ones see it as they register. Safe from any thread (gRPC's callbacks
  // too: it never blocks for long), any number of times.
  void cancel();
  bool cancelled() const { return flag_.load(); }
  const std::atomic<bool>& flag() const { return flag_; }

  // While the guard lives, raising the Cancellation cancels `context`, or
  // calls `on_cancel` (at once when it is already raised). `on_cancel` runs
  // with the Cancellation's lock held: it may take other locks, so a guard
  // must never be made or dropped while one of those is held.
  class Guard {
   public:
    Guard(Cancellation& owner, grpc::ClientContext& context);
    Guard(Cancellation& owner, std::function<void()> on_cancel);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    friend class Cancellation;
    void fire();
    Cancellation& owner_;
    grpc::ClientContext* context_ = nullptr;
    std::function<void()> on_cancel_;
  };

 private:
  std::atomic<bool> flag_{false};
  std::mutex mu_;
  std::vector<Guard*> guards_;
};

// The coordinator's running Submit and Compare calls, so that a shutdown can
// cancel them and wait until none uses the pool any more.
class RunningCalls {
 public:
  // Registers a call's Cancellation; one added after cancel_all_and_wait()
  // is cancelled at once.
  void add(Cancellation* cancel);
  void remove(Cancellation* cancel);
  // Cancels every running call and waits until each has been removed.
  void cancel_all_and_wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Cancellation*> running_;
  bool stopping_ = false;
};

}  // namespace gene::coordinator
