"""Helpers for the deployment tests: a real Prometheus on 127.0.0.1 (the
Debian package's binary) and its HTTP API. Server processes and the count
of a script's checks come from tests/servers.py and tests/clitest.py.
Python standard library only."""
import json
import os
import shutil
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/
from servers import Server, TestFailure  # noqa: E402


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_executable(given, name):
    path = given or shutil.which(name)
    if not path or not os.path.exists(path):
        raise TestFailure(f"{name} not found (given: {given!r}); scripts/install-deps installs it")
    return path


class Prometheus:
    """A Prometheus server on 127.0.0.1 with the given configuration text."""

    def __init__(self, binary, workdir, config_text):
        self.binary = binary
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.config_path = os.path.join(workdir, "prometheus.yml")
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(config_text)
        self.child = None
        self.base = None

    def start(self, timeout=30.0):
        last_error = ""
        for attempt in range(3):  # the free port may be taken between the probe and the bind
            port = free_port()
            data = os.path.join(self.workdir, f"data{attempt}")
            argv = [self.binary, f"--config.file={self.config_path}", f"--storage.tsdb.path={data}",
                    f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
                    "--storage.tsdb.retention.time=1d"]
            self.child = Server(argv, "prometheus")
            self.base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.child.proc.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(self.base + "/-/ready", timeout=2) as r:
                        if r.status == 200:
                            return self
                except (urllib.error.URLError, ConnectionError, OSError):
                    pass
                time.sleep(0.1)
            last_error = self.child.stderr_tail()
            self.child.stop()
        raise TestFailure("Prometheus did not become ready: " + last_error)

    def stop(self):
        if self.child:
            self.child.stop()

    def api(self, path, params=None, timeout=30):
        """GET /api/v1/<path>; returns the decoded JSON body, errors included."""
        url = f"{self.base}/api/v1/{path}"
        body = urllib.parse.urlencode(params or {}).encode()
        req = urllib.request.Request(url, data=body if params else None,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            try:
                return json.loads(e.read())
            except ValueError:
                return {"status": "error", "errorType": f"HTTP {e.code}", "error": str(e)}

    def query(self, expr, instant=True, range_seconds=60, step=1):
        """Instant query at now, or a range query over the last `range_seconds`."""
        if instant:
            return self.api("query", {"query": expr})
        end = time.time()
        return self.api("query_range", {"query": expr, "start": f"{end - range_seconds:.3f}",
                                        "end": f"{end:.3f}", "step": str(step)})

    def wait_for(self, expr, timeout=30.0, what=None):
        """Polls an instant query until it returns a non-empty result."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.query(expr)
            if last.get("status") == "success" and last["data"]["result"]:
                return last["data"]["result"]
            time.sleep(0.25)
        raise TestFailure(f"timed out waiting for {what or expr}: last answer {json.dumps(last)[:500]}")


def result_count(answer):
    data = answer.get("data") or {}
    result = data.get("result")
    if data.get("resultType") in ("scalar", "string"):
        return 1
    return len(result or [])
