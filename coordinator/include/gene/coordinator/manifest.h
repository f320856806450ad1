// Suite manifests (docs/coordinator.md "Suite manifests"): reading, validating
// and expanding a suite into jobs. Every problem is found before anything
// runs and reported with the manifest's file, line and column; all of them
// at once, not just the first.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "farm.pb.h"

namespace gene::coordinator {

namespace v1 = ::gene::farm::v1;

// Limits on a manifest, checked before anything else is done with it (one
// place for each; docs/coordinator.md lists them).
inline constexpr size_t kMaxManifestBytes = 4u << 20;  // as a program
// A suite name names every job (`SUITE/RUN/INDEX`, at most 256 bytes for the
// worker): 128 leaves room for the rest.
inline constexpr size_t kMaxSuiteNameBytes = 128;
inline constexpr size_t kMaxNameBytes = 256;  // benchmark and parameter names
// Problems reported one by one; the rest are counted.
inline constexpr size_t kMaxDiagnostics = 100;

// A problem with a place: `FILE:LINE:COL: message` (line and column
// 1-based; 0 when unknown).
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  std::string str() const;
};

// All diagnostics, one per line, in the order found.
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics);

// A performance target: `statistic OP threshold`, judged on the median.
struct Target {
  std::string statistic;
  std::string op;  // one of > >= < <= == !=
  double threshold = 0;

  // Whether `value` satisfies the target.
  bool holds(double value) const;
};

// The per-job VM and repetition settings (`defaults`, overridable per
// benchmark). Zero limits mean "the worker's default".
struct RunSettings {
  uint32_t repetitions = 5;
  uint32_t warmup = 1;
  double timeout_seconds = 60;  // the whole job: warm-ups, calibration, repetitions, profile run
  // The least time one measured repetition may take: the worker runs the
  // program k times per repetition to reach it (0 = one run, no calibration).
  double min_time_seconds = 0.1;
  uint32_t optimize = 2;
  uint64_t max_heap_bytes = 0;
  uint32_t max_depth = 0;
  bool profile = false;  // instruction mix and hotspots (docs/coordinator.md lists every key)
};

// One parameter of a job.
struct JobParam {
  std::string name;
  std::string text;        // the YAML scalar as written: used in job names (`n:30`)
  v1::ParamValue value;    // its value with the type YAML gives it: `30` an int, `"30"` a string
};

// One benchmark with one parameter combination.
struct Job {
  std::string name;                   // `<benchmark>/<param>:<value>[/…]`, or the benchmark's name without params
  size_t benchmark = 0;               // index into Suite::benchmarks
  std::vector<JobParam> params;       // in manifest order
  std::optional<std::string> expect;  // the value's expected display text
};

struct Benchmark {
  std::string name;
  std::string file;          // as written in the manifest
  std::string display_path;  // the manifest's directory joined with `file`, normalized (for messages)
  std::string program;       // the file's text
  RunSettings settings;
  std::vector<Target> targets;                  // the suite's, overridden per statistic
  std::map<std::string, std::string> hardware;  // selectors: all must match a worker's labels
};

struct Suite {
  std::string name;
  std::string description;
  std::string manifest_path;
  std::vector<Benchmark> benchmarks;
  std::vector<Job> jobs;  // the cartesian products, in manifest order
};

// What reading a benchmark's `file` gave: its text, or why there is none.
struct FileContent {
  std::optional<std::string> text;
  std::string error;  // when !text: "no such file", "escapes the suite's directory tree", …
};

// Finds a benchmark's file (as written in the manifest) and returns its text.
using FileResolver = std::function<FileContent(const std::string& file)>;

// Files as the manifest names them: relative to the manifest's directory,
// and within the suite's directory tree, which is the parent of the
// manifest's directory (so `bench/suites/x.yaml` may use
// `../vm_internals/tco.gene` but nothing outside `bench/`). OK when `file`
// is acceptable by its spelling, else INVALID_ARGUMENT saying why not.
absl::Status check_file_spelling(const std::string& file);

// Reads files from disk for the manifest at `manifest_path`, enforcing
// check_file_spelling() and, after following symbolic links, that the file
// is still inside the suite's directory tree.
FileResolver disk_file_resolver(const std::filesystem::path& manifest_path);

// Serves files from a map (what a submitter sent), keyed as written in the
// manifest; enforces check_file_spelling().
FileResolver map_file_resolver(std::map<std::string, std::string> files);

struct ManifestOptions {
  // Statistic names targets may use; nullopt skips that check.
  std::optional<std::vector<std::string>> statistic_names;
};

struct ManifestResult {
  std::optional<Suite> suite;      // set when there are no errors
  // The first kMaxDiagnostics problems in file order, then (when there were
  // more) one saying how many more.
  std::vector<Diagnostic> errors;
  size_t problems = 0;  // every problem found
};

// Parses and validates `text` (the manifest at `manifest_path`, used in
// messages and to place files) and expands its jobs.
ManifestResult load_manifest(const std::string& manifest_path, const std::string& text, const FileResolver& files,
                             const ManifestOptions& options);

// Durations: `500ms`, `30s`, `1m30s`, `2h`, `1.5s` (units h, m, s, ms, us
// in that order, each at most once). nullopt when malformed.
std::optional<double> parse_duration(const std::string& text);

// Sizes: `1048576`, `512KiB`, `64MiB`, `1GiB`, `2TiB`, also `kB MB GB TB`
// (powers of 1000) and `B`. nullopt when malformed or beyond 2^63.
std::optional<uint64_t> parse_size(const std::string& text);

// A target expression `OP NUMBER` → (op, number). nullopt when malformed.
std::optional<std::pair<std::string, double>> parse_target(const std::string& text);

// Whether `labels` satisfies every selector.
bool selectors_match(const std::map<std::string, std::string>& selectors,
                     const std::map<std::string, std::string>& labels);

// " (did you mean 'x'?)" when one of `candidates` is close to `word`, else "".
std::string suggestion(const std::string& word, const std::vector<std::string>& candidates);

// `k=v, k=v` for messages.
std::string format_labels(const std::map<std::string, std::string>& labels);

}  // namespace gene::coordinator
