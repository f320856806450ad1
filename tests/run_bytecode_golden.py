#!/usr/bin/env python3
"""Golden bytecode tests: what the compiler makes of small programs.

Usage: run_bytecode_golden.py --gene PATH_TO_GENE [--update] [--filter SUBSTR] DIR

Every DIR/**/NAME.gene is listed with `gene disasm NAME.gene -O0` and
`-O2` (with the file's directory as the working directory) and compared
line by line with NAME.O0.disasm and NAME.O2.disasm beside it. A line

  # also disasm: FLAGS      e.g. `# also disasm: -O2 --no-tco`

adds a listing with those flags, kept in NAME.<FLAGS as a slug>.disasm
(here NAME.O2-no-tco.disasm).

A failing case names the expected file and the line of its first
difference, then shows a diff. --update writes every expected file anew
(review the changes with `git diff` before committing them).

Prints exactly one line `N passed, N failed` last; exits 1 if any failed.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys

from clitest import Checks, executable

RE_ALSO = re.compile(r"# also disasm:(.*)$")


def variants(path):
    found = [("-O0", "O0"), ("-O2", "O2")]
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            m = RE_ALSO.search(line)
            if m:
                flags = m.group(1).strip()
                found.append((flags, re.sub(r"[^A-Za-z0-9]+", "-", flags).strip("-")))
    return found


def listing(gene, path, flags):
    proc = subprocess.run([gene, "disasm", os.path.basename(path)] + flags.split(),
                          cwd=os.path.dirname(os.path.abspath(path)), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if proc.returncode != 0:
        return None, proc.stderr.decode("utf-8", "replace")
    return proc.stdout.decode("utf-8", "replace"), None


def check(gene, path, flags, slug, update):
    """Returns (ok, messages)."""
    expected_path = path[:-len(".gene")] + "." + slug + ".disasm"
    got, error = listing(gene, path, flags)
    if got is None:
        return False, ["gene disasm %s %s failed:" % (os.path.basename(path), flags)] + \
            ["  | " + l for l in error.splitlines()[:20]]
    if update:
        old = open(expected_path, encoding="utf-8").read() if os.path.exists(expected_path) else None
        if old != got:
            with open(expected_path, "w", encoding="utf-8") as f:
                f.write(got)
            print("updated %s" % expected_path)
        return True, []
    if not os.path.exists(expected_path):
        return False, ["%s: missing (run with --update to write it)" % expected_path]
    want = open(expected_path, encoding="utf-8").read()
    if want == got:
        return True, []
    want_lines, got_lines = want.splitlines(), got.splitlines()
    line = next((i for i, (a, b) in enumerate(zip(want_lines, got_lines)) if a != b),
                min(len(want_lines), len(got_lines)))
    msgs = ["%s:%d: listing differs (gene disasm %s %s)" % (expected_path, line + 1, os.path.basename(path), flags)]
    diff = list(difflib.unified_diff(want_lines, got_lines, "expected", "got", lineterm="", n=2))
    if len(diff) > 40:
        diff = diff[:40] + ["... (%d more diff lines)" % (len(diff) - 40)]
    return False, msgs + ["  " + l for l in diff]


def main(argv):
    ap = argparse.ArgumentParser(description="Compare gene disasm listings with their golden files.")
    ap.add_argument("--gene", required=True, help="path to the gene binary")
    ap.add_argument("--update", action="store_true", help="write the expected listings anew")
    ap.add_argument("--filter", default="", help="only programs whose path contains SUBSTR")
    ap.add_argument("dir", help="directory of .gene programs and their .disasm listings")
    args = ap.parse_args(argv)
    gene = executable(args.gene, "run_bytecode_golden")
    if gene is None:
        return 1
    programs = sorted(os.path.join(root, n) for root, _dirs, names in os.walk(args.dir)
                      for n in names if n.endswith(".gene") and args.filter in os.path.join(root, n))
    checks = Checks()
    for path in programs:
        for flags, slug in variants(path):
            ok, msgs = check(gene, path, flags, slug, args.update)
            checks(ok, "%s (%s)\n%s\n" % (path, flags, "\n".join("    " + m for m in msgs)))
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
