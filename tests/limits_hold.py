#!/usr/bin/env python3
"""Limits that hold: hostile programs are stopped by their limits within
the deadline plus a grace, with bounded memory, and `gene` ends with an
error (exit 1), never by a signal.

- The review's programs: two arrays doubled sixty times (2^60 paths)
  compared, str'd, printed and returned as the value, under --timeout and
  under --max-heap 16MiB: "timeout" within the deadline plus a grace, "out
  of memory" with the process's peak RSS within a small multiple of the
  limit.
- Programs that keep everything (closures, arrays, strings, maps, boxes)
  reach "out of memory" with RSS near --max-heap: the heap counts what
  the allocator really holds.
- A 100,000-element array literal grows the VM stack at start (the
  sanitizer build checks the pointer arithmetic).
- A closed output pipe is an error, not SIGPIPE; memory exhausted under an
  address-space limit is "out of memory", not an abort.

Timing bounds are generous (the machine is shared): they separate "stopped
by its limit" from "ran on for as long as it liked". RSS bounds are
checked only without --sanitized (the sanitizers' allocator keeps freed
memory in quarantine).

Usage: limits_hold.py --gene PATH [--sanitized]
Prints one line per failed check and "N passed, N failed"; exits 1 on failure.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile

from clitest import Checks, run as run_binary

MIB = 1 << 20
GRACE = 8.0          # seconds past a deadline that still count as "stopped by it"
BASELINE = 24 * MIB  # the process without its heap: code, stack, allocator

DOUBLED = ("(var a 1) (var b 1) (var i 0)\n"
           "(while (i < 60) (a = [a a]) (b = [b b]) (i += 1))\n")

WALKS = {
    "equality": "(a == b)\n",
    "str": "(len (str a))\n",
    "println": "(println a)\n",
    "value": "a\n",
}

KEEP_EVERYTHING = {
    "closures": "(var all []) (var i 0)\n(while true (var x i) (push all (fn [] x)) (i += 1))\n",
    "closures_of_three_boxes": "(var all []) (var i 0)\n"
                               "(while true (var x i) (var y i) (var z i) (push all (fn [] (x + y + z))) (i += 1))\n",
    "arrays": "(var all [])\n(while true (push all [1]))\n",
    "strings": "(var all []) (var i 0)\n(while true (push all (str i)) (i += 1))\n",
    "maps": "(var all [])\n(while true (push all {^a 1}))\n",
}


def run(gene, tmp, source, *args, limit_seconds=120, preexec=None):
    """Runs `gene run` on source (written to prog.gene); a run past
    limit_seconds is killed (and fails)."""
    path = os.path.join(tmp, "prog.gene")
    with open(path, "w") as f:
        f.write(source)
    return run_binary([gene, "run", path, *args], timeout=limit_seconds, preexec=preexec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gene", required=True)
    ap.add_argument("--sanitized", action="store_true", help="the sanitizer build: RSS is not checked")
    args = ap.parse_args()
    gene = os.path.abspath(args.gene)
    tmp = tempfile.mkdtemp(prefix="gene-limits-")
    checks = Checks()
    check = checks.named

    def describe(r):
        return f"exit {r.returncode}, {r.seconds:.1f} s, {r.maxrss / MIB:.0f} MiB RSS, stderr {r.stderr.strip()[:200]!r}"

    # The review's programs under a deadline. Without a heap limit the text
    # of str, println and the value grows until then: a short deadline.
    for name, ending in WALKS.items():
        deadline = 2.0 if name == "equality" else 0.5
        r = run(gene, tmp, DOUBLED + ending, "--timeout", str(deadline))
        check(f"{name} of the doubled arrays stops at --timeout {deadline}",
              r.returncode == 1 and "prog.gene:3:" in r.stderr and "timeout" in r.stderr
              and r.seconds < deadline + GRACE, describe(r))

    # The same under a heap limit: text counts as heap, and is bounded by
    # it before it is built.
    limit = 16 * MIB
    for name, ending in WALKS.items():
        if name == "equality":
            continue
        r = run(gene, tmp, DOUBLED + ending, "--max-heap", "16MiB", "--timeout", "60")
        check(f"{name} of the doubled arrays under --max-heap 16MiB is out of memory",
              r.returncode == 1 and "prog.gene:3:" in r.stderr and "out of memory" in r.stderr, describe(r))
        if not args.sanitized:
            check(f"{name} of the doubled arrays: RSS within 3x the limit", r.maxrss < 3 * limit + BASELINE,
                  describe(r))

    # Programs that keep everything: RSS tracks the limit.
    limit = 64 * MIB
    for name, source in KEEP_EVERYTHING.items():
        heap = "64MiB" if not args.sanitized else "4MiB"
        r = run(gene, tmp, source, "--max-heap", heap, "--timeout", "300", limit_seconds=400)
        check(f"kept {name} under --max-heap {heap} are out of memory",
              r.returncode == 1 and "out of memory" in r.stderr, describe(r))
        if not args.sanitized:
            check(f"kept {name}: RSS within twice the limit", r.maxrss < 2 * limit + BASELINE, describe(r))

    # The VM stack grows at start for a 100,000-element literal.
    literal = "(var a [" + " ".join(str(i % 10) for i in range(100000)) + "])\n(println (len a))\n"
    r = run(gene, tmp, literal)
    check("a 100,000-element array literal", r.returncode == 0 and r.stdout == "100000\n" and r.stderr == "",
          describe(r))

    # A closed pipe: an error, not SIGPIPE.
    path = os.path.join(tmp, "lines.gene")
    with open(path, "w") as f:
        f.write("(var i 0) (while (i < 10000000) (println \"line\" i) (i += 1))\n")
    p = subprocess.Popen([gene, "run", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode(errors="replace")
    p.wait(timeout=120)
    check("a closed output pipe ends the program with exit 1",
          first == b"line 0\n" and p.returncode == 1 and "cannot write the output" in err,
          f"exit {p.returncode}, stderr {err.strip()!r}")

    # Memory exhausted where no heap limit counts it: "out of memory", not
    # an abort. (The sanitizers need more address space than this allows.)
    if not args.sanitized:
        def small_address_space():
            resource.setrlimit(resource.RLIMIT_AS, (512 * MIB, 512 * MIB))
        r = run(gene, tmp, "(var all [])\n(while true (push all [1 2 3]))\n", preexec=small_address_space)
        check("no heap limit, small address space: 'out of memory', exit 1",
              r.returncode == 1 and "out of memory" in r.stderr, describe(r))

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
