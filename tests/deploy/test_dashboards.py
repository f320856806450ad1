#!/usr/bin/env python3
"""Every Grafana dashboard query and every Prometheus rule, evaluated by a real
Prometheus.

1. Static checks: the dashboards match grafana/generate_dashboards.py, have
   unique uids and panel ids, use the ${datasource} variable, and use no
   variable they do not define; the provisioning files point at them.
2. Validity: a real Prometheus (the Debian package's binary) on 127.0.0.1
   loads deploy/prometheus/rules/*.yml; every PromQL expression of every
   dashboard panel and template variable (label_values(...) as the query it
   stands for), with the dashboard variables substituted ($suite etc. by
   `.*`, $__rate_interval by 1m, ...), and every rule expression is sent to
   its HTTP API (/api/v1/query or /api/v1/query_range, as Grafana would):
   all must answer `success`.
3. With --coordinator and --worker (end to end): a real worker and a real
   `coordinator serve` start on 127.0.0.1 with metrics on; Prometheus
   scrapes both every second; `coordinator submit --baseline latest` runs two
   small suites on them (bench/suites/vm_internals.yaml filtered to two short
   jobs, and a profiled allocation suite with one target that cannot be met),
   recorded and judged in the coordinator's results store; after the
   next scrapes every dashboard query must return data (the few that cannot
   after one short run are listed in MAY_BE_EMPTY), the targets dashboard
   again with each variable set to one real value of each suite, every
   template variable must list values, every rule must evaluate without
   error, every series name a rule or dashboard uses must be exported, and
   the alert GeneBenchTargetMissed must fire for the missed target.

Without --coordinator the end-to-end part is skipped with a notice (steps 1
and 2 still run). Exit status 0 when every check passed.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/
import promlib  # noqa: E402
from servers import Server, TestFailure  # noqa: E402

BUILTINS = {
    "__rate_interval": "1m", "__interval": "15s", "__interval_ms": "15000",
    "__range": "1h", "__range_s": "3600", "__range_ms": "3600000",
}
VAR_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")
LABEL_VALUES_RE = re.compile(r"^\s*label_values\((?:(.*),\s*)?(\w+)\s*\)\s*$", re.S)
QUERY_RESULT_RE = re.compile(r"^\s*query_result\((.*)\)\s*$", re.S)

# Panels (by "file panel 'title'" substring) that may be empty right after
# one short farm run, with the reason. None today: the two suites the test
# runs feed every panel (profile: true for the instruction mix, an allocation
# benchmark for GC pauses and object pools).
MAY_BE_EMPTY = {
}

FAILURES = []


def fail(message):
    FAILURES.append(message)
    print("FAIL: " + message, flush=True)


# --- reading the dashboards ----------------------------------------------------

def walk_panels(panels):
    for p in panels or []:
        yield p
        yield from walk_panels(p.get("panels"))


def variable_query(var):
    q = var.get("query")
    if isinstance(q, dict):
        q = q.get("query", "")
    return q or ""


def substitute(expr, values, where):
    """Dashboard variables in `expr` replaced by `values` (and the built-ins)."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in values:
            return values[name]
        if name in BUILTINS:
            return BUILTINS[name]
        if name.isdigit():  # label_replace's $1
            return m.group(0)
        fail(f"{where}: uses ${name}, which the dashboard does not define")
        return m.group(0)
    return VAR_RE.sub(repl, expr)


def variable_as_promql(query):
    """The PromQL a Prometheus template-variable query stands for."""
    m = LABEL_VALUES_RE.match(query)
    if m:
        selector, label = m.group(1), m.group(2)
        selector = selector or '{%s!=""}' % label
        return f"count by ({label}) ({selector})", label
    m = QUERY_RESULT_RE.match(query)
    if m:
        return m.group(1), None
    return None, None


class Expr:
    def __init__(self, source, where, expr, instant):
        self.source, self.where, self.expr, self.instant = source, where, expr, instant


def load_dashboards(repo):
    boards = []
    for path in sorted((repo / "grafana" / "dashboards").glob("*.json")):
        try:
            boards.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except ValueError as e:
            fail(f"{path}: not JSON: {e}")
    if not boards:
        fail("no dashboards in grafana/dashboards/")
    return boards


