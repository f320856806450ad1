#include "gene/report/benchmark_entries.h"

#include <map>

namespace gene::report {

namespace {

// The entry's header, in Google Benchmark's order.
void begin_entry(JsonWriter& j, const JobSamples& job, const std::string& name, const char* run_type,
                 int64_t repetitions) {
  j.begin_object()
      .member("name", name)
      .member_integer("family_index", job.family_index)
      .member_integer("per_family_instance_index", job.per_family_instance_index)
      .member("run_name", job.name)
      .member("run_type", run_type)
      .member_integer("repetitions", repetitions);
}

void write_error(JsonWriter& j, const JobSamples& job) {
  if (job.error) j.member_bool("error_occurred", true).member("error_message", *job.error);
}

std::optional<double> statistic_of(const RepetitionSample& rep, const std::string& name) {
  for (const auto& [n, v] : rep.statistics)
    if (n == name) return v;
  return std::nullopt;
}

}  // namespace

std::optional<double> aggregate_of(const std::optional<Summary>& s, Aggregate a) {
  if (!s) return std::nullopt;
  switch (a) {
    case Aggregate::Mean: return s->mean;
    case Aggregate::Median: return s->median;
    case Aggregate::Stddev: return s->stddev;
    case Aggregate::Cv: return s->cv;
  }
  return std::nullopt;
}

void write_job_entries(JsonWriter& j, const JobSamples& job, const EntryExtras& extras) {
  const int64_t n = int64_t(job.repetitions.size());
  for (int64_t i = 0; i < n; ++i) {
    const RepetitionSample& rep = job.repetitions[size_t(i)];
    begin_entry(j, job, job.name, "iteration", n);
    j.member_integer("repetition_index", i)
        .member_integer("threads", 1)
        .member_integer("iterations", int64_t(rep.iterations))
        .member_number("real_time", rep.wall_seconds * 1e3)
        .member_number("cpu_time", rep.cpu_seconds * 1e3)
        .member("time_unit", "ms");
    write_error(j, job);
    for (const auto& name : job.statistic_names) j.member_number(name, statistic_of(rep, name));
    if (extras.repetition) extras.repetition(j, size_t(i));
    j.member("label", job.label).end_object();
  }
  if (job.error && n == 0) {
    begin_entry(j, job, job.name, "iteration", 1);
    j.member_integer("repetition_index", 0)
        .member_integer("threads", 1)
        .member_integer("iterations", 0)
        .member_number("real_time", 0.0)
        .member_number("cpu_time", 0.0)
        .member("time_unit", "ms");
    write_error(j, job);
    j.member("label", job.label).end_object();
  }
  if (job.error || n == 0) return;

  std::vector<double> wall, cpu;
  std::map<std::string, std::vector<double>> values;
  for (const auto& rep : job.repetitions) {
    wall.push_back(rep.wall_seconds * 1e3);
    cpu.push_back(rep.cpu_seconds * 1e3);
    for (const auto& [name, v] : rep.statistics)
      if (v) values[name].push_back(*v);
  }
  const auto wall_s = summarize(wall), cpu_s = summarize(cpu);
  std::map<std::string, std::optional<Summary>> statistic_s;
  for (const auto& name : job.statistic_names) statistic_s[name] = summarize(values[name]);
  const std::pair<Aggregate, const char*> kAggregates[] = {
      {Aggregate::Mean, "mean"}, {Aggregate::Median, "median"}, {Aggregate::Stddev, "stddev"}, {Aggregate::Cv, "cv"}};
  for (const auto& [a, a_name] : kAggregates) {
    begin_entry(j, job, job.name + "_" + a_name, "aggregate", n);
    j.member_integer("threads", 1)
        .member("aggregate_name", a_name)
        .member("aggregate_unit", a == Aggregate::Cv ? "percentage" : "time")
        .member_integer("iterations", n)
        .member_number("real_time", aggregate_of(wall_s, a))
        .member_number("cpu_time", aggregate_of(cpu_s, a))
        .member("time_unit", "ms");
    for (const auto& name : job.statistic_names) j.member_number(name, aggregate_of(statistic_s[name], a));
    if (extras.aggregate) extras.aggregate(j, a);
    j.member("label", job.label).end_object();
  }
}

}  // namespace gene::report
