#include "gene/coordinator/report.h"

#include "gene/coordinator/noise.h"
#include "gene/coordinator/text_columns.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

namespace gene::coordinator {

namespace {

// Columns shown for every job, besides wall time: the two speeds the
// upstream targets are about.
const char* const kKeyStatistics[][2] = {{"instructions_per_second", "INSTR/S"}, {"frames_per_second", "FRAMES/S"}};

std::string printf_string(const char* fmt, double v) {
  char buf[64];
  snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// The first line of `s`, at most `max` columns ("…" when cut).
std::string clip(const std::string& s, size_t max) {
  std::string line = displayable(s.substr(0, s.find('\n')));
  if (display_width(line) <= max) return line;
  return cut_to_columns(line, max - 1) + "…";
}

std::string percent(double fraction) { return printf_string("%.1f%%", fraction * 100); }

std::string format_margin(const v1::TargetVerdict& v) {
  auto m = target_margin(v);
  if (!m) return "";
  if (!m->relative) return (m->amount >= 0 ? "+" : "") + format_number(m->amount);
  double pct = m->amount * 100;
  if (std::fabs(pct) >= 1000) return printf_string("%+.0f%%", pct);
  return printf_string("%+.1f%%", pct);
}

// A note when the CPU clock may vary under the job: a governor other than
// "performance", or boost on.
std::string frequency_note(const v1::JobConditions& c) {
  std::vector<std::string> parts;
  if (!c.cpu_governor().empty() && c.cpu_governor() != "performance")
    parts.push_back("CPU frequency governor " + c.cpu_governor());
  if (c.cpu_boost() == "on") parts.push_back("boost on");
  if (parts.empty()) return "";
  std::string s = "note: ";
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s + ": the clock speed varies with load and temperature (set the governor to performance and turn boost off "
             "for steadier times)";
}

struct Row {
  std::vector<std::string> cells;
  std::vector<std::string> notes;  // lines under the row
};

}  // namespace

std::string format_number(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  return printf_string("%.3g", v);
}

std::string format_clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string format_summary(const v1::SuiteResult& result) {
  std::vector<std::string> header = {"JOB", "STATUS", "ITERS", "WALL", "CV", "INSTRUCTIONS"};
  for (const auto& [stat, title] : kKeyStatistics) header.push_back(title);
  header.push_back("VALUE");
  std::vector<Row> rows;
  size_t missed = 0, failed = 0, met = 0, not_applicable = 0, noisy_jobs = 0, judged_jobs = 0;
  std::set<std::string> frequency_notes;
  bool any_exact = false;
  const v1::JobConditions* busiest = nullptr;  // the highest load per CPU at a job's start, when above 1
  for (const auto& job : result.jobs()) {
    const v1::JobResult& r = job.result();
    Row row;
    auto wall = summarize(wall_seconds(r));
    row.cells.push_back(job.job_name());
    row.cells.push_back(status_label(r.status()));
    row.cells.push_back(r.repetitions_size() ? std::to_string(std::max<uint32_t>(1, r.repetitions(0).iterations())) : "-");
    row.cells.push_back(wall ? format_seconds(wall->median) : "-");
    row.cells.push_back(wall && wall->cv ? percent(*wall->cv) + (*wall->cv > kNoisyCv ? "!" : "") : "-");
    // An exact count, shown whole: a change in it is a real change.
    auto instructions = job.median_statistics().find("instructions");
    row.cells.push_back(instructions == job.median_statistics().end() ? "-" : printf_string("%.0f", instructions->second));
    for (const auto& [stat, title] : kKeyStatistics) {
      auto it = job.median_statistics().find(stat);
      row.cells.push_back(it == job.median_statistics().end() ? "-" : format_number(it->second));
    }
    row.cells.push_back(r.status() == v1::JOB_STATUS_OK || !r.value().empty() ? clip(r.value(), 24) : "-");

    if (r.status() != v1::JOB_STATUS_OK) {
      ++failed;
      row.notes.push_back("  error: " +
                          clip(r.error_message().empty() ? status_label(r.status()) : r.error_message(), 160));
    }
    if (job.attempts() > 1)
      row.notes.push_back("  note: took " + std::to_string(job.attempts()) + " attempts (worker lost)");
    if (r.status() == v1::JOB_STATUS_OK && r.repetitions_size() > 0) ++judged_jobs;
    if (job.noisy()) ++noisy_jobs;
    for (const auto& reason : job.noise_reasons()) row.notes.push_back("  ! noisy: " + reason.text());
    if (std::string note = frequency_note(r.conditions()); !note.empty()) frequency_notes.insert(note);
    if (overloaded(r.conditions()) &&
        (!busiest || r.conditions().load_average() / r.conditions().machine_cpus() >
                         busiest->load_average() / busiest->machine_cpus()))
      busiest = &r.conditions();
    const std::set<std::string> exact(job.exact_statistics().begin(), job.exact_statistics().end());
    any_exact = any_exact || !exact.empty();

    // Targets, aligned within the job.
    size_t name_w = 0, expr_w = 0, value_w = 0;
    std::vector<std::array<std::string, 6>> lines;
    for (const auto& t : job.targets()) {
      std::string mark, value = t.has_value() ? format_number(t.value()) : "n/a", margin;
      switch (t.outcome()) {
        case v1::TARGET_OUTCOME_MET: mark = "✓", ++met, margin = format_margin(t); break;
        case v1::TARGET_OUTCOME_MISSED:
          mark = "✗", ++missed, margin = format_margin(t);
          break;
        default: mark = "–", ++not_applicable, margin = t.has_value() ? "not judged" : "n/a (absent)"; break;
      }
      if (t.outcome() == v1::TARGET_OUTCOME_NOT_APPLICABLE && t.has_value()) value = format_number(t.value());
      std::string expr = t.op() + " " + format_number(t.threshold());
      name_w = std::max(name_w, t.statistic().size());
      expr_w = std::max(expr_w, expr.size());
      value_w = std::max(value_w, display_width(value));
      lines.push_back({mark, t.statistic(), expr, value, margin, exact.count(t.statistic()) ? "exact" : ""});
    }
    size_t margin_w = 0;
    for (const auto& l : lines) margin_w = std::max(margin_w, display_width(l[4]));
    for (const auto& l : lines) {
      std::string text = "  " + l[0] + " " + pad_right(l[1], name_w) + "  " + pad_right(l[2], expr_w) + "  " +
                         (l[3] == "n/a" && l[4].rfind("n/a", 0) == 0 ? l[4]
                                                                      : pad_left(l[3], value_w) + "  " + pad_right(l[4], margin_w)) +
                         (l[5].empty() ? "" : "  " + l[5]);
      while (!text.empty() && text.back() == ' ') text.pop_back();
      row.notes.push_back(text);
    }
    rows.push_back(std::move(row));
  }

  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = display_width(header[i]);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.cells.size(); ++i) w[i] = std::max(w[i], display_width(row.cells[i]));
  auto format_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      bool numeric = i >= 2 && i < cells.size() - 1;
      line += (i ? "  " : "") + (numeric ? pad_left(cells[i], w[i]) : pad_right(cells[i], w[i]));
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };

