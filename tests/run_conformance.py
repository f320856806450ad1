#!/usr/bin/env python3
"""Gene conformance test runner.

Usage: run_conformance.py --gene PATH_TO_GENE [--opt -O2] [--filter SUBSTR]
                          [--jobs N] DIR

Runs every DIR/**/*.gene file (sorted) as `gene run <basename>.gene
[--param k=v]... [opt]` with the file's directory as the working directory,
and checks the expectations written in the script as comments:

  # expect: TEXT          next expected stdout line (exactly TEXT; trailing
                          spaces kept; `# expect:` alone is an empty line)
  # expect error: MSG     on the line where the error happens: exit status 1
                          and a stderr line `error: <basename>.gene:<LINE>:`
                          [COL:] followed by text starting with MSG (an empty
                          MSG accepts any message). At most one per file.
  # params: k=v k2=v2     passed as --param k=v (split with shlex)
  # options: --timeout 1  more `gene run` options, after --opt's (split with
                          shlex): the limits a hostile program must meet; a
                          --timeout N there gives the script N + 30 s here
  # exit: N               expected exit status (default 0, or 1 with an
                          expect error); a nonzero status without an expect
                          error checks only the status and stdout

Without an expect error and with exit status 0 expected, stderr must be
empty. A directive is recognised anywhere in a line.

Prints each failure, then exactly one line `N passed, N failed`; exits 1 if
any test failed, 0 otherwise.
"""

import argparse
import concurrent.futures
import difflib
import os
import re
import shlex
import subprocess
import sys

from clitest import Checks, executable

TIMEOUT_SECONDS = 30

RE_EXPECT = re.compile(r"# expect:(.*)$")
RE_EXPECT_ERROR = re.compile(r"# expect error:(.*)$")
RE_PARAMS = re.compile(r"# params:(.*)$")
RE_OPTIONS = re.compile(r"# options:(.*)$")
RE_EXIT = re.compile(r"# exit:\s*(-?\d+)\s*$")


class Spec:
    def __init__(self):
        self.expect = []          # expected stdout lines
        self.error = None         # (line number, message) or None
        self.params = []          # ["k=v", ...]
        self.options = []         # more gene run options
        self.exit = None          # explicit expected status or None
        self.problems = []        # malformed directives


def parse_spec(path):
    spec = Spec()
    with open(path, "rb") as f:
        data = f.read()
    # Test files may deliberately hold invalid UTF-8; directives are ASCII.
    text = data.decode("utf-8", errors="surrogateescape")
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        m = RE_EXPECT_ERROR.search(line)
        if m:
            if spec.error is not None:
                spec.problems.append(
                    "line %d: more than one '# expect error:'" % lineno)
            spec.error = (lineno, m.group(1).strip())
            continue
        m = RE_EXPECT.search(line)
        if m:
            t = m.group(1)
            if t.startswith(" "):
                t = t[1:]
            spec.expect.append(t)
            continue
        m = RE_PARAMS.search(line)
        if m:
            try:
                toks = shlex.split(m.group(1))
            except ValueError as e:
                spec.problems.append("line %d: bad params: %s" % (lineno, e))
                continue
            for tok in toks:
                if "=" not in tok:
                    spec.problems.append(
                        "line %d: param without '=': %r" % (lineno, tok))
                spec.params.append(tok)
            continue
        m = RE_OPTIONS.search(line)
        if m:
            try:
                spec.options += shlex.split(m.group(1))
            except ValueError as e:
                spec.problems.append("line %d: bad options: %s" % (lineno, e))
            continue
        m = RE_EXIT.search(line)
        if m:
            spec.exit = int(m.group(1))
    return spec


def decode(b):
    return b.decode("utf-8", errors="replace")


