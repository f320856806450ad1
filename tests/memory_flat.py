#!/usr/bin/env python3
"""Memory stays flat: programs that make millions of short-lived objects,
self references (not counted: freed by counts), mutually-referencing
cycles (maps holding each other, closures capturing each other) and long-lived trees run with a peak heap that does
not grow with the number of iterations, the collector's counters show it
working, and the process RSS stays under a generous bound. The heap limit
stops a program that keeps everything, cleanly.

Usage: memory_flat.py --gene PATH_TO_GENE
Prints one line per failed check and "N passed, N failed"; exits 1 on failure.
"""

import argparse
import json
import os
import sys
import tempfile

from clitest import Checks, run as run_binary

PROGRAMS = {
    "churn": """
(var i 0)
(var total 0)
(while (i < n)
  (var m {^a [i i] ^b "x"})
  (total = (total + (len m/a)))
  (i += 1))
total
""",
    "self_cycles": """
(var i 0)
(while (i < n)
  (var m {^k i})
  (m/self = m)
  (var p {^m m})
  (m/peer = p)
  (var a [i])
  (push a a)
  (i += 1))
i
""",
    "closure_cycles": """
(fn pair [x]
  (var a nil)
  (var b (fn [] a))
  (a = (fn [] (+ x (len [(b)]))))
  b)
(var i 0)
(while (i < n)
  (var f (pair i))
  (i += 1))
i
""",
    "tree_and_churn": """
(fn tree d (if (d == 0) [] [(tree (d - 1)) (tree (d - 1))]))
(fn count t (if ((len t) == 0) 1 ((count t/0) + (count t/1))))
(var keep (tree 14))
(var i 0)
(while (i < n)
  (var garbage (tree 3))
  (i += 1))
(count keep)
""",
    # A string through every way a program stores into a container (array
    # and map literals, push, spread, path and set stores, gene literals,
    # keys, $parse's data): freeing a container gives its values' counts
    # back only if a store marked it as holding objects.
    "store_paths": """
(var i 0)
(var total 0)
(while (i < n)
  (var lit [1 (str "l" i)])
  (var pushed [1])
  (push pushed (str "p" i))
  (var spread [0 lit...])
  (var at [0 1])
  (at/1 = (str "i" i))
  (set at 0 (str "s" i))
  (var m {^a (str "m" i)})
  (m/b = (str "k" i))
  (set m "c" (str "c" i))
  (var g (:g 1 (str "g" i)))
  (var ks (keys m))
  (var parsed ($parse "[\\"x\\" {^y \\"z\\"} (:h \\"w\\")]"))
  (total = (total + (len spread)))
  (i += 1))
total
""",
}

