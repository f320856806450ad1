"""What the farm's end-to-end tests share: the binaries under test, real
servers on 127.0.0.1 (port 0, their address read from their first line,
`listening on HOST:PORT`) stopped by pid, `coordinator submit`, waiting
with a bound, processes seen through /proc, headless Chromium and the PNGs
it writes, and the command line every test file takes.

Used by farm_e2e.py, compare_e2e.py, history_e2e.py and limits_e2e.py:
  import farmtest
  class MyTest(farmtest.FarmTest): ...
  if __name__ == "__main__": farmtest.run_tests(__doc__)
"""

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/: servers.py
import servers  # noqa: E402

SUITES = os.path.join(HERE, "suites")
COORDINATOR = None  # set by run_tests() from --coordinator and --worker
WORKER = None
CHROMIUM = shutil.which("chromium-headless-shell")


def pinned_to(cpus, realtime=False):
    """A preexec_fn that pins the child to `cpus` (None: no pinning) and,
    with `realtime`, gives it a real-time priority when allowed (SCHED_FIFO:
    ordinary tasks can no longer take its CPU from it)."""
    if cpus is None and not realtime:
        return None

    def setup():
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
        if realtime:
            try:
                os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
            except PermissionError:
                pass  # not root: the test waits for a quiet moment instead
    return setup


class Server(servers.Server):
    """A farm server; `address` is what its `listening on HOST:PORT` line
    says. Pinned to `cpus` (and real-time) when asked."""

    def __init__(self, argv, name, env=None, cpus=None, realtime=False):
        super().__init__(argv, name, env=env, preexec=pinned_to(cpus, realtime))
        try:
            self.address = self.wait_line("listening on ", timeout=60)
        except servers.TestFailure:
            self.stop()
            raise


def start_worker(name, *labels):
    argv = [WORKER, "--listen", "127.0.0.1:0", "--name", name]
    for label in labels:
        argv += ["--label", label]
    return Server(argv, "worker " + name)


def start_coordinator(workers, *extra):
    argv = [COORDINATOR, "serve", "--listen", "127.0.0.1:0",
            "--workers", ",".join(w.address for w in workers),
            "--check-interval", "200ms", "--no-worker-grace", "3s"] + list(extra)
    return Server(argv, "coordinator")


def submit(manifest, *args, cwd=None, timeout=120, cpus=None):
    """Runs `coordinator submit`; returns the CompletedProcess."""
    return subprocess.run([COORDINATOR, "submit", manifest] + list(args), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=pinned_to(cpus))


def scrape(address):
    return urllib.request.urlopen("http://%s/metrics" % address, timeout=5).read().decode()


def load_json(path):
    with open(path) as f:
        return json.load(f)


def entries_by_name(doc):
    names = {}
    for b in doc["benchmarks"]:
        names.setdefault(b["name"], []).append(b)
    return names


class FarmTest(unittest.TestCase):
    def setUp(self):
        self.servers = []
        self.tmp = tempfile.mkdtemp(prefix="gene-e2e-")

    def tearDown(self):
        for s in reversed(self.servers):
            s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def worker(self, name, *labels):
        w = start_worker(name, *labels)
        self.servers.append(w)
        return w

    def coordinator(self, workers, *extra):
        c = start_coordinator(workers, *extra)
        self.servers.append(c)
        return c

    def out(self, name):
        return os.path.join(self.tmp, name)

    def wait_ready(self, coordinator, count, timeout=30):
        """Waits until `count` workers are ready on the coordinator: a first
        health check may time out on a loaded machine, leaving a worker down
        for a moment."""
        def ready():
            listing = subprocess.run([COORDINATOR, "workers", "--coordinator", coordinator.address],
                                     capture_output=True, text=True, timeout=30)
            return len(re.findall(r"^\S+ +ready ", listing.stdout, re.M)) >= count
        self.assertTrue(wait_until(ready, timeout), "fewer than %d workers ready" % count)

    def assertExit(self, proc, status):
        self.assertEqual(proc.returncode, status,
                         "exit %d, wanted %d\nstdout:\n%s\nstderr:\n%s" % (proc.returncode, status, proc.stdout,
                                                                         proc.stderr))


def children_of(pid):
    """Pids whose parent is `pid` (from /proc)."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


def wait_until(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def png_pixels(path):
    """(width, height, rows of (r, g, b) tuples) of a non-interlaced 8-bit
    RGB or RGBA PNG (what Chromium's --screenshot writes), decoded with zlib."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
            channels = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        prev = line
    return width, height, rows


def chromium(*args, profile):
    """Runs headless Chromium (scripts/install-deps installs it: its absence
    fails the test, never skips it) with a profile of the test's own."""
    if CHROMIUM is None:
        raise AssertionError("chromium-headless-shell is not installed (scripts/install-deps installs it)")
    return subprocess.run([CHROMIUM, "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           "--user-data-dir=" + profile] + list(args), capture_output=True, text=True, timeout=180)


def run_tests(doc):
    """The command line of every e2e test file: --coordinator PATH --worker
    PATH, then unittest's own arguments (a group, -k PATTERN, ...). The
    default results store goes to a temporary XDG_DATA_HOME, out of the
    user's home."""
    global COORDINATOR, WORKER
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--worker", required=True)
    args, rest = parser.parse_known_args()
    COORDINATOR, WORKER = os.path.abspath(args.coordinator), os.path.abspath(args.worker)
    data_home = tempfile.mkdtemp(prefix="gene-e2e-data-")
    os.environ["XDG_DATA_HOME"] = data_home
    try:
        program = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, verbosity=2, exit=False)
    finally:
        shutil.rmtree(data_home, ignore_errors=True)
    sys.exit(0 if program.result.wasSuccessful() else 1)
