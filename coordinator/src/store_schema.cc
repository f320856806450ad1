#include "store_schema.h"

namespace gene::coordinator::store_schema {

namespace {

// Version 1: runs, their jobs, every repetition and statistic.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE runs (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
  suite                TEXT NOT NULL,
  manifest_hash        TEXT NOT NULL,   -- SHA-256 of the manifest and its programs
  started_at           TEXT NOT NULL,   -- RFC 3339, UTC
  finished_at          TEXT,            -- NULL while running (or when its writer died)
  status               TEXT NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'finished', 'cancelled')),
  mode                 TEXT NOT NULL CHECK (mode IN ('local', 'remote')),
  recorded_by          TEXT NOT NULL DEFAULT '',  -- host name of the recording process
  options              TEXT NOT NULL DEFAULT '',  -- --filter, --repetitions, --min-time as given
  jobs_planned         INTEGER NOT NULL,
  -- Of the workers that ran its jobs (distinct values joined with ','):
  hardware             TEXT NOT NULL DEFAULT '',
  hardware_fingerprint TEXT NOT NULL DEFAULT '',
  vm_version           TEXT NOT NULL DEFAULT '',
  vm_commit            TEXT NOT NULL DEFAULT '',
  vm_dirty             INTEGER NOT NULL DEFAULT 0,
  vm_build_id          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_suite ON runs (suite, id);

CREATE TABLE jobs (
  id                      INTEGER PRIMARY KEY,
  run_id                  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name                    TEXT NOT NULL,   -- fib/n:30
  benchmark               TEXT NOT NULL,
  params                  TEXT NOT NULL,   -- n=30
  status                  TEXT NOT NULL,   -- ok, program_error, wrong_value, timeout, ...
  error                   TEXT NOT NULL DEFAULT '',
  value                   TEXT NOT NULL DEFAULT '',
  finished_at             TEXT NOT NULL,
  worker                  TEXT NOT NULL DEFAULT '',
  hardware                TEXT NOT NULL DEFAULT '',
  hardware_fingerprint    TEXT NOT NULL DEFAULT '',
  vm_commit               TEXT NOT NULL DEFAULT '',
  vm_dirty                INTEGER NOT NULL DEFAULT 0,
  vm_build_id             TEXT NOT NULL DEFAULT '',
  attempts                INTEGER NOT NULL DEFAULT 0,
  job_seconds             REAL,
  repetitions             INTEGER NOT NULL DEFAULT 0,
  wall_seconds            REAL,            -- median per run over the repetitions
  cpu_seconds             REAL,            -- median per run over the repetitions
  min_time_seconds        REAL,
  iterations              INTEGER,         -- calibrated runs per repetition (k)
  calibration_run_seconds REAL,
  calibration_runs        INTEGER,
  calibration_limited     INTEGER NOT NULL DEFAULT 0,
  load_average            REAL,
  machine_cpus            INTEGER,
  cpu_governor            TEXT NOT NULL DEFAULT '',
  cpu_boost               TEXT NOT NULL DEFAULT '',
  jobs_beside             INTEGER NOT NULL DEFAULT 0,
  noisy                   INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_id, name)
);
CREATE INDEX jobs_by_name ON jobs (name, hardware, run_id);

CREATE TABLE noise_reasons (
  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  kind   TEXT NOT NULL,
  text   TEXT NOT NULL,
  PRIMARY KEY (job_id, kind)
);

CREATE TABLE repetitions (
  job_id                       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  repetition                   INTEGER NOT NULL,  -- 0-based
  wall_seconds                 REAL NOT NULL,     -- per run
  cpu_seconds                  REAL NOT NULL,     -- per run
  iterations                   INTEGER NOT NULL,
  involuntary_context_switches INTEGER NOT NULL,
  voluntary_context_switches   INTEGER NOT NULL,
  PRIMARY KEY (job_id, repetition)
);

-- One row per statistic per repetition, and one for the job's median
-- (repetition NULL).
CREATE TABLE statistics (
  job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  repetition INTEGER,
  name       TEXT NOT NULL,
  value      REAL NOT NULL,
  exact      INTEGER NOT NULL DEFAULT 0  -- a deterministic count
);
CREATE UNIQUE INDEX statistics_key ON statistics (job_id, name, ifnull(repetition, -1));

CREATE TABLE targets (
  job_id    INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  statistic TEXT NOT NULL,
  op        TEXT NOT NULL,
  threshold REAL NOT NULL,
  value     REAL,
  outcome   TEXT NOT NULL CHECK (outcome IN ('met', 'missed', 'not_applicable')),
  PRIMARY KEY (job_id, statistic)
);
)sql";

// Version 2: verdicts against a baseline (submit --baseline, compare).
constexpr const char* kVersion2 = R"sql(
CREATE TABLE comparisons (
  id               INTEGER PRIMARY KEY,
  run_id           INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,  -- the run judged
  baseline_run_id  INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  source           TEXT NOT NULL CHECK (source IN ('baseline', 'compare')),
  job              TEXT NOT NULL,
  metric           TEXT NOT NULL,
  verdict          TEXT NOT NULL CHECK (verdict IN ('slower', 'faster', 'same', 'inconclusive')),
  ratio            REAL,   -- candidate / baseline
  ci_low           REAL,
  ci_high          REAL,
  baseline_median  REAL,
  candidate_median REAL,
  threshold        REAL,   -- the relative change judged significant
  history_runs     INTEGER,
  reason           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX comparisons_by_run ON comparisons (run_id);
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1, "runs, jobs, repetitions, statistics, noise reasons and targets", kVersion1},
      {2, "comparisons: verdicts against a baseline", kVersion2},
  };
  return list;
}

int latest_version() { return migrations().back().version; }

}  // namespace gene::coordinator::store_schema
