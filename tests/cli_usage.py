#!/usr/bin/env python3
"""What every binary's command line promises alike: --help and --version
exit 0; a usage error exits 2 with one line on stderr naming it, and a
mistyped command or option gets a suggestion ("did you mean 'submit'?");
`gene` takes `--opt=value` as well as `--opt value`. Exports (--json,
--html): an unwritable path is a usage error found before anything runs, a
failed command leaves no empty or partial file, and `--json -` puts the
JSON document alone on stdout (python's json and jq both read it). Runs the
real binaries.

Usage: cli_usage.py --gene PATH [--worker PATH --coordinator PATH]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BIN = {}
SUITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "e2e", "suites", "small.yaml")


def run(binary, *args):
    return subprocess.run([BIN[binary], *args], capture_output=True, text=True, timeout=30)


class Common(unittest.TestCase):
    def assertUsageError(self, proc, needle):
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn(needle, proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_help_and_version(self):
        for binary in BIN:
            with self.subTest(binary=binary):
                proc = run(binary, "--help")
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertIn("--version", proc.stdout)
                proc = run(binary, "--version")
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertTrue(proc.stdout.startswith(binary + " "), proc.stdout)
                self.assertIn("build id", proc.stdout)

    def test_mistyped_words_get_a_suggestion(self):
        cases = [("gene", ["rnu", "x.gene"], "unknown command 'rnu' (did you mean 'run'?)"),
                 ("gene", ["bench", "x.gene", "--repetiton", "3"], "did you mean '--repetitions'?"),
                 ("gene", ["run", "x.gene", "--max-hep=1MiB"], "did you mean '--max-heap'?"),
                 ("worker", ["--max-concurent", "2"], "unknown option '--max-concurent' (did you mean '--max-concurrent'?)"),
                 ("worker", ["--lisen=127.0.0.1:0"], "did you mean '--listen'?"),
                 ("coordinator", ["sumbit", "suite.yaml"], "unknown command 'sumbit' (did you mean 'submit'?)"),
                 ("coordinator", ["histroy"], "did you mean 'history'?"),
                 ("coordinator", ["comapre", "suite.yaml"], "did you mean 'compare'?"),
                 ("coordinator", ["submit", "suite.yaml", "--jsno", "out.json"], "did you mean '--json'?"),
                 ("coordinator", ["serve", "--listen", "127.0.0.1:0", "--worker", "w:1"], "did you mean '--workers'?")]
        for binary, args, needle in cases:
            if binary not in BIN:
                continue
            with self.subTest(binary=binary, args=args):
                self.assertUsageError(run(binary, *args), needle)

    def test_no_suggestion_for_what_is_far_from_any_word(self):
        for binary, args in [("gene", ["frobnicate"]), ("coordinator", ["frobnicate"]), ("worker", ["--frobnicate"])]:
            if binary not in BIN:
                continue
            with self.subTest(binary=binary):
                proc = run(binary, *args)
                self.assertUsageError(proc, "frobnicate")
                self.assertNotIn("did you mean", proc.stderr)

    def test_other_usage_errors_exit_2(self):
        cases = [("gene", []), ("gene", ["run"]), ("gene", ["eval", "1", "--stats=yes"]),
                 ("gene", ["bench", "x.gene", "--repetitions=0"]),
                 ("worker", []), ("worker", ["--listen", "127.0.0.1:0", "--max-concurrent=0"]),
                 ("coordinator", []), ("coordinator", ["submit"]), ("coordinator", ["serve", "--listen", "x:1"])]
        for binary, args in cases:
            if binary not in BIN:
                continue
            with self.subTest(binary=binary, args=args):
                proc = run(binary, *args)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertNotEqual(proc.stderr.strip(), "")

    def test_gene_takes_opt_equals_value(self):
        with tempfile.TemporaryDirectory() as tmp:
            program = os.path.join(tmp, "p.gene")
            with open(program, "w") as f:
                f.write("(var n 1)\n(n * 2)\n")
            out = os.path.join(tmp, "out.json")
            proc = run("gene", "run", program, "--param=n=21", "--json=" + out, "--timeout=30", "--max-heap=64MiB")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(out) as f:
                self.assertEqual(json.load(f)["value"], "42")
            spaced = os.path.join(tmp, "spaced.json")
            proc = run("gene", "run", program, "--param", "n=21", "--json", spaced)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(spaced) as f:
                self.assertEqual(json.load(f)["value"], "42")


class Exports(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gene-exports-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.unwritable = os.path.join(self.tmp, "no-such-dir", "out.json")

    def program(self, text):
        path = os.path.join(self.tmp, "p.gene")
        with open(path, "w") as f:
            f.write(text)
        return path

    def assertFoundBeforeTheRun(self, proc, needle="ran"):
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("cannot write " + self.unwritable, proc.stderr)
        self.assertNotIn(needle, proc.stdout + proc.stderr)  # the program never ran

    def test_gene_finds_an_unwritable_json_path_before_the_run(self):
        program = self.program('(println "ran")\n1\n')
        self.assertFoundBeforeTheRun(run("gene", "run", program, "--json", self.unwritable))
        self.assertFoundBeforeTheRun(run("gene", "bench", program, "--json", self.unwritable), "repetition")
        self.assertFalse(os.path.exists(os.path.dirname(self.unwritable)))

    def test_a_failed_bench_leaves_no_file_and_keeps_an_old_one(self):
        program = self.program("(foo)\n")
        out = os.path.join(self.tmp, "bench.json")
        proc = run("gene", "bench", program, "--json", out, "--repetitions", "1", "--warmup", "0")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertFalse(os.path.exists(out), "a failed bench left " + out)
        with open(out, "w") as f:
            f.write("old\n")
        run("gene", "bench", program, "--json", out, "--repetitions", "1", "--warmup", "0")
        with open(out) as f:
            self.assertEqual(f.read(), "old\n")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["bench.json", "p.gene"])  # no temporary left beside it

    def test_json_to_stdout_is_the_document_alone(self):
        program = self.program('(println "hello")\n(print "no newline")\n(var n 2)\n(n * 21)\n')
        for args in (["run", program], ["eval", '(println "hello") (print "no newline") 42'],
                     ["bench", program, "--repetitions", "2", "--warmup", "0"]):
            with self.subTest(args=args[0]):
                proc = run("gene", *args, "--json", "-")
                self.assertEqual(proc.returncode, 0, proc.stderr)
                doc = json.loads(proc.stdout)  # nothing else on stdout
                self.assertIsInstance(doc, dict)
                if args[0] != "bench":
                    self.assertEqual(doc["value"], "42")
                    self.assertIn("hello\nno newline", proc.stderr)  # the program's output, on stderr
                jq = subprocess.run(["jq", "-e", "type == \"object\""], input=proc.stdout, capture_output=True,
                                    text=True, timeout=30)
                self.assertEqual(jq.returncode, 0, jq.stderr)

    def test_coordinator_finds_an_unwritable_export_before_the_run(self):
        if "coordinator" not in BIN:
            self.skipTest("coordinator not built (VM-only tree)")
        proc = run("coordinator", "submit", SUITE, "--store", "none", "--json", self.unwritable)
        self.assertFoundBeforeTheRun(proc, "count/n:1000")
        for flag in ("--json", "--html"):
            with self.subTest(command="compare", flag=flag):
                proc = run("coordinator", "compare", SUITE, "--store", "none", flag, self.unwritable)
                self.assertFoundBeforeTheRun(proc, "count/n:1000")
        store = os.path.join(self.tmp, "store.sqlite")
        for flag in ("--json", "--html"):
            with self.subTest(flag=flag):
                proc = run("coordinator", "history", "--store", store, flag, self.unwritable)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertIn("cannot write " + self.unwritable, proc.stderr)
                self.assertFalse(os.path.exists(store))  # found before the store was opened


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gene", required=True)
    ap.add_argument("--worker")
    ap.add_argument("--coordinator")
    args, rest = ap.parse_known_args()
    for name in ("gene", "worker", "coordinator"):
        if getattr(args, name):
            BIN[name] = getattr(args, name)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
