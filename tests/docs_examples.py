#!/usr/bin/env python3
"""Runs the examples the docs show and checks that their output still
matches, the way Wren's tests carry their expectations beside the code.

A fenced block in a Markdown file takes part when an HTML comment (which
renders as nothing) stands on the line before it:

  <!-- doc-test: run [mask=/REGEX/]... [drop=/REGEX/]... [timeout=SECONDS] -->
      The block is a terminal session: each `$ COMMAND` line is run, and the
      lines after it, up to the next `$ `, are its output (stdout and stderr
      as a terminal interleaves them). A line `...` (indented or not, and
      perhaps followed by two spaces and a remark) matches any number of
      lines. Each mask is a Python regular expression whose matches, in
      the block and in the real output alike, stand for anything of the
      kind: the parts that change from run to run (times, dates, hashes,
      host names). A line that matches a `drop` expression is left out of
      both: a line that only some runs print (a noise warning). `echo $?`
      shows the status of the command before it.
  <!-- doc-test: file NAME -->
      The block's text is written to NAME before the next blocks run (a
      program that the page shows, then runs).
  <!-- doc-test: setup COMMAND -->
      COMMAND runs, unseen, before the next blocks (it must succeed).

Each Markdown file runs in a scratch directory of its own, in which
`bench`, `tests`, `docs` and `deploy` are the repository's and `build/bin`
holds the binaries; the binaries are also on PATH, so `gene ...` and
`build/bin/gene ...` both work. Blocks run in the order of the file.

Usage:
  docs_examples.py --repo DIR --bin-dir DIR [FILE.md ...]   check (exit 1 on a difference)
  docs_examples.py --repo DIR --bin-dir DIR --update [FILE.md ...]
      rewrite each checked block's output from a real run (lines under `...`
      stay elided); without files: README.md and docs/*.md.
"""

import argparse
import difflib
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

MARKER = re.compile(r"^<!--\s*doc-test:\s*(run|file|setup)\b(.*?)-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)")
MASKED = "\x00masked\x00"


class DocError(Exception):
    pass


def parse_run_options(text, where):
    options = {"masks": [], "drops": [], "timeout": 120}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = re.compile(r"\s*(mask|drop)=/((?:[^/\\]|\\.)*)/|\s*timeout=(\d+)").match(text, pos)
        if not m:
            raise DocError(f"{where}: cannot read the doc-test options at: {text[pos:]!r}")
        if m.group(1) is not None:
            try:
                options[m.group(1) + "s"].append(re.compile(m.group(2).replace("\\/", "/")))
            except re.error as e:
                raise DocError(f"{where}: bad {m.group(1)} /{m.group(2)}/: {e}")
        else:
            options["timeout"] = int(m.group(3))
        pos = m.end()
    return options


