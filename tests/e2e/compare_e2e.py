#!/usr/bin/env python3
"""End-to-end tests of `coordinator compare`: real `coordinator` and
`worker` binaries on 127.0.0.1 (port 0), real child processes in local
mode, a real headless Chromium for the HTML page.

Usage: compare_e2e.py --coordinator PATH --worker PATH [unittest arguments]
       e.g. compare_e2e.py --coordinator build/bin/coordinator \\
                           --worker build/bin/worker CompareLocal

Suites and programs live beside this file: suites/compare_base.yaml (the
baseline) and suites/compare_plus20.yaml (the same fib jobs doing 20% more
work, checked by the exact instruction counts).
"""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import farmtest  # noqa: E402  (servers and helpers shared by the farm's tests)
from farmtest import alive, children_of, chromium, wait_until  # noqa: E402

SUITES = os.path.join(HERE, "suites")
BASE = os.path.join(SUITES, "compare_base.yaml")
PLUS20 = os.path.join(SUITES, "compare_plus20.yaml")
VERDICTS = {"slower", "faster", "same", "inconclusive"}


def compare(*args, timeout=180):
    return subprocess.run([farmtest.COORDINATOR, "compare"] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def start_compare(*args):
    return subprocess.Popen([farmtest.COORDINATOR, "compare"] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


class CompareTest(farmtest.FarmTest):
    def out(self, name):
        return os.path.join(self.tmp, name)


class CompareLocal(CompareTest):
    def test_a_a_gives_no_slower_or_faster(self):
        # One build against itself. 99.9% rather than the default 99%, so
        # that the test fails about once in a thousand runs by chance, not
        # once in a hundred. At that level the first look needs 16 samples
        # (fresh pairs of workers, half a second of rounds each): 20 s a job
        # reaches it on a quiet machine (about 11 s), so a false alarm could
        # happen here and fail the test; a loaded one may end inconclusive.
        proc = compare(BASE, "--filter", "fib", "--max-time", "20s", "--confidence", "99.9%", "--json",
                       self.out("aa.json"))
        self.assertExit(proc, 0)
        doc = farmtest.load_json(self.out("aa.json"))
        self.assertEqual([c["name"] for c in doc["comparisons"]], ["fib/n:10", "fib/n:12"])
        for c in doc["comparisons"]:
            self.assertIn(c["verdict"], {"same", "inconclusive"}, c["reason"])
            self.assertNotIn("error", c)
            self.assertTrue(all(r == 1 for r in c["exact"].values()), c["exact"])  # one build: identical counts
            self.assertGreater(c["rounds"], 0)
            self.assertEqual(len(c["baseline_values"]), c["rounds"])
        self.assertEqual(doc["baseline"]["build_id"], doc["candidate"]["build_id"])
        self.assertEqual(doc["confidence"], 0.999)
        # Progress on stderr (not a terminal: plain lines), the table on stdout.
        self.assertIn("compare e2e_compare: 2 jobs", proc.stderr)
        self.assertRegex(proc.stderr, r"\[0/2\] fib/n:10: \d+ runs? per repetition, calibrated on baseline")
        self.assertRegex(proc.stdout, r"(?m)^fib/n:10 +(same|inconclusive) ")
        self.assertNotRegex(proc.stdout, r"(?m)^fib/n:\d+ +(slower|faster) ")

    def test_twenty_percent_more_work_is_slower(self):
        proc = compare(BASE, "--candidate-suite", PLUS20, "--max-time", "40s", "--json", self.out("c.json"),
                       "--html", self.out("c.html"))
        self.assertExit(proc, 1)
        doc = farmtest.load_json(self.out("c.json"))
        self.assertEqual(list(doc)[:3], ["baseline", "candidate", "comparisons"])
        for side in ("baseline", "candidate"):
            for key in ("version", "commit", "dirty", "build_id"):
                self.assertIn(key, doc[side])
            self.assertEqual(doc[side]["worker"], side)
        self.assertEqual(doc["suite"], "e2e_compare")
        self.assertEqual(doc["candidate_suite"], "e2e_compare_plus20")
        self.assertEqual(sorted((u["side"], u["name"]) for u in doc["unmatched"]),
                         [("baseline", "count/n:5000"), ("candidate", "extra/n:1000")])
        self.assertEqual([c["name"] for c in doc["comparisons"]], ["fib/n:10", "fib/n:12"])
        for c in doc["comparisons"]:
            for key in ("name", "metric", "verdict", "ratio", "ci_low", "ci_high", "rounds", "seconds",
                        "baseline_median", "candidate_median", "exact", "reason"):
                self.assertIn(key, c)
            self.assertEqual(c["metric"], "cpu")
            self.assertEqual(c["verdict"], "slower", c["reason"])
            self.assertGreater(c["ci_low"], 1)
            self.assertLessEqual(c["ci_low"], c["ratio"])
            self.assertLessEqual(c["ratio"], c["ci_high"])
            self.assertGreater(c["candidate_median"], c["baseline_median"])
            # The exact count says it without noise: 1200 fib calls instead of 1000.
            self.assertAlmostEqual(c["exact"]["instructions"], 1.2, delta=0.005)
            self.assertEqual(c["exact"]["frames_allocated"], 1.2)
        self.assertRegex(proc.stdout, r"(?m)^fib/n:10 +slower +\+\d+\.\d\d% .*instructions \+(19\.9\d|20\.0\d)%")
        self.assertIn("not compared, only in the baseline's suite: count/n:5000", proc.stdout)
        self.assertIn("not compared, only in the candidate's suite: extra/n:1000", proc.stdout)
        self.assertIn("result: 2 slower", proc.stdout)
        self.check_html(self.out("c.html"), doc)

    def check_html(self, page, doc):
        with open(page) as f:
            html = f.read()
        self.assertNotRegex(html, r"<script|<link|src=\"http|href=\"http")  # self-contained
        profile = self.out("chromium")
        png = self.out("page.png")
        shot = chromium("--screenshot=" + png, "--window-size=1200,2000", "file://" + page, profile=profile)
        self.assertTrue(os.path.exists(png), shot.stderr[-2000:])
        width, height, rows = farmtest.png_pixels(png)
        self.assertEqual((width, height), (1200, 2000))
        colours = {}
        for row in rows[::4]:
            for px in row[::4]:
                colours[px] = colours.get(px, 0) + 1
        self.assertGreater(len(colours), 50, "the page looks blank")
        # The slower verdict's red marks (#c62828) and both sides' dots are on screen.
        near = lambda px, rgb: all(abs(a - b) <= 24 for a, b in zip(px, rgb))
        self.assertGreater(sum(n for px, n in colours.items() if near(px, (0xc6, 0x28, 0x28))), 20)
        self.assertGreater(sum(n for px, n in colours.items() if near(px, (0x8e, 0x24, 0xaa))), 5)
        dom = chromium("--dump-dom", "file://" + page, profile=profile).stdout
        self.assertEqual(dom.count("<svg"), 2 * len(doc["comparisons"]))
        rounds = sum(c["rounds"] for c in doc["comparisons"])
        self.assertGreaterEqual(dom.count("<circle"), 3 * rounds)  # both sides' values and every ratio
        self.assertIn(">slower</span>", dom)
        self.assertIn(doc["baseline"]["build_id"], dom)
        self.assertIn("candidate / baseline (log scale", dom)
        # The axis takes the unit of the medians' scale (runs of a few ms here).
        self.assertRegex(dom, r"CPU time per run \((µs|ms)\)")

    def test_exact_metric_decides_at_once(self):
        proc = compare(BASE, "--candidate-suite", PLUS20, "--metric", "instructions", "--filter", "n:12",
                       "--json", self.out("i.json"))
        self.assertExit(proc, 1)
        (c,) = farmtest.load_json(self.out("i.json"))["comparisons"]
        self.assertEqual(c["verdict"], "slower")
        self.assertEqual(c["rounds"], 2)
        self.assertEqual(c["ci_low"], c["ci_high"])
        self.assertAlmostEqual(c["ratio"], 1.2, delta=0.005)

    def test_store_records_a_run_per_side_and_the_verdicts(self):
        store = self.out("results.sqlite")
        proc = compare(BASE, "--candidate-suite", PLUS20, "--metric", "instructions", "--store", store, "--json",
                       self.out("s.json"))
        self.assertExit(proc, 1)
        doc = farmtest.load_json(self.out("s.json"))
        self.assertEqual((doc["store"], doc["baseline_run"], doc["candidate_run"]), (store, 1, 2))
        self.assertIn("stored: runs 1 (baseline) and 2 (candidate) in %s" % store, proc.stdout)
        rounds = {c["name"]: c["rounds"] for c in doc["comparisons"]}
        db = sqlite3.connect(store)
        try:
            runs = db.execute("SELECT id, suite, mode, status FROM runs ORDER BY id").fetchall()
            self.assertEqual(runs, [(1, "e2e_compare", "local", "finished"),
                                    (2, "e2e_compare_plus20", "local", "finished")])
            # Each side's rounds are its job's repetitions; only compared jobs are recorded.
            jobs = db.execute("SELECT r.id, j.name, j.status, count(p.repetition) FROM jobs j JOIN runs r "
                              "ON r.id = j.run_id JOIN repetitions p ON p.job_id = j.id "
                              "GROUP BY j.id ORDER BY r.id, j.name").fetchall()
            self.assertEqual(jobs, [(run, name, "ok", rounds[name]) for run in (1, 2) for name in sorted(rounds)])
            verdicts = db.execute("SELECT run_id, baseline_run_id, source, job, metric, verdict, ratio "
                                  "FROM comparisons ORDER BY job").fetchall()
            self.assertEqual([v[:6] for v in verdicts],
                             [(2, 1, "compare", name, "instructions", "slower") for name in sorted(rounds)])
            for v in verdicts:
                self.assertAlmostEqual(v[6], 1.2, delta=0.005)
        finally:
            db.close()
        # history lists both sides, the candidate's jobs marked slower.
        hist = subprocess.run([farmtest.COORDINATOR, "history", "--store", store, "--json", self.out("h.json")],
                              capture_output=True, text=True, timeout=60)
        self.assertExit(hist, 0)
        listed = farmtest.load_json(self.out("h.json"))["runs"]
        self.assertEqual([r["suite"] for r in listed], ["e2e_compare_plus20", "e2e_compare"])
        self.assertEqual(listed[0]["jobs"][0]["verdicts"], [{"metric": "instructions", "verdict": "slower"}])
        # --store none records nothing, and says nothing about a store.
        proc = compare(BASE, "--metric", "instructions", "--filter", "n:10", "--store", "none", "--json",
                       self.out("n.json"))
        self.assertExit(proc, 0)
        self.assertNotIn("store", farmtest.load_json(self.out("n.json")))
        self.assertNotIn("stored:", proc.stdout)

    def test_a_failing_job_ends_with_its_error_and_exit_1(self):
        os.makedirs(self.out("suites"))
        shutil.copytree(os.path.join(HERE, "programs"), self.out("programs"))
        with open(self.out("suites/wrong.yaml"), "w") as f:
            f.write("suite: wrong\ndefaults: {min_time: 10ms}\nbenchmarks:\n"
                    "  - {name: fib, file: ../programs/repeat_fib.gene, params: {n: [10, 12]},"
                    " expect: {10: 55000, 12: 999}}\n")
        proc = compare(BASE, "--candidate-suite", self.out("suites/wrong.yaml"), "--filter", "fib",
                       "--max-time", "3s", "--json", self.out("w.json"))
        self.assertExit(proc, 1)
        by_name = {c["name"]: c for c in farmtest.load_json(self.out("w.json"))["comparisons"]}
        self.assertNotIn("error", by_name["fib/n:10"])  # the other job went on
        self.assertTrue(by_name["fib/n:12"]["error"].startswith("candidate: wrong_value: value 144000, expected 999"),
                        by_name["fib/n:12"])
        self.assertRegex(proc.stdout, r"(?m)^fib/n:12 +failed ")
        self.assertIn("  error: candidate: wrong_value", proc.stdout)


class CompareBadInput(CompareTest):
    def refused(self, *args):
        proc = compare(*args, timeout=60)
        self.assertExit(proc, 2)
        self.assertEqual(proc.stdout, "")
        self.assertNotIn("runs per repetition", proc.stderr)  # nothing ran
        return proc.stderr

    def test_unknown_side_option(self):
        err = self.refused(BASE, "--candidate", farmtest.WORKER + ",optimise=1")
        self.assertIn("error: --candidate: side '%s,optimise=1': unknown option 'optimise' (did you mean "
                      "'optimize'?)" % farmtest.WORKER, err)

    def test_bad_side_value(self):
        err = self.refused(BASE, "--baseline", farmtest.WORKER + ",optimize=7")
        self.assertIn("optimize must be 0, 1 or 2, not '7'", err)

    def test_missing_worker_binary(self):
        err = self.refused(BASE, "--candidate", self.out("no-such-worker"))
        self.assertIn("error: --candidate: no worker binary at %s" % self.out("no-such-worker"), err)

    def test_bad_min_effect(self):
        for bad in ("lots", "5", "-1%"):
            err = self.refused(BASE, "--min-effect", bad)
            self.assertIn("--min-effect", err)
            self.assertIn("not a share between 0% and 100%", err)

    def test_unusable_store(self):
        # Refused before anything runs, not after minutes of rounds.
        with open(self.out("notes.txt"), "w") as f:
            f.write("not a database\n")
        err = self.refused(BASE, "--store", self.out("notes.txt"))
        self.assertIn("error: results store %s: not an SQLite database" % self.out("notes.txt"), err)

    def test_labels_need_a_coordinator(self):
        err = self.refused(BASE, "--baseline", "label:class=fast")
        self.assertIn("label selectors need --coordinator", err)

    def test_metric_that_is_a_rate(self):
        err = self.refused(BASE, "--metric", "instructions_per_second")
        self.assertIn("a rate or a ratio, where higher is better", err)

    def test_suites_with_nothing_in_common(self):
        err = self.refused(BASE, "--candidate-suite", os.path.join(SUITES, "gpu_only.yaml"))
        self.assertIn("no job is in both suites", err)

    def test_bad_manifest(self):
        with open(self.out("bad.yaml"), "w") as f:
            f.write("suite: bad\nbenchmarks: [{name: a, file: nope.gene}]\n")
        err = self.refused(BASE, "--candidate-suite", self.out("bad.yaml"))
        self.assertIn("bad.yaml:2:", err)
        self.assertIn("; nothing ran", err)


class CompareCleanup(CompareTest):
    """The child workers go away on every exit path."""

    def running_compare(self):
        proc = start_compare(BASE, "--filter", "fib", "--max-time", "60s", "--min-time", "50ms")

        def cleanup():
            if proc.poll() is None:
                proc.kill()
            for pipe in (proc.stdout, proc.stderr):
                pipe.close()
            proc.wait(timeout=30)
        self.addCleanup(cleanup)
        # A child is seen before it has exec'd the worker (its cmdline is
        # still the coordinator's): wait until both run the worker.
        def started_workers():
            pids = children_of(proc.pid)
            def argv(pid):
                with open("/proc/%d/cmdline" % pid) as f:
                    return f.read().split("\0")
            try:
                return len(pids) == 2 and all("--token-file" in argv(pid) for pid in pids)
            except OSError:
                return False
        self.assertTrue(wait_until(started_workers, 20), "no two child workers with a token file")
        workers = children_of(proc.pid)
        # Arguments and environment sit above the stack: the same length in
        # both workers, so that their stacks are laid out alike.
        def layout_bytes(pid):
            with open("/proc/%d/cmdline" % pid, "rb") as a, open("/proc/%d/environ" % pid, "rb") as e:
                return len(a.read()) + len(e.read())
        self.assertEqual(len({layout_bytes(pid) for pid in workers}), 1, "argument and environment sizes differ")
        for pid in workers:
            self.assertEqual(os.getpgid(pid), pid, "each worker is in its own process group")
        # Which workers it started, and where: the first line says so.
        first = proc.stderr.readline()
        self.assertRegex(first, r"^local mode: workers 127\.0\.0\.1:\d+ \(baseline, pid \d+\) and "
                                r"127\.0\.0\.1:\d+ \(candidate, pid \d+\), both on CPU \d+")
        self.assertEqual(sorted(int(p) for p in re.findall(r"pid (\d+)", first)), sorted(workers))
        # Wait until the rounds run (the progress line after the calibration:
        # "1 run per repetition" when the machine is slow).
        lines = [first]
        while not any(re.search(r"runs? per repetition", l) for l in lines) and len(lines) < 5:
            lines.append(proc.stderr.readline())
        self.assertRegex(lines[-1], r"runs? per repetition", lines)
        return proc, workers

    def current_workers(self, proc, started):
        """The workers first started and those running now (fresh pairs
        replace the first during the rounds)."""
        return sorted(set(started) | set(children_of(proc.pid)))

    def assertGone(self, workers):
        self.assertTrue(wait_until(lambda: not any(alive(p) for p in workers), 15),
                        "workers still running: %s" % [p for p in workers if alive(p)])

    def test_ctrl_c_stops_the_workers(self):
        proc, workers = self.running_compare()
        workers = self.current_workers(proc, workers)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, out + err)
        self.assertIn("interrupted: stopping the rounds and the workers", err)
        self.assertIn("cancelled", out)
        self.assertGone(workers)

    def test_sigterm_stops_the_workers(self):
        proc, workers = self.running_compare()
        workers = self.current_workers(proc, workers)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM)
        self.assertGone(workers)

    def test_sigkill_leaves_no_orphans(self):
        proc, workers = self.running_compare()
        workers = self.current_workers(proc, workers)
        proc.kill()
        proc.communicate(timeout=30)
        self.assertGone(workers)  # their death signal
        leftovers = [d for d in os.listdir(tempfile.gettempdir()) if d.startswith("gene-compare.")]
        for d in leftovers:  # a private directory never outlives the workers' start
            self.assertFalse(os.path.exists(os.path.join(tempfile.gettempdir(), d, "baseline.token")), d)

    def test_normal_end_and_errors_stop_the_workers(self):
        before = set(p for p in children_of(os.getpid()))
        proc = start_compare(BASE, "--filter", "n:10", "--max-time", "2s", "--min-time", "10ms")
        self.assertTrue(wait_until(lambda: len(children_of(proc.pid)) == 2, 20), "no two child workers")
        # Every worker seen while it runs: a fresh pair replaces the pair
        # every half second of rounds, and each must be stopped.
        seen = set(children_of(proc.pid))
        deadline = time.time() + 60
        while proc.poll() is None and time.time() < deadline:
            seen |= set(children_of(proc.pid))
            time.sleep(0.02)
        out, err = proc.communicate(timeout=60)
        self.assertIn(proc.returncode, (0, 1), out + err)
        self.assertGreaterEqual(len(seen), 4, "the pair was never renewed: %s" % err)
        self.assertGone(sorted(seen))
        self.assertEqual(set(children_of(os.getpid())), before)


