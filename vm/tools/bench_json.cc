#include "bench_json.h"

#include <map>
#include <optional>

#include "gene/vm.h"
#include "gene/report/json_writer.h"
#include "sample_summary.h"

namespace gene::cli {

namespace {

enum class Aggregate { Mean, Median, Stddev, Cv };

std::optional<double> aggregate(const Summary& s, Aggregate a) {
  switch (a) {
    case Aggregate::Mean: return s.mean;
    case Aggregate::Median: return s.median;
    case Aggregate::Stddev: return s.stddev;
    case Aggregate::Cv: return s.cv;
  }
  return std::nullopt;
}

// The entry's header, as Google Benchmark orders it.
void begin_entry(report::JsonWriter& j, const std::string& name, const std::string& run_name, const char* run_type,
                 size_t repetitions) {
  j.begin_object()
      .member("name", name)
      .member_integer("family_index", 0)
      .member_integer("per_family_instance_index", 0)
      .member("run_name", run_name)
      .member("run_type", run_type)
      .member_integer("repetitions", int64_t(repetitions));
}

void write_context(report::JsonWriter& j, const report::HostContext& host, const std::string& executable) {
  auto info = gene::build_info();
  j.key("context").begin_object();
  report::write_context_members(j, host, executable, info.version, info.build_type);
  j.member("gene_commit", info.commit);
  j.end_object();
}

}  // namespace

std::string bench_json(const BenchRun& run, const report::HostContext& host, const std::string& executable) {
  const size_t n = run.repetitions.size();
  report::JsonWriter j;
  j.begin_object();
  write_context(j, host, executable);
  j.key("benchmarks").begin_array();

  // Statistic names in first-seen order, and each one's values per repetition.
  std::vector<std::string> names;
  std::map<std::string, std::vector<std::optional<double>>> values;
  for (auto& rep : run.repetitions)
    for (auto& [name, v] : rep.stats) {
      auto [it, fresh] = values.try_emplace(name);
      if (fresh) names.push_back(name);
      it->second.push_back(v);
    }

  for (size_t i = 0; i < n; ++i) {
    const Repetition& rep = run.repetitions[i];
    begin_entry(j, run.name, run.name, "iteration", n);
    j.member_integer("repetition_index", int64_t(i))
        .member_integer("threads", 1)
        .member_integer("iterations", 1)
        .member_number("real_time", rep.wall_seconds * 1e3)
        .member_number("cpu_time", rep.cpu_seconds * 1e3)
        .member("time_unit", "ms");
    for (auto& [name, v] : rep.stats) j.member_number(name, v);
    j.member("label", run.value).end_object();
  }

  std::vector<double> wall, cpu;
  for (auto& rep : run.repetitions) {
    wall.push_back(rep.wall_seconds * 1e3);
    cpu.push_back(rep.cpu_seconds * 1e3);
  }
  Summary wall_s = summarize(wall), cpu_s = summarize(cpu);
  std::map<std::string, std::optional<Summary>> stat_s;
  for (auto& name : names) {
    std::vector<double> present;
    for (auto& v : values[name])
      if (v) present.push_back(*v);
    if (!present.empty()) stat_s[name] = summarize(present);
  }
  const std::pair<Aggregate, const char*> kAggregates[] = {
      {Aggregate::Mean, "mean"}, {Aggregate::Median, "median"}, {Aggregate::Stddev, "stddev"}, {Aggregate::Cv, "cv"}};
  for (auto& [agg, agg_name] : kAggregates) {
    begin_entry(j, run.name + "_" + agg_name, run.name, "aggregate", n);
    j.member_integer("threads", 1)
        .member("aggregate_name", agg_name)
        .member("aggregate_unit", agg == Aggregate::Cv ? "percentage" : "time")
        .member_integer("iterations", int64_t(n))
        .member_number("real_time", aggregate(wall_s, agg))
        .member_number("cpu_time", aggregate(cpu_s, agg))
        .member("time_unit", "ms");
    for (auto& name : names) {
      auto& s = stat_s[name];
      j.member_number(name, s ? aggregate(*s, agg) : std::nullopt);
    }
    j.member("label", run.value).end_object();
  }
  j.end_array();
  j.end_object();
  return j.str();
}

}  // namespace gene::cli
