#!/usr/bin/env python3
"""End-to-end tests of the results store: real `coordinator` and `worker`
processes, a real SQLite file, read back with the sqlite3 shell's library
(Python's sqlite3) and written at an old schema version by the sqlite3
shell itself; `history --html` rendered by headless Chromium.

Usage: history_e2e.py --coordinator PATH --worker PATH [unittest arguments]
       e.g. history_e2e.py --coordinator build/bin/coordinator \\
                           --worker build/bin/worker Baseline

Groups: Store, Baseline, BadStores, Migration, Coordinator, Html.
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import farmtest  # noqa: E402
from farmtest import FarmTest, SUITES, load_json  # noqa: E402


# A suite whose one job is named count/n:20000 whichever program the tree holds.
COUNT_SUITE = """\
suite: e2e_history
defaults: {repetitions: 3, warmup: 0, timeout: 30s, min_time: 0}
benchmarks:
  - name: count
    file: ../programs/count.gene
    params: {n: [20000]}
"""
COUNT = """\
(var n 1000)
(var i 0)
(while (i < n) (i = (i + 1)))
i
"""
# The same job doing 10% more work: 2000 more steps of the same loop.
COUNT_MORE = """\
(var n 1000)
(var m (n + 2000))
(var i 0)
(while (i < m) (i = (i + 1)))
i
"""

# Version 1 of the store's schema as it was first released, and a run in
# it: written with the sqlite3 shell, as an older farm would have left it.
SCHEMA_V1 = """\
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, suite TEXT NOT NULL, manifest_hash TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'cancelled')),
  mode TEXT NOT NULL CHECK (mode IN ('local', 'remote')), recorded_by TEXT NOT NULL DEFAULT '',
  options TEXT NOT NULL DEFAULT '', jobs_planned INTEGER NOT NULL,
  hardware TEXT NOT NULL DEFAULT '', hardware_fingerprint TEXT NOT NULL DEFAULT '',
  vm_version TEXT NOT NULL DEFAULT '', vm_commit TEXT NOT NULL DEFAULT '', vm_dirty INTEGER NOT NULL DEFAULT 0,
  vm_build_id TEXT NOT NULL DEFAULT '');
CREATE INDEX runs_by_suite ON runs (suite, id);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name TEXT NOT NULL, benchmark TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '', value TEXT NOT NULL DEFAULT '', finished_at TEXT NOT NULL,
  worker TEXT NOT NULL DEFAULT '', hardware TEXT NOT NULL DEFAULT '', hardware_fingerprint TEXT NOT NULL DEFAULT '',
  vm_commit TEXT NOT NULL DEFAULT '', vm_dirty INTEGER NOT NULL DEFAULT 0, vm_build_id TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0, job_seconds REAL, repetitions INTEGER NOT NULL DEFAULT 0,
  wall_seconds REAL, cpu_seconds REAL, min_time_seconds REAL, iterations INTEGER, calibration_run_seconds REAL,
  calibration_runs INTEGER, calibration_limited INTEGER NOT NULL DEFAULT 0, load_average REAL, machine_cpus INTEGER,
  cpu_governor TEXT NOT NULL DEFAULT '', cpu_boost TEXT NOT NULL DEFAULT '', jobs_beside INTEGER NOT NULL DEFAULT 0,
  noisy INTEGER NOT NULL DEFAULT 0, UNIQUE (run_id, name));
CREATE INDEX jobs_by_name ON jobs (name, hardware, run_id);
CREATE TABLE noise_reasons (job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, kind TEXT NOT NULL,
  text TEXT NOT NULL, PRIMARY KEY (job_id, kind));
CREATE TABLE repetitions (job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  repetition INTEGER NOT NULL, wall_seconds REAL NOT NULL, cpu_seconds REAL NOT NULL, iterations INTEGER NOT NULL,
  involuntary_context_switches INTEGER NOT NULL, voluntary_context_switches INTEGER NOT NULL,
  PRIMARY KEY (job_id, repetition));
