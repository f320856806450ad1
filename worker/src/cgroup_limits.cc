// The CPU and memory limits of this process's cgroups, cgroup v2 or v1
// (hybrid systems mount both: every controller found counts). Where the
// hierarchy is mounted comes from /proc/self/mountinfo and the process's
// place in it from /proc/self/cgroup; a limit set on any ancestor binds
// too, so the tightest one on the way up to the mount wins.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "machine_facts.h"

namespace gene::farm {

namespace {

// Values this large mean "no limit" (v1 writes PAGE_COUNTER_MAX pages as bytes).
constexpr uint64_t kUnlimited = uint64_t(1) << 60;
// Bound on the lines read from /proc files (a container cannot have more mounts that matter).
constexpr int kMaxLines = 4096;

struct Mount {
  std::string root;        // the cgroup path this mount shows at its mount point
  std::string mountpoint;  // where, under the root directory
  bool v2 = false;
  std::vector<std::string> controllers;  // v1 only
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, sep)) out.push_back(part);
  return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto digit = [&](size_t k) { return s[k] >= '0' && s[k] <= '7'; };
    if (s[i] == '\\' && i + 3 < s.size() && digit(i + 1) && digit(i + 2) && digit(i + 3)) {
      out += char((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<Mount> cgroup_mounts(const std::string& root) {
  std::vector<Mount> mounts;
  std::ifstream in(root + "/proc/self/mountinfo");
  std::string line;
  for (int n = 0; n < kMaxLines && std::getline(in, line); ++n) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream before(line.substr(0, dash)), after(line.substr(dash + 3));
    std::string id, parent, dev, mroot, point, fstype, source, super;
    if (!(before >> id >> parent >> dev >> mroot >> point) || !(after >> fstype >> source >> super)) continue;
    Mount m;
    m.root = unescape(mroot);
    m.mountpoint = root + unescape(point);
    if (fstype == "cgroup2") {
      m.v2 = true;
    } else if (fstype == "cgroup") {
      m.controllers = split(super, ',');
    } else {
      continue;
    }
    mounts.push_back(std::move(m));
  }
  return mounts;
}

// /proc/self/cgroup: "0::/path" (v2) and "N:cpu,cpuacct:/path" (v1).
struct Membership {
  std::string v2_path;
  bool has_v2 = false;
  std::vector<std::pair<std::vector<std::string>, std::string>> v1;  // controllers → path
};

Membership membership(const std::string& root) {
  Membership m;
  std::ifstream in(root + "/proc/self/cgroup");
  std::string line;
  for (int n = 0; n < kMaxLines && std::getline(in, line); ++n) {
    size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.substr(0, a) == "0" && controllers.empty()) {
      m.v2_path = path, m.has_v2 = true;
    } else {
      m.v1.emplace_back(split(controllers, ','), path);
    }
  }
  return m;
}

// The directories from the process's cgroup up to the mount point.
std::vector<std::string> cgroup_dirs(const Mount& mount, const std::string& path) {
  std::string relative;
  if (mount.root == "/" || path.rfind(mount.root, 0) == 0) relative = path.substr(mount.root == "/" ? 0 : mount.root.size());
  // Otherwise the mount shows some other part of the hierarchy (a container
  // without a cgroup namespace): its mount point is the closest we can read.
  std::vector<std::string> dirs;
  std::vector<std::string> parts;
  for (const auto& p : split(relative, '/'))
    if (!p.empty() && p != "." && p != "..") parts.push_back(p);
  for (size_t depth = parts.size() + 1; depth-- > 0;) {
    std::string dir = mount.mountpoint;
    for (size_t i = 0; i < depth; ++i) dir += "/" + parts[i];
    dirs.push_back(dir);
  }
  return dirs;
}

std::optional<std::string> first_line(const std::string& path) { return read_first_line(path); }

std::optional<long double> number(const std::string& text) {
  if (text.empty() || text.size() > 24) return std::nullopt;
  size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size() || text.find_first_not_of("0123456789", i) != std::string::npos) return std::nullopt;
  return std::stold(text);
}

void tighten(std::optional<double>& limit, double value) {
  if (!limit || value < *limit) limit = value;
}
void tighten(std::optional<uint64_t>& limit, uint64_t value) {
  if (!limit || value < *limit) limit = value;
}

// cpu.max: "max 100000" (no limit) or "QUOTA PERIOD".
std::optional<double> v2_cpus(const std::string& dir) {
  auto line = first_line(dir + "/cpu.max");
  if (!line) return std::nullopt;
  std::istringstream in(*line);
  std::string quota, period;
  if (!(in >> quota >> period) || quota == "max") return std::nullopt;
  auto q = number(quota), p = number(period);
  if (!q || !p || *q <= 0 || *p <= 0) return std::nullopt;
  return double(*q / *p);
}

std::optional<uint64_t> v2_memory(const std::string& dir) {
  auto line = first_line(dir + "/memory.max");
  if (!line || *line == "max") return std::nullopt;
  auto v = number(*line);
  if (!v || *v <= 0 || *v >= (long double)kUnlimited) return std::nullopt;
  return uint64_t(*v);
}

// cpu.cfs_quota_us: -1 (no limit) or microseconds per cpu.cfs_period_us.
std::optional<double> v1_cpus(const std::string& dir) {
  auto quota = first_line(dir + "/cpu.cfs_quota_us"), period = first_line(dir + "/cpu.cfs_period_us");
  if (!quota || !period) return std::nullopt;
  auto q = number(*quota), p = number(*period);
  if (!q || !p || *q <= 0 || *p <= 0) return std::nullopt;
  return double(*q / *p);
}

std::optional<uint64_t> v1_memory(const std::string& dir) {
  auto line = first_line(dir + "/memory.limit_in_bytes");
  if (!line) return std::nullopt;
  auto v = number(*line);
  if (!v || *v <= 0 || *v >= (long double)kUnlimited) return std::nullopt;
  return uint64_t(*v);
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

CgroupLimits read_cgroup_limits(const std::string& root) {
  CgroupLimits limits;
  const Membership member = membership(root);
  for (const Mount& mount : cgroup_mounts(root)) {
    if (mount.v2) {
      if (!member.has_v2) continue;
      for (const auto& dir : cgroup_dirs(mount, member.v2_path)) {
        if (auto c = v2_cpus(dir)) tighten(limits.cpus, *c);
        if (auto m = v2_memory(dir)) tighten(limits.memory_bytes, *m);
      }
      continue;
    }
    for (const auto& [controllers, path] : member.v1) {
      bool cpu = has(controllers, "cpu") && has(mount.controllers, "cpu");
      bool memory = has(controllers, "memory") && has(mount.controllers, "memory");
      if (!cpu && !memory) continue;
      for (const auto& dir : cgroup_dirs(mount, path)) {
        if (cpu)
          if (auto c = v1_cpus(dir)) tighten(limits.cpus, *c);
        if (memory)
          if (auto m = v1_memory(dir)) tighten(limits.memory_bytes, *m);
      }
    }
  }
  return limits;
}

}  // namespace gene::farm