def parse(path):
    """The doc-test blocks of a Markdown file, in order: dicts with kind,
    argument, options and the block's line range (first and last content
    lines, 0-based, end exclusive)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if not m:
            i += 1
            continue
        kind, arg = m.group(1), m.group(2).strip()
        where = f"{path}:{i + 1}"
        if kind == "setup":
            blocks.append({"kind": kind, "arg": arg, "where": where})
            i += 1
            continue
        if i + 1 >= len(lines) or not FENCE.match(lines[i + 1]):
            raise DocError(f"{where}: a doc-test {kind} marker must stand just before a fenced block")
        fence = FENCE.match(lines[i + 1]).group(1)
        end = i + 2
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        if end == len(lines):
            raise DocError(f"{where}: the fenced block never ends")
        block = {"kind": kind, "arg": arg, "where": where, "start": i + 2, "end": end}
        if kind == "run":
            block.update(parse_run_options(arg, where))
        blocks.append(block)
        i = end + 1
    return lines, blocks


def session(lines):
    """[(command, [expected lines])] of a terminal-session block."""
    steps = []
    for line in lines:
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif not steps:
            raise DocError("a doc-test run block must start with a `$ COMMAND` line")
        else:
            steps[-1][1].append(line)
    return steps


def masked(line, masks):
    for mask in masks:
        line = mask.sub(MASKED, line)
    return line


def is_elision(line):
    text = line.strip()
    return text == "..." or text.startswith("...  ")


def align(expected, actual, masks):
    """For each expected line, the actual lines it matches (a `...` line
    matches any number), or None when the output does not match."""
    exp = [None if is_elision(e) else masked(e, masks) for e in expected]
    act = [masked(a, masks) for a in actual]
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(exp):
            result = [] if j == len(act) else None
        elif exp[i] is None:
            result = None
            for k in range(j, len(act) + 1):
                rest = go(i + 1, k)
                if rest is not None:
                    result = [(j, k)] + rest
                    break
        elif j < len(act) and exp[i] == act[j]:
            rest = go(i + 1, j + 1)
            result = None if rest is None else [(j, j + 1)] + rest
        else:
            result = None
        memo[(i, j)] = result
        return result

    sys.setrecursionlimit(max(10000, 4 * (len(exp) + len(act))))
    return go(0, 0)


class Scratch:
    def __init__(self, repo, bin_dir):
        self.dir = tempfile.mkdtemp(prefix="gene-docs-")
        for name in ("bench", "tests", "docs", "deploy"):
            os.symlink(os.path.join(repo, name), os.path.join(self.dir, name))
        os.makedirs(os.path.join(self.dir, "build"))
        os.symlink(os.path.abspath(bin_dir), os.path.join(self.dir, "build", "bin"))
        self.env = {k: v for k, v in os.environ.items() if k not in ("GENE_TRACE", "GENE_PROFILE", "GENE_FARM_TOKEN")}
        self.env.update({"PATH": os.path.abspath(bin_dir) + os.pathsep + os.environ.get("PATH", ""),
                         "HOME": self.dir, "XDG_DATA_HOME": os.path.join(self.dir, "data"), "COLUMNS": "80",
                         "LC_ALL": "C.UTF-8", "TERM": "dumb"})
        self.last_status = 0

    def run(self, command, timeout):
        script = f"(exit {self.last_status}); {command}"
        try:
            proc = subprocess.run(["bash", "-c", script], cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DocError(f"`{command}` ran longer than {timeout} s")
        self.last_status = proc.returncode
        text = proc.stdout.decode("utf-8", errors="replace")
        if text.endswith("\n"):
            text = text[:-1]
        return text.split("\n") if text else []

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def check_file(path, repo, bin_dir, update):
    lines, blocks = parse(path)
    scratch = Scratch(repo, bin_dir)
    failures = []
    replacements = []  # (start, end, new lines), for --update
    try:
        for block in blocks:
            if block["kind"] == "setup":
                scratch.run(block["arg"], 120)
                if scratch.last_status != 0:
                    raise DocError(f"{block['where']}: setup `{block['arg']}` failed")
                scratch.last_status = 0
                continue
            content = lines[block["start"]:block["end"]]
            if block["kind"] == "file":
                if not block["arg"]:
                    raise DocError(f"{block['where']}: doc-test file needs a NAME")
                with open(os.path.join(scratch.dir, block["arg"]), "w", encoding="utf-8") as f:
                    f.write("\n".join(content) + "\n")
                continue
            new_lines = []
            for command, expected in session(content):
                actual = scratch.run(command, block["timeout"])
                if not update:
                    expected = [e for e in expected if not any(d.search(e) for d in block["drops"])]
                    actual = [a for a in actual if not any(d.search(a) for d in block["drops"])]
                matched = align(expected, actual, block["masks"])
                new_lines.append("$ " + command)
                if matched is None:
                    if update:
                        new_lines.extend(actual)
                        continue
                    diff = "\n".join(difflib.unified_diff(expected, actual, "docs", "real run", lineterm=""))
                    failures.append(f"{block['where']}: `{command}` printed something else:\n{diff}")
                    continue
                for exp_line, (j, k) in zip(expected, matched):
                    new_lines.extend([exp_line] if is_elision(exp_line) else actual[j:k])
            replacements.append((block["start"], block["end"], new_lines))
    finally:
        scratch.close()
    if update:
        for start, end, new_lines in reversed(replacements):
            lines[start:end] = new_lines
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return failures, sum(1 for b in blocks if b["kind"] == "run")


SELF_TEST = """\
<!-- doc-test: file greet.sh -->
```
echo "hello at $(date +%s)"; echo noise-$RANDOM; echo one; echo two; echo three
```

<!-- doc-test: setup chmod +x greet.sh -->
<!-- doc-test: run mask=/at \\d+/ drop=/^noise-/ -->
```
$ ./greet.sh
hello at 0
one
...  (the rest)
$ false; echo $?
1
```

<!-- doc-test: run -->
```
$ echo real
expected
```
"""


def self_test(repo, bin_dir):
    """The checker on a page whose first example holds (a mask, a dropped
    line, an elision, a status) and whose second does not."""
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "page.md")
        with open(page, "w") as f:
            f.write(SELF_TEST)
        failures, blocks = check_file(page, repo, bin_dir, update=False)
        ok = blocks == 2 and len(failures) == 1 and "`echo real` printed something else" in failures[0]
        print("self-test:", "ok" if ok else f"FAILED: {blocks} blocks, failures {failures}")
        return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--self-test", action="store_true", help="check the checker itself, then the files")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.self_test and self_test(os.path.abspath(args.repo), args.bin_dir):
        return 1
    files = args.files or [os.path.join(args.repo, "README.md")] + sorted(
        glob.glob(os.path.join(args.repo, "docs", "*.md")))
    total_blocks = 0
    all_failures = []
    for path in files:
        try:
            failures, blocks = check_file(path, os.path.abspath(args.repo), args.bin_dir, args.update)
        except DocError as e:
            failures, blocks = [str(e)], 0
        total_blocks += blocks
        all_failures += failures
        print(f"{os.path.relpath(path, args.repo)}: {blocks} example block(s), "
              f"{'updated' if args.update else ('ok' if not failures else f'{len(failures)} differ')}")
    for failure in all_failures:
        print("\nFAIL " + failure)
    print(f"\n{total_blocks} example blocks, {len(all_failures)} failed")
    return 1 if all_failures else 0


if __name__ == "__main__":
    sys.exit(main())