def run_one(gene, opt, path, timeout=TIMEOUT_SECONDS):
    """Returns (path, ok, list of message lines)."""
    spec = parse_spec(path)
    msgs = []
    if spec.problems:
        return path, False, ["malformed test: " + p for p in spec.problems]

    base = os.path.basename(path)
    cwd = os.path.dirname(os.path.abspath(path))
    cmd = [gene, "run", base]
    for p in spec.params:
        cmd += ["--param", p]
    if opt:
        cmd.extend(opt.split())
    cmd += spec.options
    # A script that gives gene its own --timeout is a program meant to run
    # that long (under a sanitizer and a busy machine, longer still): the
    # runner's bound, a guard against a wedge, must not cut it short first.
    declared = [spec.options[i + 1] for i, o in enumerate(spec.options[:-1]) if o == "--timeout"]
    for t in declared:
        try:
            timeout = max(timeout, float(t) + 30)
        except ValueError:
            pass

    try:
        proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        msgs.append("timed out after %g s" % timeout)
        if e.stdout:
            msgs.append("stdout so far:")
            msgs += ["  | " + l for l in decode(e.stdout).split("\n")[:20]]
        return path, False, msgs
    except OSError as e:
        return path, False, ["cannot run %s: %s" % (gene, e)]

    out = decode(proc.stdout)
    err = decode(proc.stderr)
    status = proc.returncode

    if spec.exit is not None:
        want_status = spec.exit
    elif spec.error is not None:
        want_status = 1
    else:
        want_status = 0

    ok = True

    if status != want_status:
        ok = False
        if status < 0:
            msgs.append("expected exit status %d, got killed by signal %d"
                        % (want_status, -status))
        else:
            msgs.append("expected exit status %d, got %d"
                        % (want_status, status))

    want_out = "".join(l + "\n" for l in spec.expect)
    if out != want_out:
        ok = False
        msgs.append("stdout differs (--- expected, +++ got):")
        got_lines = out.split("\n")
        if got_lines[-1] == "":
            got_lines.pop()
        elif out:
            msgs.append("  (stdout does not end with a newline)")
        diff = list(difflib.unified_diff(
            spec.expect, got_lines, "expected", "got", lineterm="", n=2))
        if len(diff) > 40:
            diff = diff[:40] + ["... (%d more diff lines)" % (len(diff) - 40)]
        msgs += ["  " + repr_line(l) for l in diff]

    if spec.error is not None:
        line, message = spec.error
        pat = re.compile(r"^error: " + re.escape(base) + ":" + str(line) +
                         r":\s*(?:\d+:\s*)?(.*)$")
        found = False
        for l in err.split("\n"):
            m = pat.match(l.rstrip("\r"))
            if m and m.group(1).startswith(message):
                found = True
                break
        if not found:
            ok = False
            msgs.append("expected on stderr: error: %s:%d:[COL:] %s..."
                        % (base, line, message))
    elif want_status == 0 and err != "":
        ok = False
        msgs.append("expected empty stderr")

    if not ok:
        if err:
            lines = err.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            msgs.append("stderr:")
            msgs += ["  | " + l for l in lines[:20]]
            if len(lines) > 20:
                msgs.append("  | ... (%d more lines)" % (len(lines) - 20))
        msgs.append("command: (cd %s && %s)"
                    % (shlex.quote(cwd), " ".join(shlex.quote(c) for c in cmd)))
    return path, ok, msgs


def repr_line(l):
    # Show trailing whitespace and control characters unambiguously.
    if len(l) > 1 and (l != l.rstrip() or
                       any(ord(c) < 32 and c != "\t" for c in l)):
        return l[:1] + repr(l[1:])
    return l


def main(argv):
    # Allow `--opt -O2` (argparse would take -O2 for an option otherwise).
    fixed = []
    i = 0
    while i < len(argv):
        if argv[i] == "--opt" and i + 1 < len(argv):
            fixed.append("--opt=" + argv[i + 1])
            i += 2
        else:
            fixed.append(argv[i])
            i += 1

    ap = argparse.ArgumentParser(description="Run the Gene conformance tests.")
    ap.add_argument("--gene", required=True, help="path to the gene binary")
    ap.add_argument("--opt", default="",
                    help="flags passed to gene run, space-separated (e.g. -O2, or "
                         "'-O2 --gc-young 1' to collect cycles at every safepoint)")
    ap.add_argument("--filter", default="",
                    help="only run tests whose path contains SUBSTR")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                    help="parallel tests (default: number of CPUs)")
    ap.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS,
                    help="seconds per test (default: %d)" % TIMEOUT_SECONDS)
    ap.add_argument("dir", help="directory of .gene tests")
    args = ap.parse_args(fixed)

    gene = executable(args.gene, "run_conformance")
    if gene is None:
        return 1

    files = []
    for root, _dirs, names in os.walk(args.dir):
        for n in names:
            if n.endswith(".gene"):
                files.append(os.path.join(root, n))
    files.sort()
    if args.filter:
        files = [f for f in files if args.filter in f]

    jobs = max(1, args.jobs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(
            lambda f: run_one(gene, args.opt, f, args.timeout), files))

    checks = Checks()
    for path, ok, msgs in results:
        checks(ok, "%s\n%s\n" % (path, "\n".join("    " + m for m in msgs)))
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
