// This machine and this build as a WorkerInfo: what a worker's Describe
// answers and what local mode checks hardware selectors against. Kept in
// the job-runner library so the coordinator gets it without VM headers.
#pragma once

#include <map>
#include <string>

#include "farm.pb.h"

namespace gene::farm {

// Hardware (cpu model, cores, memory, arch, kernel), the VM build, the
// statistic names, and the labels: `labels` plus the implicit `arch`,
// `cpu_model` and `cores`, which win over labels of the same name.
// `name` and `max_concurrent` are filled in as given.
v1::WorkerInfo describe_this_machine(const std::string& name, const std::map<std::string, std::string>& labels,
                                     uint32_t max_concurrent);

// The host name (gethostname), the default worker name.
std::string this_host_name();

// Names of the labels every worker has without being told.
inline const char* const kImplicitLabels[] = {"arch", "cpu_model", "cores"};

}  // namespace gene::farm
