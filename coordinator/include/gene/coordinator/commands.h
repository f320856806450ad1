// The two commands of the `coordinator` binary, behind its command line.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "gene/farm_security.h"

namespace gene::coordinator {

struct SubmitOptions {
  std::string manifest;     // path of the suite manifest
  std::string coordinator;  // HOST:PORT of a coordinator; "" = local mode
  std::string json_out;     // Google Benchmark JSON; "" = none, "-" = stdout (the table then goes to stderr)
  std::string pushgateway;  // http://HOST:PORT; "" = none
  std::optional<uint32_t> repetitions;
  std::optional<double> min_time;  // seconds: overrides every benchmark's min_time
  std::string filter;      // RE2 regular expression on job names (partial match)
  std::string token_file;  // "" = GENE_FARM_TOKEN or no token
  gene::farm::TlsFiles tls;
  std::string executable = "coordinator";  // for the JSON context
  // The results store: a path, "none", or "" for the default (local mode:
  // default_store_path(); with --coordinator: none here, since the
  // coordinator's own store records the run).
  std::string store;
  std::string baseline;     // --baseline RUN|latest|COMMIT; "" = none
  double min_effect = 0.01;  // --min-effect
};

// Runs `coordinator submit`; returns the exit status (0 all targets met,
// 1 a target missed or a job failed, 2 bad manifest, no matching worker or
// farm unreachable).
int run_submit(const SubmitOptions& options);

struct CompareOptions {
  std::string manifest;            // the baseline's suite (and the candidate's without candidate_manifest)
  std::string candidate_manifest;  // --candidate-suite; "" = the same suite
  std::string baseline, candidate;  // SIDE as written; "" = the default (the sibling worker; any worker)
  std::string coordinator;          // HOST:PORT; "" = local mode
  double min_effect = 0.01;         // fraction
  double confidence = 0.99;
  double max_seconds = 60;  // per job
  uint32_t max_rounds = 1000;
  std::string metric = "cpu";
  std::optional<double> min_time;  // seconds: overrides every benchmark's min_time
  std::string filter;
  std::string json_out, html_out;  // "" = none; json "-" = stdout (the table then goes to stderr)
  // Results store: a path, "none", or "" for the default (local mode) / the
  // coordinator's own store only (with --coordinator; a path keeps a copy).
  std::string store;
  std::string token_file;
  gene::farm::TlsFiles tls;
};

// Runs `coordinator compare`; returns the exit status (0 no job slower and
// none failed, 1 otherwise, 2 bad input or farm unreachable, 128 + the
// signal when interrupted).
int run_compare(const CompareOptions& options);

struct WorkersOptions {
  std::string coordinator;  // HOST:PORT
  std::string token_file;
  gene::farm::TlsFiles tls;
};

// Runs `coordinator workers`: prints the coordinator's workers (ListWorkers)
// as a table; 0, or 2 when the coordinator is unreachable.
int run_workers(const WorkersOptions& options);

struct ServeOptions {
  std::string listen;     // HOST:PORT; port 0 = any free port
  std::string workers;    // host:port,... or dns:///name:port
  int metrics_port = -1;      // -1 = no metrics; 0 = any free port; on the --listen host
  std::string metrics_listen;  // HOST:PORT for /metrics instead; "" = as metrics_port says
  std::string token_file;
  gene::farm::TlsFiles tls;
  std::chrono::milliseconds check_interval{1000};
  std::chrono::milliseconds no_worker_grace{10000};
  uint32_t max_attempts = 3;
  uint32_t jobs_per_host = 1;  // timed jobs at once on one `host` label
  std::string store;           // results store: a path, "none", or "" for default_store_path()
};

// Runs `coordinator serve` until SIGINT or SIGTERM; returns the exit status
// (2 when it cannot start).
int run_serve(const ServeOptions& options);

struct HistoryOptions {
  std::string store;        // "" = default_store_path()
  std::string suite;        // "" = every suite
  std::string job;          // RE2 pattern on job names
  size_t last = 0;          // 0 = every run
  std::string json_out;     // "-" = stdout (the table then goes to stderr)
  std::string html_out;
};

// Runs `coordinator history`: 0, or 2 for a missing or unreadable store or
// a bad pattern.
int run_history(const HistoryOptions& options);

}  // namespace gene::coordinator
