// Reading the results store: runs with their jobs, a job's stored history
// and statistics, and the lookups `submit --baseline` needs.
#include <algorithm>
#include <cctype>

#include "gene/coordinator/results_store.h"
#include "sqlite_db.h"

namespace gene::coordinator {

namespace {

// The columns read_job() reads, from `jobs j`.
constexpr const char* kJobColumns =
    "j.id, j.run_id, j.name, j.benchmark, j.params, j.status, j.error, j.value, j.worker, j.hardware, "
    "j.hardware_fingerprint, j.finished_at, j.vm_commit, j.vm_dirty, j.vm_build_id, j.repetitions, "
    "ifnull(j.iterations, 0), j.attempts, j.cpu_seconds, j.wall_seconds, j.noisy, "
    "(SELECT s.value FROM statistics s WHERE s.job_id = j.id AND s.name = 'instructions' AND s.repetition IS NULL)";

StoredJob read_job(const sqlite::Statement& s) {
  StoredJob j;
  j.id = s.integer(0);
  j.run_id = s.integer(1);
  j.name = s.text(2);
  j.benchmark = s.text(3);
  j.params = s.text(4);
  j.status = s.text(5);
  j.error = s.text(6);
  j.value = s.text(7);
  j.worker = s.text(8);
  j.hardware = s.text(9);
  j.hardware_fingerprint = s.text(10);
  j.finished_at = s.text(11);
  j.vm.commit = s.text(12);
  j.vm.dirty = s.integer(13) != 0;
  j.vm.build_id = s.text(14);
  j.repetitions = uint32_t(s.integer(15));
  j.iterations = uint32_t(s.integer(16));
  j.attempts = uint32_t(s.integer(17));
  j.cpu_seconds = s.optional_real(18);
  j.wall_seconds = s.optional_real(19);
  j.noisy = s.integer(20) != 0;
  j.instructions = s.optional_real(21);
  return j;
}

// A commit as given on the command line: lower case, and whether it asks
// for a dirty build ("abc123-dirty").
struct CommitPattern {
  std::string prefix;
  bool dirty_only = false;
};

CommitPattern commit_pattern(std::string commit) {
  CommitPattern p;
  for (char& c : commit) c = char(std::tolower(static_cast<unsigned char>(c)));
  const std::string suffix = "-dirty";
  if (commit.size() > suffix.size() && commit.compare(commit.size() - suffix.size(), suffix.size(), suffix) == 0) {
    p.dirty_only = true;
    commit.resize(commit.size() - suffix.size());
  }
  p.prefix = commit;
  return p;
}

// SQL matching jobs j whose commit and the pattern (?N, dirty ?M) start
// alike: a short stored hash matches the full one given, and a short one
// given matches the stored hash.
std::string commit_condition(int pattern, int dirty_only) {
  std::string p = "?" + std::to_string(pattern), d = "?" + std::to_string(dirty_only);
  return "(" + p + " = '' OR ((j.vm_commit <> '' AND substr(" + p + ", 1, length(j.vm_commit)) = j.vm_commit OR " +
         "substr(j.vm_commit, 1, length(" + p + ")) = " + p + ") AND (" + d + " = 0 OR j.vm_dirty = 1)))";
}

}  // namespace

absl::Status ResultsStore::read_error() const {
  return absl::FailedPreconditionError("cannot read " + path_ + ": " + db_->error());
}

absl::StatusOr<std::vector<StoredRun>> ResultsStore::runs(const RunFilter& filter) {
  std::lock_guard lock(mu_);
  sqlite::Database& db = *db_;
  auto fail = [&] { return read_error(); };
  auto q = db.prepare(
      "SELECT id, suite, manifest_hash, started_at, ifnull(finished_at, ''), status, mode, recorded_by, options, "
      "hardware, hardware_fingerprint, vm_version, vm_commit, vm_dirty, vm_build_id, jobs_planned FROM runs "
      "WHERE (?1 = '' OR suite = ?1) AND (?2 = 0 OR id = ?2) ORDER BY id DESC LIMIT ?3");
  auto jobs = db.prepare(std::string("SELECT ") + kJobColumns + " FROM jobs j WHERE j.run_id = ? ORDER BY j.id");
  auto reasons = db.prepare(
      "SELECT n.job_id, n.kind, n.text FROM noise_reasons n JOIN jobs j ON j.id = n.job_id WHERE j.run_id = ? "
      "ORDER BY n.rowid");
  if (!q || !jobs || !reasons) return fail();
  std::vector<StoredRun> out;
  q->bind(filter.suite, filter.id.value_or(0), filter.last ? int64_t(filter.last) : int64_t(-1));
  while (q->next()) {
    StoredRun r;
    r.id = q->integer(0);
    r.suite = q->text(1);
    r.manifest_hash = q->text(2);
    r.started_at = q->text(3);
    r.finished_at = q->text(4);
    r.status = q->text(5);
    r.mode = q->text(6);
    r.recorded_by = q->text(7);
    r.options = q->text(8);
    r.hardware = q->text(9);
    r.hardware_fingerprint = q->text(10);
    r.vm.version = q->text(11);
    r.vm.commit = q->text(12);
    r.vm.dirty = q->integer(13) != 0;
    r.vm.build_id = q->text(14);
    r.jobs_planned = uint32_t(q->integer(15));
    out.push_back(std::move(r));
  }
  if (!q->ok()) return fail();
  for (StoredRun& r : out) {
    jobs->bind(r.id);
    while (jobs->next()) r.jobs.push_back(read_job(*jobs));
    if (!jobs->ok()) return fail();
    reasons->bind(r.id);
    while (reasons->next()) {
      int64_t job_id = reasons->integer(0);
      for (StoredJob& j : r.jobs)
        if (j.id == job_id) j.noise_reasons.emplace_back(reasons->text(1), reasons->text(2));
    }
    if (!reasons->ok()) return fail();
  }
  if (schema_version_ >= 2) {
    auto verdicts = db.prepare(
        "SELECT job, metric, verdict FROM comparisons WHERE run_id = ? ORDER BY id");
    if (!verdicts) return fail();
    for (StoredRun& r : out) {
      verdicts->bind(r.id);
      while (verdicts->next()) {
        std::string name = verdicts->text(0);
        for (StoredJob& j : r.jobs)
          if (j.name == name) j.verdicts.emplace_back(verdicts->text(1), verdicts->text(2));
      }
      if (!verdicts->ok()) return fail();
    }
  }
  return out;
}

absl::StatusOr<std::optional<StoredJob>> ResultsStore::find_job(const JobLookup& lookup) {
  std::lock_guard lock(mu_);
  CommitPattern commit = commit_pattern(lookup.commit);
  auto q = db_->prepare(std::string("SELECT ") + kJobColumns +
                        " FROM jobs j JOIN runs r ON r.id = j.run_id "
                        "WHERE r.suite = ?1 AND j.name = ?2 AND j.hardware = ?3 AND j.status = 'ok' AND j.run_id < ?4 "
                        "AND (?5 = 0 OR j.run_id = ?5) AND " +
                        commit_condition(6, 7) + " ORDER BY j.run_id DESC LIMIT 1");
  if (!q) return read_error();
  q->bind(lookup.suite, lookup.name, lookup.hardware, lookup.before_run, lookup.in_run.value_or(0), commit.prefix,
          commit.dirty_only);
  std::optional<StoredJob> job;
  if (q->next()) {
    job = read_job(*q);
    q->run();
  }
  if (!q->ok()) return read_error();
  return job;
}

absl::StatusOr<std::vector<JobPoint>> ResultsStore::job_history(const std::string& suite, const std::string& name,
                                                                const std::string& hardware, int64_t up_to_run,
                                                                size_t limit, bool quiet_only) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare(
      "SELECT j.run_id, r.started_at, j.cpu_seconds, j.noisy, j.vm_commit, j.vm_dirty, j.vm_build_id "
      "FROM jobs j JOIN runs r ON r.id = j.run_id "
      "WHERE r.suite = ? AND j.name = ? AND j.hardware = ? AND j.status = 'ok' AND j.cpu_seconds > 0 "
      "AND j.run_id <= ? AND (? = 0 OR j.noisy = 0) ORDER BY j.run_id DESC LIMIT ?");
  if (!q) return read_error();
  std::vector<JobPoint> points;
  q->bind(suite, name, hardware, up_to_run, quiet_only, int64_t(limit));
  while (q->next()) {
    JobPoint p;
    p.run_id = q->integer(0);
    p.started_at = q->text(1);
    p.cpu_seconds = q->real(2);
    p.noisy = q->integer(3) != 0;
    p.vm.commit = q->text(4);
    p.vm.dirty = q->integer(5) != 0;
    p.vm.build_id = q->text(6);
    points.push_back(std::move(p));
  }
  if (!q->ok()) return read_error();
  std::reverse(points.begin(), points.end());
  return points;
}

