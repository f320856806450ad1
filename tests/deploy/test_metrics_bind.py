#!/usr/bin/env python3
"""Where the real worker and `coordinator serve` bind /metrics, read from the
kernel's own socket tables (/proc/net/tcp, tcp6) for the server's pid.

- `--listen 0.0.0.0:0 --metrics-listen 127.0.0.1:0`: gRPC on every
  interface, /metrics on loopback only: every listening socket on the
  metrics port is 127.0.0.1, a scrape there answers, and a connection to
  the machine's other addresses on that port is refused.
- `--listen 127.0.0.1:0 --metrics-listen 0.0.0.0:0`: the other way round.
- `--listen 0.0.0.0:0 --metrics-port 0`: /metrics follows the gRPC host, on
  every interface (this also shows the socket check can tell the two apart).
- `--metrics-listen [::1]:0` listens on ::1 only, when this machine has
  IPv6 loopback (said in the output when it has not) and civetweb was built
  with IPv6; Debian 12's was not, and then the server must fail with a
  clear message.
- Usage errors, exit 2: a host name other than localhost, no port, and
  --metrics-listen together with --metrics-port.

  python3 tests/deploy/test_metrics_bind.py --worker build/bin/worker --coordinator build/bin/coordinator
"""
import argparse
import ctypes
import ipaddress
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/
from clitest import Checks  # noqa: E402
from servers import Server, TestFailure  # noqa: E402

check = Checks()


def proc_addr(hex_addr):
    """'0100007F:1F90' (or the IPv6 form) from /proc/net/tcp* -> (ip, port)."""
    host, port = hex_addr.split(":")
    raw = bytes.fromhex(host)
    # The kernel prints each 32-bit word in host (little-endian) order.
    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(raw)), int(port, 16)


def listening(pid):
    """{port: {ip, ...}} of the TCP sockets `pid` listens on."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                    ip, port = proc_addr(cols[1])
                    ports.setdefault(port, set()).add(ip)
    return ports


def other_addresses():
    """This machine's non-loopback IPv4 addresses (from `ip`)."""
    r = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True)
    found = []
    for line in r.stdout.splitlines():
        words = line.split()
        if "inet" in words:
            ip = words[words.index("inet") + 1].split("/")[0]
            if not ipaddress.ip_address(ip).is_loopback:
                found.append(ip)
    return found


def civetweb_has_ipv6():
    """Whether the civetweb that prometheus-cpp serves /metrics with can bind IPv6."""
    try:
        return ctypes.CDLL("libcivetweb.so.1").mg_check_feature(8) != 0  # 8: MG_FEATURES_IPV6
    except OSError:
        return True  # another build: let the IPv6 case show what it does


def has_ipv6_loopback():
    try:
        with open("/proc/net/if_inet6") as f:
            return any(line.split()[0] == "0" * 31 + "1" for line in f)
    except OSError:
        return False


def wildcard(ips):
    return bool(ips & {"0.0.0.0", "::"})


def scrape(host, port):
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def refused(ip, port):
    try:
        with socket.create_connection((ip, port), timeout=5):
            return False
    except OSError:
        return True


def address(server, prefix):
    """(host, port) of the server's line `prefix HOST:PORT`, or (None, None)."""
    try:
        host, _, port = server.wait_line(prefix).rpartition(":")
    except TestFailure:
        return None, None
    return host.strip("[]"), int(port)


