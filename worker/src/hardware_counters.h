// The job thread's hardware counts, from the kernel's perf events
// (perf_event_open): instructions retired, cycles, branch misses and cache
// misses, user space only. Where the kernel refuses them (no PMU in a
// virtual machine, perf_event_paranoid, a seccomp profile) they are simply
// absent, and hardware_counters_status() says why.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gene::farm {

// The statistic names of the counts, in order.
inline const char* const kHardwareCountNames[] = {"cpu_instructions", "cpu_cycles", "cpu_branch_misses",
                                                  "cpu_cache_misses"};

// Counters of the thread that constructs the object; use it on that thread
// only. Each count is its own event, so one the CPU lacks does not take
// the others with it.
class HardwareCounters {
 public:
  HardwareCounters();
  ~HardwareCounters();
  HardwareCounters(const HardwareCounters&) = delete;
  HardwareCounters& operator=(const HardwareCounters&) = delete;

  // Whether any counter opened.
  bool available() const;
  // Zeroes and starts every counter.
  void start();
  // Stops them and returns each count since start() (scaled up when the
  // kernel had to share the PMU between events); counts that never ran
  // are left out.
  std::vector<std::pair<std::string, double>> stop();

  // "available: ..." or "unavailable: ..." (see hardware_counters_status()).
  const std::string& status() const { return status_; }

 private:
  int fds_[4] = {-1, -1, -1, -1};
  std::string status_;
};

// What this worker can count, for Describe: "available: cpu_instructions,
// cpu_cycles, ..." (with the reason for any missing one), or "unavailable:
// perf_event_open(cpu_instructions): ENOENT (No such file or directory):
// <what that means here>".
std::string hardware_counters_status();

// What an errno from perf_event_open means, in words a user can act on.
std::string explain_perf_error(int error);

}  // namespace gene::farm
