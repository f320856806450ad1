#include "gene/report/host_context.h"

#include <cctype>

#include "gene/report/json_writer.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace gene::report {

namespace {

// The first line of a small /sys or /proc file, without the newline; "" if unreadable.
std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

// "32K" → 32768; "8192K", "1M" likewise; plain numbers are bytes.
int64_t parse_cache_size(const std::string& text) {
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str()) return 0;
  switch (*end) {
    case 'K': return v * 1024;
    case 'M': return v * 1024 * 1024;
    case 'G': return v * 1024LL * 1024 * 1024;
    default: return v;
  }
}

// Number of CPUs in a list like "0-1,4,6-7".
int count_cpu_list(const std::string& list) {
  int count = 0;
  std::stringstream ss(list);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty()) continue;
    size_t dash = part.find('-');
    if (dash == std::string::npos) {
      ++count;
    } else {
      int lo = std::atoi(part.substr(0, dash).c_str()), hi = std::atoi(part.substr(dash + 1).c_str());
      if (hi >= lo) count += hi - lo + 1;
    }
  }
  return count;
}

double cpu_mhz() {
  std::string khz = read_line("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
  if (!khz.empty()) return std::round(std::atof(khz.c_str()) / 1000.0);
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu MHz", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return std::round(std::atof(line.c_str() + colon + 1));
    }
  }
  return 0;
}

bool scaling_enabled(int num_cpus) {
  for (int cpu = 0; cpu < num_cpus; ++cpu) {
    std::string g =
        read_line("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq/scaling_governor");
    if (!g.empty() && g != "performance") return true;
  }
  return false;
}

}  // namespace

std::string iso_date() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char date[32], zone[8];  // %z writes +0200; RFC 3339 wants +02:00
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
  if (std::strftime(zone, sizeof zone, "%z", &local) != 5) return date;
  std::string s = date;
  s.append(zone, 3).append(":").append(zone + 3, 2);
  return s;
}

HostContext collect_host_context() {
  HostContext h;
  h.date = iso_date();
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) h.host_name = name;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  h.num_cpus = n > 0 ? int(n) : 1;
  h.mhz_per_cpu = cpu_mhz();
  h.cpu_scaling_enabled = scaling_enabled(h.num_cpus);
  for (int i = 0;; ++i) {
    std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::string type = read_line(dir + "type");
    if (type.empty()) break;
    CacheInfo c;
    c.type = type;
    c.level = std::atoi(read_line(dir + "level").c_str());
    c.size = parse_cache_size(read_line(dir + "size"));
    c.num_sharing = count_cpu_list(read_line(dir + "shared_cpu_list"));
    h.caches.push_back(c);
  }
  double load[3];
  if (getloadavg(load, 3) == 3) h.load_avg.assign(load, load + 3);
  return h;
}

void write_context_members(JsonWriter& j, const HostContext& host, const std::string& executable,
                           const std::string& library_version, const std::string& build_type,
                           ArrayLayout load_avg_layout) {
  std::string lower = build_type;  // Google Benchmark writes "release", "debug"
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  j.member("date", host.date)
      .member("host_name", host.host_name)
      .member("executable", executable)
      .member_integer("num_cpus", host.num_cpus)
      .member_number("mhz_per_cpu", host.mhz_per_cpu)
      .member_bool("cpu_scaling_enabled", host.cpu_scaling_enabled);
  j.key("caches").begin_array();
  for (const auto& c : host.caches)
    j.begin_object()
        .member("type", c.type)
        .member_integer("level", c.level)
        .member_integer("size", c.size)
        .member_integer("num_sharing", c.num_sharing)
        .end_object();
  j.end_array();
  if (load_avg_layout == ArrayLayout::OneLine) {
    j.key("load_avg").inline_array(host.load_avg);
  } else {
    j.key("load_avg").begin_array();
    for (double l : host.load_avg) j.number(l);
    j.end_array();
  }
  j.member("library_version", library_version)
      .member("library_build_type", lower)
      .member_integer("json_schema_version", 1);
}

}  // namespace gene::report