# iterations for the small and the large run: memory must not follow n
SIZES = (100000, 400000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gene", required=True)
    gene = ap.parse_args().gene
    tmp = tempfile.mkdtemp(prefix="gene-mem-")
    checks = Checks()
    check = checks.named

    def run(path, n, *extra):
        """The run, its --json statistics and its own peak RSS in KiB."""
        out = os.path.join(tmp, "stats.json")
        r = run_binary([gene, "run", path, "--param", f"n={n}", "--json", out, *extra], timeout=600)
        with open(out) as f:
            stats = json.load(f)
        return r, stats, r.maxrss // 1024

    for name, body in PROGRAMS.items():
        path = os.path.join(tmp, name + ".gene")
        with open(path, "w") as f:
            f.write(body)
        peaks = []
        for n in SIZES:
            r, stats, rss_kib = run(path, n)
            check(f"{name} n={n} runs", r.returncode == 0 and stats["error"] is None, r.stderr.strip())
            if r.returncode != 0:
                break
            peaks.append(stats["heap_peak_bytes"])
            # Whatever died was freed, by counts or, for cycles, by the
            # cycle collector.
            freed = stats["rc_frees"] + stats["gc_cycle_frees"]
            check(f"{name} n={n} frees its garbage", freed >= 0.9 * stats["allocations"] - 40000,
                  f"{freed} of {stats['allocations']} allocations freed")
            # The accounting adds up: the parts of memory time, the kinds of
            # collection, the pause quantiles, and no more frees than objects.
            parts = stats["memory_allocation_seconds"] + stats["memory_freeing_seconds"] + stats["gc_seconds"]
            check(f"{name} n={n} memory time is its parts",
                  abs(stats["memory_management_seconds"] - parts) <= 1e-9 + 1e-6 * parts
                  and min(stats["memory_allocation_seconds"], stats["memory_freeing_seconds"], stats["gc_seconds"]) >= 0
                  and stats["memory_management_seconds"] <= stats["execution_seconds"],
                  repr({k: stats[k] for k in ("memory_management_seconds", "memory_allocation_seconds",
                                              "memory_freeing_seconds", "gc_seconds", "execution_seconds")}))
            check(f"{name} n={n} collections are young or full",
                  stats["gc_collections"] == stats["gc_young_collections"] + stats["gc_full_collections"],
                  repr((stats["gc_collections"], stats["gc_young_collections"], stats["gc_full_collections"])))
            if stats["gc_collections"]:
                check(f"{name} n={n} pause quantiles are ordered",
                      0 <= stats["gc_pause_seconds_p50"] <= stats["gc_pause_seconds_p99"] <= stats["gc_pause_seconds_max"],
                      repr((stats["gc_pause_seconds_p50"], stats["gc_pause_seconds_p99"], stats["gc_pause_seconds_max"])))
            check(f"{name} n={n} frees no more than it made", freed <= stats["allocations"],
                  f"{freed} freed, {stats['allocations']} made")
            check(f"{name} n={n} counts balance", stats["rc_decrements"] <= stats["rc_increments"],
                  f"{stats['rc_decrements']} decrements, {stats['rc_increments']} increments")
            if name == "self_cycles":
                # A container's references to itself are not counted: the
                # array holding only itself dies by its count.
                check(f"{name} n={n} frees self references by counts", stats["rc_frees"] >= 0.9 * n,
                      f"{stats['rc_frees']} freed by counts")
            if name == "store_paths":
                # What is left is what the globals hold and the garbage of
                # the iterations since the last reconciliation: a store
                # that forgot its mark would leave a string an iteration.
                check(f"{name} n={n} every store gives its values back", stats["allocations"] - freed < 10000,
                      f"{stats['allocations'] - freed} of {stats['allocations']} allocations not freed")
            if "cycles" in name:
                check(f"{name} n={n} collects cycles", stats["gc_collections"] >= 1 and stats["gc_cycle_frees"] >= n,
                      f"{stats['gc_collections']} collections freed {stats['gc_cycle_frees']} objects")
            check(f"{name} n={n} RSS under 512 MiB", rss_kib < 512 * 1024, f"{rss_kib} KiB")
        if len(peaks) == 2:
            # Four times the work, not four times the memory (collection
            # pacing allows some slack).
            check(f"{name} peak heap is flat", peaks[1] < 1.5 * peaks[0] + (4 << 20),
                  f"peak {peaks[0]} B at n={SIZES[0]}, {peaks[1]} B at n={SIZES[1]}")
    # Values are right: the collector freed nothing still in use.
    r, stats, _ = run(os.path.join(tmp, "tree_and_churn.gene"), 1000)
    check("long-lived tree survives collections", stats["value"] == str(2 ** 14), repr(stats["value"]))
    # Keeping everything hits the heap limit as a clean error.
    keep = os.path.join(tmp, "keep.gene")
    with open(keep, "w") as f:
        f.write("(var all [])\n(var i 0)\n(while (i < n) (push all {^i i}) (i += 1))\n(len all)\n")
    r, stats, _ = run(keep, 10000000, "--max-heap", "32MiB")
    check("heap limit: exit 1 with 'out of memory'", r.returncode == 1 and "out of memory" in r.stderr,
          repr((r.returncode, r.stderr.strip())))
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
