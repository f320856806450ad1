#include "gene/coordinator/compare_plan.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "gene/coordinator/name_filter.h"
#include "gene/job_runner.h"

namespace gene::coordinator {

namespace {

constexpr double kMaxCompareSeconds = 86400;
constexpr uint32_t kMaxCompareRounds = 100000;
const std::vector<std::string> kSideOptions = {"optimize", "max_heap", "max_depth"};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

bool parse_uint(const std::string& text, uint64_t max, uint64_t& out) {
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoull(text);
  return out <= max;
}

// Applies one VM option of a side, or says what is wrong with it.
absl::Status set_vm_option(const std::string& key, const std::string& value, v1::VmOptions& vm) {
  uint64_t n = 0;
  if (key == "optimize") {
    if (!parse_uint(value, 2, n)) return absl::InvalidArgumentError("optimize must be 0, 1 or 2, not '" + value + "'");
    vm.set_optimize_level(uint32_t(n));
  } else if (key == "max_depth") {
    if (!parse_uint(value, farm::kMaxDepthLimit, n) || n == 0)
      return absl::InvalidArgumentError("max_depth must be 1 to " + std::to_string(farm::kMaxDepthLimit) + ", not '" + value + "'");
    vm.set_max_depth(uint32_t(n));
  } else if (key == "max_heap") {
    std::optional<uint64_t> bytes = parse_size(value);
    if (!bytes || *bytes == 0 || *bytes > farm::kMaxHeapBytesLimit)
      return absl::InvalidArgumentError("max_heap must be a size above 0 and at most 1TiB (e.g. 64MiB), not '" + value + "'");
    vm.set_max_heap_bytes(*bytes);
  }
  return absl::OkStatus();
}

// The side's selectors over the benchmark's, or the contradiction.
absl::Status merge_selectors(const Selectors& hardware, const v1::CompareSide& side, const char* which,
                            const std::string& benchmark, Selectors& out) {
  out = hardware;
  for (const auto& [k, v] : side.selectors()) {
    auto [it, fresh] = out.emplace(k, v);
    if (!fresh && it->second != v)
      return absl::InvalidArgumentError("--" + std::string(which) + " selects " + k + "=" + v + ", but benchmark '" +
                                        benchmark + "' asks for " + k + "=" + it->second);
  }
  return absl::OkStatus();
}

v1::JobRequest round_request(const Suite& suite, const Job& job, const std::string& id, const v1::CompareSide& side,
                             const PlanOptions& plan_options) {
  v1::JobRequest r = job_request(suite, job, id, plan_options);
  r.set_repetitions(1);
  r.set_warmup(0);
  r.mutable_vm()->set_profile(false);  // rounds are timed
  const v1::VmOptions& o = side.vm();
  if (o.has_optimize_level()) r.mutable_vm()->set_optimize_level(o.optimize_level());
  if (o.max_heap_bytes()) r.mutable_vm()->set_max_heap_bytes(o.max_heap_bytes());
  if (o.max_depth()) r.mutable_vm()->set_max_depth(o.max_depth());
  return r;
}

}  // namespace

v1::CompareSettings default_compare_settings() {
  v1::CompareSettings s;
  s.set_metric("cpu");
  s.set_min_effect(0.01);
  s.set_confidence(0.99);
  s.set_max_seconds(60);
  s.set_max_rounds(1000);
  return s;
}

absl::Status check_compare_settings(const v1::CompareSettings& s) {
  if (s.metric().empty()) return absl::InvalidArgumentError("--metric is empty");
  if (!(s.min_effect() >= 0 && s.min_effect() <= 1)) return absl::InvalidArgumentError("--min-effect must be between 0% and 100%");
  if (!(s.confidence() > 0.5 && s.confidence() < 1)) return absl::InvalidArgumentError("--confidence must be above 50% and below 100%");
  if (!(s.max_seconds() > 0 && s.max_seconds() <= kMaxCompareSeconds)) return absl::InvalidArgumentError("--max-time must be above 0 and at most 24h");
  if (s.max_rounds() < 2 || s.max_rounds() > kMaxCompareRounds)
    return absl::InvalidArgumentError("--max-rounds must be 2 to " + std::to_string(kMaxCompareRounds));
  if (s.has_min_time_seconds() && !(s.min_time_seconds() >= 0 && s.min_time_seconds() <= farm::kMaxMinTimeSeconds))
    return absl::InvalidArgumentError("--min-time must be between 0 and 24h");
  return absl::OkStatus();
}

bool is_cost_statistic(const std::string& name) {
  auto ends_with = [&](const std::string& tail) {
    return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  return !ends_with("_per_second") && !ends_with("_ratio") && name.find("_rate") == std::string::npos;
}

absl::Status check_metric(const std::string& metric, const std::vector<std::vector<std::string>>& names) {
  if (metric == "cpu" || metric == "wall") return absl::OkStatus();
  std::vector<std::string> all = {"cpu", "wall"};
  bool everywhere = true;
  for (const auto& side : names) {
    everywhere = everywhere && std::find(side.begin(), side.end(), metric) != side.end();
    for (const auto& n : side)
      if (std::find(all.begin(), all.end(), n) == all.end()) all.push_back(n);
  }
  if (!everywhere) {
    bool somewhere = std::find(all.begin(), all.end(), metric) != all.end();
    return absl::InvalidArgumentError(
        "--metric " + metric +
        (somewhere ? ": only one side's VM reports this statistic" : ": no such statistic" + suggestion(metric, all)) +
        "; use cpu, wall or a statistic's name");
  }
  if (!is_cost_statistic(metric))
    return absl::InvalidArgumentError(
        "--metric " + metric +
        ": a rate or a ratio, where higher is better; compare a cost instead (cpu, wall, or a count such as "
        "instructions)");
  return absl::OkStatus();
}

absl::StatusOr<SideSpec> parse_side(const std::string& text, bool distributed) {
  SideSpec spec;
  spec.side.set_text(text);
  const std::string label_prefix = "label:";
  const bool labels = text.rfind(label_prefix, 0) == 0;
  if (labels && !distributed) {
    return absl::InvalidArgumentError("side '" + text + "': label selectors need --coordinator (local mode runs worker binaries: PATH[,K=V])");
  }
  if (!labels && distributed) {
    return absl::InvalidArgumentError("side '" + text + "': with --coordinator a side is label:K=V[,K=V...] (workers chosen by label)");
  }
  if (labels && trim(text.substr(label_prefix.size())).empty()) {
    return absl::InvalidArgumentError("side '" + text + "' selects nothing: label:K=V[,K=V...]");
  }
  std::vector<std::string> parts = split(labels ? text.substr(label_prefix.size()) : text, ',');
  if (!labels) {
    spec.worker_path = trim(parts.front());
    parts.erase(parts.begin());
    if (spec.worker_path.empty()) {
      return absl::InvalidArgumentError("side '" + text + "' names no worker binary (PATH[,K=V...])");
    }
  }
  std::set<std::string> seen;
  for (const std::string& raw : parts) {
    const std::string part = trim(raw);
    const size_t eq = part.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("side '" + text + "': '" + part + "' is not K=V");
    }
    const std::string key = trim(part.substr(0, eq)), value = trim(part.substr(eq + 1));
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError("side '" + text + "': " + key + " is given twice");
    }
    const bool vm_option = std::find(kSideOptions.begin(), kSideOptions.end(), key) != kSideOptions.end();
    if (vm_option) {
      if (absl::Status set = set_vm_option(key, value, *spec.side.mutable_vm()); !set.ok()) {
        return absl::InvalidArgumentError("side '" + text + "': " + std::string(set.message()));
      }
    } else if (labels) {
      (*spec.side.mutable_selectors())[key] = value;
    } else {
      return absl::InvalidArgumentError("side '" + text + "': unknown option '" + key + "'" +
                                        suggestion(key, kSideOptions) +
                                        "; a worker side takes optimize=0..2, max_heap=SIZE, max_depth=N");
    }
  }
  return spec;
}

