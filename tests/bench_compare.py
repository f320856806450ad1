#!/usr/bin/env python3
"""`gene bench --json` writes Google Benchmark's format: two such files are
read by Google Benchmark's compare.py.

Usage: bench_compare.py --gene PATH_TO_GENE [--compare /usr/share/benchmark/compare.py]

Runs `gene bench tiny.gene --param n:12 --repetitions 3 --json FILE` twice,
checks that each file is strict JSON (no NaN or Infinity) with the shape
compare.py and the farm expect, then runs
`/usr/bin/python3 compare.py benchmarks a.json b.json` and checks that it
exits 0 and names the benchmark. Exits 0 on success, 1 with a message
otherwise.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

PROGRAM = """\
(var n 10)
(fn fib n
  (if (n < 2) n else ((fib (n - 1)) + (fib (n - 2)))))
(println (fib n))
(fib n)
"""
NAME = "tiny/n:12"
REPETITIONS = 3


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def reject_constant(token):
    raise ValueError("non-finite number %s in JSON" % token)


def check_file(path):
    with open(path) as f:
        text = f.read()
    try:
        doc = json.loads(text, parse_constant=reject_constant)
    except ValueError as e:
        fail("%s is not strict JSON: %s" % (path, e))
    ctx = doc.get("context", {})
    for key in ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu",
                "cpu_scaling_enabled", "caches", "load_avg", "library_version",
                "library_build_type", "json_schema_version", "gene_commit"):
        if key not in ctx:
            fail("%s: context has no %r" % (path, key))
    if ctx["json_schema_version"] != 1 or len(ctx["load_avg"]) != 3:
        fail("%s: bad json_schema_version or load_avg" % path)
    entries = doc.get("benchmarks", [])
    iterations = [e for e in entries if e.get("run_type") == "iteration"]
    aggregates = [e for e in entries if e.get("run_type") == "aggregate"]
    if len(iterations) != REPETITIONS:
        fail("%s: %d iteration entries, want %d" % (path, len(iterations), REPETITIONS))
    for i, e in enumerate(iterations):
        if (e["name"] != NAME or e["run_name"] != NAME or e["repetition_index"] != i
                or e["repetitions"] != REPETITIONS or e["iterations"] != 1
                or e["time_unit"] != "ms" or e["label"] != "144"
                or not e["real_time"] > 0 or not e["cpu_time"] >= 0
                or e["instructions"] <= 0 or "tco_success_rate" not in e):
            fail("%s: bad iteration entry %d: %r" % (path, i, e))
    got = sorted(e["aggregate_name"] for e in aggregates)
    if got != ["cv", "mean", "median", "stddev"]:
        fail("%s: aggregates %r" % (path, got))
    for e in aggregates:
        if e["name"] != NAME + "_" + e["aggregate_name"] or e["run_name"] != NAME:
            fail("%s: bad aggregate entry %r" % (path, e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gene", required=True)
    ap.add_argument("--compare", default="/usr/share/benchmark/compare.py")
    args = ap.parse_args()
    gene = os.path.abspath(args.gene)
    with tempfile.TemporaryDirectory() as tmp:
        prog = os.path.join(tmp, "tiny.gene")
        with open(prog, "w") as f:
            f.write(PROGRAM)
        files = []
        for which in ("a", "b"):
            out = os.path.join(tmp, which + ".json")
            p = subprocess.run([gene, "bench", prog, "--param", "n=12",
                                "--repetitions", str(REPETITIONS), "--warmup", "1",
                                "--json", out],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=120)
            if p.returncode != 0:
                fail("gene bench exited %d:\n%s%s" % (p.returncode, p.stdout, p.stderr))
            if "value       144" not in p.stdout:
                fail("gene bench did not report the value:\n" + p.stdout)
            check_file(out)
            files.append(out)
        p = subprocess.run(["/usr/bin/python3", args.compare, "--no-color",
                            "benchmarks"] + files,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        print(p.stdout)
        if p.returncode != 0:
            fail("compare.py exited %d" % p.returncode)
        for name in (NAME, NAME + "_median", NAME + "_cv"):
            if name not in p.stdout:
                fail("compare.py output does not name %s" % name)
    print("PASS: compare.py read two gene bench --json files")


if __name__ == "__main__":
    main()