CREATE TABLE statistics (job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, repetition INTEGER,
  name TEXT NOT NULL, value REAL NOT NULL, exact INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX statistics_key ON statistics (job_id, name, ifnull(repetition, -1));
CREATE TABLE targets (job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, statistic TEXT NOT NULL,
  op TEXT NOT NULL, threshold REAL NOT NULL, value REAL,
  outcome TEXT NOT NULL CHECK (outcome IN ('met', 'missed', 'not_applicable')), PRIMARY KEY (job_id, statistic));
INSERT INTO runs (suite, manifest_hash, started_at, finished_at, status, mode, jobs_planned, hardware, vm_version,
                  vm_commit, vm_build_id)
  VALUES ('e2e_small', 'old', '2026-01-02T03:04:05Z', '2026-01-02T03:04:09Z', 'finished', 'local', 1, 'x86_64',
          '0.1.0', 'c0ffee000001', '0123456789abcdef');
INSERT INTO jobs (run_id, name, benchmark, params, status, value, finished_at, worker, hardware, vm_commit,
                  repetitions, cpu_seconds, wall_seconds)
  VALUES (1, 'fib/n:12', 'fib', 'n=12', 'ok', '144', '2026-01-02T03:04:09Z', 'local', 'x86_64', 'c0ffee000001',
          1, 0.000016, 0.000017);
INSERT INTO repetitions VALUES (1, 0, 0.000017, 0.000016, 100, 0, 0);
INSERT INTO statistics VALUES (1, 0, 'instructions', {instructions}, 1), (1, NULL, 'instructions', {instructions}, 1);
PRAGMA application_id = 1195724358;
PRAGMA user_version = 1;
"""


def query(path, sql, *args):
    db = sqlite3.connect(path)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


class StoreTest(FarmTest):
    def setUp(self):
        super().setUp()
        self.store = self.out("results.sqlite")

    def submit(self, manifest, *args, **kw):
        return farmtest.submit(manifest, "--store", self.store, *args, **kw)

    def suite_tree(self, name, program):
        """A suite tree (suites/, programs/) with the count suite and `program`."""
        root = self.out(name)
        os.makedirs(os.path.join(root, "suites"))
        os.makedirs(os.path.join(root, "programs"))
        with open(os.path.join(root, "programs", "count.gene"), "w") as f:
            f.write(program)
        path = os.path.join(root, "suites", "history.yaml")
        with open(path, "w") as f:
            f.write(COUNT_SUITE)
        return path

    def history(self, *args):
        return subprocess.run([farmtest.COORDINATOR, "history", "--store", self.store] + list(args), capture_output=True,
                              text=True, timeout=60)


class Store(StoreTest):
    def test_three_submits_leave_three_runs_with_every_repetition(self):
        small = os.path.join(SUITES, "small.yaml")
        for _ in range(3):
            self.assertExit(self.submit(small, "--repetitions", "2", "--min-time", "0"), 0)
        runs = query(self.store, "SELECT id, suite, status, vm_commit, vm_build_id, hardware, finished_at, "
                                 "mode FROM runs ORDER BY id")
        self.assertEqual([r[0] for r in runs], [1, 2, 3])
        for _, suite, status, commit, build_id, hardware, finished_at, mode in runs:
            self.assertEqual((suite, status, mode), ("e2e_small", "finished", "local"))
            self.assertTrue(commit and re.fullmatch(r"[0-9a-f]{16}", build_id), (commit, build_id))
            self.assertTrue(hardware and finished_at)
        # Every job of every run, each with both its repetitions and their statistics.
        jobs = query(self.store, "SELECT run_id, count(*) FROM jobs WHERE status = 'ok' GROUP BY run_id")
        self.assertEqual(jobs, [(1, 4), (2, 4), (3, 4)])
        reps = query(self.store, "SELECT j.run_id, j.name, count(r.repetition) FROM jobs j "
                                 "JOIN repetitions r ON r.job_id = j.id GROUP BY j.id")
        self.assertEqual(len(reps), 12)
        self.assertTrue(all(n == 2 for _, _, n in reps), reps)
        per_rep = query(self.store, "SELECT count(*) FROM statistics s JOIN jobs j ON j.id = s.job_id "
                                    "WHERE j.run_id = 1 AND s.repetition = 0 AND s.name = 'instructions'")
        self.assertEqual(per_rep, [(4,)])
        self.assertEqual(query(self.store, "PRAGMA journal_mode"), [("wal",)])

        proc = self.history()
        self.assertExit(proc, 0)
        starts = [proc.stdout.index("run %d  " % i) for i in (3, 2, 1)]
        self.assertEqual(starts, sorted(starts), proc.stdout)  # newest first
        self.assertIn("fib/n:15", proc.stdout)
        proc = self.history("--json", self.out("h.json"), "--suite", "e2e_small", "--last", "2")
        self.assertExit(proc, 0)
        doc = load_json(self.out("h.json"))
        self.assertEqual([r["id"] for r in doc["runs"]], [3, 2])
        run = doc["runs"][0]
        self.assertRegex(run["started_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(set(run["vm"]), {"version", "commit", "dirty", "build_id"})
        job = run["jobs"][0]
        self.assertEqual(job["unit"], "s")
        self.assertGreater(job["median"], 0)
        self.assertEqual(job["previous_run"], 2)
        self.assertEqual(job["instructions_change"], 0)  # one build, one program: exact counts equal
        # --job filters jobs in linear time (RE2), refusing bad patterns clearly.
        proc = self.history("--job", "^fib/n:1[25]$", "--last", "1")
        self.assertExit(proc, 0)
        self.assertNotIn("count/", proc.stdout)
        self.assertExit(self.history("--job", "(a"), 2)

    def test_two_local_submits_write_one_store_at_once(self):
        small = os.path.join(SUITES, "small.yaml")
        argv = [farmtest.COORDINATOR, "submit", small, "--store", self.store, "--repetitions", "2", "--min-time", "0"]
        procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, out + err)
        self.assertEqual(query(self.store, "SELECT count(*) FROM runs WHERE status = 'finished'"), [(2,)])
        self.assertEqual(query(self.store, "SELECT count(*) FROM jobs WHERE status = 'ok'"), [(8,)])
        stored = sorted(int(re.search(r"stored: run (\d+) in", out).group(1)) for out, _ in outs)
        self.assertEqual(stored, [1, 2])

    def test_store_none_records_nothing_and_the_default_follows_xdg(self):
        small = os.path.join(SUITES, "small.yaml")
        env = dict(os.environ, XDG_DATA_HOME=self.out("xdg"))
        proc = subprocess.run([farmtest.COORDINATOR, "submit", small, "--repetitions", "1", "--min-time", "0"],
                              capture_output=True, text=True, timeout=120, env=env)
        self.assertExit(proc, 0)
        default = os.path.join(self.out("xdg"), "gene-farm", "results.sqlite")
        self.assertIn("stored: run 1 in " + default, proc.stdout)
        self.assertEqual(query(default, "SELECT count(*) FROM runs"), [(1,)])
        proc = subprocess.run([farmtest.COORDINATOR, "submit", small, "--repetitions", "1", "--min-time", "0",
                               "--store", "none"], capture_output=True, text=True, timeout=120, env=env)
        self.assertExit(proc, 0)
        self.assertNotIn("stored:", proc.stdout)
        self.assertEqual(query(default, "SELECT count(*) FROM runs"), [(1,)])


class Baseline(StoreTest):
    def test_unchanged_program_is_not_slower(self):
        suite = self.suite_tree("a", COUNT)
        self.assertExit(self.submit(suite), 0)
        proc = self.submit(suite, "--baseline", "latest", "--json", self.out("b.json"))
        self.assertExit(proc, 0)
        doc = load_json(self.out("b.json"))
        self.assertEqual(doc["baseline"], "latest")
        verdicts = {(c["name"], c["metric"]): c for c in doc["comparisons"]}
        self.assertEqual(verdicts[("count/n:20000", "instructions")]["verdict"], "same")
        self.assertEqual(verdicts[("count/n:20000", "instructions")]["baseline_run"], 1)
        # One earlier run is no history of noise: the time cannot be judged.
        self.assertEqual(verdicts[("count/n:20000", "cpu")]["verdict"], "inconclusive")
        self.assertIn("needed to know its noise", verdicts[("count/n:20000", "cpu")]["reason"])
        self.assertNotIn("slower", [c["verdict"] for c in doc["comparisons"]])
        self.assertEqual(doc["context"]["run_id"], 2)
        self.assertIn("verdicts: 0 slower", proc.stdout)
        # The shared shape of a comparisons entry.
        for key in ("name", "metric", "verdict", "ratio", "ci_low", "ci_high", "rounds", "seconds",
                    "baseline_median", "candidate_median", "exact", "reason"):
            self.assertIn(key, doc["comparisons"][0])
        # Verdicts are stored with the run; history shows them.
        self.assertEqual(query(self.store, "SELECT count(*) FROM comparisons WHERE run_id = 2"), [(2,)])

    def test_ten_percent_more_work_is_slower_on_instructions(self):
        before, after = self.suite_tree("a", COUNT), self.suite_tree("b", COUNT_MORE)
        self.assertExit(self.submit(before), 0)
        self.assertExit(self.submit(before), 0)
        proc = self.submit(after, "--baseline", "latest", "--json", self.out("b.json"))
        self.assertExit(proc, 1)
        doc = load_json(self.out("b.json"))
        instructions = [c for c in doc["comparisons"] if c["metric"] == "instructions"]
        self.assertEqual(len(instructions), 1, doc["comparisons"])
        self.assertEqual(instructions[0]["verdict"], "slower")
        self.assertAlmostEqual(instructions[0]["ratio"], 1.1, delta=0.01)
        self.assertEqual(instructions[0]["baseline_run"], 2)
        self.assertRegex(proc.stdout, r"count/n:20000\s+instructions\s+slower\s+\+10\.0%")
        self.assertIn("verdicts: 1 slower", proc.stdout)
        # The same against run 1 by number, and the program back as it was: not slower.
        self.assertExit(self.submit(after, "--baseline", "1"), 1)
        self.assertExit(self.submit(before, "--baseline", "2"), 0)
        proc = self.history("--last", "3")
        self.assertIn("slower than baseline (instructions)", proc.stdout)

    def test_unknown_run_or_commit_is_found_before_the_suite_runs(self):
        suite = self.suite_tree("a", COUNT)
        self.assertExit(self.submit(suite), 0)
        for baseline, message in (("999", "no run 999 in"), ("deadbeef", "was made by VM commit deadbeef"),
                                  ("nonsense", "--baseline wants latest")):
            proc = self.submit(suite, "--baseline", baseline)
            self.assertExit(proc, 2)
            self.assertIn(message, proc.stderr)
            self.assertNotIn("suite e2e_history:", proc.stdout)  # nothing ran
        self.assertEqual(query(self.store, "SELECT count(*) FROM runs"), [(1,)])
        proc = farmtest.submit(suite, "--store", "none", "--baseline", "latest")
        self.assertExit(proc, 2)
        self.assertIn("drop --store none", proc.stderr)
        # A commit that made run 1 is a baseline.
        commit = query(self.store, "SELECT vm_commit FROM runs WHERE id = 1")[0][0]
        self.assertExit(self.submit(suite, "--baseline", commit[:8]), 0)


class BadStores(StoreTest):
    def check_refused(self, store, message, *extra):
        proc = farmtest.submit(os.path.join(SUITES, "small.yaml"), "--store", store, *extra)
        self.assertExit(proc, 2)
        self.assertIn("error: results store " + store, proc.stderr)
        self.assertIn(message, proc.stderr)
        self.assertEqual(proc.stdout, "")  # found before the suite runs
        return proc

    def test_corrupt_file(self):
        with open(self.store, "wb") as f:
            f.write(os.urandom(8192))
        self.check_refused(self.store, "not an SQLite database, or a corrupt one")
        proc = self.history()
        self.assertExit(proc, 2)
        self.assertIn("not an SQLite database", proc.stderr)

    def test_unreadable_store(self):
        os.makedirs(self.store)  # a directory where the file should be
        self.check_refused(self.store, "is a directory")
        if os.geteuid() != 0:  # root reads files whatever their mode
            other = self.out("locked.sqlite")
            open(other, "w").close()
            os.chmod(other, 0)
            self.check_refused(other, "cannot read and write it")

    def test_read_only_path(self):
        # /proc takes no new files, even from root.
        self.check_refused("/proc/gene-e2e/results.sqlite", "cannot create its directory")
        if os.geteuid() != 0:
            os.makedirs(self.out("ro"))
            os.chmod(self.out("ro"), 0o555)
            self.check_refused(self.out("ro/results.sqlite"), "is not writable")

    def test_store_from_a_newer_farm(self):
        self.assertExit(farmtest.submit(os.path.join(SUITES, "small.yaml"), "--store", self.store,
                                        "--repetitions", "1", "--min-time", "0"), 0)
        subprocess.run(["sqlite3", self.store, "PRAGMA user_version = 7"], check=True)
        self.check_refused(self.store, "schema version is 7, newer than this coordinator knows")
        self.assertEqual(query(self.store, "PRAGMA user_version"), [(7,)])  # left as it was
        proc = subprocess.run([farmtest.COORDINATOR, "serve", "--listen", "127.0.0.1:0", "--workers", "127.0.0.1:1",
                               "--store", self.store], capture_output=True, text=True, timeout=30)
        self.assertExit(proc, 2)
        self.assertIn("newer than this coordinator knows", proc.stderr)

    def test_another_sqlite_database(self):
        subprocess.run(["sqlite3", self.store, "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');"],
                       check=True)
        self.check_refused(self.store, "not a Gene farm results store")
        self.assertEqual(query(self.store, "SELECT t FROM notes"), [("mine",)])

    def test_history_without_a_store(self):
        proc = self.history()
        self.assertExit(proc, 2)
        self.assertIn("no such file", proc.stderr)
        self.assertFalse(os.path.exists(self.store))


class Migration(StoreTest):
    def test_a_version_1_store_is_migrated_with_its_runs(self):
        # The old run's fib/n:12 count is this VM's own, taken from a run into a
        # scratch store: exact counts then compare as "same" whatever the
        # compiler makes of fib.
        scratch = self.out("count.sqlite")
        self.assertExit(farmtest.submit(os.path.join(SUITES, "small.yaml"), "--store", scratch, "--filter",
                                        "^fib/n:12$", "--repetitions", "1", "--min-time", "0"), 0)
        [(instructions,)] = query(scratch, "SELECT s.value FROM statistics s JOIN jobs j ON j.id = s.job_id "
                                           "WHERE j.name = 'fib/n:12' AND s.repetition = 0 "
                                           "AND s.name = 'instructions'")
        schema = SCHEMA_V1.replace("{instructions}", str(int(instructions)))
        subprocess.run(["sqlite3", self.store], input=schema, text=True, check=True)
        self.assertEqual(query(self.store, "PRAGMA user_version"), [(1,)])
        proc = self.submit(os.path.join(SUITES, "small.yaml"), "--repetitions", "1", "--min-time", "0",
                           "--baseline", "latest")
        self.assertExit(proc, 0)
        self.assertIn("migrated from schema version 1 to 2 (the old file is kept as %s.v1.bak)" % self.store,
                      proc.stderr)
        self.assertEqual(query(self.store, "PRAGMA user_version"), [(2,)])
        self.assertEqual(query(self.store + ".v1.bak", "SELECT count(*) FROM runs"), [(1,)])
        # The old run is still there, and the new run stands on it: its fib/n:12
        # instructions are compared with the old run's.
        doc = json.loads(self.history("--json", "-").stdout)
        self.assertEqual([r["id"] for r in doc["runs"]], [2, 1])
        old = doc["runs"][1]
        self.assertEqual((old["suite"], old["vm"]["commit"], old["jobs"][0]["name"]),
                         ("e2e_small", "c0ffee000001", "fib/n:12"))
        fib = [j for j in doc["runs"][0]["jobs"] if j["name"] == "fib/n:12"][0]
        self.assertEqual(fib["previous_run"], 1)
        self.assertEqual(query(self.store, "SELECT verdict FROM comparisons WHERE job = 'fib/n:12' "
                                           "AND metric = 'instructions' AND baseline_run_id = 1"), [("same",)])


class Coordinator(StoreTest):
    def test_killed_coordinator_keeps_every_finished_job(self):
        a = self.worker("alpha")
        c = self.coordinator([a], "--store", self.store)
        proc = subprocess.Popen([farmtest.COORDINATOR, "submit", os.path.join(SUITES, "slow.yaml"), "--coordinator",
                                 c.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        finished = []
        for line in proc.stderr:
            m = re.search(r"finished (\S+): ok", line)
            if m:
                finished.append(m.group(1))
            if len(finished) == 2:
                os.kill(c.proc.pid, signal.SIGKILL)
                break
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 2, out + err)
        run = query(self.store, "SELECT id, status, finished_at, mode, jobs_planned FROM runs")
        self.assertEqual(run, [(1, "running", None, "remote", 4)])
        stored = [r[0] for r in query(self.store, "SELECT name FROM jobs WHERE run_id = 1 AND status = 'ok'")]
        # Every job the submitter saw finish is in the store, with its repetitions.
        for job in finished:
            self.assertIn(job, stored)
        self.assertLessEqual(len(stored), 3)  # the one running when it died is lost
        reps = query(self.store, "SELECT count(*) FROM repetitions r JOIN jobs j ON j.id = r.job_id "
                                 "WHERE j.run_id = 1")
        self.assertEqual(reps, [(3 * len(stored),)])
        proc = self.history()
        self.assertIn("unfinished", proc.stdout)

    def test_remote_runs_are_recorded_and_judged_by_the_coordinator(self):
        before, after = self.suite_tree("a", COUNT), self.suite_tree("b", COUNT_MORE)
        a = self.worker("alpha", "class=e2e")
        c = self.coordinator([a], "--store", self.store, "--metrics-port", "0")
        run = lambda suite, *extra: farmtest.submit(suite, "--coordinator", c.address, *extra)  # noqa: E731
        self.assertExit(run(before), 0)
        proc = run(before, "--baseline", "latest")
        self.assertExit(proc, 0)
        self.assertRegex(proc.stdout, r"stored: run 2 in %s on the coordinator" % re.escape(self.store))
        proc = run(after, "--baseline", "latest", "--json", self.out("r.json"))
        self.assertExit(proc, 1)
        doc = load_json(self.out("r.json"))
        self.assertEqual(doc["context"]["run_id"], 3)
        self.assertEqual(doc["context"]["store"], self.store)
        slower = [(x["metric"], x["verdict"]) for x in doc["comparisons"] if x["verdict"] == "slower"]
        self.assertIn(("instructions", "slower"), slower)
        self.assertEqual(query(self.store, "SELECT mode, hardware FROM runs WHERE id = 3"), [("remote", "e2e")])
        # An unknown baseline is refused before anything runs.
        proc = run(before, "--baseline", "999")
        self.assertExit(proc, 2)
        self.assertIn("no run 999", proc.stderr)
        self.assertEqual(query(self.store, "SELECT count(*) FROM runs"), [(3,)])

        # Prometheus: the last verdicts (a run without --baseline leaves them
        # as they were) and the build behind the numbers.
        metrics = "http://%s/metrics" % c.wait_line("metrics on ")
        text = urllib.request.urlopen(metrics, timeout=5).read().decode()
        regression = (r'gene_bench_regression\{benchmark="count",hardware="e2e",params="n=20000",'
                      r'statistic="instructions",suite="e2e_history"\} ')
        self.assertRegex(text, regression + "1")
        self.assertRegex(text, r'gene_bench_regression\{[^}]*statistic="cpu_seconds"[^}]*\} 0')
        # Back to the program as it was (fewer instructions than run 3: faster),
        # with a local copy of the run and the coordinator's verdicts.
        copy = self.out("copy.sqlite")
        self.assertExit(run(before, "--store", copy, "--baseline", "latest"), 0)
        text = urllib.request.urlopen(metrics, timeout=5).read().decode()
        self.assertRegex(text, regression + "0")
        self.assertEqual(query(copy, "SELECT mode, suite FROM runs"), [("remote", "e2e_history")])
        self.assertEqual(query(copy, "SELECT count(*) FROM repetitions"), [(3,)])
        # The coordinator's run ids mean nothing in the copy.
        self.assertEqual(query(copy, "SELECT metric, verdict, baseline_run_id FROM comparisons ORDER BY id"),
                         [("instructions", "faster", None), ("cpu", "inconclusive", None)])
        self.assertRegex(text, r'gene_bench_run_info\{build_id="[0-9a-f]{16}",dirty="(true|false)",'
                               r'hardware="e2e",suite="e2e_history",vm_commit="[0-9a-f]+"\} 1')
        self.assertEqual(len(re.findall(r"^gene_bench_run_info\{", text, re.M)), 1)
        # No commit on the per-statistic series.
        self.assertNotRegex(text, r"gene_bench_instructions\{[^}]*commit")

    def test_coordinator_without_a_store_refuses_a_baseline(self):
        a = self.worker("alpha")
        c = self.coordinator([a], "--store", "none")
        proc = farmtest.submit(self.suite_tree("a", COUNT), "--coordinator", c.address, "--baseline", "latest")
        self.assertExit(proc, 2)
        self.assertIn("this coordinator keeps no results store", proc.stderr)


class Html(StoreTest):
    def test_history_page_renders_in_chromium(self):
        before, after = self.suite_tree("a", COUNT), self.suite_tree("b", COUNT_MORE)
        for suite in (before, before, after, before):
            self.submit(suite, "--baseline", "latest")
        page = self.out("history.html")
        proc = self.history("--html", page)
        self.assertExit(proc, 0)
        with open(page) as f:
            html = f.read()
        self.assertNotIn("<script", html)
        self.assertNotRegex(html, r"(src|href)=")  # nothing fetched
        profile = self.out("chromium")
        png = self.out("history.png")
        shot = farmtest.chromium("--screenshot=" + png, "--window-size=1200,2000", "file://" + page, profile=profile)
        self.assertEqual(shot.returncode, 0, shot.stderr[-2000:])
        width, height, rows = farmtest.png_pixels(png)
        self.assertEqual((width, height), (1200, 2000))
        # Not blank: many pixels that are not the background, in several colours.
        colours, inked = set(), 0
        for row in rows[::4]:
            for px in row[::4]:
                colours.add(px)
                inked += px != (255, 255, 255)
        self.assertGreater(inked, 2000)
        self.assertGreater(len(colours), 20)
        dom = farmtest.chromium("--dump-dom", "file://" + page, profile=profile)
        self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
        self.assertIn("<svg", dom.stdout)
        self.assertIn("CPU time per run", dom.stdout)
        commit = query(self.store, "SELECT vm_commit, vm_dirty FROM runs WHERE id = 4")[0]
        self.assertIn(">" + commit[0] + ("-dirty" if commit[1] else "") + "</text>", dom.stdout)
        self.assertIn('class="point slower"', dom.stdout)  # run 3 did 10% more work



if __name__ == "__main__":
    farmtest.run_tests(__doc__)
