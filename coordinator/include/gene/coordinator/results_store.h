// The results store: every run of a suite, each job, every repetition's
// times, counters and statistics, the noise flags and the calibration, in
// one SQLite database (docs/history.md has the schema). Written as jobs
// finish, one transaction each, so a crash loses at most the jobs still
// running; read by `coordinator history` and `submit --baseline`.
//
// Several processes may use one store at once (WAL mode, a busy timeout):
// two local submits writing it together both succeed. Within a process one
// ResultsStore may be shared by threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "farm.pb.h"
#include "gene/coordinator/comparison.h"
#include "gene/coordinator/manifest.h"

namespace gene::coordinator {

namespace v1 = ::gene::farm::v1;

namespace sqlite {
class Database;
}

// Where local mode keeps its store: $XDG_DATA_HOME/gene-farm/results.sqlite,
// else ~/.local/share/gene-farm/results.sqlite. FAILED_PRECONDITION when
// neither XDG_DATA_HOME nor HOME is set.
absl::StatusOr<std::string> default_store_path();

// `--store none`: record nothing.
inline constexpr const char* kNoStore = "none";

// SHA-256 (hex) of the manifest's text and every program it names (file
// as written, and text): two runs with one hash ran the same code.
std::string manifest_hash(const std::string& manifest_text, const Suite& suite);
// What makes two machines' times comparable: cpu model, cores, memory and
// arch, hashed (16 hex digits).
std::string hardware_fingerprint(const v1::WorkerInfo& worker);
// The time now, RFC 3339 in UTC: 2026-12-07T02:42:43Z.
std::string utc_now();

// A run as it starts.
struct RunStart {
  std::string suite;
  std::string manifest_hash;
  std::string mode;     // "local" or "remote"
  std::string options;  // the overrides it ran with: "--filter fib --repetitions 3"
  uint32_t jobs_planned = 0;
  std::string started_at;  // RFC 3339 UTC; "" = now
};

struct StoredBuild {
  std::string version, commit, build_id;
  bool dirty = false;
};

// The commit as labels show it: "abc123", "abc123-dirty".
std::string commit_label(const StoredBuild& build);

struct StoredJob {
  int64_t id = 0, run_id = 0;
  std::string name, benchmark, params, status, error, value, worker, hardware, hardware_fingerprint;
  std::string finished_at;
  StoredBuild vm;  // without version (the run has it)
  uint32_t repetitions = 0, iterations = 0, attempts = 0;
  std::optional<double> cpu_seconds, wall_seconds;  // medians per run
  std::optional<double> instructions;              // median
  bool noisy = false;
  std::vector<std::pair<std::string, std::string>> noise_reasons;  // kind, text
  std::vector<std::pair<std::string, std::string>> verdicts;       // metric, verdict (submit --baseline, compare)
};

struct StoredRun {
  int64_t id = 0;
  std::string suite, manifest_hash, started_at, finished_at, status, mode, recorded_by, options;
  std::string hardware, hardware_fingerprint;
  StoredBuild vm;
  uint32_t jobs_planned = 0;
  std::vector<StoredJob> jobs;  // in the order they were recorded
};

// One run's value of a job, for its history.
struct JobPoint {
  int64_t run_id = 0;
  std::string started_at;
  double cpu_seconds = 0;
  bool noisy = false;
  StoredBuild vm;
};

// A statistic's median in a stored job.
struct StoredStatistic {
  double value = 0;
  bool exact = false;
};

class ResultsStore {
 public:
  enum class Access { ReadWrite, ReadOnly };

  // Opens the store at `path`: read-write creates it (and its directory)
  // when missing, turns on WAL mode and migrates an older schema (after
  // copying the file to PATH.v<N>.bak); read-only needs it to exist.
  // FAILED_PRECONDITION (naming the path and what to do) when the file is
  // unreadable, not a results store, corrupt, from a newer version of the
  // farm, or not writable for read-write.
  static absl::StatusOr<std::unique_ptr<ResultsStore>> open(const std::string& path, Access access);
  ~ResultsStore();

  const std::string& path() const { return path_; }
  int schema_version() const { return schema_version_; }
  // What open() did to the schema: "created", "migrated from version 1 to
  // 2 (the old file is kept as PATH.v1.bak)", or "".
  const std::string& schema_note() const { return schema_note_; }

  // --- writing: one transaction per call; FAILED_PRECONDITION (naming the
  // store and SQLite's words) on a failure.

  // The run row, before any job runs.
  absl::StatusOr<int64_t> begin_run(const RunStart& run);
  // A finished job (status, value, calibration, conditions, noise, targets,
  // every repetition and statistic, medians), as it finishes. `worker` is
  // where it ran (empty when it never reached one); the run's hardware and
  // build are completed from it.
  absl::Status record_job(int64_t run_id, const v1::JobOutcome& job, const v1::WorkerInfo& worker);
  // The run ended (finished_at, status `finished` or `cancelled`).
  absl::Status finish_run(int64_t run_id, bool cancelled);
  // Verdicts on run `run_id`; `source` is "baseline" or "compare".
  absl::Status record_comparisons(int64_t run_id, const std::string& source,
                                  const std::vector<Comparison>& comparisons);

  // --- reading: FAILED_PRECONDITION ("cannot read PATH: ...") on a failure.

  struct RunFilter {
    std::string suite;         // "" = every suite
    size_t last = 0;           // the newest N (0 = all)
    std::optional<int64_t> id;  // just this run
  };
  // Runs newest first, with their jobs.
  absl::StatusOr<std::vector<StoredRun>> runs(const RunFilter& filter);

  // The newest job named `name` on `hardware` that ended ok in a run of
  // `suite` older than `before_run` (by id), or only in run `in_run` when
  // set, or only from a build whose commit starts with `commit` when set.
  struct JobLookup {
    std::string suite, name, hardware;
    int64_t before_run = INT64_MAX;
    std::optional<int64_t> in_run;
    std::string commit;  // a prefix; "-dirty" at its end matches dirty builds only
  };
  // nullopt when there is none.
  absl::StatusOr<std::optional<StoredJob>> find_job(const JobLookup& lookup);

  // The CPU time medians of job `name` on `hardware` in runs of `suite`
  // up to and including run `up_to_run`, oldest first: the last `limit`
  // that ended ok (and were not noisy, with `quiet_only`).
  absl::StatusOr<std::vector<JobPoint>> job_history(const std::string& suite, const std::string& name,
                                                    const std::string& hardware, int64_t up_to_run, size_t limit,
                                                    bool quiet_only);

  // Every statistic's median of a stored job.
  absl::StatusOr<std::map<std::string, StoredStatistic>> job_statistics(int64_t job_id);

  // Whether some run of `suite` was made by a build whose commit starts
  // with `commit` ("-dirty" at its end: a dirty build of it), and the
  // commits the suite's runs have (newest first, at most `max`), for
  // messages.
  absl::StatusOr<bool> has_commit(const std::string& suite, const std::string& commit);
  std::vector<std::string> recent_commits(const std::string& suite, size_t max);

 private:
  ResultsStore() = default;
  absl::Status prepare_schema();
  // "cannot read PATH: <SQLite's last error>".
  absl::Status read_error() const;

  std::mutex mu_;  // one connection, one transaction at a time
  std::unique_ptr<sqlite::Database> db_;
  std::string path_;
  int schema_version_ = 0;
  std::string schema_note_;
  bool read_only_ = false;
};

}  // namespace gene::coordinator
