#include "gene/coordinator/compare_report.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "gene/coordinator/compare_rounds.h"
#include "gene/coordinator/report.h"
#include "gene/report/json_writer.h"

namespace gene::coordinator {

namespace {

std::string printf_string(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

Verdict from_proto(v1::ComparisonVerdict v) {
  switch (v) {
    case v1::COMPARISON_VERDICT_SLOWER: return Verdict::Slower;
    case v1::COMPARISON_VERDICT_FASTER: return Verdict::Faster;
    case v1::COMPARISON_VERDICT_SAME: return Verdict::Same;
    default: break;
  }
  return Verdict::Inconclusive;
}

std::string metric_title(const std::string& metric) {
  if (metric == "cpu") return "CPU time per run";
  if (metric == "wall") return "wall time per run";
  return metric + " per run";
}

std::string build_text(const v1::WorkerInfo& w) {
  if (w.name().empty()) return "(no worker ran)";
  const v1::VmBuild& vm = w.vm();
  return w.name() + " (" + vm.version() + ", commit " + vm.commit() + (vm.dirty() ? "-dirty" : "") + ", build " +
         vm.build_id() + ")";
}

}  // namespace

std::string format_change(double ratio) { return printf_string("%+.2f%%", (ratio - 1) * 100); }

std::string format_metric_value(const std::string& metric, double value) {
  if (metric == "cpu" || metric == "wall" || metric.find("seconds") != std::string::npos)
    return format_seconds(value);
  if (value == std::floor(value) && std::fabs(value) < 1e15) return printf_string("%.0f", value);  // a count
  return format_number(value);
}

std::string format_side_options(const v1::VmOptions& vm) {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
  if (vm.has_optimize_level()) add("optimize=" + std::to_string(vm.optimize_level()));
  if (vm.max_heap_bytes()) add("max_heap=" + std::to_string(vm.max_heap_bytes()));
  if (vm.max_depth()) add("max_depth=" + std::to_string(vm.max_depth()));
  return s;
}

Comparison comparison_record(const v1::JobComparison& job) {
  Comparison c;
  c.name = job.name();
  c.metric = job.metric();
  c.verdict = from_proto(job.verdict());
  if (job.has_ratio()) c.ratio = job.ratio();
  if (job.has_ci_low()) c.ci_low = job.ci_low();
  if (job.has_ci_high()) c.ci_high = job.ci_high();
  c.rounds = job.rounds();
  c.seconds = job.seconds();
  if (job.has_baseline_median()) c.baseline_median = job.baseline_median();
  if (job.has_candidate_median()) c.candidate_median = job.candidate_median();
  for (const auto& e : job.exact()) {
    std::optional<double> ratio;
    if (e.baseline() != 0) ratio = e.candidate() / e.baseline();
    else if (e.candidate() == 0) ratio = 1;
    c.exact.emplace_back(e.statistic(), ratio);
  }
  c.reason = job.reason();
  if (job.confidence() > 0) c.confidence = job.confidence();
  c.error = job.error();
  c.baseline_values.assign(job.baseline_values().begin(), job.baseline_values().end());
  c.candidate_values.assign(job.candidate_values().begin(), job.candidate_values().end());
  return c;
}

ComparedBuild compared_build(const v1::WorkerInfo& worker, const v1::CompareSide& side) {
  ComparedBuild b;
  b.version = worker.vm().version();
  b.commit = worker.vm().commit();
  b.dirty = worker.vm().dirty();
  b.build_id = worker.vm().build_id();
  b.compiler = worker.vm().compiler();
  b.flags = worker.vm().flags();
  b.worker = worker.name();
  auto host = worker.labels().find("host");
  if (host != worker.labels().end()) b.host = host->second;
  b.options = format_side_options(side.vm());
  b.side = side.text();
  return b;
}

std::string format_comparison_table(const v1::CompareResult& result) {
  const v1::CompareSettings& s = result.settings();
  const size_t n = size_t(result.jobs_size());
  std::string out = "compare " + result.suite() +
                    (result.candidate_suite() != result.suite() ? " with " + result.candidate_suite() : "") + ": " +
                    std::to_string(n) + " job" + (n == 1 ? "" : "s") + ", " + metric_title(s.metric()) + ", " +
                    printf_string("%g%%", s.confidence() * 100) + " confidence over all jobs, min effect " +
                    printf_string("%g%%", s.min_effect() * 100) + ", in " + format_seconds(result.seconds()) + "\n";
  auto side_line = [](const char* which, const v1::WorkerInfo& w, const v1::CompareSide& side) {
    return std::string("  ") + which + build_text(w) + (side.text().empty() ? "" : "  " + side.text()) + "\n";
  };
  out += side_line("baseline:  ", result.baseline(), result.baseline_side());
  out += side_line("candidate: ", result.candidate(), result.candidate_side());
  out += "\n";

  const std::vector<std::string> header = {"JOB",    "VERDICT", "CHANGE",   "RATIO [INTERVAL]",
                                           "ROUNDS", "TIME",    "BASELINE", "CANDIDATE",
                                           "EXACT DIFFERENCES"};
  const std::vector<bool> right = {false, false, true, false, true, true, true, true, false};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<std::string>> notes;
  std::map<std::string, size_t> verdicts;
  size_t failed = 0, cancelled = 0;
  for (const auto& job : result.jobs()) {
    const Comparison c = comparison_record(job);
    const std::string word = job.error().empty()          ? verdict_word(c.verdict)
                             : job.error() == "cancelled" ? "cancelled"
                                                          : "failed";
    std::vector<std::string> row = {job.name(), word};
    row.push_back(c.ratio ? format_change(*c.ratio) : "-");
    row.push_back(c.ratio ? printf_string("%.4f", *c.ratio) + " [" + printf_string("%.4f", *c.ci_low) + ", " +
                                printf_string("%.4f", *c.ci_high) + "]"
                          : "-");
    row.push_back(std::to_string(job.rounds()));
    row.push_back(format_seconds(job.seconds()));
    row.push_back(c.baseline_median ? format_metric_value(job.metric(), *c.baseline_median) : "-");
    row.push_back(c.candidate_median ? format_metric_value(job.metric(), *c.candidate_median) : "-");
    std::string exact = format_exact_differences(c);
    for (const auto& e : job.exact())
      if (e.varied()) exact += (exact.empty() ? "" : ", ") + e.statistic() + " varied between rounds";
    row.push_back(exact);
    rows.push_back(row);
    std::vector<std::string> lines;
    if (job.error() == "cancelled") {
      ++cancelled;
      lines.push_back("  cancelled");
    } else if (!job.error().empty()) {
      ++failed;
      lines.push_back("  error: " + job.error());
    } else if (c.verdict == Verdict::Inconclusive) {
      lines.push_back("  inconclusive: " + job.reason());
    }
    notes.push_back(lines);
    if (job.error().empty()) ++verdicts[verdict_word(c.verdict)];
  }
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = display_width(header[i]);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], display_width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) l += "  ";
      l += right[i] ? pad_left(cells[i], w[i]) : (i + 1 == cells.size() ? cells[i] : pad_right(cells[i], w[i]));
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l + "\n";
  };
  out += line(header);
  for (size_t i = 0; i < rows.size(); ++i) {
    out += line(rows[i]);
    for (const auto& note : notes[i]) out += note + "\n";
  }
  out += "\n";
  std::string only_base, only_cand;
  for (const auto& u : result.unmatched()) {
    std::string& list = u.side() == "baseline" ? only_base : only_cand;
    list += (list.empty() ? "" : ", ") + u.name();
  }
  if (!only_base.empty()) out += "not compared, only in the baseline's suite: " + only_base + "\n";
  if (!only_cand.empty()) out += "not compared, only in the candidate's suite: " + only_cand + "\n";
  out += "exact: counts that are the same on every run of one build; a difference is a fact, not an estimate\n";
  if (result.cancelled()) out += "cancelled: the comparison was interrupted before every job ended\n";
  if (!result.store().empty() && result.baseline_run() && result.candidate_run())
    out += "stored: runs " + std::to_string(result.baseline_run()) + " (baseline) and " +
           std::to_string(result.candidate_run()) + " (candidate) in " + result.store() + "\n";
  std::string counts;
  for (const char* v : {"slower", "faster", "same", "inconclusive"})
    if (verdicts.count(v)) counts += (counts.empty() ? "" : ", ") + std::to_string(verdicts[v]) + " " + v;
  if (failed) counts += (counts.empty() ? "" : ", ") + std::to_string(failed) + " failed";
  if (cancelled) counts += (counts.empty() ? "" : ", ") + std::to_string(cancelled) + " cancelled";
  out += "result: " + (counts.empty() ? std::string("nothing compared") : counts) + "\n";
  return out;
}

