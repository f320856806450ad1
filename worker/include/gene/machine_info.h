// This machine and this build as a WorkerInfo: what a worker's Describe
// answers and what local mode checks hardware selectors against. Kept in
// the job-runner library so the coordinator gets it without VM headers.
#pragma once

#include <map>
#include <string>

#include "farm.pb.h"

namespace gene::farm {

// Hardware (cpu model, cores and memory as this process may use them,
// arch, kernel), the VM build, the statistic names (and which are exact),
// whether hardware counters work, and the labels: `labels` plus the
// implicit ones (kImplicitLabels), which are always present. `host_name`
// "" means this machine's host name. `name` and `max_concurrent` are
// filled in as given.
v1::WorkerInfo describe_this_machine(const std::string& name, const std::map<std::string, std::string>& labels,
                                     uint32_t max_concurrent, const std::string& host_name = "");

// The host name (gethostname), the default worker name.
std::string this_host_name();

// The build of this tree's binaries (version, commit, dirty, build id,
// compiler, flags), as Describe reports it.
v1::VmBuild this_build();

// `--version` text of `program` (one of this tree's binaries): its name
// and version, then commit ("-dirty" appended), build id, compiler, flags.
std::string version_text(const std::string& program);

// The `vm_commit` label of a build: its commit, "-dirty" appended when dirty.
std::string commit_label(const v1::VmBuild& build);

// `worker --describe`: a WorkerInfo in words, one fact per line.
std::string describe_text(const v1::WorkerInfo& info);

// `worker --describe --json`: the WorkerInfo as protobuf JSON, its labels in
// key order (a protobuf map's own order changes from one run to the next).
// Empty if protobuf cannot print it.
std::string describe_json(const v1::WorkerInfo& info);

// Names of the labels every worker has without being told.
inline const char* const kImplicitLabels[] = {"arch", "cpu_model", "cores", "host", "vm_commit", "vm_build_id"};

}  // namespace gene::farm
