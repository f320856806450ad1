#!/usr/bin/env python3
"""End-to-end tests of the farm: real `coordinator` and `worker` processes on
127.0.0.1 (every server on port 0, its address read from its first line,
`listening on HOST:PORT`).

Usage: farm_e2e.py --coordinator PATH --worker PATH [unittest arguments]
       e.g. farm_e2e.py --coordinator build/bin/coordinator \
                        --worker build/bin/worker Distributed

Suites and programs live beside this file (suites/, programs/); manifests
with errors are written to a temporary suite tree per test.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import farmtest
from farmtest import FarmTest, HERE, SUITES, Server, entries_by_name, load_json, pinned_to, scrape, submit

COMPARE_PY = "/usr/share/benchmark/compare.py"


class Distributed(FarmTest):
    def test_suite_across_two_workers(self):
        a, b = self.worker("alpha", "class=fast"), self.worker("beta")
        c = self.coordinator([a, b], "--metrics-port", "0")
        proc = submit(os.path.join(SUITES, "small.yaml"), "--coordinator", c.address, "--json", self.out("r.json"))
        self.assertExit(proc, 0)
        self.assertIn("suite e2e_small: 4 jobs on 2 workers", proc.stdout)
        self.assertIn("result: all targets met", proc.stdout)
        doc = load_json(self.out("r.json"))
        self.assertEqual(sorted(w["name"] for w in doc["context"]["workers"]), ["alpha", "beta"])
        names = entries_by_name(doc)
        for job in ["count/n:1000", "count/n:20000", "fib/n:12", "fib/n:15"]:
            self.assertEqual(len(names[job]), 3, job)  # one entry per repetition
            for agg in ["mean", "median", "stddev", "cv"]:
                self.assertEqual(len(names[job + "_" + agg]), 1)
        started = re.findall(r"started (\S+) on (\S+)", proc.stderr)
        self.assertEqual({w for _, w in started}, {"alpha", "beta"}, proc.stderr)

        # The coordinator's /metrics now holds the suite (second line: `metrics on HOST:PORT`).
        text = urllib.request.urlopen("http://%s/metrics" % c.wait_line("metrics on "), timeout=5).read().decode()
        self.assertRegex(text, r'gene_bench_instructions\{benchmark="fib",hardware="(fast|x86_64)",'
                               r'params="n=15",suite="e2e_small"\} \d')
        self.assertRegex(text, r'gene_bench_target_met\{[^}]*statistic="frame_pool_hit_rate"[^}]*\} 1')
        self.assertRegex(text, r'gene_bench_target_threshold\{[^}]*op=">=",[^}]*statistic="frame_pool_hit_rate"'
                               r'[^}]*\} 0.5')
        self.assertIn('gene_farm_jobs_total{status="ok"} 4', text)
        self.assertIn('gene_farm_workers{state="ready"} 2', text)
        self.assertIn('gene_farm_job_duration_seconds_count{suite="e2e_small"} 4', text)
        self.assertIn('gene_bench_last_run_timestamp_seconds{suite="e2e_small"}', text)
        self.assertIn("gene_build_info{", text)

    def test_killed_worker_loses_no_result(self):
        a, b = self.worker("alpha"), self.worker("beta")
        c = self.coordinator([a, b])
        by_name = {"alpha": a, "beta": b}
        proc = subprocess.Popen([farmtest.COORDINATOR, "submit", os.path.join(SUITES, "slow.yaml"), "--coordinator",
                                 c.address, "--json", self.out("r.json")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stderr_lines = []
        victim = None
        for line in proc.stderr:
            stderr_lines.append(line)
            m = re.search(r"started (\S+) on (\S+)", line)
            if m and victim is None:
                victim = m.group(2)
                time.sleep(0.1)  # well inside the job's first repetition
                os.kill(by_name[victim].proc.pid, signal.SIGKILL)
        stdout = proc.stdout.read()
        proc.wait(timeout=120)
        proc.stdout.close()
        proc.stderr.close()
        stderr = "".join(stderr_lines)
        self.assertEqual(proc.returncode, 0, stdout + stderr)
        self.assertIn("(attempt 2)", stderr)
        doc = load_json(self.out("r.json"))
        survivor = "beta" if victim == "alpha" else "alpha"
        self.assertEqual([w["name"] for w in doc["context"]["workers"]], [survivor], stdout + stderr)
        names = entries_by_name(doc)
        jobs = ["count/n:5000000%d" % i for i in range(4)]
        for job in jobs:
            # Every result exactly once: three repetitions, one median, none
            # from the lost attempt.
            self.assertEqual(len(names.get(job, [])), 3, job)
            self.assertEqual(len(names.get(job + "_median", [])), 1, job)
            self.assertEqual(stderr.count("finished %s:" % job), 1, stderr)
        self.assertEqual(len(doc["benchmarks"]), 4 * (3 + 4))
        self.assertIn("took 2 attempts", stdout)

    def test_hung_worker_is_replaced(self):
        a, b = self.worker("alpha"), self.worker("beta")
        c = self.coordinator([a, b])
        by_name = {"alpha": a, "beta": b}
        proc = subprocess.Popen([farmtest.COORDINATOR, "submit", os.path.join(SUITES, "slow.yaml"), "--coordinator",
                                 c.address, "--filter", "0000[01]$"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        victim = None
        try:
            for line in proc.stderr:
                m = re.search(r"started (\S+) on (\S+)", line)
                if m and victim is None:
                    victim = by_name[m.group(2)]
                    time.sleep(0.1)
                    os.kill(victim.proc.pid, signal.SIGSTOP)  # alive but silent: health checks time out
            stdout = proc.stdout.read()
            proc.wait(timeout=120)
        finally:
            if victim:
                os.kill(victim.proc.pid, signal.SIGCONT)
            proc.stdout.close()
            proc.stderr.close()
        self.assertEqual(proc.returncode, 0, stdout)
        self.assertIn("took 2 attempts", stdout)
        self.assertIn("on 1 worker", stdout)
        self.assertTrue(any("is down" in line for line in c.stderr), "".join(c.stderr))

    def test_token_required(self):
        token = os.path.join(self.tmp, "token")
        with open(token, "w") as f:
            f.write("e2e-s3cret\n")
        a = Server([farmtest.WORKER, "--listen", "127.0.0.1:0", "--name", "alpha", "--token-file", token], "worker alpha")
        self.servers.append(a)
        c = self.coordinator([a], "--token-file", token)
        proc = submit(os.path.join(SUITES, "small.yaml"), "--coordinator", c.address)
        self.assertExit(proc, 2)
        self.assertIn("refused our credentials", proc.stderr)
        proc = submit(os.path.join(SUITES, "small.yaml"), "--coordinator", c.address, "--token-file", token)
        self.assertExit(proc, 0)
        listing = subprocess.run([farmtest.COORDINATOR, "workers", "--coordinator", c.address, "--token-file", token],
                                 capture_output=True, text=True, timeout=30)
        self.assertExit(listing, 0)
        self.assertRegex(listing.stdout, r"%s +ready +0 +alpha +arch=" % re.escape(a.address))

    def test_no_matching_worker(self):
        a = self.worker("alpha", "class=cpu")
        c = self.coordinator([a])
        proc = submit(os.path.join(SUITES, "gpu_only.yaml"), "--coordinator", c.address)
        self.assertExit(proc, 2)
        self.assertIn("error: no worker matches the hardware selectors of benchmark 'count' (class=gpu)", proc.stderr)
        self.assertIn("alpha", proc.stderr)  # what the workers offer
        self.assertIn("class=cpu", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_unknown_statistic_checked_against_workers(self):
        a = self.worker("alpha")
        c = self.coordinator([a])
        suite_dir = os.path.join(self.tmp, "suites")
        os.makedirs(suite_dir)
        shutil.copytree(os.path.join(HERE, "programs"), os.path.join(self.tmp, "programs"))
        with open(os.path.join(suite_dir, "bad.yaml"), "w") as f:
            f.write("suite: bad\ntargets:\n  frames_per_sec: \"> 1\"\n"
                    "benchmarks: [{name: count, file: ../programs/count.gene}]\n")
        proc = submit("suites/bad.yaml", "--coordinator", c.address, cwd=self.tmp)
        self.assertExit(proc, 2)
        self.assertIn("suites/bad.yaml:3:3: unknown statistic 'frames_per_sec' in 'targets' "
                      "(did you mean 'frames_per_second'?)", proc.stderr)

    def test_unreachable_coordinator(self):
        a = self.worker("alpha")
        c = self.coordinator([a])
        address = c.address
        c.stop()
        start = time.time()
        proc = submit(os.path.join(SUITES, "small.yaml"), "--coordinator", address)
        self.assertExit(proc, 2)
        self.assertIn("error: coordinator at %s is unreachable" % address, proc.stderr)
        self.assertLess(time.time() - start, 20)

    def test_coordinator_dying_mid_suite(self):
        a = self.worker("alpha")
        c = self.coordinator([a])
        proc = subprocess.Popen([farmtest.COORDINATOR, "submit", os.path.join(SUITES, "slow.yaml"), "--coordinator",
                                 c.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in proc.stderr:
            if "started" in line:
                break
        os.kill(c.proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)  # a clear error, not a hang
        self.assertEqual(proc.returncode, 2, out + err)
        self.assertIn("error: coordinator at %s is unreachable or went away" % c.address, err)

    def test_missed_target_and_failed_job_exit_1(self):
        shutil.copytree(os.path.join(HERE, "programs"), os.path.join(self.tmp, "programs"))
        os.makedirs(os.path.join(self.tmp, "suites"))
        manifest = os.path.join(self.tmp, "suites", "strict.yaml")
        with open(manifest, "w") as f:
            f.write("suite: strict\ndefaults: {repetitions: 1, warmup: 0}\n"
                    "benchmarks:\n"
                    "  - {name: slow, file: ../programs/count.gene, targets: {instructions: \"< 10\"}}\n")
        a = self.worker("alpha")
        c = self.coordinator([a])
        proc = submit(manifest, "--coordinator", c.address)
        self.assertExit(proc, 1)
        self.assertRegex(proc.stdout, r"✗ instructions +< 10 ")
        with open(manifest, "w") as f:
            f.write("suite: strict\ndefaults: {repetitions: 1, warmup: 0}\n"
                    "benchmarks: [{name: wrong, file: ../programs/count.gene, expect: 7}]\n")
        proc = submit(manifest, "--coordinator", c.address)
        self.assertExit(proc, 1)
        self.assertIn("wrong_value", proc.stdout)


class Tls(FarmTest):
    """TLS and mTLS on both hops (submit -> coordinator -> worker), with a CA,
    a server certificate (SAN IP:127.0.0.1, DNS:localhost) and a client
    certificate made by openssl for the class."""

    @classmethod
    def setUpClass(cls):
        openssl = shutil.which("openssl") or "/usr/bin/openssl"
        if not os.access(openssl, os.X_OK):
            # scripts/install-deps installs openssl: without it the TLS tests fail, never skip.
            raise RuntimeError("no openssl tool to make certificates with (scripts/install-deps installs it)")
        cls.pki = tempfile.mkdtemp(prefix="gene-e2e-pki-")
        try:
            def run(*argv):
                subprocess.run([openssl] + list(argv), cwd=cls.pki, check=True, capture_output=True, timeout=60)
            key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            for ca in ["ca", "other-ca"]:  # other-ca signs nothing
                run("req", "-x509", *key, "-keyout", ca + ".key", "-out", ca + ".pem", "-days", "2",
                    "-subj", "/CN=gene-e2e-" + ca, "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign")
            for name, san in [("server", "IP:127.0.0.1,DNS:localhost"), ("client", "DNS:gene-e2e-client")]:
                with open(os.path.join(cls.pki, name + ".ext"), "w") as f:
                    f.write("subjectAltName=%s\n" % san)
                run("req", *key, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=gene-e2e-" + name)
                run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")
        except BaseException:
            shutil.rmtree(cls.pki, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki, ignore_errors=True)

    def pem(self, name):
        return os.path.join(self.pki, name)

    def server_cert(self):
        return ["--tls-cert", self.pem("server.pem"), "--tls-key", self.pem("server.key")]

    def client_cert(self):
        return ["--tls-cert", self.pem("client.pem"), "--tls-key", self.pem("client.key")]

    def ca(self):
        return ["--tls-ca", self.pem("ca.pem")]

    def tls_worker(self, name, *extra):
        w = Server([farmtest.WORKER, "--listen", "127.0.0.1:0", "--name", name] + self.server_cert() + list(extra),
                   "worker " + name)
        self.servers.append(w)
        return w

    def tls_coordinator(self, workers, *extra, env=None):
        argv = [farmtest.COORDINATOR, "serve", "--listen", "127.0.0.1:0", "--workers", ",".join(w.address for w in workers),
                "--check-interval", "200ms", "--no-worker-grace", "3s"] + self.server_cert() + list(extra)
        c = Server(argv, "coordinator", env=env)
        self.servers.append(c)
        return c

    def assertSuiteRan(self, proc):
        self.assertExit(proc, 0)
        self.assertIn("suite e2e_small: 4 jobs on 1 worker [alpha (", proc.stdout)
        self.assertIn("result: all targets met", proc.stdout)
        for job in ["count/n:1000", "count/n:20000", "fib/n:12", "fib/n:15"]:
            self.assertRegex(proc.stdout, r"(?m)^%s +ok " % re.escape(job))

    def assertRefused(self, proc, address, start):
        self.assertExit(proc, 2)
        self.assertIn("error: coordinator at %s is unreachable" % address, proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.assertNotIn("started", proc.stderr)
        self.assertLess(time.time() - start, 20)  # a clear error, not a hang

    def test_tls_coordinator_verifies_worker(self):
        # --tls-ca on `serve` would also demand client certificates (mTLS,
        # see test_mtls), so this coordinator takes the CA that verifies its
        # worker from gRPC's default roots file instead.
        a = self.tls_worker("alpha")
        c = self.tls_coordinator([a], env=dict(os.environ, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=self.pem("ca.pem")))
        suite = os.path.join(SUITES, "small.yaml")
        self.assertSuiteRan(submit(suite, "--coordinator", c.address, *self.ca()))
        self.assertTrue(any("worker %s is ready: alpha" % a.address in line for line in c.stderr),
                        "".join(c.stderr))
        start = time.time()
        self.assertRefused(submit(suite, "--coordinator", c.address, timeout=30), c.address, start)
        # TLS without --tls-ca: the system's roots do not know our CA.
        start = time.time()
        proc = submit(suite, "--coordinator", c.address, *self.client_cert(), timeout=30)
        self.assertRefused(proc, c.address, start)
        self.assertIn("certificate verify failed", proc.stderr)

    def test_coordinator_refuses_unverified_worker(self):
        # Trusting only a CA that did not sign the worker's certificate, the
        # coordinator cannot verify it: the worker is down, and submit says why.
        a = self.tls_worker("alpha")
        c = self.tls_coordinator([a], env=dict(os.environ, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=self.pem("other-ca.pem")))
        proc = submit(os.path.join(SUITES, "small.yaml"), "--coordinator", c.address,
                      "--tls-ca", self.pem("ca.pem"), timeout=30)
        self.assertExit(proc, 2)
        self.assertIn("no worker matches", proc.stderr)
        self.assertIn("%s (down: " % a.address, proc.stderr)
        self.assertIn("certificate verify failed", proc.stderr)

    def test_mtls(self):
        # Both servers demand client certificates: the worker gets the
        # coordinator's own certificate, the coordinator the submitter's.
        a = self.tls_worker("alpha", *self.ca())
        c = self.tls_coordinator([a], *self.ca())
        suite = os.path.join(SUITES, "small.yaml")
        start = time.time()
        self.assertRefused(submit(suite, "--coordinator", c.address, *self.ca(), timeout=30), c.address, start)
        start = time.time()
        self.assertRefused(submit(suite, "--coordinator", c.address, timeout=30), c.address, start)
        self.assertSuiteRan(submit(suite, "--coordinator", c.address, *self.client_cert(), *self.ca()))
        listing = subprocess.run([farmtest.COORDINATOR, "workers", "--coordinator", c.address] + self.client_cert()
                                 + self.ca(), capture_output=True, text=True, timeout=30)
        self.assertExit(listing, 0)
        self.assertRegex(listing.stdout, r"%s +ready +0 +alpha +arch=" % re.escape(a.address))


class Local(FarmTest):
    def test_local_mode_runs_and_compare_py_reads_json(self):
        first = submit(os.path.join(SUITES, "small.yaml"), "--json", self.out("a.json"))
        self.assertExit(first, 0)
        self.assertIn("on 1 worker [local (", first.stdout)
        # Not a terminal: plain progress lines, one per job start and end.
        self.assertEqual(first.stderr.count("finished "), 4, first.stderr)
        second = submit(os.path.join(SUITES, "small.yaml"), "--json", self.out("b.json"), "--filter", "fib",
                        "--repetitions", "2")
        self.assertExit(second, 0)
        self.assertEqual(sorted(entries_by_name(load_json(self.out("b.json")))),
                         ["fib/n:12", "fib/n:12_cv", "fib/n:12_mean", "fib/n:12_median", "fib/n:12_stddev",
                          "fib/n:15", "fib/n:15_cv", "fib/n:15_mean", "fib/n:15_median", "fib/n:15_stddev"])
        if os.path.exists(COMPARE_PY):
            cmp = subprocess.run(["/usr/bin/python3", COMPARE_PY, "benchmarks", self.out("a.json"),
                                  self.out("b.json")], capture_output=True, text=True, timeout=60)
            self.assertEqual(cmp.returncode, 0, cmp.stdout + cmp.stderr)
            self.assertIn("fib/n:15_median", cmp.stdout)

    def test_pushgateway_gets_the_series(self):
        gateway_bin = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway")
        if not gateway_bin:
            self.skipTest("no Pushgateway binary (Debian package prometheus-pushgateway)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        gateway = subprocess.Popen([gateway_bin, "--web.listen-address=127.0.0.1:%d" % port],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = "http://127.0.0.1:%d" % port
            for _ in range(100):
                try:
                    urllib.request.urlopen(url + "/metrics", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            proc = submit(os.path.join(SUITES, "small.yaml"), "--pushgateway", url, "--filter", "fib/n:12")
            self.assertExit(proc, 0)
            text = urllib.request.urlopen(url + "/metrics", timeout=5).read().decode()
            self.assertRegex(text, r'gene_bench_instructions\{[^}]*benchmark="fib"[^}]*job="gene_bench"'
                                   r'[^}]*params="n=12"[^}]*suite="e2e_small"\} \d')
            self.assertRegex(text, r'gene_bench_target_met\{[^}]*statistic="frames_per_second"[^}]*\} 1')
            self.assertRegex(text, r'gene_farm_jobs_total\{[^}]*status="ok"[^}]*\} 1')
            self.assertIn("gene_bench_last_run_timestamp_seconds{", text)
        finally:
            gateway.terminate()
            gateway.wait(timeout=10)

    def test_unreachable_pushgateway_is_an_error(self):
        proc = submit(os.path.join(SUITES, "small.yaml"), "--pushgateway", "http://127.0.0.1:1", "--filter",
                      "fib/n:12")
        self.assertExit(proc, 2)
        self.assertIn("error: the Pushgateway at http://127.0.0.1:1 answered nothing", proc.stderr)

    def test_local_mode_checks_selectors_against_this_machine(self):
        proc = submit(os.path.join(SUITES, "gpu_only.yaml"))
        self.assertExit(proc, 2)
        self.assertIn("error: no worker matches the hardware selectors of benchmark 'count' (class=gpu): "
                      "this machine (local mode) has arch=", proc.stderr)

    def test_local_and_distributed_output_have_one_shape(self):
        local = submit(os.path.join(SUITES, "small.yaml"), "--json", self.out("local.json"))
        self.assertExit(local, 0)
        a = self.worker("alpha")
        c = self.coordinator([a])
        remote = submit(os.path.join(SUITES, "small.yaml"), "--coordinator", c.address, "--json",
                        self.out("remote.json"))
        self.assertExit(remote, 0)
        lj, rj = load_json(self.out("local.json")), load_json(self.out("remote.json"))
        self.assertEqual(sorted(lj["context"]), sorted(rj["context"]))
        self.assertEqual(sorted(lj["context"]["workers"][0]), sorted(rj["context"]["workers"][0]))
        shape = lambda doc: [(b["name"], b["run_type"], sorted(b)) for b in doc["benchmarks"]]
        self.assertEqual(shape(lj), shape(rj))

        # The tables: same lines once numbers, times and worker names are masked.
        def mask(text):
            text = re.sub(r"\[local \(x86_64\)\]|\[alpha \([^)]*\)\]|\[local \([^)]*\)\]", "[WORKER]", text)
            text = re.sub(r"[-+]?\d+(\.\d+)?(e[-+]\d+)?( ?(ms|us|ns|s)\b|%)?!?", "N", text)
            # Noise warnings and the machine's load depend on the run, not on the mode;
            # where a run is stored, on the mode.
            return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()
                    if "! noisy" not in line and not line.startswith("note: the machine's load average")
                    and not line.startswith("stored: run ")]
        self.assertEqual(mask(local.stdout), mask(remote.stdout))

    def test_typed_params_reach_the_program_exactly(self):
        # Each value goes from the manifest through a worker to the program,
        # which compares it with the same value written in Gene and returns
        # both: nothing is lost or re-read on the way (floats keep every
        # digit, a string needs no escaping, nil stays nil).
        tricky = 'q"uote\\back\0nul\nline \u00e9\u20ac'
        cases = [
            ("f1", "0.1", "0.1"),
            ("f2", "1e300", "1e300", "1e+300"),
            ("i1", "-140737488355328", "-140737488355328"),
            ("i2", "140737488355327", "140737488355327"),
            ("b", "true", "true"),
            ("z", "null", "nil"),
            ("s1", '"30"', '"30"'),
            ("s2", json.dumps(tricky), '"q\\"uote\\\\back\\0nul\\nline \u00e9\u20ac"'),
        ]
        lines = ["suite: typed_params", "defaults: {repetitions: 1, warmup: 0, min_time: 0s}", "benchmarks:"]
        for name, yaml_value, gene_literal, *_ in cases:
            with open(self.out(name + ".gene"), "w", encoding="utf-8") as f:
                f.write("(var p 0)\n[(p == %s) (type p) p]\n" % gene_literal)
            lines.append("  - {name: %s, file: %s.gene, params: {p: %s}}" % (name, name, yaml_value))
        manifest = self.out("typed.yaml")
        with open(manifest, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        local = submit(manifest, "--json", self.out("local.json"))
        self.assertExit(local, 0)
        a = self.worker("alpha")
        c = self.coordinator([a])
        self.wait_ready(c, 1)
        remote = submit(manifest, "--coordinator", c.address, "--json", self.out("remote.json"))
        self.assertExit(remote, 0)
        types = {"f": "float", "i": "int", "b": "bool", "z": "nil", "s": "string"}
        for doc in (load_json(self.out("local.json")), load_json(self.out("remote.json"))):
            labels = {b["name"].split("/")[0]: b["label"] for b in doc["benchmarks"] if b["run_type"] == "iteration"}
            for name, _, gene_literal, *shown in cases:
                self.assertEqual(labels[name], "[true %s %s]" % (types[name[0]], (shown or [gene_literal])[0]), name)

    def test_help(self):
        for argv in (["--help"], ["submit", "--help"], ["serve", "--help"], ["history", "--help"]):
            proc = subprocess.run([farmtest.COORDINATOR] + argv, capture_output=True, text=True, timeout=10)
            self.assertExit(proc, 0)
            self.assertIn("Usage:", proc.stdout)
        proc = subprocess.run([farmtest.COORDINATOR, "submit"], capture_output=True, text=True, timeout=10)
        self.assertExit(proc, 2)


    def test_describe_json_labels_in_key_order_on_every_run(self):
        # A protobuf map prints in an order that changes from one process to
        # the next (eight labels: the same order eight times by chance is
        # rare, and each run must be the sorted one anyway).
        argv = [farmtest.WORKER, "--describe", "--json", "--label", "zeta=1", "--label", "alpha=2"]
        for _ in range(8):
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            self.assertExit(proc, 0)
            keys = list(json.loads(proc.stdout)["labels"])  # json keeps the document's order
            self.assertEqual(len(keys), 8, keys)
            self.assertEqual(keys, sorted(keys))


class Measurement(FarmTest):
    """Calibration, the noise flag and hardware facts with real processes.
    The worker is pinned to one CPU; the coordinator and submit to the
    others, so that the test's own processes do not share the job's CPU.
    Run alone (ctest RUN_SERIAL): other tests on the same CPUs are noise."""

    SUITE = os.path.join(SUITES, "measure.yaml")

    def setUp(self):
        super().setUp()
        cpus = sorted(os.sched_getaffinity(0))
        self.job_cpu = {cpus[-1]}
        self.other_cpus = set(cpus[:-1]) or None

    def farm(self, realtime=False):
        w = Server([farmtest.WORKER, "--listen", "127.0.0.1:0", "--name", "pinned"], "worker pinned", cpus=self.job_cpu,
                   realtime=realtime)
        self.servers.append(w)
        c = Server([farmtest.COORDINATOR, "serve", "--listen", "127.0.0.1:0", "--workers", w.address, "--check-interval",
                    "200ms", "--metrics-port", "0"], "coordinator", cpus=self.other_cpus)
        self.servers.append(c)
        return w, c

    def run_count(self, coordinator, json_out):
        proc = submit(self.SUITE, "--coordinator", coordinator.address, "--filter", "^count", "--json", json_out,
                      cpus=self.other_cpus)
        self.assertExit(proc, 0)
        median = entries_by_name(load_json(json_out))["count/n:20000_median"][0]
        return proc, median

    def test_busy_loop_on_the_jobs_cpu_is_flagged(self):
        w, c = self.farm()
        cpu = next(iter(self.job_cpu))
        busy = subprocess.Popen([sys.executable, "-c", "import os\nos.sched_setaffinity(0, {%d})\nwhile True: pass" % cpu])
        try:
            time.sleep(0.3)  # pinned and spinning
            proc, median = self.run_count(c, self.out("busy.json"))
        finally:
            busy.kill()
            busy.wait()
        self.assertIs(median["noisy"], True, proc.stdout)
        kinds = {r["kind"] for r in median["noise_reasons"]}
        self.assertIn("cpu_share", kinds, median["noise_reasons"])  # the loop takes about half the CPU
        self.assertLess(median["cpu_utilization"], 0.95)
        self.assertRegex(proc.stdout, r"  ! noisy: CPU time was \d+% of wall time")
        self.assertIn("! noisy: 1 of 1 job measured under noise", proc.stdout)
        metrics = scrape(c.wait_line("metrics on "))
        self.assertRegex(metrics, r'gene_bench_noisy\{benchmark="count"[^}]*suite="e2e_measure"\} 1')
        self.assertRegex(metrics, r'gene_bench_noise_reason\{[^}]*reason="cpu_share"[^}]*\} 1')
        self.assertRegex(metrics, r'gene_bench_cpu_utilization\{[^}]*benchmark="count"[^}]*\} 0\.\d')

    def test_quiet_job_is_not_flagged(self):
        # A job whose CPU nothing else uses must not be flagged. The machine
        # may be shared (other engineers, other test runs), so the worker
        # gets a real-time priority where allowed: then no ordinary task can
        # take its CPU. Without it, the test waits for a quiet moment.
        w, c = self.farm(realtime=True)
        attempts = []
        for attempt in range(20):
            proc, median = self.run_count(c, self.out("quiet%d.json" % attempt))
            attempts.append([r["text"] for r in median["noise_reasons"]])
            if not median["noisy"]:
                break
            time.sleep(2)
        self.assertIs(median["noisy"], False, "flagged in every attempt: %s" % attempts)
        self.assertEqual(median["noise_reasons"], [])
        self.assertGreater(median["cpu_utilization"], 0.95)
        self.assertNotIn("! noisy", proc.stdout)
        self.assertRegex(scrape(c.wait_line("metrics on ")), r'gene_bench_noisy\{benchmark="count"[^}]*\} 0')

    def test_calibration_profile_and_signals(self):
        # A run takes well under a millisecond; k > 1 unless the job's thread
        # waited --min-time for a CPU in the middle of one run. The suite's
        # 50 ms is such a wait on a loaded machine (load 10 on 2 CPUs), 250 ms
        # is not.
        proc = submit(self.SUITE, "--json", self.out("m.json"), "--min-time", "250ms")
        self.assertExit(proc, 0)
        doc = load_json(self.out("m.json"))
        names = entries_by_name(doc)
        reps = names["count/n:20000"]
        self.assertEqual(len(reps), 3)
        k = reps[0]["iterations"]
        self.assertGreater(k, 1)
        for e in reps:
            self.assertEqual(e["iterations"], k)
            self.assertIn("cpu_utilization", e)
            self.assertIn("involuntary_context_switches", e)
            self.assertEqual(e["instructions"], reps[0]["instructions"])  # per run, exact
        self.assertRegex(proc.stdout, r"(?m)^count/n:20000 +ok +%d " % k)
        median = names["count/n:20000_median"][0]
        self.assertEqual(median["min_time"], 0.25)
        for key in ("noisy", "noise_reasons", "load_average", "jobs_beside", "cpu_utilization"):
            self.assertIn(key, median)
        self.assertEqual(median["jobs_beside"], 0)
        ctx = doc["context"]
        self.assertRegex(ctx["build_id"], r"^[0-9a-f]{16}$")
        self.assertIn("dirty", ctx)
        self.assertIn("instructions", ctx["exact_statistics"])
        self.assertNotIn("execution_seconds", ctx["exact_statistics"])
        self.assertTrue(ctx["workers"][0]["hardware_counters"].startswith(("available: ", "unavailable: ")))
        # The profiled job: its repetitions ran without the profiler, so
        # their instruction counts equal the unprofiled count job's kind of
        # numbers, and per run (not 56 times slower).
        fib = names["fib/n:12"]
        self.assertEqual(len(fib), 3)
        self.assertEqual(len({e["instructions"] for e in fib}), 1)

    def test_min_time_zero_runs_once(self):
        proc = submit(self.SUITE, "--json", self.out("z.json"), "--min-time", "0", "--filter", "^count")
        self.assertExit(proc, 0)
        reps = entries_by_name(load_json(self.out("z.json")))["count/n:20000"]
        self.assertEqual({e["iterations"] for e in reps}, {1})
        self.assertEqual(entries_by_name(load_json(self.out("z.json")))["count/n:20000_median"][0]["min_time"], 0)

    def test_cores_follow_the_affinity_mask(self):
        proc = subprocess.run([farmtest.WORKER, "--describe"], capture_output=True, text=True, timeout=30,
                              preexec_fn=pinned_to(self.job_cpu))
        self.assertExit(proc, 0)
        self.assertRegex(proc.stdout, r"(?m)^cores: +1 \(affinity %d," % next(iter(self.job_cpu)))
        self.assertRegex(proc.stdout, r"(?m)^hardware counters: +(available|unavailable): ")
        w, c = self.farm()
        listing = subprocess.run([farmtest.COORDINATOR, "workers", "--coordinator", c.address], capture_output=True,
                                 text=True, timeout=30)
        self.assertExit(listing, 0)
        self.assertRegex(listing.stdout, r"cores=1,")
        self.assertRegex(listing.stdout, r"host=[^,]+, vm_build_id=[0-9a-f]{16}, vm_commit=")

    def test_host_name_and_jobs_per_host(self):
        a = Server([farmtest.WORKER, "--listen", "127.0.0.1:0", "--name", "a", "--host-name", "node-a"], "worker a")
        b = Server([farmtest.WORKER, "--listen", "127.0.0.1:0", "--name", "b", "--host-name", "node-a"], "worker b")
        self.servers += [a, b]
        c = self.coordinator([a, b])
        proc = submit(os.path.join(SUITES, "small.yaml"), "--coordinator", c.address, "--json", self.out("h.json"),
                      "--min-time", "0")
        self.assertExit(proc, 0)
        doc = load_json(self.out("h.json"))
        self.assertEqual({w["labels"]["host"] for w in doc["context"]["workers"]}, {"node-a"})
        # One host: one job at a time, though there are two workers.
        for e in doc["benchmarks"]:
            if e["run_type"] == "aggregate":
                self.assertEqual(e["jobs_beside"], 0, e["name"])


class BadManifests(FarmTest):
    """One test per kind of manifest error: exit 2, nothing run, and the
    error's place (file:line:col) in the message."""

    def check(self, manifest, *expected, files=None):
        suite_dir = os.path.join(self.tmp, "suites")
        os.makedirs(suite_dir, exist_ok=True)
        shutil.copytree(os.path.join(HERE, "programs"), os.path.join(self.tmp, "programs"), dirs_exist_ok=True)
        with open(os.path.join(suite_dir, "bad.yaml"), "w") as f:
            f.write(manifest)
        proc = submit("suites/bad.yaml", cwd=self.tmp)
        self.assertExit(proc, 2)
        self.assertEqual(proc.stdout, "")
        self.assertNotIn("started", proc.stderr)
        for e in expected:
            self.assertIn(e, proc.stderr)
        self.assertIn("; nothing ran", proc.stderr)
        return proc.stderr

    def test_unknown_key(self):
        self.check("suite: s\nbenchmarks:\n  - name: a\n    file: ../programs/count.gene\n    repetiton: 3\n",
                   "suites/bad.yaml:5:5: unknown key 'repetiton' in benchmark 1 (did you mean 'repetitions'?)")

    def test_wrong_type(self):
        self.check("suite: s\ndefaults: {repetitions: five}\nbenchmarks: [{name: a, file: ../programs/count.gene}]\n",
                   "suites/bad.yaml:2:25: 'repetitions' must be an integer, not a string ('five')")

    def test_missing_file(self):
        self.check("suite: s\nbenchmarks:\n  - {name: a, file: ../programs/nope.gene}\n",
                   "suites/bad.yaml:3:21: file '../programs/nope.gene': no such file")

    def test_file_outside_the_suite_tree(self):
        self.check("suite: s\nbenchmarks:\n  - {name: a, file: ../../etc/passwd}\n",
                   "suites/bad.yaml:3:21: file '../../etc/passwd': escapes the suite's directory tree")

    def test_bad_duration(self):
        self.check("suite: s\ndefaults: {timeout: 60}\nbenchmarks: [{name: a, file: ../programs/count.gene}]\n",
                   "suites/bad.yaml:2:21: bad duration '60' for 'timeout'")

    def test_bad_target_expression(self):
        self.check("suite: s\ntargets: {instructions: \">= lots\"}\n"
                   "benchmarks: [{name: a, file: ../programs/count.gene}]\n",
                   "suites/bad.yaml:2:25: bad target '>= lots' for 'instructions'")

    def test_unknown_statistic(self):
        self.check("suite: s\nbenchmarks:\n  - name: a\n    file: ../programs/count.gene\n"
                   "    targets: {tco_rate: \"> 0.9\"}\n",
                   "suites/bad.yaml:5:15: unknown statistic 'tco_rate' in 'targets'")

    def test_yaml_syntax(self):
        self.check("suite: s\nbenchmarks: [{name: a, file: x.gene\n", "suites/bad.yaml:", "YAML syntax error")

    def test_all_errors_at_once(self):
        err = self.check("suite: Bad Name\ndefaults: {warmup: -1, timeout: 5 minutes}\n"
                         "targets: {nope: \"> 1\"}\nbenchmarks:\n  - {name: a, file: missing.gene}\n",
                         "suites/bad.yaml:1:8:", "suites/bad.yaml:2:20:", "suites/bad.yaml:2:33:",
                         "suites/bad.yaml:3:11:", "suites/bad.yaml:5:21:", "error: 5 problems in suites/bad.yaml")


