// A server stream fed by a thread of its own (gRPC's callback API), the one
// home of the worker's RunJob and the coordinator's Submit and Compare
// calls: their work (a job, a suite, a comparison) takes minutes and must
// not hold a gRPC thread. Events are written in order, one write in flight
// at a time as gRPC requires, and the call ends with the work's status once
// the events queued before it are written. The client going away (OnCancel:
// a cancelled call, a passed deadline, a server shutting down) or a write
// that fails calls cancel_work() at once, with no thread polling for it.
//
// Ownership: gRPC holds the reactor until OnDone, the work thread until it
// has finished the call; whichever lets go last deletes it.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

namespace gene::farm {

template <typename Event>
class StreamReactor : public grpc::ServerWriteReactor<Event> {
 public:
  void OnWriteDone(bool ok) final {
    std::unique_lock lock(mu_);
    writing_ = false;
    if (!ok) {  // the stream broke: nobody reads any more
      finishing_ = true;
      pending_.clear();
      lock.unlock();
      cancel_work();
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
      return;
    }
    write_next(lock);
  }
  void OnCancel() final { cancel_work(); }
  void OnDone() final { unref(); }

 protected:
  StreamReactor() = default;
  virtual ~StreamReactor() = default;

  // Stops the work: the client is gone. Called on gRPC's threads, so it
  // must not block (raise a flag, cancel calls).
  virtual void cancel_work() = 0;

  // Runs `work` on a thread of its own and ends the call with the status it
  // returns; `after` runs last on that thread, when the reactor may already
  // be gone. False when no thread could be had: the caller then ends the
  // call itself (finish()).
  bool start_thread(std::function<grpc::Status()> work, std::function<void()> after = {}) {
    refs_.fetch_add(1);
    try {
      std::thread([this, work = std::move(work), after = std::move(after)] {
        finish(work());
        unref();  // may delete this
        if (after) after();
      }).detach();
      return true;
    } catch (const std::system_error&) {
      refs_.fetch_sub(1);
      return false;
    }
  }

  // Queues `event` for the client, unless `max_unsent` events already wait
  // (progress that a client reading slowly can do without: it must not make
  // the server hold every event twice). Nothing is queued once the call is
  // ending.
  void send(const Event& event, size_t max_unsent = std::numeric_limits<size_t>::max()) {
    std::unique_lock lock(mu_);
    if (finishing_ || final_status_ || pending_.size() >= max_unsent) return;
    pending_.push_back(event);
    write_next(lock);
  }

  // Ends the call with `status` once the queued events are written; an
  // error ends it without them. The first call counts; later ones do not.
  void finish(const grpc::Status& status) {
    std::unique_lock lock(mu_);
    if (finishing_ || final_status_) return;
    final_status_ = status;
    if (!status.ok()) pending_.clear();
    write_next(lock);
  }

 private:
  // Starts the next write, or ends the call once the last is written.
  // Releases `lock` before calling into gRPC.
  void write_next(std::unique_lock<std::mutex>& lock) {
    if (writing_ || finishing_) return;
    if (!pending_.empty()) {
      writing_ = true;
      writing_event_ = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      this->StartWrite(&writing_event_);
    } else if (final_status_) {
      finishing_ = true;
      const grpc::Status status = *final_status_;
      lock.unlock();
      this->Finish(status);
    }
  }

  void unref() {
    if (refs_.fetch_sub(1) == 1) delete this;
  }

  std::atomic<int> refs_{1};  // gRPC's, until OnDone
  std::mutex mu_;
  std::deque<Event> pending_;
  Event writing_event_;  // must live until OnWriteDone
  bool writing_ = false;
  std::optional<grpc::Status> final_status_;  // the work is done: finish after the last write
  bool finishing_ = false;                    // Finish() called: nothing more may be written
};

// A call refused before any event: it only carries a status.
template <typename Event>
class RefusedStream final : public grpc::ServerWriteReactor<Event> {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace gene::farm
