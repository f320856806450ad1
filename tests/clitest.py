"""What the test scripts that count their checks share: the count itself
(`Checks`) and a run of a real binary with its exit status, output, wall
time and peak RSS (`run`). Used by cli_contract.py, limits_hold.py,
memory_flat.py and the deployment tests (tests/deploy/); the farm's
end-to-end tests use unittest and tests/e2e/farmtest.py instead.

    from clitest import Checks, run
    check = Checks()
    r = run([gene, "run", path, "--json", "-"])
    check(r.returncode == 0, f"runs: {r.stderr}")
    return check.summary()
"""

import os
import subprocess
import tempfile
import threading
import time


class Checks:
    """A script's checks: `check(ok, message)` counts one, prints the message
    of a failure and returns ok; `summary()` prints "N passed, N failed" and
    gives the exit status (1 when any failed)."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, ok, message):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + message, flush=True)
        return ok

    def named(self, name, ok, detail=""):
        """A check called `name`, with `detail` to say why it failed."""
        return self(ok, f"{name}: {detail}")

    def summary(self, name=None):
        print(f"{name + ': ' if name else ''}{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def executable(path, script):
    """`path` made absolute when it is an executable file; else None, after
    saying why and counting it as one failed check (a script's last line)."""
    full = os.path.abspath(path)
    if os.path.isfile(full) and os.access(full, os.X_OK):
        return full
    print(f"{script}: {path} is not an executable file")
    print("0 passed, 1 failed")
    return None


class Run:
    def __init__(self, returncode, stdout, stderr, seconds, maxrss):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.seconds, self.maxrss = seconds, maxrss


# Variables that change what gene prints: a developer's shell must not change
# what a test sees.
_GENE_SWITCHES = ("GENE_TRACE", "GENE_PROFILE")


def run(argv, env=None, timeout=120, preexec=None):
    """Runs argv to its end without a shell: its exit status (negative for a
    signal), stdout and stderr (text), wall time (s) and peak RSS (bytes, of
    this process alone). The environment is ours without GENE_TRACE and
    GENE_PROFILE, plus `env`. A run past `timeout` seconds is killed, and
    shows as killed by signal 9."""
    e = {k: v for k, v in os.environ.items() if k not in _GENE_SWITCHES}
    e.update(env or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=e, preexec_fn=preexec)
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        _, status, usage = os.wait4(p.pid, 0)  # wait4: this child's own rusage
        killer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return Run(p.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"), seconds,
                   usage.ru_maxrss * 1024)
