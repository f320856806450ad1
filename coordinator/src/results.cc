#include "gene/coordinator/results.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

namespace gene::coordinator {

std::vector<double> statistic_values(const v1::JobResult& result, const std::string& statistic) {
  std::vector<double> out;
  for (const auto& rep : result.repetitions()) {
    auto it = rep.statistics().find(statistic);
    if (it != rep.statistics().end() && std::isfinite(it->second)) out.push_back(it->second);
  }
  return out;
}

std::vector<double> wall_seconds(const v1::JobResult& result) {
  std::vector<double> out;
  for (const auto& rep : result.repetitions()) out.push_back(rep.wall_seconds());
  return out;
}

std::vector<double> cpu_seconds(const v1::JobResult& result) {
  std::vector<double> out;
  for (const auto& rep : result.repetitions()) out.push_back(rep.cpu_seconds());
  return out;
}

std::string hardware_class(const v1::WorkerInfo& worker) {
  auto it = worker.labels().find("class");
  if (it != worker.labels().end() && !it->second.empty()) return it->second;
  return worker.arch().empty() ? "unknown" : worker.arch();
}

v1::JobOutcome judge_job(const Suite& suite, const Job& job, v1::JobResult result, const std::string& hardware,
                         uint32_t attempts) {
  const Benchmark& bench = suite.benchmarks.at(job.benchmark);
  v1::JobOutcome out;
  out.set_job_name(job.name);
  out.set_benchmark(bench.name);
  for (const auto& p : job.params) {
    v1::JobParam* jp = out.add_params();
    jp->set_name(p.name);
    *jp->mutable_typed() = p.value;
  }
  out.set_hardware(hardware);
  out.set_attempts(attempts);

  // Medians of every statistic any repetition reported.
  std::vector<std::string> names;
  for (const auto& rep : result.repetitions())
    for (const auto& [name, value] : rep.statistics())
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  auto& medians = *out.mutable_median_statistics();
  for (const auto& name : names)
    if (auto s = summarize(statistic_values(result, name))) medians[name] = s->median;

  const bool ok = result.status() == v1::JOB_STATUS_OK;
  for (const Target& t : bench.targets) {
    v1::TargetVerdict* v = out.add_targets();
    v->set_statistic(t.statistic);
    v->set_op(t.op);
    v->set_threshold(t.threshold);
    auto it = medians.find(t.statistic);
    if (it != medians.end()) v->set_value(it->second);
    if (!ok || it == medians.end())
      v->set_outcome(v1::TARGET_OUTCOME_NOT_APPLICABLE);
    else
      v->set_outcome(t.holds(it->second) ? v1::TARGET_OUTCOME_MET : v1::TARGET_OUTCOME_MISSED);
  }
  *out.mutable_result() = std::move(result);
  return out;
}

void judge_suite(v1::SuiteResult& result) {
  bool all = true;
  for (const auto& job : result.jobs()) {
    if (job.result().status() != v1::JOB_STATUS_OK) all = false;
    for (const auto& t : job.targets())
      if (t.outcome() == v1::TARGET_OUTCOME_MISSED) all = false;
  }
  result.set_all_targets_met(all);
}

int exit_status(const v1::SuiteResult& result) {
  for (const auto& job : result.jobs())
    if (job.result().status() == v1::JOB_STATUS_NO_WORKER) return kExitUnusable;
  bool all = true;
  for (const auto& job : result.jobs()) {
    if (job.result().status() != v1::JOB_STATUS_OK) all = false;
    for (const auto& t : job.targets())
      if (t.outcome() == v1::TARGET_OUTCOME_MISSED) all = false;
  }
  return all ? kExitAllMet : kExitMissed;
}

std::optional<Margin> target_margin(const v1::TargetVerdict& verdict) {
  if (!verdict.has_value()) return std::nullopt;
  const std::string& op = verdict.op();
  double sign;
  if (op == ">" || op == ">=")
    sign = 1;
  else if (op == "<" || op == "<=")
    sign = -1;
  else
    return std::nullopt;
  double diff = sign * (verdict.value() - verdict.threshold());
  if (verdict.threshold() == 0) return Margin{diff, false};
  return Margin{diff / std::fabs(verdict.threshold()), true};
}

std::string status_label(v1::JobStatus status) {
  std::string name = v1::JobStatus_Name(status);
  const std::string prefix = "JOB_STATUS_";
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  return name.empty() ? "unknown" : name;
}

}  // namespace gene::coordinator
