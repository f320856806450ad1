#include "thread_usage.h"

#include <sys/resource.h>
#include <time.h>

namespace gene::farm {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

ThreadUsage ThreadUsage::now() {
  ThreadUsage u;
  u.cpu_seconds = thread_cpu_seconds();
  rusage ru{};
  if (getrusage(RUSAGE_THREAD, &ru) == 0) {
    u.voluntary_switches = uint64_t(ru.ru_nvcsw);
    u.involuntary_switches = uint64_t(ru.ru_nivcsw);
  }
  return u;
}

}  // namespace gene::farm
