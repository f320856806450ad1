#!/usr/bin/env python3
"""The Kubernetes scrape job of deploy/prometheus/prometheus-kubernetes.yml,
run by a real Prometheus against the pods deploy/k8s would create.

Debian's Prometheus is built without Kubernetes service discovery, so the
test swaps the job's `kubernetes_sd_configs` block for file-based discovery
and writes, for every pod template that `kubectl kustomize deploy/k8s`
renders (Deployments and the CronJob), the targets Kubernetes pod discovery
would produce: one per container port, with the __meta_kubernetes_pod_*
labels built from the template's labels, annotations and ports. A pod that
is not Running and a pod without annotations are added too. Everything else
(the relabel rules) is the file as shipped, checked by `promtool check
config` and then applied by Prometheus; /api/v1/targets must show exactly
one target per coordinator and worker pod, on its prometheus.io/port, with
the namespace, pod, component and class labels, and nothing else.

  python3 tests/deploy/test_prometheus_sd.py [--repo DIR] [--prometheus P] [--promtool P] [--kubectl K]
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
from clitest import Checks  # noqa: E402
from servers import TestFailure  # noqa: E402

check = Checks()


def sanitize(name):
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def rendered_objects(repo, kubectl):
    """deploy/k8s rendered by kustomize, as JSON (YAML read by the `yaml` npm package)."""
    yaml_text = subprocess.run([kubectl, "kustomize", str(repo / "deploy" / "k8s")], capture_output=True,
                               text=True, check=True).stdout
    script = ("const Y = require('yaml'); let s = ''; process.stdin.on('data', d => s += d);"
              "process.stdin.on('end', () => console.log(JSON.stringify("
              "Y.parseAllDocuments(s).map(d => d.toJS()).filter(Boolean))));")
    r = subprocess.run(["node", "-e", script], input=yaml_text, capture_output=True, text=True, cwd=repo)
    if r.returncode != 0:
        raise TestFailure(f"node could not read the rendered YAML (run scripts/install-deps for npm packages): "
                          f"{r.stderr.strip()}")
    return json.loads(r.stdout)


def pod_template(obj):
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]
    return obj["spec"]["template"]


def discovered(obj, ip, phase="Running", name=None):
    """The target groups Kubernetes pod discovery yields for one pod of `obj`."""
    tpl = pod_template(obj)
    meta = tpl.get("metadata", {})
    pod = name or obj["metadata"]["name"] + "-5d9c7b8f6d-abcde"
    base = {
        "__meta_kubernetes_namespace": obj["metadata"].get("namespace", ""),
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_ip": ip,
        "__meta_kubernetes_pod_phase": phase,
        "__meta_kubernetes_pod_ready": "true" if phase == "Running" else "false",
        "__meta_kubernetes_pod_controller_kind": "ReplicaSet" if obj["kind"] == "Deployment" else "Job",
    }
    for k, v in (meta.get("labels") or {}).items():
        base[f"__meta_kubernetes_pod_label_{sanitize(k)}"] = v
        base[f"__meta_kubernetes_pod_labelpresent_{sanitize(k)}"] = "true"
    for k, v in (meta.get("annotations") or {}).items():
        base[f"__meta_kubernetes_pod_annotation_{sanitize(k)}"] = v
        base[f"__meta_kubernetes_pod_annotationpresent_{sanitize(k)}"] = "true"
    groups = []
    for c in tpl["spec"]["containers"]:
        ports = c.get("ports") or []
        if not ports:  # a container without ports: one target without a port
            groups.append({"targets": [ip], "labels": {**base, "__meta_kubernetes_pod_container_name": c["name"]}})
        for p in ports:
            groups.append({"targets": [f"{ip}:{p['containerPort']}"], "labels": {
                **base,
                "__meta_kubernetes_pod_container_name": c["name"],
                "__meta_kubernetes_pod_container_port_name": p.get("name", ""),
                "__meta_kubernetes_pod_container_port_number": str(p["containerPort"]),
                "__meta_kubernetes_pod_container_port_protocol": p.get("protocol", "TCP"),
            }})
    return pod, groups


def file_sd_config(repo, sd_file):
    """prometheus-kubernetes.yml with kubernetes_sd_configs swapped for file_sd_configs."""
    src = repo / "deploy" / "prometheus" / "prometheus-kubernetes.yml"
    lines = src.read_text(encoding="utf-8").splitlines()
    out, i, swapped = [], 0, 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(\s*)kubernetes_sd_configs:\s*$", line)
        if m:
            indent = len(m.group(1))
            i += 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                i += 1
            pad = " " * indent
            out += [f"{pad}file_sd_configs:", f"{pad}  - files: [{json.dumps(str(sd_file))}]",
                    f"{pad}    refresh_interval: 1s"]
            swapped += 1
            continue
        # rule files are relative to the shipped file's directory
        line = re.sub(r"^(\s*-\s+)(rules/\S+)$", lambda mm: mm.group(1) + json.dumps(str(src.parent / mm.group(2))),
                      line)
        out.append(line)
        i += 1
    if swapped != 1:
        raise TestFailure(f"{src}: expected one kubernetes_sd_configs block, found {swapped}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--prometheus")
    ap.add_argument("--promtool")
    ap.add_argument("--kubectl", default="kubectl")
    args = ap.parse_args()
    repo = Path(args.repo).resolve()
    tmp = tempfile.mkdtemp(prefix="gene-prom-sd-")
    prom = None
    try:
        objects = rendered_objects(repo, args.kubectl)
        groups, expected = [], {}
        ip = 1
        for obj in objects:
            if obj["kind"] not in ("Deployment", "CronJob"):
                continue
            pod, g = discovered(obj, f"10.0.0.{ip}")
            groups += g
            tpl = pod_template(obj)
            ann = (tpl.get("metadata") or {}).get("annotations") or {}
            labels = (tpl.get("metadata") or {}).get("labels") or {}
            if ann.get("prometheus.io/scrape") == "true":
                expected[pod] = {
                    "address": f"10.0.0.{ip}:{ann['prometheus.io/port']}",
                    "path": ann.get("prometheus.io/path", "/metrics"),
                    "component": labels.get("app.kubernetes.io/component", ""),
                    "class": labels.get("gene-farm/class", ""),
                }
            ip += 1
            if obj["kind"] == "Deployment" and ann:
                # the same pod still Pending: not scraped
                _, g = discovered(obj, f"10.0.1.{ip}", phase="Pending", name=obj["metadata"]["name"] + "-pending")
                groups += g
                # a pod without the annotations: not scraped
                bare = json.loads(json.dumps(obj))
                pod_template(bare)["metadata"]["annotations"] = {}
                _, g = discovered(bare, f"10.0.2.{ip}", name=obj["metadata"]["name"] + "-unannotated")
                groups += g
        check(len(expected) >= 3, f"only {len(expected)} annotated pod templates in deploy/k8s (coordinator + workers)")
        sd_file = Path(tmp) / "pods.json"
        sd_file.write_text(json.dumps(groups, indent=1))
        config = file_sd_config(repo, sd_file)
        (Path(tmp) / "prometheus.yml").write_text(config)

        promtool = promlib.find_executable(args.promtool, "promtool")
        r = subprocess.run([promtool, "check", "config", str(Path(tmp) / "prometheus.yml")],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"promtool check config (file SD in place of Kubernetes SD): {r.stdout}{r.stderr}")

        prom = promlib.Prometheus(promlib.find_executable(args.prometheus, "prometheus"), tmp, config).start()
        deadline = time.monotonic() + 15
        while True:
            answer = prom.api("targets")
            active = [t for t in answer["data"]["activeTargets"] if t["labels"].get("job") == "gene-farm-pods"]
            dropped = answer["data"]["droppedTargets"]
            if (len(active) >= len(expected) and dropped) or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        print(f"{len(groups)} discovered targets: {len(active)} active, {len(dropped)} dropped")
        got = {}
        for t in active:
            pod = t["labels"].get("pod")
            check(pod not in got, f"pod {pod} is scraped twice: {t['scrapeUrl']}")
            got[pod] = t
        check(set(got) == set(expected), f"scraped pods {sorted(got)}, expected {sorted(expected)}")
        for pod, want in expected.items():
            t = got.get(pod)
            if not t:
                continue
            url = f"http://{want['address']}{want['path']}"
            check(t["scrapeUrl"] == url, f"{pod}: scraped at {t['scrapeUrl']}, not {url}")
            check(t["labels"].get("namespace") == "gene-farm", f"{pod}: namespace label {t['labels'].get('namespace')!r}")
            check(t["labels"].get("component") == want["component"],
                  f"{pod}: component label {t['labels'].get('component')!r}, not {want['component']!r}")
            check(t["labels"].get("class", "") == want["class"],
                  f"{pod}: class label {t['labels'].get('class')!r}, not {want['class']!r}")
            print(f"  {pod}: {t['scrapeUrl']} component={t['labels'].get('component')} "
                  f"class={t['labels'].get('class', '')}")
        check(not any(p.endswith(("-pending", "-unannotated")) for p in got), "a pending or unannotated pod is scraped")
    except (TestFailure, subprocess.CalledProcessError) as e:
        check(False, str(e))
    finally:
        if prom:
            prom.stop()
        if check.failed == 0:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"(files kept in {tmp})")
    return check.summary("test_prometheus_sd")


if __name__ == "__main__":
    sys.exit(main())
