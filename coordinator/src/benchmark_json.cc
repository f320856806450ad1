#include "gene/coordinator/benchmark_json.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "gene/coordinator/noise.h"
#include "gene/report/benchmark_entries.h"
#include "gene/report/json_writer.h"

#ifndef GENE_VERSION
#define GENE_VERSION "0.0.0"
#endif
#ifndef GENE_BUILD_TYPE
#define GENE_BUILD_TYPE "release"
#endif

namespace gene::coordinator {

namespace {

// The VM build the jobs ran on (the workers', sorted by name): its commit,
// whether it was dirty and its build id, one value each when every worker
// ran one build, else the distinct values joined with ","; and the exact
// statistics (deterministic counts) the workers declare.
void write_build(report::JsonWriter& j, const v1::SuiteResult& result) {
  std::map<std::string, const v1::WorkerInfo*> workers;
  for (const auto& [name, info] : result.workers()) workers[name] = &info;
  std::vector<std::string> commits, ids, exact;
  bool dirty = false;
  auto add = [](std::vector<std::string>& list, const std::string& v) {
    if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
  };
  for (const auto& [name, w] : workers) {
    add(commits, w->vm().commit());
    add(ids, w->vm().build_id());
    dirty = dirty || w->vm().dirty();
    for (const auto& e : w->exact_statistic_names()) add(exact, e);
  }
  auto joined = [](const std::vector<std::string>& list, const char* none) {
    std::string s;
    for (const auto& v : list) s += (s.empty() ? "" : ",") + v;
    return s.empty() ? std::string(none) : s;
  };
  j.member("vm_commit", joined(commits, "unknown")).member_bool("dirty", dirty).member("build_id", joined(ids, ""));
  j.key("exact_statistics").begin_array();
  for (const auto& e : exact) j.string(e);
  j.end_array();
}

void write_context(report::JsonWriter& j, const v1::SuiteResult& result, const std::string& executable,
                   const report::HostContext& host, const RunRecord& record) {
  j.key("context").begin_object();
  report::write_context_members(j, host, executable, GENE_VERSION, GENE_BUILD_TYPE,
                                report::ArrayLayout::OnePerLine);

  j.member("suite", result.suite())
      .member_bool("all_targets_met", result.all_targets_met())
      .member_number("suite_seconds", result.suite_seconds());
  std::set<std::string> classes;
  for (const auto& job : result.jobs())
    if (!job.hardware().empty()) classes.insert(job.hardware());
  std::string hardware;
  for (const auto& c : classes) hardware += (hardware.empty() ? "" : ",") + c;
  j.member("hardware", hardware);
  write_build(j, result);
  j.member("store", record.store).key("run_id");
  if (record.run_id)
    j.integer(*record.run_id);
  else
    j.null();
  // Sorted by name so that two runs of a suite list workers alike.
  std::vector<std::string> names;
  for (const auto& [name, info] : result.workers()) names.push_back(name);
  std::sort(names.begin(), names.end());
  j.key("workers").begin_array();
  for (const auto& name : names) {
    const v1::WorkerInfo& w = result.workers().at(name);
    j.begin_object()
        .member("name", name)
        .member("hardware", hardware_class(w))
        .member("arch", w.arch())
        .member("cpu_model", w.cpu_model())
        .member_integer("cores", w.cores())
        .member_integer("memory_bytes", int64_t(w.memory_bytes()))
        .member("kernel", w.kernel())
        .member("vm_version", w.vm().version())
        .member("vm_commit", w.vm().commit())
        .member_bool("vm_dirty", w.vm().dirty())
        .member("vm_build_id", w.vm().build_id())
        .member("vm_compiler", w.vm().compiler())
        .member("vm_flags", w.vm().flags())
        .member_integer("max_concurrent", w.max_concurrent())
        .member("hardware_counters", w.hardware_counters());
    std::map<std::string, std::string> labels(w.labels().begin(), w.labels().end());
    j.key("labels").begin_object();
    for (const auto& [k, v] : labels) j.member(k, v);
    j.end_object();
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

}  // namespace

std::string benchmark_json(const v1::SuiteResult& result, const std::string& executable, const report::HostContext& host,
                           const RunRecord& record) {
  report::JsonWriter j;
  j.begin_object();
  write_context(j, result, executable, host, record);
  if (record.baseline) {
    j.member("baseline", *record.baseline);
    j.key("comparisons").begin_array();
    for (const auto& c : record.comparisons) write_comparison(j, c);
    j.end_array();
  }
  j.key("benchmarks").begin_array();

  std::map<std::string, int> family_of;      // benchmark name → family index
  std::map<std::string, int> next_instance;  // benchmark name → next instance index
  for (const auto& job : result.jobs()) {
    const std::string& bench = job.benchmark();
    const v1::JobResult& r = job.result();
    report::JobSamples samples;
    samples.name = job.job_name();
    samples.family_index = family_of.emplace(bench, int(family_of.size())).first->second;
    samples.per_family_instance_index = next_instance[bench]++;
    samples.label = r.value();
    if (r.status() != v1::JOB_STATUS_OK)
      samples.error = status_label(r.status()) + (r.error_message().empty() ? "" : ": " + r.error_message());
    // Statistic names in first-seen order; proto maps have no order, so each
    // repetition's are sorted to keep files stable.
    for (const auto& rep : r.repetitions()) {
      std::map<std::string, double> sorted(rep.statistics().begin(), rep.statistics().end());
      report::RepetitionSample sample{rep.wall_seconds(), rep.cpu_seconds(), std::max<uint32_t>(1, rep.iterations()), {}};
      for (const auto& [k, v] : sorted) {
        sample.statistics.emplace_back(k, v);
        if (std::find(samples.statistic_names.begin(), samples.statistic_names.end(), k) ==
            samples.statistic_names.end())
          samples.statistic_names.push_back(k);
      }
      samples.repetitions.push_back(std::move(sample));
    }

    const auto utilization = summarize(cpu_utilization(r));
    const v1::JobConditions& c = r.conditions();
    report::EntryExtras extras;
    extras.repetition = [&](report::JsonWriter& j, size_t i) {
      const v1::Repetition& rep = r.repetitions(int(i));
      j.member_number("cpu_utilization",
                      rep.wall_seconds() > 0 ? std::optional<double>(rep.cpu_seconds() / rep.wall_seconds())
                                             : std::nullopt)
          .member_integer("involuntary_context_switches", int64_t(rep.involuntary_context_switches()))
          .member_integer("voluntary_context_switches", int64_t(rep.voluntary_context_switches()));
    };
    extras.aggregate = [&](report::JsonWriter& j, report::Aggregate a) {
      j.member_number("cpu_utilization", report::aggregate_of(utilization, a));
      // What the job's numbers are worth: the same in each aggregate.
      j.member_bool("noisy", job.noisy());
      j.key("noise_reasons").begin_array();
      for (const auto& reason : job.noise_reasons())
        j.begin_object(true).member("kind", reason.kind()).member("text", reason.text()).end_object();
      j.end_array();
      j.member_number("min_time", r.calibration().min_time_seconds())
          .member_number("load_average", c.has_load_average() ? std::optional<double>(c.load_average()) : std::nullopt)
          .member_integer("jobs_beside", std::max(c.jobs_beside(), job.jobs_beside_on_host()));
    };
    report::write_job_entries(j, samples, extras);
  }
  j.end_array();
  j.end_object();
  return j.str();
}

}  // namespace gene::coordinator