def static_checks(repo, boards):
    gen = subprocess.run([sys.executable, str(repo / "grafana" / "generate_dashboards.py"), "--check"],
                         capture_output=True, text=True)
    if gen.returncode != 0:
        fail("grafana/dashboards/ is out of date with generate_dashboards.py: " + gen.stderr.strip())
    uids = {}
    for path, d in boards:
        uid = d.get("uid")
        if not uid or uid in uids:
            fail(f"{path.name}: missing or duplicate uid {uid!r}")
        uids[uid] = path.name
        if not d.get("title"):
            fail(f"{path.name}: no title")
        names = [v.get("name") for v in d.get("templating", {}).get("list", [])]
        if "datasource" not in names:
            fail(f"{path.name}: no datasource variable")
        ids = set()
        for p in walk_panels(d.get("panels")):
            if p.get("id") in ids:
                fail(f"{path.name}: duplicate panel id {p.get('id')}")
            ids.add(p.get("id"))
            g = p.get("gridPos", {})
            if g.get("x", 0) + g.get("w", 0) > 24:
                fail(f"{path.name}: panel {p.get('title')!r} is wider than the grid")
            if p.get("type") == "row":
                continue
            if not p.get("title"):
                fail(f"{path.name}: a panel has no title")
            if not p.get("targets"):
                fail(f"{path.name}: panel {p.get('title')!r} has no queries")
            for t in p.get("targets", []):
                ds = t.get("datasource") or p.get("datasource") or {}
                if ds.get("uid") != "${datasource}":
                    fail(f"{path.name}: panel {p.get('title')!r} query {t.get('refId')} does not use ${{datasource}}")
                if not t.get("expr", "").strip():
                    fail(f"{path.name}: panel {p.get('title')!r} query {t.get('refId')} is empty")
    prov = repo / "grafana" / "provisioning"
    ds_file = prov / "datasources" / "prometheus.yaml"
    db_file = prov / "dashboards" / "dashboards.yaml"
    for f in (ds_file, db_file):
        if not f.exists():
            fail(f"missing {f.relative_to(repo)}")
    if ds_file.exists():
        text = ds_file.read_text()
        for needle in ("apiVersion: 1", "type: prometheus", "url:"):
            if needle not in text:
                fail(f"{ds_file.relative_to(repo)}: no '{needle}'")
    if db_file.exists():
        text = db_file.read_text()
        for needle in ("apiVersion: 1", "providers:", "type: file", "path:"):
            if needle not in text:
                fail(f"{db_file.relative_to(repo)}: no '{needle}'")


def dashboard_expressions(boards, values_for=None):
    """Every panel query and template-variable query, substituted."""
    out = []
    for path, d in boards:
        variables = [v for v in d.get("templating", {}).get("list", []) if v.get("type") != "datasource"]
        values = {v["name"]: ".*" for v in variables}
        values["datasource"] = "prometheus"
        if values_for:
            values.update(values_for.get(d.get("uid"), {}))
        for v in variables:
            if v.get("type") != "query":
                continue
            promql, _ = variable_as_promql(variable_query(v))
            where = f"{path.name} variable ${v['name']}"
            if promql is None:
                fail(f"{where}: query {variable_query(v)!r} is not label_values(...) or query_result(...)")
                continue
            out.append(Expr(d["uid"], where, substitute(promql, values, where), True))
        for p in walk_panels(d.get("panels")):
            for t in p.get("targets", []):
                if not t.get("expr"):
                    continue
                where = f"{path.name} panel {p.get('title')!r} query {t.get('refId')}"
                out.append(Expr(d["uid"], where, substitute(t["expr"], values, where),
                                bool(t.get("instant")) and not t.get("range")))
    return out


# --- Prometheus ------------------------------------------------------------------

def prometheus_config(repo, scrape_targets):
    rules = sorted((repo / "deploy" / "prometheus" / "rules").glob("*.yml"))
    lines = ["global:", "  scrape_interval: 1s", "  scrape_timeout: 1s", "  evaluation_interval: 1s",
             "rule_files:"]
    lines += [f"  - {json.dumps(str(r))}" for r in rules]
    lines.append("scrape_configs:")
    if not scrape_targets:
        lines[-1] = "scrape_configs: []"
    for job, (address, labels) in scrape_targets.items():
        lines += [f"  - job_name: {job}", "    static_configs:", f"      - targets: [{json.dumps(address)}]"]
        if labels:
            lines.append("        labels: " + json.dumps(labels))
    return "\n".join(lines) + "\n"


