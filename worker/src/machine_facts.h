// Facts about the machine as this process may use it, read from /proc and
// /sys under a root directory ("" for the real ones), so that tests feed
// fake trees. Inside a container or under `taskset` the true answers are
// the process's share, not the host's: cores come from the affinity mask
// and the cgroup CPU quota, memory from the cgroup memory limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gene::farm {

// Limits the process's cgroups set (cgroup v2, or v1 controllers), the
// tightest along the path to the hierarchy's root; nullopt where none is.
struct CgroupLimits {
  std::optional<double> cpus;           // quota / period: 1.5 = one and a half CPUs
  std::optional<uint64_t> memory_bytes;
};
CgroupLimits read_cgroup_limits(const std::string& root);

struct MachineFacts {
  uint32_t cores = 1;         // min(affinity CPUs, ceil(cgroup CPUs)), at least 1
  uint64_t memory_bytes = 0;  // min(MemTotal, cgroup memory limit); 0 when unknown
  std::vector<int> allowed_cpus;  // the affinity mask's CPUs (empty when unknown)
  uint32_t online_cpus = 0;       // CPUs online on the machine (0 when unknown)
  std::optional<uint64_t> mem_total_bytes;
  CgroupLimits cgroup;
  // How `cores` and `memory_bytes` were found, for `worker --describe`:
  // "2 (affinity 0-1, no cgroup CPU limit)".
  std::string cores_note, memory_note;
};
MachineFacts read_machine_facts(const std::string& root);

// The cpufreq governor of `cpus` ("performance"; "powersave, schedutil"
// when they differ) and the boost (turbo) state ("on"/"off"); "" where
// /sys does not show them.
struct CpuFrequencyPolicy {
  std::string governor, boost;
};
CpuFrequencyPolicy read_cpu_frequency_policy(const std::string& root, const std::vector<int>& cpus);

// CPUs in a kernel CPU list such as "0-3,8,10-11"; empty when malformed.
std::vector<int> parse_cpu_list(const std::string& list);

// The first line of a small file, without its newline; nullopt if unreadable.
std::optional<std::string> read_first_line(const std::string& path);

}  // namespace gene::farm
