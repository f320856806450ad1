// Facts about this machine, read the way the kernel reports them.
#include "gene/machine_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "gene/job_runner.h"
#include "gene/vm.h"

#ifndef GENE_CXX_FLAGS
#define GENE_CXX_FLAGS ""
#endif

namespace gene::farm {

namespace {

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The value of the first "key : value" line of `path` whose key is one of
// `keys` (in order of preference), or "".
std::string proc_field(const char* path, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      size_t colon = line.find(':');
      if (colon != std::string::npos && trim(line.substr(0, colon)) == key) return trim(line.substr(colon + 1));
    }
  }
  return "";
}

std::string cpu_model() {
  // x86 says "model name"; ARM kernels use other keys or none.
  std::string m = proc_field("/proc/cpuinfo", {"model name", "Model", "Hardware", "cpu model", "Processor"});
  return m.empty() ? "unknown" : m;
}

uint64_t memory_bytes() {
  std::string kb = proc_field("/proc/meminfo", {"MemTotal"});  // "16318212 kB"
  try {
    return kb.empty() ? 0 : std::stoull(kb) * 1024;
  } catch (...) {
    return 0;
  }
}

}  // namespace

std::string this_host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "localhost";
  return buf;
}

v1::WorkerInfo describe_this_machine(const std::string& name, const std::map<std::string, std::string>& labels,
                                     uint32_t max_concurrent) {
  v1::WorkerInfo info;
  info.set_name(name);
  info.set_cpu_model(cpu_model());
  info.set_cores(std::thread::hardware_concurrency());
  info.set_memory_bytes(memory_bytes());
  utsname u{};
  if (uname(&u) == 0) {
    info.set_arch(u.machine);
    info.set_kernel(std::string(u.sysname) + " " + u.release);
  }
  BuildInfo build = build_info();
  v1::VmBuild* vm = info.mutable_vm();
  vm->set_version(build.version);
  vm->set_commit(build.commit);
  vm->set_compiler(build.compiler);
  vm->set_flags(trim(build.build_type + " " + GENE_CXX_FLAGS));
  auto& out = *info.mutable_labels();
  for (const auto& [k, v] : labels) out[k] = v;
  out["arch"] = info.arch();
  out["cpu_model"] = info.cpu_model();
  out["cores"] = std::to_string(info.cores());
  for (const auto& s : statistic_names()) info.add_statistic_names(s);
  info.set_max_concurrent(max_concurrent);
  return info;
}

}  // namespace gene::farm
