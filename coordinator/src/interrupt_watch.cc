#include "interrupt_watch.h"

#include <pthread.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

namespace gene::coordinator {

InterruptWatch::InterruptWatch(Cancellation& cancel) : cancel_(cancel) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_, &old_mask_);
  thread_ = std::thread([this] {
    const timespec tick{0, 100'000'000};
    while (!stop_.load()) {
      const int sig = sigtimedwait(&signals_, nullptr, &tick);
      if (sig <= 0) continue;
      int none = 0;
      if (signal_.compare_exchange_strong(none, sig)) {
        const char* name = sig == SIGINT ? "interrupted" : sig == SIGTERM ? "terminated" : "hung up";
        char line[160];
        int n = std::snprintf(line, sizeof line,
                              "\n%s: stopping the rounds and the workers (again to quit at once)\n", name);
        if (n > 0) {
          ssize_t ignored = write(2, line, size_t(n));
          (void)ignored;
        }
        cancel_.cancel();
      } else {
        _exit(128 + sig);  // children started with a death signal go with us
      }
    }
  });
}

InterruptWatch::~InterruptWatch() {
  stop_.store(true);
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace gene::coordinator
