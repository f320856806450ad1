#include "gene/coordinator/history.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "gene/coordinator/name_filter.h"
#include "gene/coordinator/report.h"
#include "gene/report/json_writer.h"
#include "gene/coordinator/text_columns.h"

namespace gene::coordinator {

namespace {

std::optional<double> relative_change(std::optional<double> now, std::optional<double> before) {
  if (!now || !before || *before == 0) return std::nullopt;
  return *now / *before - 1;
}

std::string format_change(std::optional<double> change, bool exact) {
  if (!change) return "";
  if (exact && *change == 0) return "=";
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(*change) >= 10 ? "%+.0f%%" : "%+.1f%%", *change * 100);
  return buf;
}

// `older_listed`: the run listed next (older) of the same suite; a change
// against another run says which.
std::string notes(const HistoryJob& h, std::optional<int64_t> older_listed) {
  std::vector<std::string> parts;
  const StoredJob& j = h.job;
  if (j.status != "ok" && !j.error.empty()) {
    std::string e = j.error.substr(0, j.error.find('\n'));
    if (display_width(e) > 60) e = cut_to_columns(e, 57) + "...";
    parts.push_back(e);
  }
  if (j.noisy) {
    std::string kinds;
    for (const auto& [kind, text] : j.noise_reasons) kinds += (kinds.empty() ? "" : ", ") + kind;
    parts.push_back("noisy" + (kinds.empty() ? "" : " (" + kinds + ")"));
  }
  std::vector<std::string> slower, faster;
  for (const auto& [metric, verdict] : j.verdicts) {
    if (verdict == "slower") slower.push_back(metric);
    if (verdict == "faster") faster.push_back(metric);
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!slower.empty()) parts.push_back("slower than baseline (" + join(slower) + ")");
  if (!faster.empty()) parts.push_back("faster than baseline (" + join(faster) + ")");
  if (h.previous_run && h.previous_run != older_listed) parts.push_back("change vs run " + std::to_string(*h.previous_run));
  return join(parts);
}

}  // namespace

absl::StatusOr<std::vector<HistoryRun>> load_history(ResultsStore& store, const HistoryQuery& query) {
  auto filter = NameFilter::compile(query.job_pattern);
  if (!filter.ok())
    return absl::InvalidArgumentError("bad --job regular expression '" + query.job_pattern +
                                      "': " + std::string(filter.status().message()));
  ResultsStore::RunFilter f;
  f.suite = query.suite;
  // With a job pattern, runs without a matching job do not count towards --last.
  f.last = query.job_pattern.empty() ? query.last : 0;
  auto runs = store.runs(f);
  if (!runs.ok()) return runs.status();
  std::vector<HistoryRun> out;
  for (StoredRun& r : *runs) {
    if (query.last && out.size() >= query.last) break;
    HistoryRun h;
    for (StoredJob& j : r.jobs) {
      if (!filter->matches(j.name)) continue;
      HistoryJob hj;
      if (!j.hardware.empty()) {
        ResultsStore::JobLookup lookup;
        lookup.suite = r.suite;
        lookup.name = j.name;
        lookup.hardware = j.hardware;
        lookup.before_run = r.id;
        absl::StatusOr<std::optional<StoredJob>> found = store.find_job(lookup);
        if (!found.ok()) return found.status();
        const std::optional<StoredJob>& previous = *found;
        if (previous && j.status == "ok") {
          hj.previous_run = previous->run_id;
          hj.change = relative_change(j.cpu_seconds, previous->cpu_seconds);
          hj.instructions_change = relative_change(j.instructions, previous->instructions);
        }
      }
      hj.job = std::move(j);
      h.jobs.push_back(std::move(hj));
    }
    if (h.jobs.empty() && !query.job_pattern.empty()) continue;
    r.jobs.clear();
    h.run = std::move(r);
    out.push_back(std::move(h));
  }
  return out;
}