std::string comparison_json(const v1::CompareResult& result, const std::string& date) {
  report::JsonWriter j;
  j.begin_object();
  j.key("baseline");
  write_build(j, compared_build(result.baseline(), result.baseline_side()));
  j.key("candidate");
  write_build(j, compared_build(result.candidate(), result.candidate_side()));
  j.key("comparisons").begin_array();
  for (const auto& job : result.jobs()) write_comparison(j, comparison_record(job));
  j.end_array();
  const v1::CompareSettings& s = result.settings();
  j.member("suite", result.suite()).member("candidate_suite", result.candidate_suite());
  j.member("metric", s.metric()).member_number("confidence", s.confidence());
  j.member_number("min_effect", s.min_effect()).member_number("max_time", s.max_seconds());
  j.member_integer("max_rounds", s.max_rounds());
  j.key("unmatched").begin_array();
  for (const auto& u : result.unmatched()) j.begin_object(true).member("name", u.name()).member("side", u.side()).end_object();
  j.end_array();
  j.member_bool("cancelled", result.cancelled()).member_number("seconds", result.seconds());
  if (!result.store().empty()) {
    j.member("store", result.store());
    j.member_integer("baseline_run", result.baseline_run()).member_integer("candidate_run", result.candidate_run());
  }
  j.member("date", date);
  j.end_object();
  return j.str();
}

int compare_exit_status(const v1::CompareResult& result) {
  for (const auto& job : result.jobs())
    if (job.verdict() == v1::COMPARISON_VERDICT_SLOWER || !job.error().empty()) return 1;
  return 0;
}

}  // namespace gene::coordinator