class Cancellation(FarmTest):
    """A submitter that goes away cancels its suite at once: the job it has
    running on a worker stops within seconds, not at the coordinator's next
    health check of that worker (here once a minute)."""

    SUITE = ("suite: e2e_cancel\ndefaults: {repetitions: 1, warmup: 0, min_time: 0, timeout: 10m}\n"
             "benchmarks:\n  - {name: count, file: ../programs/count.gene, params: {n: 100000000000}}\n")

    def setUp(self):
        super().setUp()
        shutil.copytree(os.path.join(HERE, "programs"), os.path.join(self.tmp, "programs"))
        os.makedirs(os.path.join(self.tmp, "suites"))
        self.manifest = os.path.join(self.tmp, "suites", "long.yaml")
        with open(self.manifest, "w") as f:
            f.write(self.SUITE)  # counting to 10^11 takes over an hour
        self.w = Server([farmtest.WORKER, "--listen", "127.0.0.1:0", "--name", "alpha", "--metrics-port", "0"], "worker alpha")
        self.servers.append(self.w)
        self.c = Server([farmtest.COORDINATOR, "serve", "--listen", "127.0.0.1:0", "--workers", self.w.address,
                         "--check-interval", "60s"], "coordinator")
        self.servers.append(self.c)

    def worker_metric(self, pattern):
        m = re.search(pattern, scrape(self.w.wait_line("metrics on ")), re.M)
        return float(m.group(1)) if m else 0.0

    def test_interrupted_submit_stops_its_running_job(self):
        proc = subprocess.Popen([farmtest.COORDINATOR, "submit", self.manifest, "--coordinator", self.c.address],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for line in proc.stderr:
                if " started count/n:100000000000 on alpha" in line:
                    break
            self.assertEqual(self.worker_metric(r"^gene_worker_busy (\S+)$"), 1.0, "the job runs on the worker")
            proc.send_signal(signal.SIGINT)  # Ctrl-C: the submitter goes away
            interrupted = time.monotonic()
            proc.communicate(timeout=30)
            stopped = None
            while time.monotonic() - interrupted < 60:
                if self.worker_metric(r"^gene_worker_busy (\S+)$") == 0:
                    stopped = time.monotonic() - interrupted
                    break
                time.sleep(0.05)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertIsNotNone(stopped, "the job still ran on the worker a minute after its submitter went away")
        print("\nthe worker's job stopped %.2f s after the submitter was interrupted" % stopped, file=sys.stderr)
        self.assertLess(stopped, 5, "the job stopped only after %.1f s" % stopped)
        self.assertEqual(self.worker_metric(r'^gene_worker_jobs_total\{status="cancelled"\} (\S+)$'), 1.0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any("suite e2e_cancel: cancelled" in l for l in self.c.stderr):
            time.sleep(0.05)
        self.assertTrue(any("suite e2e_cancel: cancelled" in l for l in self.c.stderr), "".join(self.c.stderr))


if __name__ == "__main__":
    farmtest.run_tests(__doc__)