def rule_expressions(prom):
    answer = prom.api("rules")
    if answer.get("status") != "success":
        raise TestFailure(f"/api/v1/rules: {answer}")
    out = []
    for group in answer["data"]["groups"]:
        for rule in group["rules"]:
            where = f"rule {rule['name']} (group {group['name']}, {Path(group['file']).name})"
            out.append((Expr("rules", where, rule["query"], True), rule))
    if not out:
        raise TestFailure("Prometheus loaded no rules from deploy/prometheus/rules/")
    return out


def check_valid(prom, exprs):
    bad = 0
    for e in exprs:
        answer = prom.query(e.expr, instant=e.instant)
        if answer.get("status") != "success":
            bad += 1
            fail(f"{e.where}: Prometheus rejects the query: {answer.get('errorType')}: {answer.get('error')}\n"
                 f"    {e.expr}")
    return bad


def check_data(prom, exprs, allowed_empty=()):
    empty = []
    for e in exprs:
        answer = prom.query(e.expr, instant=e.instant)
        if answer.get("status") != "success":
            fail(f"{e.where}: {answer.get('errorType')}: {answer.get('error')}")
        elif promlib.result_count(answer) == 0:
            key = e.where
            if any(a in key for a in allowed_empty):
                print(f"  empty (allowed): {key}")
            else:
                empty.append(e)
                fail(f"{e.where}: no data after a real suite run\n    {e.expr}")
    return empty


# --- the farm ------------------------------------------------------------------------

PROFILE_SUITE = """\
# Written by tests/deploy/test_dashboards.py: a profiled allocation run (instruction
# mix, GC pauses, object pools) with one target no run can meet.
suite: e2e_profile
defaults: {repetitions: 1, warmup: 0, timeout: 60s, optimize: 2, profile: true}
targets:
  instructions_per_second: "> 1"
  max_stack_depth: "< 0"   # never met: gene_bench_target_met 0, alert GeneBenchTargetMissed
benchmarks:
  - name: cycles
    file: ../programs/cycles.gene
    params: {n: 100000}
"""


