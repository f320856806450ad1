#include "gene/coordinator/baseline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "gene/coordinator/report.h"
#include "gene/coordinator/results.h"

namespace gene::coordinator {

namespace {

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(fraction) >= 0.1 ? "%+.1f%%" : "%+.2f%%", fraction * 100);
  return buf;
}

std::string plain_percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100);
  return buf;
}

double median_of(const double* begin, size_t n) {
  if (n == 0) return 0;
  return n % 2 ? begin[n / 2] : (begin[n / 2 - 1] + begin[n / 2]) / 2;
}

// Exact statistics are per-run means over a repetition's k runs: the same
// counts give the same value to the last few bits, whatever k was.
bool exact_equal(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b)); }

bool is_hex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

bool is_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A commit spelling: 4 to 40 hex digits, optionally "-dirty".
bool is_commit(const std::string& s) {
  std::string hash = s;
  const std::string suffix = "-dirty";
  if (hash.size() > suffix.size() && hash.compare(hash.size() - suffix.size(), suffix.size(), suffix) == 0)
    hash.resize(hash.size() - suffix.size());
  return hash.size() >= 4 && hash.size() <= 40 && is_hex(hash);
}

std::string describe(const BaselineSpec& spec) {
  switch (spec.kind) {
    case BaselineSpec::Kind::Latest: return "the newest earlier run";
    case BaselineSpec::Kind::Run: return "run " + std::to_string(spec.run);
    case BaselineSpec::Kind::Commit: return "the newest run of commit " + spec.commit;
  }
  return "";
}

