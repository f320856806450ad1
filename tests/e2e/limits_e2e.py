#!/usr/bin/env python3
"""Limits that hold, end to end: hostile manifests, filters and programs
against real `coordinator` and `worker` processes on 127.0.0.1.

Usage: limits_e2e.py --coordinator PATH --worker PATH [unittest arguments]
       e.g. limits_e2e.py --coordinator build/bin/coordinator \
                          --worker build/bin/worker Manifests

Every test checks that the servers are still alive (and still serve a
good suite) after the hostile input, and that the answer came quickly.
"""

import os
import subprocess
import time

import farmtest
from farmtest import FarmTest, Server

# Seconds within which a hostile manifest or filter must be refused: work
# linear in its size. The largest (200,000 unknown keys) takes about 5 s at
# load 7 on 2 CPUs, so 30 s left too little for a busier machine; anything
# quadratic or exponential in these sizes would take hours, not 60 s.
LINEAR_BOUND = 60

# The review's poison program: 2^60 paths through shared arrays.
POISON = "(var a 1) (var b 1) (var i 0) (while (i < 60) (a = [a a]) (b = [b b]) (i += 1)) (a == b)\n"


class LimitsTest(FarmTest):
    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.tmp, "suites"))
        self.write("suites/p.gene", "(var x 1) x\n")

    def write(self, name, text, mode="w"):
        path = os.path.join(self.tmp, name)
        with open(path, mode) as f:
            f.write(text)
        return path

    def manifest(self, text, name="m.yaml"):
        return self.write("suites/" + name, text, "wb" if isinstance(text, bytes) else "w")

    def submit(self, manifest, *args, timeout=2 * LINEAR_BOUND):
        start = time.monotonic()
        proc = subprocess.run([farmtest.COORDINATOR, "submit", manifest] + list(args), capture_output=True,
                              timeout=timeout)
        proc.seconds = time.monotonic() - start
        proc.stdout, proc.stderr = (proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
        return proc

    def farm(self):
        w = self.worker("w1")
        c = self.coordinator([w])
        return c

    def assertAlive(self, coordinator):
        self.assertIsNone(coordinator.proc.poll(), "the coordinator died:\n" + "".join(coordinator.stderr))
        good = self.manifest("suite: good\nbenchmarks:\n  - {name: p, file: p.gene, expect: 1}\n", "good.yaml")
        proc = self.submit(good, "--coordinator", coordinator.address, "--repetitions", "1")
        self.assertExit(proc, 0)

    def both_ways(self, manifest, *args):
        """Submits locally and through a coordinator; returns both results."""
        local = self.submit(manifest, *args)
        c = self.farm()
        remote = self.submit(manifest, "--coordinator", c.address, *args)
        self.assertAlive(c)
        return local, remote, c


class Manifests(LimitsTest):
    def test_100kb_suite_name_is_refused_quickly(self):
        m = self.manifest("suite: " + "a" * 100000 + "\nbenchmarks:\n  - {name: p, file: p.gene}\n")
        for proc in self.both_ways(m)[:2]:
            self.assertExit(proc, 2)
            self.assertIn("suite name is 100000 bytes", proc.stderr)
            self.assertLess(len(proc.stderr), 2000)  # the name is not echoed whole
            self.assertLess(proc.seconds, LINEAR_BOUND)

    def test_a_suite_name_that_passes_fits_the_job_id(self):
        # The longest name the manifest accepts runs; one byte more is refused.
        longest = 128
        ok = self.manifest("suite: " + "a" * longest + "\nbenchmarks:\n  - {name: p, file: p.gene, expect: 1}\n")
        proc = self.submit(ok, "--repetitions", "1")
        self.assertExit(proc, 0)
        bad = self.manifest("suite: " + "a" * 1000 + "\nbenchmarks:\n  - {name: p, file: p.gene}\n")
        proc = self.submit(bad)
        self.assertExit(proc, 2)
        self.assertIn("at most %d" % longest, proc.stderr)

    def test_filter_against_a_60kb_parameter_value(self):
        value = "ab" * 30000 + "c"
        m = self.manifest("suite: s\nbenchmarks:\n  - name: p\n    file: p.gene\n    params: {v: '%s'}\n" % value)
        for proc in self.both_ways(m, "--filter", "(a|b)+$")[:2]:
            self.assertExit(proc, 2)
            self.assertIn("matches no job", proc.stderr)
            self.assertLess(len(proc.stderr), 4000)
            self.assertLess(proc.seconds, LINEAR_BOUND)

    def test_exponential_filter_on_a_long_name(self):
        m = self.manifest("suite: s\nbenchmarks:\n  - name: p\n    file: p.gene\n    params: {v: '%s'}\n"
                          % ("a" * 5000))
        for proc in self.both_ways(m, "--filter", "(a|a)*b")[:2]:
            self.assertExit(proc, 2)
            self.assertLess(proc.seconds, LINEAR_BOUND)

    def test_200000_unknown_keys(self):
        m = self.manifest("suite: s\n" + "".join("k%d: 1\n" % i for i in range(200000)) +
                          "benchmarks:\n  - {name: p, file: p.gene}\n")
        for proc in self.both_ways(m)[:2]:
            self.assertExit(proc, 2)
            self.assertIn("and 199900 more problems", proc.stderr)
            self.assertLess(proc.stderr.count("\n"), 110)
            self.assertLess(proc.seconds, LINEAR_BOUND)

    def test_deeply_nested_yaml(self):
        for text in ("x: " + "[" * 100000 + "]" * 100000, "x: " + "{a: " * 50000 + "1" + "}" * 50000,
                     "x:\n  " + "- " * 3000 + "a"):
            m = self.manifest("suite: s\n" + text + "\nbenchmarks:\n  - {name: p, file: p.gene}\n")
            for proc in self.both_ways(m)[:2]:
                self.assertExit(proc, 2)
                self.assertIn("nested", proc.stderr)

    def test_invalid_utf8_fails_the_same_way(self):
        m = self.manifest(b"suite: s\ndescription: \"caf\xe9\"\nbenchmarks:\n  - {name: p, file: p.gene}\n")
        local, remote, _ = self.both_ways(m)
        for proc in (local, remote):
            self.assertExit(proc, 2)
            self.assertIn("m.yaml:2:", proc.stderr)
            self.assertIn("not valid UTF-8", proc.stderr)
            self.assertNotIn("INTERNAL", proc.stderr)

    def test_terminal_escapes_are_not_echoed(self):
        m = self.manifest("suite: s\nbenchmarks:\n  - {name: p, file: \"\\e[31mred\\e[0m\\a.gene\"}\n")
        local, remote, c = self.both_ways(m)
        for proc in (local, remote):
            self.assertExit(proc, 2)
            self.assertNotIn("\x1b", proc.stderr + proc.stdout)
            self.assertNotIn("\x07", proc.stderr + proc.stdout)
            self.assertIn("\\x1b[31mred", proc.stderr)
        self.assertNotIn("\x1b", "".join(c.stderr + c.lines))


class Ports(LimitsTest):
    def test_second_worker_on_a_taken_port_exits_1(self):
        w = self.worker("first")
        proc = subprocess.run([farmtest.WORKER, "--listen", w.address, "--name", "second"], capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertNotIn("listening", proc.stdout)
        self.assertIn("cannot listen on " + w.address, proc.stderr)

    def test_second_coordinator_on_a_taken_port_exits_1(self):
        c = self.farm()
        proc = subprocess.run([farmtest.COORDINATOR, "serve", "--listen", c.address, "--workers", "127.0.0.1:1",
                               "--store", "none"], capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertNotIn("listening", proc.stdout)
        self.assertIn("cannot listen on " + c.address, proc.stderr)
        self.assertAlive(c)


class Worker(LimitsTest):
    def test_poison_program_times_out_and_the_worker_takes_the_next_job(self):
        self.write("suites/poison.gene", POISON)
        w = Server([farmtest.WORKER, "--listen", "127.0.0.1:0", "--name", "only", "--max-concurrent", "1"], "worker")
        self.servers.append(w)
        c = self.coordinator([w], "--max-attempts", "3")
        m = self.manifest("suite: poison\ndefaults: {timeout: 2s, warmup: 0, min_time: 0, repetitions: 1}\n"
                          "benchmarks:\n  - {name: poison, file: poison.gene}\n")
        json_out = self.out("poison.json")
        proc = self.submit(m, "--coordinator", c.address, "--json", json_out)
        self.assertExit(proc, 1)
        self.assertIn("timeout", proc.stdout)
        # Ended by its deadline plus a small grace, tried once (a timeout is the program's, not the worker's).
        self.assertLess(proc.seconds, 2 + 10)
        self.assertIn("poison", proc.stdout)
        self.assertNotIn("attempt 2", proc.stdout + proc.stderr)
        self.assertIsNone(w.proc.poll())
        self.assertAlive(c)



if __name__ == "__main__":
    farmtest.run_tests(__doc__)