class CompareDistributed(CompareTest):
    def worker_on(self, name, build, host):
        """A worker labelled build=`build` on host `host` (--host-name)."""
        w = farmtest.Server([farmtest.WORKER, "--listen", "127.0.0.1:0", "--name", name, "--label", "build=" + build,
                             "--host-name", host], "worker " + name)
        self.servers.append(w)
        return w

    def test_pairs_two_labelled_workers_on_one_host(self):
        a = self.worker_on("a", "a", "node-1")
        b = self.worker_on("b", "b", "node-1")
        # Another candidate, alone on its host: never paired with a.
        far = self.worker_on("far", "b", "node-2")
        c = self.coordinator([a, b, far])
        self.wait_ready(c, 3)
        # The exact metric: this test is about pairing. Two workers started
        # here share no CPU pinning and have their own address layouts, so
        # CPU time may differ between them by more than a few percent on a
        # loaded machine (seen: a 20% costlier program timed 5% faster);
        # local mode's CPU time verdicts are tested in CompareLocal.
        proc = compare(BASE, "--candidate-suite", PLUS20, "--coordinator", c.address, "--baseline",
                       "label:build=a", "--candidate", "label:build=b", "--metric", "instructions", "--json",
                       self.out("d.json"))
        self.assertExit(proc, 1)
        doc = farmtest.load_json(self.out("d.json"))
        self.assertEqual((doc["baseline"]["worker"], doc["candidate"]["worker"]), ("a", "b"))
        self.assertEqual((doc["baseline"]["host"], doc["candidate"]["host"]), ("node-1", "node-1"))
        self.assertEqual(doc["baseline"]["side"], "label:build=a")
        for comparison in doc["comparisons"]:
            self.assertEqual(comparison["verdict"], "slower", comparison["reason"])
            self.assertAlmostEqual(comparison["exact"]["instructions"], 1.2, delta=0.005)
        self.assertRegex(proc.stderr, r"calibrated on a; rounds on a and b")
        self.assertTrue(any("compare e2e_compare: 2 jobs from" in line for line in c.stderr), "".join(c.stderr))

    def test_the_coordinator_records_and_a_submitter_keeps_a_copy(self):
        a = self.worker_on("a", "a", "node-1")
        b = self.worker_on("b", "b", "node-1")
        served, copy = self.out("coordinator.sqlite"), self.out("copy.sqlite")
        c = self.coordinator([a, b], "--store", served)
        self.wait_ready(c, 2)
        proc = compare(BASE, "--candidate-suite", PLUS20, "--coordinator", c.address, "--baseline",
                       "label:build=a", "--candidate", "label:build=b", "--metric", "instructions", "--store", copy,
                       "--json", self.out("d.json"))
        self.assertExit(proc, 1)
        doc = farmtest.load_json(self.out("d.json"))
        self.assertEqual(doc["store"], served)  # the coordinator's record is the comparison's
        self.assertIn("copy: runs 1 (baseline) and 2 (candidate) in %s" % copy, proc.stderr)
        for path in (served, copy):
            db = sqlite3.connect(path)
            try:
                runs = db.execute("SELECT suite, mode, status FROM runs ORDER BY id").fetchall()
                self.assertEqual(runs, [("e2e_compare", "remote", "finished"),
                                        ("e2e_compare_plus20", "remote", "finished")], path)
                workers = db.execute("SELECT DISTINCT r.suite, j.worker FROM jobs j JOIN runs r ON r.id = j.run_id "
                                     "ORDER BY r.id").fetchall()
                self.assertEqual(workers, [("e2e_compare", "a"), ("e2e_compare_plus20", "b")], path)
                verdicts = db.execute("SELECT run_id, baseline_run_id, source, verdict FROM comparisons").fetchall()
                self.assertEqual(verdicts, [(2, 1, "compare", "slower")] * len(doc["comparisons"]), path)
                reps = db.execute("SELECT count(*) FROM repetitions").fetchone()[0]
                self.assertEqual(reps, 2 * sum(x["rounds"] for x in doc["comparisons"]), path)
            finally:
                db.close()
        # A coordinator that keeps no store: the submitter's copy is the record.
        bare = self.coordinator([a, b], "--store", "none")
        self.wait_ready(bare, 2)
        only = self.out("only.sqlite")
        proc = compare(BASE, "--coordinator", bare.address, "--baseline", "label:build=a", "--candidate",
                       "label:build=b", "--metric", "instructions", "--filter", "n:10", "--store", only, "--json",
                       self.out("o.json"))
        self.assertExit(proc, 0)
        doc = farmtest.load_json(self.out("o.json"))
        self.assertEqual((doc["store"], doc["baseline_run"], doc["candidate_run"]), (only, 1, 2))
        self.assertIn("stored: runs 1 (baseline) and 2 (candidate) in %s" % only, proc.stdout)
        self.assertNotIn("copy:", proc.stderr)

    def test_refuses_when_no_pair_matches(self):
        a = self.worker_on("a", "a", "node-1")
        far = self.worker_on("far", "b", "node-2")
        c = self.coordinator([a, far])
        self.wait_ready(c, 2)
        proc = compare(BASE, "--coordinator", c.address, "--baseline", "label:build=a", "--candidate",
                       "label:build=b", timeout=60)
        self.assertExit(proc, 2)
        self.assertIn("error: no pair of workers on one host matches the baseline (build=a) and the candidate "
                      "(build=b)", proc.stderr)
        self.assertIn("host=node-2", proc.stderr)  # what the workers offer
        self.assertEqual(proc.stdout, "")
        # A worker side without label: in distributed mode is bad input too.
        proc = compare(BASE, "--coordinator", c.address, "--baseline", farmtest.WORKER, timeout=60)
        self.assertExit(proc, 2)
        self.assertIn("with --coordinator a side is label:K=V", proc.stderr)

    def test_a_submitter_that_goes_away_cancels_the_rounds(self):
        w = self.worker("solo")
        c = self.coordinator([w])
        self.wait_ready(c, 1)
        # Each side's repetition lasts 20 s: a round would keep the worker
        # busy long after the submitter left, unless its call is cancelled.
        proc = start_compare(BASE, "--coordinator", c.address, "--filter", "n:10", "--min-time", "20s")
        deadline = time.time() + 60
        while time.time() < deadline and not any("compare e2e_compare: 1 job from" in l for l in c.stderr):
            time.sleep(0.05)
        time.sleep(0.5)  # inside the calibration run
        proc.kill()
        proc.communicate(timeout=30)
        self.assertTrue(wait_until(lambda: any("compare e2e_compare: cancelled" in l for l in c.stderr), 10),
                        "".join(c.stderr))

        def idle():
            listing = subprocess.run([farmtest.COORDINATOR, "workers", "--coordinator", c.address],
                                     capture_output=True, text=True, timeout=30)
            return re.search(r"ready +0 +solo", listing.stdout) is not None
        self.assertTrue(wait_until(idle, 10), "the worker is still busy with the cancelled round")



if __name__ == "__main__":
    farmtest.run_tests(__doc__)
