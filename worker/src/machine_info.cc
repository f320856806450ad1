// Facts about this machine and this build, read the way the kernel reports
// them (machine_facts.h) and the way the build recorded itself.
#include "gene/machine_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <fstream>
#include <memory>
#include <string>

#include "gene/job_runner.h"
#include "gene/vm.h"
#include "hardware_counters.h"
#include "machine_facts.h"

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

}  // namespace

std::string this_host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "localhost";
  return buf;
}

v1::VmBuild this_build() {
  BuildInfo build = build_info();
  v1::VmBuild vm;
  vm.set_version(build.version);
  vm.set_commit(build.commit);
  vm.set_compiler(build.compiler);
  vm.set_flags(build.flags);
  vm.set_dirty(build.dirty);
  vm.set_build_id(build.build_id);
  return vm;
}

std::string version_text(const std::string& program) { return gene::version_text(program); }

std::string commit_label(const v1::VmBuild& build) { return build.commit() + (build.dirty() ? "-dirty" : ""); }

v1::WorkerInfo describe_this_machine(const std::string& name, const std::map<std::string, std::string>& labels,
                                     uint32_t max_concurrent, const std::string& host_name) {
  v1::WorkerInfo info;
  info.set_name(name);
  info.set_cpu_model(cpu_model());
  MachineFacts facts = read_machine_facts("");
  info.set_cores(facts.cores);
  info.set_memory_bytes(facts.memory_bytes);
  utsname u{};
  if (uname(&u) == 0) {
    info.set_arch(u.machine);
    info.set_kernel(std::string(u.sysname) + " " + u.release);
  }
  *info.mutable_vm() = this_build();
  auto& out = *info.mutable_labels();
  for (const auto& [k, v] : labels) out[k] = v;
  out["arch"] = info.arch();
  out["cpu_model"] = info.cpu_model();
  out["cores"] = std::to_string(info.cores());
  out["host"] = host_name.empty() ? this_host_name() : host_name;
  out["vm_commit"] = commit_label(info.vm());
  out["vm_build_id"] = info.vm().build_id();
  for (const auto& s : statistic_names()) info.add_statistic_names(s);
  for (const auto& s : exact_statistic_names()) info.add_exact_statistic_names(s);
  info.set_max_concurrent(max_concurrent);
  info.set_hardware_counters(hardware_counters_status());
  return info;
}

std::string describe_text(const v1::WorkerInfo& info) {
  MachineFacts facts = read_machine_facts("");
  auto line = [](const std::string& key, const std::string& value) {
    std::string k = key + ":";
    return k + std::string(k.size() < 20 ? 20 - k.size() : 1, ' ') + value + "\n";
  };
  char memory[64];
  snprintf(memory, sizeof memory, "%.3g GiB", double(info.memory_bytes()) / double(uint64_t(1) << 30));
  const v1::VmBuild& vm = info.vm();
  std::string labels;
  for (const auto& [k, v] : std::map<std::string, std::string>(info.labels().begin(), info.labels().end()))
    labels += (labels.empty() ? "" : ", ") + k + "=" + v;
  std::string exact;
  for (const auto& s : info.exact_statistic_names()) exact += (exact.empty() ? "" : ", ") + s;
  std::string out;
  out += line("worker", info.name());
  out += line("cpu model", info.cpu_model());
  out += line("cores", std::to_string(info.cores()) + " (" + facts.cores_note + ")");
  out += line("memory", std::string(memory) + " (" + facts.memory_note + ")");
  out += line("arch", info.arch());
  out += line("kernel", info.kernel());
  out += line("vm build", vm.version() + ", commit " + commit_label(vm) + ", build id " + vm.build_id());
  out += line("compiler", vm.compiler());
  out += line("flags", vm.flags());
  out += line("labels", labels);
  out += line("max concurrent", std::to_string(info.max_concurrent()) + " job" + (info.max_concurrent() == 1 ? "" : "s"));
  out += line("hardware counters", info.hardware_counters());
  out += line("statistics", std::to_string(info.statistic_names_size()) + " names, " +
                                std::to_string(info.exact_statistic_names_size()) + " exact: " + exact);
  return out;
}

std::string describe_json(const v1::WorkerInfo& info) {
  // Deterministic serialization writes map entries sorted by key; the JSON is
  // printed from those bytes, so it keeps their order.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!info.SerializeToCodedStream(&coded)) return "";
  }
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver(google::protobuf::util::NewTypeResolverForDescriptorPool(
      "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool()));
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::BinaryToJsonString(resolver.get(), "type.googleapis.com/" + info.GetTypeName(), bytes,
                                                  &json, options)
           .ok())
    return "";
  return json;
}

}  // namespace gene::farm
