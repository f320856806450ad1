// `coordinator history`: the runs a results store holds, newest first, with
// each job's median CPU time per run and its change from the run before
// (the same job on the same hardware class in an earlier run of the suite),
// as a table, as JSON, or as an HTML page with one plot per job.
#pragma once

#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "gene/coordinator/results_store.h"

namespace gene::coordinator {

struct HistoryJob {
  StoredJob job;
  // The same job in the newest earlier run where it ended ok (same suite,
  // same hardware class), and the relative changes since: CPU time median,
  // instructions (exact).
  std::optional<int64_t> previous_run;
  std::optional<double> change, instructions_change;
};

struct HistoryRun {
  StoredRun run;                 // its jobs are in `jobs` below, filtered
  std::vector<HistoryJob> jobs;  // in the order they were recorded
};

struct HistoryQuery {
  std::string suite;        // "" = every suite
  std::string job_pattern;  // RE2, partial match on job names; "" = every job
  size_t last = 0;          // the newest N runs with a matching job (0 = all)
};

// Runs newest first; INVALID_ARGUMENT for a bad pattern,
// FAILED_PRECONDITION for an unreadable store.
absl::StatusOr<std::vector<HistoryRun>> load_history(ResultsStore& store, const HistoryQuery& query);

// The table: a line per run, then a line per job.
std::string format_history(const std::vector<HistoryRun>& runs);

// {"runs": [{"id", "started_at", "suite", "hardware", "vm": {"version",
// "commit", "dirty", "build_id"}, "jobs": [{"name", "status", "median",
// "unit", ...}]}]}, newest first (docs/history.md lists every member).
std::string history_json(const std::vector<HistoryRun>& runs, const std::string& store_path);

// One self-contained page (inline SVG and CSS, no scripts, nothing
// fetched): per job and hardware class, its median CPU time over the runs,
// each point labelled by the commit it ran (`-dirty` for a dirty build),
// noisy runs and `slower` verdicts marked.
std::string history_html(const std::vector<HistoryRun>& runs, const std::string& store_path);

}  // namespace gene::coordinator