absl::StatusOr<ComparePlan> plan_comparison(const Suite& baseline, const Suite* candidate,
                                            const v1::CompareSide& baseline_side, const v1::CompareSide& candidate_side,
                                            const v1::CompareSettings& settings) {
  const Suite& other = candidate ? *candidate : baseline;
  const absl::StatusOr<NameFilter> filter = NameFilter::compile(settings.filter());
  if (!filter.ok()) {
    return absl::InvalidArgumentError("bad --filter regular expression '" + settings.filter() + "': " + std::string(filter.status().message()));
  }
  auto wanted = [&](const Job& j) { return filter->matches(j.name); };
  auto find = [](const Suite& s, const std::string& name) -> const Job* {
    for (const Job& j : s.jobs)
      if (j.name == name) return &j;
    return nullptr;
  };

  ComparePlan plan;
  plan.suite = baseline.name;
  plan.candidate_suite = other.name;
  plan.settings = settings;
  plan.baseline_side = baseline_side;
  plan.candidate_side = candidate_side;
  PlanOptions plan_options;
  if (settings.has_min_time_seconds()) plan_options.min_time = settings.min_time_seconds();
  for (const Job& job : baseline.jobs) {
    if (!wanted(job)) continue;
    const Job* twin = find(other, job.name);
    if (!twin) {
      v1::UnmatchedJob u;
      u.set_name(job.name);
      u.set_side("baseline");
      plan.unmatched.push_back(u);
      continue;
    }
    const Benchmark& b = baseline.benchmarks[job.benchmark];
    const Benchmark& c = other.benchmarks[twin->benchmark];
    ComparedJob cj;
    cj.name = job.name;
    cj.baseline = round_request(baseline, job, "baseline", baseline_side, plan_options);
    cj.candidate = round_request(other, *twin, "candidate", candidate_side, plan_options);
    cj.min_time_seconds = settings.has_min_time_seconds() ? settings.min_time_seconds() : b.settings.min_time_seconds;
    cj.calibration_warmup = std::max<uint32_t>(1, b.settings.warmup);
    if (absl::Status merged = merge_selectors(b.hardware, baseline_side, "baseline", b.name, cj.baseline_selectors);
        !merged.ok()) {
      return merged;
    }
    if (absl::Status merged = merge_selectors(c.hardware, candidate_side, "candidate", c.name, cj.candidate_selectors);
        !merged.ok()) {
      return merged;
    }
    plan.jobs.push_back(std::move(cj));
  }
  if (candidate) {
    for (const Job& job : candidate->jobs) {
      if (!wanted(job) || find(baseline, job.name)) continue;
      v1::UnmatchedJob u;
      u.set_name(job.name);
      u.set_side("candidate");
      plan.unmatched.push_back(u);
    }
  }
  if (plan.jobs.empty()) {
    if (!settings.filter().empty() && plan.unmatched.empty())
      return absl::InvalidArgumentError("--filter '" + settings.filter() + "' matches no job of suite " +
                                        baseline.name);
    return absl::InvalidArgumentError("no job is in both suites (jobs match by name, e.g. fib/n:30): " +
                                      baseline.name + " and " + other.name + " have none in common");
  }
  return plan;
}

}  // namespace gene::coordinator
