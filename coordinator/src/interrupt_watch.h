// Ctrl-C and termination for a command that owns child processes and
// calls in flight: SIGINT, SIGTERM and SIGHUP are blocked in every thread
// and taken by one watcher thread, which raises a Cancellation; the
// command then stops its rounds, its calls and its children cleanly. A
// second signal exits at once (children die with this process).
#pragma once

#include <atomic>
#include <csignal>
#include <thread>

#include "gene/coordinator/cancellation.h"

namespace gene::coordinator {

class InterruptWatch {
 public:
  // Construct first, in the main thread, before any other thread exists:
  // threads inherit the blocked mask.
  explicit InterruptWatch(Cancellation& cancel);
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  // The first signal taken, 0 for none.
  int signal() const { return signal_.load(); }

 private:
  Cancellation& cancel_;
  sigset_t signals_{}, old_mask_{};
  std::atomic<int> signal_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gene::coordinator
