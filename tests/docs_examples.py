#!/usr/bin/env python3
"""Runs the examples the docs show and checks that their output still
matches, the way Wren's tests carry their expectations beside the code.

A fenced block in a Markdown file takes part when an HTML comment (which
renders as nothing) stands on the line before it:

  <!-- doc-test: run [mask=/REGEX/]... [drop=/REGEX/]... [strip=/REGEX/]... [timeout=SECONDS] -->
      The block is a terminal session: each `$ COMMAND` line is run, and the
      lines after it, up to the next `$ `, are its output (stdout and stderr
      as a terminal interleaves them). A line `...` (indented or not, and
      perhaps followed by two spaces and a remark) matches any number of
      lines. Each mask is a Python regular expression whose matches, in
      the block and in the real output alike, stand for anything of the
      kind: the parts that change from run to run (times, dates, hashes,
      host names). A line that matches a `drop` expression is left out of
      both: a line that only some runs print (a noise warning). A `strip`
      expression's matches are removed from both before the masks apply:
      a part of a line that only some runs print (`noisy (preempted), `
      in a list of notes). `echo $?` shows the status of the command
      before it.
  <!-- doc-test: file NAME -->
      The block's text is written to NAME before the next blocks run (a
      program that the page shows, then runs).
  <!-- doc-test: setup COMMAND -->
      COMMAND runs, unseen, before the next blocks (it must succeed).
  <!-- doc-test: serve ADDRESS [metrics=ADDRESS] COMMAND -->
      COMMAND starts a server (a worker or `coordinator serve` on
      127.0.0.1 port 0) in the background; its first line says where it
      listens (`listening on HOST:PORT`, then `metrics on HOST:PORT` with
      metrics=). From then on the page's ADDRESS stands for the real one:
      in later commands (and servers' commands) ADDRESS is replaced by the
      real address, and in their output the real address by ADDRESS
      (padded to the real one's width before two spaces, so a table's
      columns stay aligned). The page can thus show the farm's usual ports
      while the test takes free ones. Servers are stopped (SIGTERM, by
      pid) when the file is done.
  <!-- doc-test: defaults [mask=/REGEX/]... [drop=/REGEX/]... [timeout=SECONDS] -->
      Options that every later run and log block of the page takes as well
      (the masks of a page whose outputs vary alike), after its own.
  <!-- doc-test: log ADDRESS [mask=/REGEX/]... [drop=/REGEX/]... -->
      The block is what the server at ADDRESS printed so far (stdout, then
      stderr), matched like a command's output; the checker waits up to
      10 s for a log line that has yet to be written. Leading `$ COMMAND`
      lines are shown, not run (the command the serve marker ran).

Each Markdown file runs in a scratch directory of its own, in which
`bench`, `tests`, `docs` and `deploy` are the repository's and `build/bin`
holds the binaries; the binaries are also on PATH, so `gene ...` and
`build/bin/gene ...` both work. The scratch directory is also $HOME (so
the default results store starts empty) and shows as `~` in outputs; the
binaries' real directory shows as `build/bin`.
Blocks run in the order of the file.

Usage:
  docs_examples.py --repo DIR --bin-dir DIR [FILE.md ...]   check (exit 1 on a difference)
  docs_examples.py --repo DIR --bin-dir DIR --update [FILE.md ...]
      rewrite each checked block's output from a real run (lines under `...`
      stay elided); without files: README.md and docs/*.md.
"""

import argparse
import concurrent.futures
import difflib
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from servers import Server, TestFailure

MARKER = re.compile(r"^<!--\s*doc-test:\s*(run|file|setup|serve|log|defaults)\b(.*?)-->\s*$")
ADDRESS = r"[A-Za-z0-9.\-\[\]:]+:\d+"
FENCE = re.compile(r"^(```+|~~~+)")
MASKED = "\x00masked\x00"


class DocError(Exception):
    pass


def parse_run_options(text, where, defaults=None):
    """A block's options; its own masks go before the page's defaults (the
    more particular first)."""
    options = {"masks": [], "drops": [], "strips": [], "timeout": defaults["timeout"] if defaults else 120}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = re.compile(r"\s*(mask|drop|strip)=/((?:[^/\\]|\\.)*)/|\s*timeout=(\d+)").match(text, pos)
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
    if defaults:
        for kind in ("masks", "drops", "strips"):
            options[kind] += defaults[kind]
    return options