def run_case(name, argv, metrics_host, expect_wildcard_grpc, others):
    s = Server(argv, name)
    try:
        grpc_host, grpc_port = address(s, "listening on")
        m_host, m_port = address(s, "metrics on")
        if not check(grpc_port and m_port, f"{name}: no `listening on` / `metrics on` lines: {s.lines}"):
            return
        check(m_host == metrics_host, f"{name}: prints `metrics on {m_host}:{m_port}`, not {metrics_host}")
        ports = listening(s.proc.pid)
        m_ips = ports.get(m_port, set())
        if metrics_host in ("0.0.0.0", "::"):
            check(wildcard(m_ips), f"{name}: /metrics listens on {sorted(m_ips)}, not on every interface")
        else:
            check(m_ips == {metrics_host}, f"{name}: /metrics listens on {sorted(m_ips)}, not only on {metrics_host}")
        g_ips = ports.get(grpc_port, set())
        check(wildcard(g_ips) == expect_wildcard_grpc,
              f"{name}: gRPC listens on {sorted(g_ips)}; on every interface expected: {expect_wildcard_grpc}")
        scrape_host = "127.0.0.1" if metrics_host == "0.0.0.0" else "::1" if metrics_host == "::" else metrics_host
        try:
            text = scrape(scrape_host, m_port)
            check("gene_build_info" in text, f"{name}: /metrics on {scrape_host}:{m_port} has no gene_build_info")
        except OSError as e:
            check(False, f"{name}: cannot scrape {scrape_host}:{m_port}: {e}")
        if not wildcard(m_ips):
            for ip in others:
                check(refused(ip, m_port), f"{name}: /metrics answers on {ip}:{m_port}, though bound to {metrics_host}")
    finally:
        s.stop(timeout=20)
    check(s.proc.returncode == 0, f"{name}: exit status {s.proc.returncode} after SIGTERM")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", required=True)
    ap.add_argument("--coordinator", required=True)
    args = ap.parse_args()
    others = other_addresses()
    print(f"non-loopback addresses tried: {others or 'none on this machine'}")

    binaries = {
        "worker": [args.worker],
        # No worker needs to answer: only the coordinator's own sockets count.
        "coordinator serve": [args.coordinator, "serve", "--workers", "127.0.0.1:1", "--store", "none"],
    }
    for name, base in binaries.items():
        run_case(f"{name} --metrics-listen 127.0.0.1:0",
                 base + ["--listen", "0.0.0.0:0", "--metrics-listen", "127.0.0.1:0"], "127.0.0.1", True, others)
        run_case(f"{name} --metrics-listen localhost:0",
                 base + ["--listen", "0.0.0.0:0", "--metrics-listen", "localhost:0"], "127.0.0.1", True, others)
        run_case(f"{name} --listen 127.0.0.1:0 --metrics-listen 0.0.0.0:0",
                 base + ["--listen", "127.0.0.1:0", "--metrics-listen", "0.0.0.0:0"], "0.0.0.0", False, others)
        run_case(f"{name} --metrics-port 0",
                 base + ["--listen", "0.0.0.0:0", "--metrics-port", "0"], "0.0.0.0", True, others)
        ipv6 = base + ["--listen", "0.0.0.0:0", "--metrics-listen", "[::1]:0"]
        if not has_ipv6_loopback():
            print(f"{name}: no IPv6 loopback on this machine: [::1] not tried")
        elif civetweb_has_ipv6():
            run_case(f"{name} --metrics-listen [::1]:0", ipv6, "::1", True, others)
        else:
            # Debian 12's civetweb is built without IPv6: the server must say so and stop.
            r = subprocess.run(ipv6, capture_output=True, text=True, timeout=30)
            check(r.returncode in (1, 2) and "cannot serve metrics on [::1]:0" in r.stderr,
                  f"{name} --metrics-listen [::1]:0 (civetweb without IPv6): exit {r.returncode}, stderr {r.stderr.strip()!r}")
        for bad in (["--metrics-listen", "lo:0"], ["--metrics-listen", "127.0.0.1"],
                    ["--metrics-listen", "127.0.0.1:0", "--metrics-port", "0"]):
            r = subprocess.run(base + ["--listen", "127.0.0.1:0"] + bad, capture_output=True, text=True, timeout=30)
            check(r.returncode == 2 and "metrics" in r.stderr,
                  f"{name} {' '.join(bad)}: exit {r.returncode} (2 expected), stderr {r.stderr.strip()!r}")

    return check.summary("test_metrics_bind")


if __name__ == "__main__":
    sys.exit(main())
