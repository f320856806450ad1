#!/usr/bin/env python3
"""Static checks of the Dockerfile (no Docker engine here to build it) and of
what it relies on.

- Stages `build`, `worker` and `coordinator` exist; the build stage runs the
  README's quick-start steps (the `scripts/...` commands that open the
  README's first command) in the README's order on debian:12.
- Layer order: scripts/install-deps runs in its own layer, after a COPY of
  only what it reads and before any COPY of the whole tree, so that a
  source change does not throw away the package layer; scripts/build runs
  after the whole tree is copied. The check is also run on the old layout
  (`COPY . .` first), where it must fail.
- The worker and coordinator images copy build/bin/worker resp.
  build/bin/coordinator from the build stage to the path deploy/k8s runs
  (`command: ["/usr/local/bin/..."]`), run as a numeric non-root user
  (deploy/k8s sets runAsNonRoot), and EXPOSE the container ports deploy/k8s
  declares.
- .dockerignore keeps build trees and node_modules out of the context, and
  package.json too (scripts/install-deps runs npm only when package.json
  exists; the image has no npm).
- deploy/docker/runtime-packages, which the build stage runs, names the
  Debian packages of the real binaries' shared libraries (with --bin-dir).

  python3 tests/deploy/test_deploy_static.py [--repo DIR] [--bin-dir build/bin]
"""
import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/
from clitest import Checks  # noqa: E402

check = Checks()


def dockerfile_stages(text):
    """[(name, base, [(instruction, argument)])] with continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    stages = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, arg = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", arg.strip(), re.I)
            stages.append((m.group(2) or "", m.group(1), []))
        elif stages:
            stages[-1][2].append((instr, re.sub(r"\s+", " ", arg.strip())))
    return stages


def run_commands(instrs):
    """[(instruction index, command)]: each RUN split at its top-level &&."""
    return [(n, c.strip()) for n, (i, a) in enumerate(instrs) if i == "RUN" for c in a.split("&&")]


def copy_sources(argument):
    """The source paths of a COPY (no --from: those come from the context)."""
    words = [w for w in argument.split() if not w.startswith("--")]
    if argument.startswith("--from") or " --from" in argument:
        return []
    return [w.rstrip("/") or "." for w in words[:-1]]


def layer_order_problems(instrs, steps, ignored, install_reads):
    """What is wrong with the order of the build stage's layers, or [].

    instrs: the build stage's [(instruction, argument)]; steps: the README's
    steps (install-deps first); ignored: .dockerignore entries;
    install_reads: files scripts/install-deps reads besides itself."""
    problems = []
    runs = run_commands(instrs)
    positions = []
    for step in steps:
        at = [n for n, c in runs if c == step or c.startswith(step + " ")]
        if not at:
            problems.append(f"no RUN runs the README's step `{step}`")
        positions.append(at[0] if at else None)
    found = [p for p in positions if p is not None]
    if found != sorted(found):
        problems.append(f"the README's steps {steps} do not run in the README's order")
    install_at = positions[0] if positions else None
    if install_at is None:
        return problems
    whole_tree = [n for n, (i, a) in enumerate(instrs) if i == "COPY" and "." in copy_sources(a)]
    copied_before = {src for n, (i, a) in enumerate(instrs[:install_at]) if i == "COPY" for src in copy_sources(a)}
    if any(n < install_at for n in whole_tree):
        problems.append("the whole tree (COPY . ...) is copied before scripts/install-deps runs: "
                        "every source change would rebuild the package layer")
    if not any(src in ("scripts/install-deps", "scripts") for src in copied_before):
        problems.append("scripts/install-deps is not copied by itself before it runs")
    for f in install_reads:
        if f not in ignored and f not in copied_before and "." not in copied_before:
            problems.append(f"scripts/install-deps reads {f}, which is neither copied before it runs nor in .dockerignore")
    if not any(n > install_at for n in whole_tree):
        problems.append("no COPY of the whole tree after scripts/install-deps")
    for step, at in zip(steps[1:], positions[1:]):
        if at is not None and not any(n < at for n in whole_tree):
            problems.append(f"`{step}` runs before the whole tree is copied")
    return problems


def install_deps_reads(text):
    """Files of the repository that scripts/install-deps tests for (`-f NAME`)."""
    return sorted(set(re.findall(r"-f ([A-Za-z0-9_.-]+\.[a-z]+)\b", text)))


def readme_steps(repo):
    """The `scripts/...` commands that open the README's first shell command."""
    text = (repo / "README.md").read_text(encoding="utf-8")
    m = re.search(r"```(?:sh|bash|console)\n(.*?)```", text, re.S)
    if not m:
        return []
    first = next((l.strip() for l in m.group(1).splitlines() if l.strip() and not l.strip().startswith("#")), "")
    steps = []
    for part in first.split("&&"):
        part = part.strip()
        if not part.startswith("scripts/"):
            break
        steps.append(part)
    return steps


def dockerignore(repo):
    return [l.strip() for l in (repo / ".dockerignore").read_text().splitlines()
            if l.strip() and not l.startswith("#")]


def k8s_ports(path):
    return sorted({int(p) for p in re.findall(r"containerPort:\s*(\d+)", path.read_text())})


