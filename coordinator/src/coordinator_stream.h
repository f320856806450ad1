// A coordinator call that streams its work's events (Submit, Compare): the
// work runs on the call's own thread under a Cancellation that the client
// going away raises, registered with the service's RunningCalls so that a
// shutdown can cancel it and wait for it.
#pragma once

#include <string>

#include "gene/coordinator/cancellation.h"
#include "gene/stream_reactor.h"

namespace gene::coordinator {

template <typename Event>
class CoordinatorStream : public gene::farm::StreamReactor<Event> {
 protected:
  explicit CoordinatorStream(RunningCalls& running) : running_(running) {}

  // The whole work, on the call's thread; the call's status.
  virtual grpc::Status run() = 0;

  // Starts run() on a thread of its own (`what` names the work in the
  // refusal when no thread can be had).
  void start_work(const std::string& what) {
    running_.add(&cancel_);
    const bool started = this->start_thread([this] {
      grpc::Status status = run();
      running_.remove(&cancel_);  // from here on, nothing uses the pool
      return status;
    });
    if (!started) {
      running_.remove(&cancel_);
      this->finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "no thread for the " + what));
    }
  }

  Cancellation cancel_;

 private:
  void cancel_work() final { cancel_.cancel(); }
  RunningCalls& running_;
};

}  // namespace gene::coordinator