  std::string out;
  size_t workers = size_t(result.workers_size());
  std::vector<std::string> names;
  for (const auto& [name, info] : result.workers()) names.push_back(name + " (" + hardware_class(info) + ")");
  std::sort(names.begin(), names.end());
  std::string worker_list;
  for (size_t i = 0; i < names.size(); ++i) worker_list += (i ? ", " : "") + names[i];
  out += "suite " + result.suite() + ": " + std::to_string(result.jobs_size()) + " job" +
         (result.jobs_size() == 1 ? "" : "s") + " on " + std::to_string(workers) + " worker" +
         (workers == 1 ? "" : "s") + (worker_list.empty() ? "" : " [" + worker_list + "]") + " in " +
         format_seconds(result.suite_seconds()) + "\n\n";
  out += format_row(header);
  for (const auto& row : rows) {
    out += format_row(row.cells);
    for (const auto& n : row.notes) out += n + "\n";
  }
  out += "\n";
  if (noisy_jobs)
    out += "! noisy: " + std::to_string(noisy_jobs) + " of " + std::to_string(judged_jobs) + " job" +
           (judged_jobs == 1 ? "" : "s") +
           " measured under noise; their numbers may not hold on a rerun (pin the worker to its CPUs, stop other "
           "load, raise min_time)\n";
  for (const auto& note : frequency_notes) out += note + "\n";
  if (busiest)
    out += "note: the machine's load average reached " + printf_string("%.2f", busiest->load_average()) + " on " +
           std::to_string(busiest->machine_cpus()) +
           " CPUs as a job started: other work ran on the machine (the noisy lines say whether it reached a job's "
           "CPU)\n";
  if (any_exact)
    out += "exact: INSTRUCTIONS and the targets marked exact are deterministic counts, the same on every run of one "
           "build: a change in them is real, not noise\n";
  std::string verdict;
  if (failed == 0 && missed == 0 && met == 0 && not_applicable == 0) {
    verdict = "every job ok (no targets)";
  } else if (failed == 0 && missed == 0) {
    verdict = "all targets met (" + std::to_string(met) + " met";
    if (not_applicable) verdict += ", " + std::to_string(not_applicable) + " not applicable";
    verdict += ")";
  } else {
    std::vector<std::string> parts;
    if (missed) parts.push_back(std::to_string(missed) + " target" + (missed == 1 ? "" : "s") + " missed");
    if (failed) parts.push_back(std::to_string(failed) + " job" + (failed == 1 ? "" : "s") + " failed");
    parts.push_back(std::to_string(met) + " met");
    if (not_applicable) parts.push_back(std::to_string(not_applicable) + " not applicable");
    for (size_t i = 0; i < parts.size(); ++i) verdict += (i ? ", " : "") + parts[i];
  }
  out += "result: " + verdict + "\n";
  return out;
}

}  // namespace gene::coordinator