def parse(path):
    """The doc-test blocks of a Markdown file, in order: dicts with kind,
    argument, options and the block's line range (first and last content
    lines, 0-based, end exclusive)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    defaults = parse_run_options("", path)
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if not m:
            i += 1
            continue
        kind, arg = m.group(1), m.group(2).strip()
        where = f"{path}:{i + 1}"
        if kind == "defaults":
            defaults = parse_run_options(arg, where)
            i += 1
            continue
        if kind in ("setup", "serve"):
            block = {"kind": kind, "arg": arg, "where": where}
            if kind == "serve":
                m = re.match(r"(%s)(?:\s+metrics=(%s))?\s+(\S.*)$" % (ADDRESS, ADDRESS), arg)
                if not m:
                    raise DocError(f"{where}: doc-test serve needs ADDRESS [metrics=ADDRESS] COMMAND")
                block.update({"address": m.group(1), "metrics": m.group(2), "command": m.group(3)})
            blocks.append(block)
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
        if kind in ("run", "log"):
            m = re.match(r"(%s)(.*)$" % ADDRESS, arg) if kind == "log" else None
            if kind == "log" and not m:
                raise DocError(f"{where}: doc-test log needs the ADDRESS of a server the page started")
            options = parse_run_options(m.group(2) if m else arg, where, defaults)
            block.update(options)
            if m:
                block["address"] = m.group(1)
        blocks.append(block)
        i = end + 1
    return lines, blocks


def unfinished(command):
    """Whether a shell command goes on to the next line: an open quote or a
    trailing backslash."""
    if command.endswith("\\"):
        return True
    try:
        shlex.split(command)
        return False
    except ValueError:
        return True


def session(lines):
    """[(command, [expected lines])] of a terminal-session block; a command
    with an open quote or a trailing backslash goes on over the next lines."""
    steps = []
    for line in lines:
        if steps and not steps[-1][1] and unfinished(steps[-1][0]):
            steps[-1] = (steps[-1][0] + "\n" + line, [])
        elif line.startswith("$ "):
            steps.append((line[2:], []))
        elif not steps:
            raise DocError("a doc-test run block must start with a `$ COMMAND` line")
        else:
            steps[-1][1].append(line)
    return steps


def masked(line, masks, strips=()):
    for strip in strips:
        line = strip.sub("", line)
    for mask in masks:
        line = mask.sub(MASKED, line)
    return line


def is_elision(line):
    text = line.strip()
    return text == "..." or text.startswith("...  ")


def align(expected, actual, masks, strips=()):
    """For each expected line, the actual lines it matches (a `...` line
    matches any number), or None when the output does not match."""
    exp = [None if is_elision(e) else masked(e, masks, strips) for e in expected]
    act = [masked(a, masks, strips) for a in actual]
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
        self.bin_dir = os.path.realpath(bin_dir)
        for name in ("bench", "tests", "docs", "deploy"):
            os.symlink(os.path.join(repo, name), os.path.join(self.dir, name))
        os.makedirs(os.path.join(self.dir, "build"))
        os.symlink(os.path.abspath(bin_dir), os.path.join(self.dir, "build", "bin"))
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("GENE_TRACE", "GENE_PROFILE", "GENE_FARM_TOKEN", "XDG_DATA_HOME")}
        self.env.update({"PATH": os.path.abspath(bin_dir) + os.pathsep + os.environ.get("PATH", ""),
                         "HOME": self.dir, "COLUMNS": "80",
                         "LC_ALL": "C.UTF-8", "TERM": "dumb"})
        self.last_status = 0
        self.servers = []     # background servers, stopped by close()
        self.addresses = []   # (the page's address, the real one)

    def to_real(self, text):
        """The page's addresses in `text` replaced by the real ones."""
        for page, real in self.addresses:
            text = re.sub(re.escape(page) + r"(?!\d)", lambda _: real, text)
        return text

    def to_page(self, line):
        """The real addresses in an output line replaced by the page's, and
        the scratch directory (which is $HOME) by `~`."""
        line = line.replace(self.bin_dir, "build/bin").replace(self.dir, "~")
        for page, real in self.addresses:
            padded = page + " " * max(0, len(real) - len(page))
            line = re.sub(re.escape(real) + r"(?!\d)(  )?",
                          lambda m: (padded + m.group(1)) if m.group(1) else page, line)
        return line

    def run(self, command, timeout):
        script = f"(exit {self.last_status}); {self.to_real(command)}"
        try:
            proc = subprocess.run(["bash", "-c", script], cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DocError(f"`{command}` ran longer than {timeout} s")
        self.last_status = proc.returncode
        text = proc.stdout.decode("utf-8", errors="replace")
        if text.endswith("\n"):
            text = text[:-1]
        return [self.to_page(line) for line in text.split("\n")] if text else []

    def serve(self, block):
        """Starts a server in the background and learns its addresses from
        its first lines."""
        # `exec env` so that COMMAND may start with VAR=value assignments.
        server = Server(["bash", "-c", "exec env " + self.to_real(block["command"])], block["command"],
                        env=self.env, cwd=self.dir)
        self.servers.append((block["address"], server))
        wanted = [("listening on ", block["address"])] + ([("metrics on ", block["metrics"])] if block["metrics"] else [])
        for prefix, page in wanted:
            try:
                self.addresses.append((page, server.wait_line(prefix, timeout=30)))
            except TestFailure as e:
                raise DocError(f"{block['where']}: `{block['command']}` did not start: {e}")

    def server_log(self, address):
        for page, server in self.servers:
            if page == address:
                return [self.to_page(line) for line in server.output()]
        raise DocError(f"no server started at {address} on this page")

    def close(self):
        for _, server in reversed(self.servers):
            server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def compare(expected, actual, block, update):
    """The block's new lines for `expected` (what the page shows) against
    `actual` (what ran), or the diff when they differ and this is no update."""
    if not update:
        expected = [e for e in expected if not any(d.search(e) for d in block["drops"])]
        actual = [a for a in actual if not any(d.search(a) for d in block["drops"])]
    matched = align(expected, actual, block["masks"], block["strips"])
    if matched is None:
        if update:
            return actual
        # The diff shows the lines as compared: masked parts as ‹…›.
        shown = [[masked(x, block["masks"], block["strips"]).replace(MASKED, "‹…›") for x in side]
                 for side in (expected, actual)]
        return "\n".join(difflib.unified_diff(shown[0], shown[1], "docs", "real run", lineterm=""))
    new_lines = []
    for exp_line, (j, k) in zip(expected, matched):
        new_lines.extend([exp_line] if is_elision(exp_line) else actual[j:k])
    return new_lines


def compare_log(scratch, block, expected, update):
    """A log block against its server's output, waiting for lines that are
    yet to come (a server logs a finished suite just after answering)."""
    shown = []  # leading `$ COMMAND` lines: what started the server, not compared
    while expected and expected[0].startswith("$ "):
        shown.append(expected.pop(0))
    if update:
        time.sleep(1)  # the log's last lines, written as the last command ended
    deadline = time.monotonic() + 10
    while True:
        outcome = compare(expected, scratch.server_log(block["address"]), block, update)
        if not isinstance(outcome, str) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if isinstance(outcome, str):
        return f"{block['where']}: the log of {block['address']} says something else:\n{outcome}"
    return shown + outcome


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
            if block["kind"] == "serve":
                scratch.serve(block)
                continue
            content = lines[block["start"]:block["end"]]
            if block["kind"] == "file":
                if not block["arg"]:
                    raise DocError(f"{block['where']}: doc-test file needs a NAME")
                with open(os.path.join(scratch.dir, block["arg"]), "w", encoding="utf-8") as f:
                    f.write("\n".join(content) + "\n")
                continue
            if block["kind"] == "log":
                outcome = compare_log(scratch, block, content, update)
                if isinstance(outcome, str):
                    failures.append(outcome)
                    continue
                replacements.append((block["start"], block["end"], outcome))
                continue
            new_lines = []
            for command, expected in session(content):
                actual = scratch.run(command, block["timeout"])
                outcome = compare(expected, actual, block, update)
                new_lines.append("$ " + command)
                if isinstance(outcome, str):
                    failures.append(f"{block['where']}: `{command}` printed something else:\n{outcome}")
                    continue
                new_lines.extend(outcome)
            replacements.append((block["start"], block["end"], new_lines))
    finally:
        scratch.close()
    if update:
        for start, end, new_lines in reversed(replacements):
            lines[start:end] = new_lines
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return failures, sum(1 for b in blocks if b["kind"] in ("run", "log"))


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

<!-- doc-test: serve 127.0.0.1:7070 python3 -c "import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); print('listening on 127.0.0.1:%d' % s.getsockname()[1], flush=True); print('ready', file=sys.stderr, flush=True); time.sleep(60)" -->
<!-- doc-test: run -->
```
$ echo "at 127.0.0.1:7070  end"; echo 127.0.0.1:7070 end
at 127.0.0.1:7070   end
127.0.0.1:7070 end
```

<!-- doc-test: log 127.0.0.1:7070 -->
```
listening on 127.0.0.1:7070
ready
```

<!-- doc-test: run -->
```
$ echo real
expected
```
"""


def self_test(repo, bin_dir):
    """The checker on a page whose first examples hold (a mask, a dropped
    line, an elision, a status; a server's address and log) and whose last
    does not."""
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "page.md")
        with open(page, "w") as f:
            f.write(SELF_TEST)
        failures, blocks = check_file(page, repo, bin_dir, update=False)
        ok = blocks == 4 and len(failures) == 1 and "`echo real` printed something else" in failures[0]
        print("self-test:", "ok" if ok else f"FAILED: {blocks} blocks, failures {failures}")
        return 0 if ok else 1


# The repository stands alone: its docs and comments cite no document that
# lives outside it (the team's design notes and language reference).
OUTSIDE_REFERENCE = re.compile(r"\b(DESIGN|GENE)\.md\b|\.\./shared\b|/work/share[d]\b")


def outside_references(repo):
    """['FILE:LINE: text'] for each line of a tracked file (every file below
    repo when it is no git checkout) that cites a document outside it."""
    listed = subprocess.run(["git", "-C", repo, "ls-files", "-z"], capture_output=True)
    if listed.returncode == 0:
        names = [n for n in listed.stdout.decode(errors="replace").split("\0") if n]
    else:
        names = []
        for root, dirs, files in os.walk(repo):
            dirs[:] = [d for d in dirs if d not in (".git", "node_modules") and not d.startswith("build")]
            names += [os.path.relpath(os.path.join(root, f), repo) for f in files]
    found = []
    for name in names:
        try:
            with open(os.path.join(repo, name), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if OUTSIDE_REFERENCE.search(line):
                        found.append(f"{name}:{number}: {line.strip()[:160]}")
        except (UnicodeDecodeError, OSError):
            continue  # binary (images) or gone
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--jobs", type=int, default=2, help="pages checked at once (default 2)")
    ap.add_argument("--self-test", action="store_true", help="check the checker itself, then the files")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.self_test and self_test(os.path.abspath(args.repo), args.bin_dir):
        return 1
    files = args.files or [os.path.join(args.repo, "README.md")] + sorted(
        glob.glob(os.path.join(args.repo, "docs", "*.md")))
    def check(path):
        try:
            return check_file(path, os.path.abspath(args.repo), args.bin_dir, args.update)
        except DocError as e:
            return [str(e)], 0

    # Two pages at a time: much of a page's time is spent waiting on servers.
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(check, files))
    total_blocks = 0
    all_failures = []
    for path, (failures, blocks) in zip(files, outcomes):
        total_blocks += blocks
        all_failures += failures
        print(f"{os.path.relpath(path, args.repo)}: {blocks} example block(s), "
              f"{'updated' if args.update else ('ok' if not failures else f'{len(failures)} differ')}")
    if not args.files:
        cited = outside_references(os.path.abspath(args.repo))
        print(f"references to documents outside the repository: {len(cited) or 'none'}")
        all_failures += [f"{c}: cites a document outside the repository; say it here in the project's own words"
                         for c in cited]
    for failure in all_failures:
        print("\nFAIL " + failure)
    print(f"\n{total_blocks} example blocks, {len(all_failures)} failed")
    return 1 if all_failures else 0


if __name__ == "__main__":
    sys.exit(main())