def run_farm(args, repo, tmp, prom_binary, boards):
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ)
    env["GENE_FARM_TOKEN"] = "e2e-test-token"  # auth on, as in deploy/k8s
    children = []
    prom = None
    try:
        worker = Server([args.worker, "--listen", "127.0.0.1:0", "--metrics-port", "0",
                         "--label", "class=e2e-x86", "--name", "e2e-worker"], "worker", env=env)
        children.append(worker)
        worker_addr = worker.wait_line("listening on")
        worker_metrics = worker.wait_line("metrics on")
        coord = Server([args.coordinator, "serve", "--listen", "127.0.0.1:0",
                        "--workers", worker_addr, "--metrics-port", "0",
                        "--store", os.path.join(tmp, "results.sqlite")], "coordinator", env=env)
        children.append(coord)
        coord_addr = coord.wait_line("listening on")
        coord_metrics = coord.wait_line("metrics on")
        print(f"worker on {worker_addr} (metrics {worker_metrics}), coordinator on {coord_addr} "
              f"(metrics {coord_metrics})", flush=True)

        prom = promlib.Prometheus(prom_binary, tmp, prometheus_config(repo, {
            "gene-coordinator": (coord_metrics, {"component": "coordinator"}),
            "gene-worker": (worker_metrics, {"component": "worker", "class": "e2e-x86"}),
        })).start()
        prom.wait_for('up{job="gene-coordinator"} == 1 and on () up{job="gene-worker"} == 1',
                      what="the first scrapes of the coordinator and the worker")
        prom.wait_for('gene_farm_workers{state="ready"} >= 1', what="the coordinator to see the worker ready")

        suites = []
        suites.append(([str(repo / "bench" / "suites" / "vm_internals.yaml"),
                        "--filter", "^(tco/n:100000|simple_profile/n:25)$", "--repetitions", "1"], "vm_internals"))
        (Path(tmp) / "suites").mkdir()
        (Path(tmp) / "programs").mkdir()
        shutil.copy(repo / "bench" / "allocation" / "cycles.gene", Path(tmp) / "programs" / "cycles.gene")
        (Path(tmp) / "suites" / "e2e_profile.yaml").write_text(PROFILE_SUITE)
        suites.append(([str(Path(tmp) / "suites" / "e2e_profile.yaml")], "e2e_profile"))
        for argv, name in suites:
            started = time.monotonic()
            # --baseline latest: the coordinator judges each run against its
            # store (a first run: inconclusive), feeding gene_bench_regression.
            r = subprocess.run([args.coordinator, "submit", *argv, "--coordinator", coord_addr,
                                "--baseline", "latest"],
                               capture_output=True, text=True, env=env, timeout=180)
            print(f"coordinator submit {name}: exit {r.returncode} in {time.monotonic() - started:.1f}s",
                  flush=True)
            if r.returncode not in (0, 1):  # 1: a target missed (e2e_profile always misses one)
                raise TestFailure(f"coordinator submit {name} exited {r.returncode}\nstdout:\n{r.stdout[-3000:]}\n"
                                  f"stderr:\n{r.stderr[-3000:]}\ncoordinator log:\n{coord.stderr_tail()}")
            if name == "e2e_profile" and r.returncode != 1:
                fail(f"coordinator submit e2e_profile exited {r.returncode}, not 1, with a target no run meets")
        for _, name in suites:
            prom.wait_for(f'gene_bench_last_run_timestamp_seconds{{suite="{name}"}}',
                          what=f"a scrape after suite {name} finished")
        time.sleep(3)  # a few more scrapes and rule evaluations after the runs

        print("\nEvery dashboard query must return data (variables as `.*`):", flush=True)
        check_data(prom, [e for e in dashboard_expressions(boards)], MAY_BE_EMPTY)

        print("\nBoth suites' benchmarks must be in the results:", flush=True)
        for suite, benchmarks in (("vm_internals", {"tco", "simple_profile"}), ("e2e_profile", {"cycles"})):
            answer = prom.query(f'count by (benchmark) (gene_bench_target_met{{suite="{suite}"}})')
            found = {r["metric"].get("benchmark") for r in answer["data"]["result"]}
            print(f"  {suite}: {sorted(found)}")
            if found != benchmarks:
                fail(f"suite {suite}: gene_bench_target_met for benchmarks {sorted(found)}, not {sorted(benchmarks)}")

        for suite in ("vm_internals", "e2e_profile"):
            print(f"\nThe targets dashboard with each variable set to one real value of suite {suite}:", flush=True)
            chosen = choose_values(prom, boards, "gene-targets", {"suite": suite})
            print(f"  {chosen}")
            one = [e for e in dashboard_expressions(boards, {"gene-targets": chosen}) if e.source == "gene-targets"]
            check_data(prom, one)

        print("\nEvery rule must evaluate without error (groups with a 5m interval may not have run yet):",
              flush=True)
        for e, rule in rule_expressions(prom):
            if rule.get("health") == "err":
                fail(f"{e.where}: {rule.get('lastError')}")
            answer = prom.query(e.expr)
            if answer.get("status") != "success":
                fail(f"{e.where}: {answer.get('error')}")
        # Each recording rule over the bench gauges must produce data once evaluated.
        for record in ("gene:bench_target_statistic", "gene:bench_target_headroom:ratio",
                       "gene:bench_targets_missed:count", "gene:bench_targets_met:ratio"):
            try:
                prom.wait_for(record, timeout=10)
            except TestFailure as e:
                fail(f"recording rule {record}: {e}")

        print("\nEvery series name the rules and dashboards use must be exported by the farm:", flush=True)
        names = set()
        for e in [e for e, _ in rule_expressions(prom)] + dashboard_expressions(boards):
            names.update(re.findall(r"\b(gene_[a-z0-9_]+)", e.expr))
        names -= {n for n in names if n.endswith("_")}  # regex prefixes like gene_bench_object_pool_hit_rate_
        for name in sorted(names):
            answer = prom.query(f'count({{__name__="{name}"}})')
            if not answer.get("data", {}).get("result"):
                fail(f"series {name} is used by a rule or dashboard but not exported by the coordinator or worker")
        print(f"  {len(names)} series names: all present" if not FAILURES else "  (see failures)")

        print("\nAlert GeneBenchTargetMissed must fire for e2e_profile's max_stack_depth target:", flush=True)
        deadline = time.monotonic() + 10
        firing = []
        while time.monotonic() < deadline:
            alerts = prom.api("alerts")["data"]["alerts"]
            firing = [a for a in alerts if a["labels"].get("alertname") == "GeneBenchTargetMissed"
                      and a["state"] == "firing"]
            if any(a["labels"].get("suite") == "e2e_profile" and a["labels"].get("statistic") == "max_stack_depth"
                   for a in firing):
                print(f"  firing: {[(a['labels'].get('benchmark'), a['labels'].get('statistic')) for a in firing]}")
                break
            time.sleep(0.5)
        else:
            fail(f"GeneBenchTargetMissed not firing for e2e_profile/max_stack_depth; firing: {firing}")
        for a in firing:
            if a["labels"].get("suite") == "e2e_profile" and a["labels"].get("statistic") == "max_stack_depth":
                if a["labels"].get("hardware") != "e2e-x86":
                    fail(f"hardware label is {a['labels'].get('hardware')!r}, not the worker's class e2e-x86")
    finally:
        if prom:
            prom.stop()
        for c in reversed(children):
            c.stop()


