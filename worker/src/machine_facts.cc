#include "machine_facts.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace gene::farm {

namespace {

// Bounds on what a list may name: a CPU list from a corrupt file must not
// make us allocate without end.
constexpr int kMaxCpu = 1 << 16;

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The value of the first "key:<space>value" line of `path` with this key.
std::optional<std::string> field(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon != std::string::npos && trim(line.substr(0, colon)) == key) return trim(line.substr(colon + 1));
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_u64(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19)
    return std::nullopt;
  return std::stoull(text);
}

std::string gib(uint64_t bytes) {
  std::ostringstream s;
  s.precision(3);
  s << double(bytes) / double(uint64_t(1) << 30) << " GiB";
  return s.str();
}

std::string cpu_list_text(const std::vector<int>& cpus) {
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out.append(1, '-').append(std::to_string(cpus[j]));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return trim(line);
}

std::vector<int> parse_cpu_list(const std::string& list) {
  std::set<int> cpus;
  std::stringstream ss(trim(list));
  std::string part;
  while (std::getline(ss, part, ',')) {
    part = trim(part);
    if (part.empty()) continue;
    size_t dash = part.find('-');
    auto lo = parse_u64(part.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : parse_u64(part.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi >= uint64_t(kMaxCpu)) return {};
    for (uint64_t c = *lo; c <= *hi; ++c) cpus.insert(int(c));
  }
  return {cpus.begin(), cpus.end()};
}

MachineFacts read_machine_facts(const std::string& root) {
  MachineFacts f;
  // The affinity mask as the kernel shows it (taskset, cpusets, Kubernetes'
  // static CPU manager all end up here).
  if (auto list = field(root + "/proc/self/status", "Cpus_allowed_list")) f.allowed_cpus = parse_cpu_list(*list);
  if (auto online = read_first_line(root + "/sys/devices/system/cpu/online"))
    f.online_cpus = uint32_t(parse_cpu_list(*online).size());
  f.cgroup = read_cgroup_limits(root);

  uint32_t affinity = uint32_t(f.allowed_cpus.size());
  if (affinity == 0) affinity = f.online_cpus;
  uint32_t cores = affinity;
  std::string affinity_text =
      f.allowed_cpus.empty() ? "affinity unknown" : "affinity " + cpu_list_text(f.allowed_cpus);
  std::string quota_text = "no cgroup CPU limit";
  if (f.cgroup.cpus) {
    auto quota = uint32_t(std::max(1.0, std::ceil(*f.cgroup.cpus - 1e-9)));
    std::ostringstream s;
    s << "cgroup CPU limit " << *f.cgroup.cpus;
    quota_text = s.str();
    if (cores == 0 || quota < cores) cores = quota;
  }
  f.cores = std::max<uint32_t>(1, cores);
  f.cores_note = affinity_text + ", " + quota_text;

  if (auto kb = field(root + "/proc/meminfo", "MemTotal")) {  // "16318212 kB"
    std::string digits = kb->substr(0, kb->find(' '));
    if (auto v = parse_u64(digits); v && *v < (uint64_t(1) << 53)) f.mem_total_bytes = *v * 1024;
  }
  f.memory_bytes = f.mem_total_bytes.value_or(0);
  std::string total_text = f.mem_total_bytes ? "MemTotal " + gib(*f.mem_total_bytes) : "MemTotal unknown";
  std::string limit_text = "no cgroup memory limit";
  if (f.cgroup.memory_bytes) {
    limit_text = "cgroup memory limit " + gib(*f.cgroup.memory_bytes);
    if (f.memory_bytes == 0 || *f.cgroup.memory_bytes < f.memory_bytes) f.memory_bytes = *f.cgroup.memory_bytes;
  }
  f.memory_note = total_text + ", " + limit_text;
  return f;
}

CpuFrequencyPolicy read_cpu_frequency_policy(const std::string& root, const std::vector<int>& cpus) {
  CpuFrequencyPolicy p;
  const std::string sys = root + "/sys/devices/system/cpu/";
  std::set<std::string> governors;
  for (int cpu : cpus)
    if (auto g = read_first_line(sys + "cpu" + std::to_string(cpu) + "/cpufreq/scaling_governor"); g && !g->empty())
      governors.insert(*g);
  for (const auto& g : governors) p.governor += (p.governor.empty() ? "" : ", ") + g;
  // acpi-cpufreq and amd-pstate: cpufreq/boost (1 = on); intel_pstate:
  // intel_pstate/no_turbo (1 = off).
  if (auto b = read_first_line(sys + "cpufreq/boost"); b && (*b == "0" || *b == "1")) {
    p.boost = *b == "1" ? "on" : "off";
  } else if (auto t = read_first_line(sys + "intel_pstate/no_turbo"); t && (*t == "0" || *t == "1")) {
    p.boost = *t == "1" ? "off" : "on";
  }
  return p;
}

}  // namespace gene::farm
