"""A real server process for the tests (worker, `coordinator serve`,
Prometheus): started with both pipes drained by threads, so it never blocks
on a full one; its stdout lines waited for with a bound (`listening on
HOST:PORT`, `metrics on HOST:PORT`); stopped by its pid, SIGTERM first.

Used by tests/e2e/farmtest.py, tests/deploy/ (promlib.py and the scripts
beside it) and the docs test's `serve` marker (tests/docs_examples.py).
"""

import os
import signal
import subprocess
import threading
import time


class TestFailure(Exception):
    """The test cannot go on: a server did not start, a tool is missing."""


class Server:
    def __init__(self, argv, name=None, env=None, preexec=None, cwd=None):
        self.argv = argv
        self.name = name or os.path.basename(argv[0])
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, preexec_fn=preexec, cwd=cwd)
        self.lines = []   # stdout so far, a line each, without its newline
        self.stderr = []  # stderr so far, likewise
        self._arrived = threading.Condition()
        self._open_pipes = 2
        self._drains = [threading.Thread(target=self._drain, args=(pipe, sink), daemon=True)
                        for pipe, sink in ((self.proc.stdout, self.lines), (self.proc.stderr, self.stderr))]
        for t in self._drains:
            t.start()

    def _drain(self, pipe, sink):
        for raw in pipe:
            with self._arrived:
                sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._arrived.notify_all()
        with self._arrived:
            self._open_pipes -= 1
            self._arrived.notify_all()

    def wait_line(self, prefix, timeout=30.0):
        """The rest (stripped) of the first stdout line that starts with
        `prefix`, waiting up to `timeout` seconds for it; TestFailure if the
        server ends or the time runs out first."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line[len(prefix):].strip()
                left = deadline - time.monotonic()
                if self._open_pipes == 0 or left <= 0:
                    break
                self._arrived.wait(left)
        ended = f"exited ({self.proc.wait()})" if self._open_pipes == 0 else f"printed nothing else in {timeout:.0f} s"
        raise TestFailure(f"{self.name} {ended} before a line '{prefix}...'; stdout: {self.lines}; "
                          f"stderr: {self.stderr_tail()}")

    def output(self):
        """Every line so far: stdout's, then stderr's."""
        with self._arrived:
            return self.lines + self.stderr

    def stderr_tail(self, limit=3000):
        with self._arrived:
            return "\n".join(self.stderr)[-limit:]

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL if it has not ended within `timeout` s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._drains:
            t.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()
