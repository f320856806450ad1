// What Google Benchmark reports about the machine in a JSON "context":
// date, host name, CPUs, clock, frequency scaling, caches, load average.
// Read from Linux's /proc and /sys; anything unreadable is left empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gene::report {

struct CacheInfo {
  std::string type;  // Data, Instruction, Unified
  int level = 0;
  int64_t size = 0;  // bytes
  int num_sharing = 0;
};

struct HostContext {
  std::string date;  // local time, ISO 8601 with offset: 2026-05-01T12:00:00+02:00
  std::string host_name;
  int num_cpus = 0;
  double mhz_per_cpu = 0;
  bool cpu_scaling_enabled = false;
  std::vector<CacheInfo> caches;  // cpu0's, from /sys/devices/system/cpu/cpu0/cache/index*/
  std::vector<double> load_avg;   // 1, 5 and 15 minutes
};

HostContext collect_host_context();

}  // namespace gene::report