def choose_values(prom, boards, uid, fixed):
    """Each variable of dashboard `uid`, in order, set to the first value its
    query lists given the values chosen before it (as a regex, escaped);
    `fixed` ones to the value given, if listed."""
    chosen = {}
    for path, d in boards:
        if d.get("uid") != uid:
            continue
        for v in d.get("templating", {}).get("list", []):
            if v.get("type") != "query":
                continue
            promql, label = variable_as_promql(variable_query(v))
            values = {x["name"]: ".*" for x in d["templating"]["list"]}
            values.update(chosen)
            answer = prom.query(substitute(promql, values, f"{path.name} ${v['name']}"))
            found = sorted(r["metric"].get(label, "") for r in answer.get("data", {}).get("result", []))
            if not found:
                fail(f"{path.name}: variable ${v['name']} lists no value after a real run")
                chosen[v["name"]] = ".*"
                continue
            value = found[0]
            if v["name"] in fixed:
                if fixed[v["name"]] not in found:
                    fail(f"{path.name}: variable ${v['name']} lists {found}, not {fixed[v['name']]!r}")
                value = fixed[v["name"]]
            chosen[v["name"]] = re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\\\1", value)
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=str(Path(__file__).resolve().parents[2]), help="source tree")
    ap.add_argument("--prometheus", help="prometheus binary (default: on PATH)")
    ap.add_argument("--coordinator", help="coordinator binary: run the end-to-end part")
    ap.add_argument("--worker", help="worker binary (with --coordinator)")
    args = ap.parse_args()
    repo = Path(args.repo).resolve()
    started = time.monotonic()

    tmp = tempfile.mkdtemp(prefix="gene-dashboards-")
    try:
        boards = load_dashboards(repo)
        static_checks(repo, boards)
        exprs = dashboard_expressions(boards)
        print(f"{len(exprs)} dashboard queries in {len(boards)} dashboards", flush=True)

        prom_binary = promlib.find_executable(args.prometheus, "prometheus")
        prom = promlib.Prometheus(prom_binary, os.path.join(tmp, "static"), prometheus_config(repo, {}))
        prom.start()
        try:
            rules = rule_expressions(prom)
            print(f"{len(rules)} rules loaded by Prometheus", flush=True)
            check_valid(prom, exprs + [e for e, _ in rules])
        finally:
            prom.stop()
        print(f"validity: {len(exprs) + len(rules)} expressions checked", flush=True)

        if args.coordinator:
            if not args.worker:
                raise TestFailure("--coordinator needs --worker")
            for b in (args.coordinator, args.worker):
                if not os.access(b, os.X_OK):
                    raise TestFailure(f"{b} is not an executable (build it first: scripts/build)")
            run_farm(args, repo, os.path.join(tmp, "farm"), prom_binary, boards)
        else:
            print("\nNOTICE: end-to-end part skipped: no --coordinator/--worker given (the coordinator "
                  "binary is not built); only static and validity checks ran.", flush=True)
    except TestFailure as e:
        fail(str(e))
    finally:
        if not FAILURES:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"(logs kept in {tmp})")
    print(f"\ntest_dashboards: {len(FAILURES)} failure(s) in {time.monotonic() - started:.1f}s")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
