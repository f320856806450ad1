// Opening the results store (checks, WAL, migrations) and writing it.
// Reading is in results_store_read.cc.
#include "gene/coordinator/results_store.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <thread>

#include "gene/coordinator/farm_metrics.h"
#include "gene/coordinator/results.h"
#include "sqlite_db.h"
#include "store_schema.h"

namespace gene::coordinator {

namespace fs = std::filesystem;

namespace {

// How long a writer waits for another process's transaction. Jobs are
// written in milliseconds, so this is only ever reached when something
// holds the store far longer (a stuck process, a long sqlite3 session).
constexpr int kBusyTimeoutMs = 30000;

std::string hex(const unsigned char* bytes, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

// SHA-256 over the parts, each preceded by its length so that the split
// between parts counts.
std::string sha256(const std::vector<std::string>& parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (const auto& p : parts) {
    std::string length = std::to_string(p.size()) + ":";
    EVP_DigestUpdate(ctx, length.data(), length.size());
    EVP_DigestUpdate(ctx, p.data(), p.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  return hex(digest, n);
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

const char* target_outcome_word(v1::TargetOutcome outcome) {
  switch (outcome) {
    case v1::TARGET_OUTCOME_MET: return "met";
    case v1::TARGET_OUTCOME_MISSED: return "missed";
    default: return "not_applicable";
  }
}

}  // namespace

absl::StatusOr<std::string> default_store_path() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  // The XDG spec: a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && *xdg == '/') return (fs::path(xdg) / "gene-farm" / "results.sqlite").string();
  const char* home = std::getenv("HOME");
  if (home && *home) return (fs::path(home) / ".local" / "share" / "gene-farm" / "results.sqlite").string();
  return absl::FailedPreconditionError("neither XDG_DATA_HOME nor HOME is set: give --store PATH (or --store none)");
}

std::string manifest_hash(const std::string& manifest_text, const Suite& suite) {
  std::vector<std::string> parts = {manifest_text};
  for (const auto& b : suite.benchmarks) {
    parts.push_back(b.file);
    parts.push_back(b.program);
  }
  return sha256(parts);
}

std::string hardware_fingerprint(const v1::WorkerInfo& worker) {
  return sha256({worker.cpu_model(), std::to_string(worker.cores()), std::to_string(worker.memory_bytes()),
                 worker.arch()})
      .substr(0, 16);
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string commit_label(const StoredBuild& build) {
  if (build.commit.empty()) return "unknown";
  return build.commit + (build.dirty ? "-dirty" : "");
}

ResultsStore::~ResultsStore() = default;

absl::StatusOr<std::unique_ptr<ResultsStore>> ResultsStore::open(const std::string& path, Access access) {
  const bool read_only = access == Access::ReadOnly;
  auto fail = [&](const std::string& why) {
    return absl::FailedPreconditionError("results store " + path + ": " + why);
  };
  if (path.empty()) return fail("no path given");
  std::error_code ec;
  fs::path file(path);
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  const bool exists = fs::exists(file, ec);
  if (exists && fs::is_directory(file, ec)) return fail("is a directory, not a file");
  // A pipe or a device would block SQLite's first read, or feed it anything.
  if (exists && !fs::is_regular_file(file, ec)) return fail("not a regular file");
  if (read_only) {
    if (!exists) return fail("no such file (nothing has been recorded there yet)");
    if (::access(path.c_str(), R_OK) != 0) return fail(std::string("cannot read it: ") + std::strerror(errno));
  } else {
    if (!fs::exists(dir, ec) && !fs::create_directories(dir, ec))
      return fail("cannot create its directory " + dir.string() + ": " + ec.message());
    // WAL mode keeps two files beside the store (-wal, -shm): the directory
    // must be writable as well as the file.
    if (::access(dir.c_str(), W_OK) != 0)
      return fail("its directory " + dir.string() + " is not writable (" + std::strerror(errno) +
                  "): give a writable --store PATH, or --store none");
    if (exists && ::access(path.c_str(), R_OK | W_OK) != 0)
      return fail(std::string("cannot read and write it: ") + std::strerror(errno) +
                  " (give a writable --store PATH, or --store none)");
  }

  auto db = sqlite::Database::open(path, read_only, kBusyTimeoutMs);
  if (!db.ok()) return fail(std::string(db.status().message()));
  std::unique_ptr<ResultsStore> store(new ResultsStore());
  store->db_ = *std::move(db);
  store->path_ = path;
  store->read_only_ = read_only;
  if (absl::Status schema = store->prepare_schema(); !schema.ok()) return fail(std::string(schema.message()));
  return store;
}

absl::Status ResultsStore::prepare_schema() {
  sqlite::Database& db = *db_;
  // Reading the header and the schema: a file that is not a database, or
  // is corrupt where SQLite first looks, fails here.
  // One statement, so one snapshot: read one by one, another process that
  // creates the schema in between makes a fresh store look like a foreign
  // database (tables, but application_id 0).
  std::optional<int64_t> app_id, version, tables;
  if (auto header = db.prepare(
          "SELECT (SELECT application_id FROM pragma_application_id), "
          "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)");
      header && header->next()) {
    app_id = header->integer(0);
    version = header->integer(1);
    tables = header->integer(2);
  }
  if (!app_id || !version || !tables) {
    if ((db.error_code() & 0xff) == SQLITE_NOTADB || (db.error_code() & 0xff) == SQLITE_CORRUPT)
      return absl::FailedPreconditionError("not an SQLite database, or a corrupt one (" + db.error() + ")");
    return absl::FailedPreconditionError("cannot read it: " + db.error());
  }
  const int latest = store_schema::latest_version();
  const bool fresh = *tables == 0 && *app_id == 0 && *version == 0;
  if (!fresh && *app_id != store_schema::kApplicationId) 
    return absl::FailedPreconditionError("an SQLite database, but not a Gene farm results store (application_id " + std::to_string(*app_id) +
            "): give another --store PATH");

  if (*version > latest) 
    return absl::FailedPreconditionError("its schema version is " + std::to_string(*version) + ", newer than this coordinator knows (" +
            std::to_string(latest) + "): it was written by a newer version of the farm; use that version");

  schema_version_ = int(*version);
  if (read_only_) {
    if (fresh) 
      return absl::FailedPreconditionError("empty: not a results store yet");

    // Reading touches the main tables: a corrupt one fails here.
    if (!db.integer("SELECT count(*) FROM runs")) 
      return absl::FailedPreconditionError("cannot read its runs: " + db.error());

    return absl::OkStatus();
  }

  if (db.read_only()) 
    return absl::FailedPreconditionError("opened read-only (the file or its file system is read-only): give a writable --store PATH, or --store none");

  {
    // Changing the journal mode does not wait on SQLite's busy handler: a
    // process that creates the store at the same moment makes it fail with
    // "locked" at once, so it waits here as long as a write would.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (;;) {
      auto mode = db.prepare("PRAGMA journal_mode=WAL");
      if (mode && mode->next() && mode->text(0) == "wal") {
        mode->run();
        break;
      }
      const int code = db.error_code() & 0xff;
      if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || std::chrono::steady_clock::now() > give_up) 
        return absl::FailedPreconditionError("cannot turn on WAL mode: " + (db.error().empty() ? std::string("the file system refused") : db.error()));

      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // FULL: each job's transaction is on disk when it commits.
  if (!db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON")) 
    return absl::FailedPreconditionError(db.error());


  if (schema_version_ > 0 && schema_version_ < latest) {
    // Keep the old file as it was, whatever happens next.
    std::string backup = path_ + ".v" + std::to_string(schema_version_) + ".bak";
    std::error_code ec;
    for (int i = 2; fs::exists(backup, ec); ++i)
      backup = path_ + ".v" + std::to_string(schema_version_) + ".bak." + std::to_string(i);
    auto vacuum = db.prepare("VACUUM INTO ?");
    if (!vacuum || !vacuum->bind(backup).run()) 
      return absl::FailedPreconditionError("cannot copy it to " + backup + " before migrating it: " + db.error());

    schema_note_ = "migrated from schema version " + std::to_string(schema_version_) + " to " +
                   std::to_string(latest) + " (the old file is kept as " + backup + ")";
  } else if (schema_version_ == 0) {
    schema_note_ = "created";
  }
  if (schema_version_ < latest) {
    // Every step in one transaction: a store being created or migrated is
    // never seen half-way (at version 1 of a fresh store, another process
    // would take it for an old store and back it up).
    sqlite::Transaction txn(db);
    // Another process may have migrated it while this one waited for the lock.
    auto now = txn.begun() ? db.integer("PRAGMA user_version") : std::nullopt;
    if (!now) 
      return absl::FailedPreconditionError("cannot migrate it: " + db.error());

    for (const auto& m : store_schema::migrations()) {
      if (m.version <= *now) continue;
      std::string sql = std::string(m.sql) + "\nPRAGMA user_version = " + std::to_string(m.version) + ";\n";
      if (m.version == 1) sql += "PRAGMA application_id = " + std::to_string(store_schema::kApplicationId) + ";\n";
      if (!db.exec(sql)) 
        return absl::FailedPreconditionError("migration to schema version " + std::to_string(m.version) + " failed (nothing changed): " + db.error());

    }
    if (!txn.commit()) 
      return absl::FailedPreconditionError("cannot migrate it: " + db.error());

    schema_version_ = latest;
  }
  // A writable store takes the write lock: a file SQLite can only read
  // fails here, before anything runs.
  sqlite::Transaction probe(db);
  if (!probe.begun() || !probe.commit()) 
    return absl::FailedPreconditionError("cannot write to it: " + db.error());

  if (!db.integer("SELECT count(*) FROM runs")) 
    return absl::FailedPreconditionError("cannot read its runs: " + db.error());

  return absl::OkStatus();
}

absl::StatusOr<int64_t> ResultsStore::begin_run(const RunStart& run) {
  std::lock_guard lock(mu_);
  sqlite::Database& db = *db_;
  auto insert = db.prepare(
      "INSERT INTO runs (suite, manifest_hash, started_at, mode, recorded_by, options, jobs_planned) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!insert || !insert->bind(run.suite, run.manifest_hash, run.started_at.empty() ? utc_now() : run.started_at,
                               run.mode, host_name(), run.options, run.jobs_planned)
                      .run())
    return absl::FailedPreconditionError("cannot record the run in " + path_ + ": " + db.error());
  return db.last_insert_rowid();
}

absl::Status ResultsStore::record_job(int64_t run_id, const v1::JobOutcome& job, const v1::WorkerInfo& worker) {
  std::lock_guard lock(mu_);
  sqlite::Database& db = *db_;
  auto fail = [&] {
    return absl::FailedPreconditionError("cannot record job " + job.job_name() + " in " + path_ + ": " + db.error());
  };
  sqlite::Transaction txn(db);
  if (!txn.begun()) return fail();

  const v1::JobResult& r = job.result();
  const v1::Calibration& cal = r.calibration();
  const v1::JobConditions& cond = r.conditions();
  const bool ran = !worker.name().empty();
  auto wall = summarize(wall_seconds(r));
  auto cpu = summarize(cpu_seconds(r));
  std::string error_text = r.error_message();
  auto insert_job = db.prepare(
      "INSERT INTO jobs (run_id, name, benchmark, params, status, error, value, finished_at, worker, hardware, "
      "hardware_fingerprint, vm_commit, vm_dirty, vm_build_id, attempts, job_seconds, repetitions, wall_seconds, "
      "cpu_seconds, min_time_seconds, iterations, calibration_run_seconds, calibration_runs, calibration_limited, "
      "load_average, machine_cpus, cpu_governor, cpu_boost, jobs_beside, noisy) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert_job) return fail();
  if (!insert_job
           ->bind(run_id, job.job_name(), job.benchmark(), params_label(job), status_label(r.status()), error_text, r.value(),
                  utc_now(), r.worker(), job.hardware(), ran ? hardware_fingerprint(worker) : std::string(),
                  worker.vm().commit(), worker.vm().dirty(), worker.vm().build_id(), job.attempts(),
                  r.job_seconds() > 0 ? std::optional<double>(r.job_seconds()) : std::nullopt,
                  uint32_t(r.repetitions_size()), wall ? std::optional<double>(wall->median) : std::nullopt,
                  cpu ? std::optional<double>(cpu->median) : std::nullopt,
                  r.has_calibration() ? std::optional<double>(cal.min_time_seconds()) : std::nullopt,
                  r.has_calibration() ? int64_t(std::max<uint32_t>(1, cal.iterations())) : int64_t(0),
                  r.has_calibration() ? std::optional<double>(cal.run_seconds()) : std::nullopt, cal.runs(),
                  cal.limited_by_deadline(),
                  cond.has_load_average() ? std::optional<double>(cond.load_average()) : std::nullopt,
                  cond.machine_cpus(), cond.cpu_governor(), cond.cpu_boost(),
                  std::max(cond.jobs_beside(), job.jobs_beside_on_host()), job.noisy())
           .run())
    return fail();
  const int64_t job_id = db.last_insert_rowid();

  auto reason = db.prepare("INSERT OR REPLACE INTO noise_reasons (job_id, kind, text) VALUES (?, ?, ?)");
  if (!reason) return fail();
  for (const auto& n : job.noise_reasons())
    if (!reason->bind(job_id, n.kind(), n.text()).run()) return fail();

  const std::set<std::string> exact(job.exact_statistics().begin(), job.exact_statistics().end());
  auto rep_row = db.prepare(
      "INSERT INTO repetitions (job_id, repetition, wall_seconds, cpu_seconds, iterations, "
      "involuntary_context_switches, voluntary_context_switches) VALUES (?, ?, ?, ?, ?, ?, ?)");
  auto stat_row = db.prepare("INSERT INTO statistics (job_id, repetition, name, value, exact) VALUES (?, ?, ?, ?, ?)");
  if (!rep_row || !stat_row) return fail();
  for (int i = 0; i < r.repetitions_size(); ++i) {
    const v1::Repetition& rep = r.repetitions(i);
    if (!rep_row
             ->bind(job_id, i, rep.wall_seconds(), rep.cpu_seconds(), std::max<uint32_t>(1, rep.iterations()),
                    rep.involuntary_context_switches(), rep.voluntary_context_switches())
             .run())
      return fail();
    // Sorted, so that rows are written in one order whatever the map's.
    std::map<std::string, double> stats(rep.statistics().begin(), rep.statistics().end());
    for (const auto& [name, value] : stats)
      if (std::isfinite(value) && !stat_row->bind(job_id, i, name, value, exact.count(name) > 0).run()) return fail();
  }
  std::map<std::string, double> medians(job.median_statistics().begin(), job.median_statistics().end());
  for (const auto& [name, value] : medians)
    if (std::isfinite(value) && !stat_row->bind(job_id, nullptr, name, value, exact.count(name) > 0).run())
      return fail();

  auto target = db.prepare(
      "INSERT OR REPLACE INTO targets (job_id, statistic, op, threshold, value, outcome) VALUES (?, ?, ?, ?, ?, ?)");
  if (!target) return fail();
  for (const auto& t : job.targets())
    if (!target
             ->bind(job_id, t.statistic(), t.op(), t.threshold(),
                    t.has_value() ? std::optional<double>(t.value()) : std::nullopt, target_outcome_word(t.outcome()))
             .run())
      return fail();

  if (ran) {
    // The run's hardware and build: the distinct values of its jobs'.
    auto add = [](const char* column) {
      return std::string(column) + " = CASE WHEN ?1 = '' OR instr(',' || " + column + " || ',', ',' || ?1 || ',') > 0 " +
             "THEN " + column + " WHEN " + column + " = '' THEN ?1 ELSE " + column + " || ',' || ?1 END";
    };
    const std::pair<const char*, std::string> columns[] = {
        {"hardware", job.hardware()},          {"hardware_fingerprint", hardware_fingerprint(worker)},
        {"vm_version", worker.vm().version()}, {"vm_commit", worker.vm().commit()},
        {"vm_build_id", worker.vm().build_id()}};
    for (const auto& [column, value] : columns) {
      auto update = db.prepare("UPDATE runs SET " + add(column) + " WHERE id = ?2");
      if (!update || !update->bind(value, run_id).run()) return fail();
    }
    auto dirty = db.prepare("UPDATE runs SET vm_dirty = vm_dirty OR ? WHERE id = ?");
    if (!dirty || !dirty->bind(worker.vm().dirty(), run_id).run()) return fail();
  }
  if (!txn.commit()) return fail();
  return absl::OkStatus();
}

absl::Status ResultsStore::finish_run(int64_t run_id, bool cancelled) {
  std::lock_guard lock(mu_);
  auto update = db_->prepare("UPDATE runs SET finished_at = ?, status = ? WHERE id = ?");
  if (!update || !update->bind(utc_now(), cancelled ? "cancelled" : "finished", run_id).run())
    return absl::FailedPreconditionError("cannot record the end of run " + std::to_string(run_id) + " in " + path_ +
                                         ": " + db_->error());
  return absl::OkStatus();
}

absl::Status ResultsStore::record_comparisons(int64_t run_id, const std::string& source,
                                              const std::vector<Comparison>& comparisons) {
  std::lock_guard lock(mu_);
  sqlite::Database& db = *db_;
  auto fail = [&] {
    return absl::FailedPreconditionError("cannot record the comparisons of run " + std::to_string(run_id) + " in " +
                                         path_ + ": " + db.error());
  };
  sqlite::Transaction txn(db);
  auto insert = db.prepare(
      "INSERT INTO comparisons (run_id, baseline_run_id, source, job, metric, verdict, ratio, ci_low, ci_high, "
      "baseline_median, candidate_median, threshold, history_runs, reason) "
      "VALUES (?, nullif(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, -1), ?)");
  if (!txn.begun() || !insert) return fail();
  for (const Comparison& c : comparisons) {
    if (!insert
             ->bind(run_id, c.baseline_run.value_or(0), source, c.name, c.metric, verdict_word(c.verdict), c.ratio,
                    c.ci_low, c.ci_high, c.baseline_median, c.candidate_median, c.threshold,
                    c.history_runs ? int64_t(*c.history_runs) : int64_t(-1), c.reason)
             .run())
      return fail();
  }
  if (!txn.commit()) return fail();
  return absl::OkStatus();
}

}  // namespace gene::coordinator
