// What the calling thread has used so far: CPU time and context switches.
// A job runs on one thread, so differences between two readings taken on
// it are the job's own, even when other jobs share the process.
#pragma once

#include <cstdint>

namespace gene::farm {

struct ThreadUsage {
  double cpu_seconds = 0;               // CLOCK_THREAD_CPUTIME_ID: user + system
  uint64_t voluntary_switches = 0;      // the thread blocked (getrusage ru_nvcsw)
  uint64_t involuntary_switches = 0;    // the kernel gave its CPU to another task (ru_nivcsw)

  // The calling thread's usage now.
  static ThreadUsage now();
};

// CPU time of the calling thread, alone (cheaper than ThreadUsage::now()).
double thread_cpu_seconds();

}  // namespace gene::farm