absl::StatusOr<std::map<std::string, StoredStatistic>> ResultsStore::job_statistics(int64_t job_id) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("SELECT name, value, exact FROM statistics WHERE job_id = ? AND repetition IS NULL");
  if (!q) return read_error();
  std::map<std::string, StoredStatistic> out;
  q->bind(job_id);
  while (q->next()) out[q->text(0)] = StoredStatistic{q->real(1), q->integer(2) != 0};
  if (!q->ok()) return read_error();
  return out;
}

absl::StatusOr<bool> ResultsStore::has_commit(const std::string& suite, const std::string& commit) {
  std::lock_guard lock(mu_);
  CommitPattern pattern = commit_pattern(commit);
  auto q = db_->prepare("SELECT 1 FROM jobs j JOIN runs r ON r.id = j.run_id WHERE r.suite = ?1 AND ?2 <> '' AND " +
                        commit_condition(2, 3) + " LIMIT 1");
  if (!q) return read_error();
  q->bind(suite, pattern.prefix, pattern.dirty_only);
  bool found = q->next();
  if (found) q->run();
  if (!q->ok()) return read_error();
  return found;
}

std::vector<std::string> ResultsStore::recent_commits(const std::string& suite, size_t max) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  auto q = db_->prepare(
      "SELECT j.vm_commit || CASE WHEN j.vm_dirty THEN '-dirty' ELSE '' END AS c FROM jobs j "
      "JOIN runs r ON r.id = j.run_id WHERE r.suite = ? AND j.vm_commit <> '' "
      "GROUP BY c ORDER BY max(j.run_id) DESC LIMIT ?");
  if (!q) return out;
  q->bind(suite, int64_t(max));
  while (q->next()) out.push_back(q->text(0));
  return out;
}

}  // namespace gene::coordinator