std::string count_text(double v) {
  char buf[48];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

absl::StatusOr<BaselineSpec> parse_baseline(const std::string& text) {
  BaselineSpec spec;
  spec.text = text;
  if (text == "latest") return spec;
  if (is_digits(text) && text.size() <= 18) {
    spec.kind = BaselineSpec::Kind::Run;
    spec.run = std::stoll(text);
    if (spec.run > 0) return spec;
  }
  if (is_commit(text)) {
    spec.kind = BaselineSpec::Kind::Commit;
    spec.commit = text;
    for (char& c : spec.commit) c = char(std::tolower(static_cast<unsigned char>(c)));
    return spec;
  }
  return absl::InvalidArgumentError(
      "--baseline wants latest, a run id (coordinator history lists them) or a VM commit (4 to 40 hex digits, "
      "-dirty for a dirty build), not '" + text + "'");
}

absl::Status check_baseline(ResultsStore& store, BaselineSpec& spec, const std::string& suite) {
  if (spec.kind == BaselineSpec::Kind::Latest) return absl::OkStatus();
  if (spec.kind == BaselineSpec::Kind::Run) {
    auto runs = store.runs({"", 0, spec.run});
    if (!runs.ok()) return runs.status();
    if (!runs->empty()) {
      if (runs->front().suite == suite) return absl::OkStatus();
      return absl::NotFoundError("--baseline " + spec.text + ": run " + spec.text + " in " + store.path() +
                                 " is of suite " + runs->front().suite + ", not " + suite);
    }
    // Digits only may still be a commit.
    if (is_commit(spec.text)) {
      auto found = store.has_commit(suite, spec.text);
      if (found.ok() && *found) {
        spec.kind = BaselineSpec::Kind::Commit;
        spec.commit = spec.text;
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError("--baseline " + spec.text + ": no run " + spec.text + " in " + store.path() +
                               " (coordinator history --store " + store.path() + " lists the runs)");
  }
  auto found = store.has_commit(suite, spec.commit);
  if (!found.ok()) return found.status();
  if (*found) return absl::OkStatus();
  auto commits = store.recent_commits(suite, 8);
  std::string list;
  for (const auto& c : commits) list += (list.empty() ? "" : ", ") + c;
  return absl::NotFoundError("--baseline " + spec.text + ": no run of suite " + suite + " in " + store.path() +
                             " was made by VM commit " + spec.commit +
                             (list.empty() ? " (it holds no run of that suite)" : " (its newest commits: " + list + ")"));
}

double significance_threshold(std::vector<double> changes, double min_effect) {
  for (double& c : changes) c = std::fabs(c);
  std::sort(changes.begin(), changes.end());
  const size_t n = changes.size();
  if (n < 2) return min_effect;
  // Quartiles as the medians of the lower and upper halves (the middle
  // value of an odd count in neither).
  size_t half = n / 2;
  double q1 = median_of(changes.data(), half);
  double q3 = median_of(changes.data() + (n - half), half);
  return std::max(q3 + 3 * (q3 - q1), min_effect);
}

Comparison judge_time(const std::string& job, double baseline, double candidate, const std::vector<double>& history,
                      const std::string& noisy_baseline, const std::string& noisy_candidate,
                      const BaselineOptions& options, size_t noisy_left_out) {
  Comparison c;
  c.name = job;
  c.metric = "cpu";
  c.baseline_median = baseline;
  c.candidate_median = candidate;
  c.history_runs = uint32_t(history.size());
  if (!(baseline > 0) || !(candidate > 0)) {
    c.reason = "no CPU time to compare";
    return c;
  }
  const double ratio = candidate / baseline, change = ratio - 1;
  c.ratio = ratio;
  if (history.size() < options.min_history) {
    c.reason = std::to_string(history.size()) + " quiet run" + (history.size() == 1 ? "" : "s") +
               " stored up to the baseline" +
               (noisy_left_out ? " (" + std::to_string(noisy_left_out) + " noisy left out)" : std::string()) + "; " +
               std::to_string(options.min_history) + " needed to know its noise";
    return c;
  }
  std::vector<double> changes;
  for (size_t i = 1; i < history.size(); ++i)
    if (history[i - 1] > 0) changes.push_back(history[i] / history[i - 1] - 1);
  const double t = significance_threshold(changes, options.min_effect);
  c.threshold = t;
  c.ci_low = ratio - t;
  c.ci_high = ratio + t;
  const std::string basis = "threshold " + plain_percent(t) + " (Q3 + 3 IQR of the changes between its last " +
                            std::to_string(history.size()) + " quiet runs, at least " +
                            plain_percent(options.min_effect) + ")";
  if (!noisy_baseline.empty()) {
    c.reason = "the baseline was measured under noise (" + noisy_baseline + ")";
    return c;
  }
  if (change > t) {
    if (!noisy_candidate.empty()) {
      c.reason = percent(change) + " beyond " + basis + ", but this run was measured under noise (" +
                 noisy_candidate + ")";
      return c;
    }
    c.verdict = Verdict::Slower;
    c.reason = percent(change) + " beyond " + basis;
  } else if (change < -t) {
    // Noise makes times longer, not shorter: a noisy run that is faster
    // beyond the threshold is faster still without it.
    c.verdict = Verdict::Faster;
    c.reason = percent(change) + " beyond " + basis;
  } else {
    c.verdict = Verdict::Same;
    c.reason = percent(change) + " within " + basis;
    if (!noisy_candidate.empty()) c.reason += "; this run was noisy (it may be faster than it looks)";
  }
  return c;
}

int exact_direction(const std::string& s) {
  static const std::set<std::string> costs = {
      "instructions",         "frames_allocated",   "frame_bytes",          "max_stack_depth",
      "allocations",          "bytes_allocated",    "heap_peak_bytes",      "gc_collections",
      "gc_young_collections", "gc_full_collections", "gc_cycle_candidates", "gc_cycle_frees",
      "rc_increments",        "rc_decrements",      "rc_frees",             "rc_reconciliations"};
  return costs.count(s) ? 1 : 0;
}

std::vector<std::pair<std::string, std::optional<double>>> exact_ratios(
    const std::map<std::string, StoredStatistic>& baseline, const std::map<std::string, double>& candidate,
    const std::vector<std::string>& exact_names) {
  std::vector<std::string> names(exact_names);
  std::sort(names.begin(), names.end());
  std::vector<std::pair<std::string, std::optional<double>>> ratios;
  for (const auto& name : names) {
    auto b = baseline.find(name);
    auto c = candidate.find(name);
    if (b == baseline.end() || c == candidate.end()) continue;
    double before = b->second.value, after = c->second;
    ratios.emplace_back(name, before != 0 ? std::optional<double>(after / before)
                                          : after == 0 ? std::optional<double>(1) : std::nullopt);
  }
  return ratios;
}

std::vector<Comparison> judge_exact(const std::string& job, const std::map<std::string, StoredStatistic>& baseline,
                                    const std::map<std::string, double>& candidate,
                                    const std::vector<std::string>& exact_names) {
  const auto ratios = exact_ratios(baseline, candidate, exact_names);
  struct Change {
    std::string name;
    double before, after;
  };
  std::vector<Change> compared;
  for (const auto& [name, ratio] : ratios) compared.push_back({name, baseline.at(name).value, candidate.at(name)});
  // `instructions` first: the count users read before any other.
  std::stable_partition(compared.begin(), compared.end(), [](const Change& c) { return c.name == "instructions"; });
  std::vector<Comparison> out;
  for (const auto& ch : compared) {
    const int direction = exact_direction(ch.name);
    const bool differs = !exact_equal(ch.before, ch.after);
    if (ch.name != "instructions" && (!differs || direction == 0)) continue;
    Comparison c;
    c.name = job;
    c.metric = ch.name;
    c.baseline_median = ch.before;
    c.candidate_median = ch.after;
    if (ch.before != 0 || ch.after == 0) {
      c.ratio = ch.before != 0 ? ch.after / ch.before : 1;
      c.ci_low = c.ci_high = c.ratio;
    }
    c.exact = ratios;
    if (!differs) {
      c.verdict = Verdict::Same;
      c.reason = "exact count, unchanged";
    } else {
      bool more = ch.after > ch.before;
      c.verdict = more ? Verdict::Slower : Verdict::Faster;
      std::string by = ch.before != 0 ? percent(ch.after / ch.before - 1) : "from 0";
      c.reason = "exact count " + std::string(more ? "rose" : "fell") + " " + by + " (" + count_text(ch.before) +
                 " → " + count_text(ch.after) + "): " + (more ? "more work" : "less work");
    }
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<Comparison>> judge_against_baseline(ResultsStore& store, const BaselineSpec& spec,
                                                              const v1::SuiteResult& result, int64_t run_id,
                                                              const BaselineOptions& options) {
  std::vector<Comparison> out;
  for (const auto& job : result.jobs()) {
    const v1::JobResult& r = job.result();
    Comparison time;
    time.name = job.job_name();
    time.metric = "cpu";
    if (r.status() != v1::JOB_STATUS_OK) {
      time.error = "this run: " + status_label(r.status()) + (r.error_message().empty() ? "" : ": " + r.error_message());
      time.reason = "the job did not end ok";
      out.push_back(std::move(time));
      continue;
    }
    ResultsStore::JobLookup lookup;
    lookup.suite = result.suite();
    lookup.name = job.job_name();
    lookup.hardware = job.hardware();
    lookup.before_run = run_id;
    if (spec.kind == BaselineSpec::Kind::Run) lookup.in_run = spec.run;
    if (spec.kind == BaselineSpec::Kind::Commit) lookup.commit = spec.commit;
    absl::StatusOr<std::optional<StoredJob>> found = store.find_job(lookup);
    if (!found.ok()) return found.status();
    const std::optional<StoredJob>& ref = *found;
    if (!ref) {
      time.reason = describe(spec) + " has no " + job.job_name() + " that ended ok on " + job.hardware() +
                    " in this store";
      out.push_back(std::move(time));
      continue;
    }
    auto stats = store.job_statistics(ref->id);
    if (!stats.ok()) return stats.status();
    std::map<std::string, double> candidate(job.median_statistics().begin(), job.median_statistics().end());
    std::vector<std::string> exact(job.exact_statistics().begin(), job.exact_statistics().end());
    for (Comparison& c : judge_exact(job.job_name(), *stats, candidate, exact)) {
      c.baseline_run = ref->run_id;
      out.push_back(std::move(c));
    }

    auto history = store.job_history(result.suite(), job.job_name(), job.hardware(), ref->run_id,
                                     options.max_history, /*quiet_only=*/true);
    if (!history.ok()) return history.status();
    std::vector<double> medians;
    for (const auto& p : *history) medians.push_back(p.cpu_seconds);
    size_t noisy_left_out = 0;
    if (medians.size() < options.min_history) {
      auto all = store.job_history(result.suite(), job.job_name(), job.hardware(), ref->run_id,
                                   options.max_history, /*quiet_only=*/false);
      if (!all.ok()) return all.status();
      for (const auto& p : *all) noisy_left_out += p.noisy ? 1 : 0;
    }
    std::string noisy_candidate;
    for (const auto& reason : job.noise_reasons()) noisy_candidate += (noisy_candidate.empty() ? "" : ", ") + reason.kind();
    if (job.noisy() && noisy_candidate.empty()) noisy_candidate = "noisy";
    auto cpu = summarize(cpu_seconds(r));
    Comparison c = judge_time(job.job_name(), ref->cpu_seconds.value_or(0), cpu ? cpu->median : 0, medians,
                              ref->noisy ? "its run " + std::to_string(ref->run_id) + " was flagged noisy" : "",
                              noisy_candidate, options, noisy_left_out);
    c.baseline_run = ref->run_id;
    c.exact = exact_ratios(*stats, candidate, exact);
    out.push_back(std::move(c));
  }
  return out;
}

bool any_slower(const std::vector<Comparison>& comparisons) {
  return std::any_of(comparisons.begin(), comparisons.end(),
                     [](const Comparison& c) { return c.verdict == Verdict::Slower; });
}

v1::BaselineComparison comparison_to_proto(const Comparison& c) {
  v1::BaselineComparison p;
  p.set_name(c.name);
  p.set_metric(c.metric);
  p.set_verdict(verdict_word(c.verdict));
  if (c.ratio) p.set_ratio(*c.ratio);
  if (c.ci_low) p.set_ci_low(*c.ci_low);
  if (c.ci_high) p.set_ci_high(*c.ci_high);
  if (c.baseline_median) p.set_baseline_median(*c.baseline_median);
  if (c.candidate_median) p.set_candidate_median(*c.candidate_median);
  for (const auto& [name, ratio] : c.exact) {
    v1::ExactRatio* e = p.add_exact();
    e->set_statistic(name);
    if (ratio) e->set_ratio(*ratio);
  }
  p.set_reason(c.reason);
  p.set_error(c.error);
  if (c.baseline_run) p.set_baseline_run(*c.baseline_run);
  if (c.history_runs) p.set_history_runs(*c.history_runs);
  if (c.threshold) p.set_threshold(*c.threshold);
  return p;
}

Comparison comparison_from_proto(const v1::BaselineComparison& p) {
  Comparison c;
  c.name = p.name();
  c.metric = p.metric();
  for (Verdict v : {Verdict::Slower, Verdict::Faster, Verdict::Same, Verdict::Inconclusive})
    if (p.verdict() == verdict_word(v)) c.verdict = v;
  if (p.has_ratio()) c.ratio = p.ratio();
  if (p.has_ci_low()) c.ci_low = p.ci_low();
  if (p.has_ci_high()) c.ci_high = p.ci_high();
  if (p.has_baseline_median()) c.baseline_median = p.baseline_median();
  if (p.has_candidate_median()) c.candidate_median = p.candidate_median();
  for (const auto& e : p.exact())
    c.exact.emplace_back(e.statistic(), e.has_ratio() ? std::optional<double>(e.ratio()) : std::nullopt);
  c.reason = p.reason();
  c.error = p.error();
  if (p.has_baseline_run()) c.baseline_run = p.baseline_run();
  if (p.has_history_runs()) c.history_runs = p.history_runs();
  if (p.has_threshold()) c.threshold = p.threshold();
  return c;
}

std::string format_verdicts(const std::vector<Comparison>& comparisons, const BaselineSpec& spec) {
  std::vector<std::vector<std::string>> rows = {
      {"JOB", "METRIC", "VERDICT", "CHANGE", "BASELINE", "THIS RUN", "AGAINST", "WHY"}};
  size_t counts[4] = {0, 0, 0, 0};
  std::vector<std::string> slower;
  for (const auto& c : comparisons) {
    ++counts[int(c.verdict)];
    const bool seconds = c.metric == "cpu" || c.metric == "wall";
    auto value = [&](const std::optional<double>& v) {
      if (!v) return std::string("-");
      return seconds ? format_seconds(*v) : count_text(*v);
    };
    std::string change = "-";
    if (c.ratio) change = *c.ratio == 1 && !seconds ? "=" : percent(*c.ratio - 1);
    std::string why = c.error.empty() ? c.reason : c.error;
    rows.push_back({c.name, c.metric, verdict_word(c.verdict), change, value(c.baseline_median),
                    value(c.candidate_median), c.baseline_run ? "run " + std::to_string(*c.baseline_run) : "-", why});
    if (c.verdict == Verdict::Slower) slower.push_back(c.name + " " + c.metric + " " + change);
  }
  std::vector<size_t> w(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  std::string out = "\nbaseline " + spec.text + ": each job against " + describe(spec) +
                    " of this suite on its hardware class (exact counts exactly, CPU time against its stored noise)\n";
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      bool right = i >= 3 && i <= 5;
      std::string cell = r[i];
      std::string fill(w[i] > cell.size() ? w[i] - cell.size() : 0, ' ');
      line += (i ? "  " : "") + (right ? fill + cell : cell + (i + 1 < r.size() ? fill : ""));
    }
    out += line + "\n";
  }
  out += "verdicts: " + std::to_string(counts[int(Verdict::Slower)]) + " slower, " +
         std::to_string(counts[int(Verdict::Faster)]) + " faster, " + std::to_string(counts[int(Verdict::Same)]) +
         " same, " + std::to_string(counts[int(Verdict::Inconclusive)]) + " inconclusive";
  if (!slower.empty()) {
    out += "; slower: ";
    for (size_t i = 0; i < slower.size(); ++i) out += (i ? ", " : "") + slower[i];
  }
  return out + "\n";
}

}  // namespace gene::coordinator
