// Work spread over threads: a suite's jobs and a comparison's jobs both
// take the next job from a shared counter on as many threads as their
// workers allow.
#pragma once

#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace gene::coordinator {

// Runs `work` on `threads` threads at once (on this one when 1 or 0) and
// returns when every one has returned.
inline void run_on_threads(size_t threads, const std::function<void()>& work) {
  if (threads <= 1) {
    work();
    return;
  }
  std::vector<std::thread> pool;
  for (size_t i = 0; i < threads; ++i) pool.emplace_back(work);
  for (auto& t : pool) t.join();
}

}  // namespace gene::coordinator