std::string format_history(const std::vector<HistoryRun>& runs) {
  if (runs.empty()) return "no runs recorded\n";
  const std::vector<std::string> header = {"JOB", "STATUS", "CPU/RUN", "CHANGE", "INSTRUCTIONS", "CHANGE", "NOTES"};
  // Columns aligned across every run, so that a job reads down the page.
  std::vector<std::vector<std::string>> rows;
  for (size_t k = 0; k < runs.size(); ++k) {
    const auto& r = runs[k];
    std::optional<int64_t> older;
    for (size_t m = k + 1; m < runs.size() && !older; ++m)
      if (runs[m].run.suite == r.run.suite) older = runs[m].run.id;
    for (const auto& h : r.jobs) {
      const StoredJob& j = h.job;
      char instructions[32] = "-";
      if (j.instructions) std::snprintf(instructions, sizeof instructions, "%.0f", *j.instructions);
      rows.push_back({j.name, j.status, j.cpu_seconds ? format_seconds(*j.cpu_seconds) : "-",
                      format_change(h.change, false), instructions, format_change(h.instructions_change, true),
                      notes(h, older)});
    }
  }
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = display_width(header[i]);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], display_width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = "  ";
    for (size_t i = 0; i < cells.size(); ++i) {
      bool numeric = i >= 2 && i <= 5;
      s += (i ? "  " : "") + (numeric ? pad_left(cells[i], w[i]) : pad_right(cells[i], w[i]));
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };

  std::string out;
  size_t k = 0;
  for (const auto& r : runs) {
    const StoredRun& run = r.run;
    std::string status = run.status;
    if (status == "running" && run.finished_at.empty()) status = "unfinished (running, or its writer stopped)";
    out += "run " + std::to_string(run.id) + "  " + run.started_at + "  suite " + run.suite + "  " + run.mode + "  " +
           status + "  " + (run.hardware.empty() ? "-" : run.hardware) + "  vm " + commit_label(run.vm) +
           (run.vm.build_id.empty() ? "" : " (build " + run.vm.build_id + ")") +
           (run.options.empty() ? "" : "  " + run.options) + "\n";
    out += line(header);
    for (size_t i = 0; i < r.jobs.size(); ++i) out += line(rows[k++]);
    if (r.jobs.empty()) out += "  (no job recorded)\n";
    out += "\n";
  }
  out +=
      "CPU/RUN: median CPU time of one run; CHANGE: against the same job in the run before (same hardware class); "
      "INSTRUCTIONS is exact (= unchanged)\n";
  return out;
}

std::string history_json(const std::vector<HistoryRun>& runs, const std::string& store_path) {
  report::JsonWriter j;
  j.begin_object();
  j.member("store", store_path);
  j.key("runs").begin_array();
  for (const auto& h : runs) {
    const StoredRun& r = h.run;
    j.begin_object()
        .member_integer("id", r.id)
        .member("started_at", r.started_at)
        .key("finished_at");
    if (r.finished_at.empty())
      j.null();
    else
      j.string(r.finished_at);
    j.member("suite", r.suite)
        .member("hardware", r.hardware)
        .member("hardware_fingerprint", r.hardware_fingerprint)
        .member("status", r.status)
        .member("mode", r.mode)
        .member("manifest_hash", r.manifest_hash)
        .member("options", r.options)
        .member("recorded_by", r.recorded_by)
        .member_integer("jobs_planned", r.jobs_planned);
    j.key("vm")
        .begin_object()
        .member("version", r.vm.version)
        .member("commit", r.vm.commit)
        .member_bool("dirty", r.vm.dirty)
        .member("build_id", r.vm.build_id)
        .end_object();
    j.key("jobs").begin_array();
    for (const auto& hj : h.jobs) {
      const StoredJob& job = hj.job;
      j.begin_object()
          .member("name", job.name)
          .member("status", job.status)
          .member_number("median", job.cpu_seconds)
          .member("unit", "s")
          .member("metric", "cpu_seconds")
          .member_number("change", hj.change);
      j.key("previous_run");
      if (hj.previous_run)
        j.integer(*hj.previous_run);
      else
        j.null();
      j.member_number("wall_median", job.wall_seconds)
          .member_number("instructions", job.instructions)
          .member_number("instructions_change", hj.instructions_change)
          .member("benchmark", job.benchmark)
          .member("params", job.params)
          .member("hardware", job.hardware)
          .member("worker", job.worker)
          .key("vm")
          .begin_object()
          .member("commit", job.vm.commit)
          .member_bool("dirty", job.vm.dirty)
          .member("build_id", job.vm.build_id)
          .end_object()
          .member_integer("repetitions", job.repetitions)
          .member_integer("iterations", job.iterations)
          .member("value", job.value)
          .member("error", job.error)
          .member_bool("noisy", job.noisy);
      j.key("noise_reasons").begin_array();
      for (const auto& [kind, text] : job.noise_reasons)
        j.begin_object(true).member("kind", kind).member("text", text).end_object();
      j.end_array();
      j.key("verdicts").begin_array();
      for (const auto& [metric, verdict] : job.verdicts)
        j.begin_object(true).member("metric", metric).member("verdict", verdict).end_object();
      j.end_array();
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return j.str();
}

}  // namespace gene::coordinator
