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

// The time now, local, ISO 8601 / RFC 3339 with the offset's colon:
// 2026-05-01T12:00:00+02:00 (Google Benchmark's context date).
std::string iso_date();

class JsonWriter;

// Writes the members every Google Benchmark "context" has (date, host,
// CPUs, caches, load average, library version and build type, schema
// version) into the context object the caller has opened; callers add
// their own members after these. `load_avg` goes on one line as Google
// Benchmark writes it, or one number per line (the coordinator's layout).
enum class ArrayLayout { OneLine, OnePerLine };
void write_context_members(JsonWriter& j, const HostContext& host, const std::string& executable,
                           const std::string& library_version, const std::string& build_type,
                           ArrayLayout load_avg_layout = ArrayLayout::OneLine);

}  // namespace gene::report
