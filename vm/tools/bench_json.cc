#include "bench_json.h"

#include <algorithm>

#include "gene/report/benchmark_entries.h"
#include "gene/report/json_writer.h"
#include "gene/vm.h"

namespace gene::cli {

namespace {

void write_context(report::JsonWriter& j, const report::HostContext& host, const std::string& executable) {
  auto info = gene::build_info();
  j.key("context").begin_object();
  report::write_context_members(j, host, executable, info.version, info.build_type);
  j.member("gene_commit", info.commit);
  j.end_object();
}

}  // namespace

report::JobSamples bench_samples(const BenchRun& run) {
  report::JobSamples job;
  job.name = run.name;
  job.label = run.value;
  for (const auto& rep : run.repetitions) {
    report::RepetitionSample sample{rep.wall_seconds, rep.cpu_seconds, 1, rep.stats};
    for (const auto& [name, v] : rep.stats)  // names in first-seen order
      if (std::find(job.statistic_names.begin(), job.statistic_names.end(), name) == job.statistic_names.end())
        job.statistic_names.push_back(name);
    job.repetitions.push_back(std::move(sample));
  }
  return job;
}

std::string bench_json(const BenchRun& run, const report::HostContext& host, const std::string& executable) {
  report::JsonWriter j;
  j.begin_object();
  write_context(j, host, executable);
  j.key("benchmarks").begin_array();
  report::write_job_entries(j, bench_samples(run));
  j.end_array();
  j.end_object();
  return j.str();
}

}  // namespace gene::cli