def k8s_commands(path):
    return set(re.findall(r'command:\s*\["([^"]+)"\]', path.read_text()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--bin-dir", help="build/bin with worker and coordinator: run deploy/docker/runtime-packages on them")
    args = ap.parse_args()
    repo = Path(args.repo).resolve()

    stages = dockerfile_stages((repo / "Dockerfile").read_text(encoding="utf-8"))
    by_name = {s[0]: s for s in stages}
    for name in ("build", "worker", "coordinator"):
        check(name in by_name, f"Dockerfile: no stage `{name}`")

    # The build stage: the README's steps.
    steps = readme_steps(repo)
    check(len(steps) >= 2 and steps[0] == "scripts/install-deps" and "scripts/build" in steps,
          f"README's first command does not start with scripts/install-deps && scripts/build: {steps}")
    for s in steps:
        check((repo / s.split()[0]).exists(), f"README step {s} names no file")
    if "build" in by_name:
        _, base, instrs = by_name["build"]
        check(base.startswith("debian:12"), f"build stage is FROM {base}, not Debian 12 (install-deps installs Debian 12's packages)")
        runs = [a for i, a in instrs if i == "RUN"]
        ignore = dockerignore(repo)
        reads = install_deps_reads((repo / "scripts" / "install-deps").read_text())
        check("package.json" in reads, f"install-deps no longer tests for package.json ({reads}): check this test")
        for p in layer_order_problems(instrs, steps, ignore, reads):
            check(False, f"build stage: {p}")
        # The check itself can fail: the old layout, everything copied first.
        old = dockerfile_stages("FROM debian:12 AS build\nCOPY . .\nRUN " + " && ".join(steps) + "\n")[0][2]
        check(any("before scripts/install-deps" in p for p in layer_order_problems(old, steps, ignore, reads)),
              "the layer-order check accepts `COPY . .` before scripts/install-deps")
        check(any("deploy/docker/runtime-packages build/bin/worker" in r for r in runs)
              and any("deploy/docker/runtime-packages build/bin/coordinator" in r for r in runs),
              "build stage does not list the runtime packages of both binaries")

    # The runtime stages.
    k8s = repo / "deploy" / "k8s"
    images = {
        "worker": (sorted(k8s.glob("worker-*.yaml")), "/usr/local/bin/worker"),
        "coordinator": ([k8s / "coordinator.yaml"], "/usr/local/bin/coordinator"),
    }
    for name, (manifests, binary) in images.items():
        if name not in by_name:
            continue
        _, base, instrs = by_name[name]
        copies = [a for i, a in instrs if i == "COPY"]
        check(any(re.fullmatch(rf"--from=build \S*build/bin/{name} {re.escape(binary)}", c) for c in copies),
              f"stage {name}: no `COPY --from=build .../build/bin/{name} {binary}` (COPYs: {copies})")
        entry = [a for i, a in instrs if i == "ENTRYPOINT"]
        check(entry and entry[-1] == f'["{binary}"]', f"stage {name}: ENTRYPOINT is not [\"{binary}\"]")
        users = [a for i, a in instrs if i == "USER"]
        check(users and re.fullmatch(r"[1-9]\d*(:\d+)?", users[-1]) is not None,
              f"stage {name}: USER is not a numeric non-root user (runAsNonRoot needs one)")
        exposed = sorted(int(p) for i, a in instrs if i == "EXPOSE" for p in a.split())
        declared = sorted({p for m in manifests for p in k8s_ports(m)})
        check(exposed == declared, f"stage {name}: EXPOSE {exposed}, but deploy/k8s declares {declared}")
        cmds = {c for m in manifests for c in k8s_commands(m)}
        check(cmds == {binary}, f"deploy/k8s runs {sorted(cmds)} from the {name} image, not {binary}")
    cron = k8s / "cronjob-submit.yaml"
    check(k8s_commands(cron) == {"/usr/local/bin/coordinator"}, "the CronJob does not run /usr/local/bin/coordinator")

    # What the build stage relies on.
    ignore = dockerignore(repo)
    for entry in ("/build", "/build-*", "node_modules", "package.json", "package-lock.json"):
        check(entry in ignore, f".dockerignore does not exclude {entry}")
    install = (repo / "scripts" / "install-deps").read_text()
    check("-f package.json" in install,
          "scripts/install-deps no longer decides on npm by `-f package.json`: check the Dockerfile's .dockerignore")

    script = repo / "deploy" / "docker" / "runtime-packages"
    if args.bin_dir:
        bins = [Path(args.bin_dir) / "worker", Path(args.bin_dir) / "coordinator"]
        bins = [b for b in bins if b.exists()]
        if check(bins, f"no worker or coordinator in {args.bin_dir}"):
            r = subprocess.run([str(script), *map(str, bins)], capture_output=True, text=True)
            pkgs = r.stdout.split()
            check(r.returncode == 0, f"deploy/docker/runtime-packages failed: {r.stderr.strip()}")
            for prefix in ("libgrpc++", "libprotobuf", "libprometheus-cpp-pull", "libstdc++"):
                check(any(p.startswith(prefix) for p in pkgs),
                      f"runtime-packages lists no {prefix}* package for {[b.name for b in bins]}: {pkgs}")
            print(f"runtime packages of {[b.name for b in bins]}: {' '.join(pkgs)}")
    bad = subprocess.run([str(script), "/nonexistent"], capture_output=True, text=True)
    check(bad.returncode != 0, "runtime-packages accepts a missing binary")

    return check.summary("test_deploy_static")


if __name__ == "__main__":
    sys.exit(main())
