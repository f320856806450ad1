#!/usr/bin/env python3
"""The `gene` command line's contract (docs/cli.md): exit statuses, where output goes, --json, --param, eval's value, GENE_TRACE and
GENE_PROFILE. Each check runs the real binary.

Usage: cli_contract.py --gene PATH_TO_GENE
Prints one line per failed check and "N passed, N failed"; exits 1 on failure.
"""

import argparse
import json
import os
import sys
import tempfile

from clitest import Checks, run as run_binary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gene", required=True)
    gene = ap.parse_args().gene
    checks = Checks()
    check = checks.named
    tmp = tempfile.mkdtemp(prefix="gene-cli-")

    def write(name, text):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run(*args, env=None):
        return run_binary([gene, *args], env=env, timeout=60)

    hello = write("hello.gene", '(println "hi")\n(var n 5)\n(n * 2)\n')
    r = run("run", hello)
    check("run prints only the program's output", r.returncode == 0 and r.stdout == "hi\n" and r.stderr == "",
          repr((r.returncode, r.stdout, r.stderr)))
    r = run("eval", '(println "x") (+ 1 2)')
    check("eval prints output then the value", r.returncode == 0 and r.stdout == "x\n3\n", repr(r.stdout))
    r = run("eval", '"s"')
    check("eval shows a string value quoted", r.stdout == '"s"\n', repr(r.stdout))
    r = run("run", hello, "--param", "n=7", "--json", "-")
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        doc = {}
        check("--json - puts the JSON alone on stdout", False, str(e))
    check("--json - moves the program's output to stderr", r.stderr == "hi\n", repr(r.stderr))
    check("--param overrides the top-level var default", doc.get("value") == "14", repr(doc.get("value")))
    check("--json has error null and the statistics",
          doc.get("error", 1) is None and doc.get("instructions", 0) > 0 and "tco_success_rate" in doc, repr(doc)[:200])
    out = os.path.join(tmp, "stats.json")
    r = run("run", write("bad.gene", "(println 1)\n(foo)\n"), "--json", out)
    with open(out) as f:
        bad = json.load(f)
    check("runtime error: exit 1 with FILE:LINE:COL", r.returncode == 1 and
          r.stderr.startswith("error: ") and "bad.gene:2:" in r.stderr and "undefined variable foo" in r.stderr,
          repr((r.returncode, r.stderr)))
    check("--json records the error and a null value", bad["value"] is None and "undefined variable foo" in bad["error"],
          repr(bad)[:200])
    r = run("run", write("read.gene", '(println "a)\n'))
    check("read error: exit 1", r.returncode == 1 and "read error" in r.stderr, repr((r.returncode, r.stderr)))
    for name, args in [("missing file", ["run", os.path.join(tmp, "none.gene")]),
                       ("directory", ["run", tmp]),
                       ("unknown option", ["run", hello, "--bogus"]),
                       ("no command", []),
                       ("unknown command", ["frobnicate"]),
                       ("param without =", ["run", hello, "--param", "n"]),
                       ("int param out of range", ["run", hello, "--param", "n=99999999999999999999"]),
                       ("bad --max-depth value", ["run", hello, "--max-depth", "zero"])]:
        r = run(*args)
        check(f"usage error ({name}): exit 2", r.returncode == 2 and "error" in r.stderr, repr((r.returncode, r.stderr)))
    r = run("--help")
    check("--help exits 0 and shows usage", r.returncode == 0 and "gene run FILE" in r.stdout, r.stdout[:100])
    r = run("run", hello, "--stats")
    check("--stats goes to stderr", r.stdout == "hi\n" and "instructions" in r.stderr, repr(r.stdout))
    r = run("run", hello, env={"GENE_TRACE": "1"})
    check("GENE_TRACE=1 traces to stderr", r.stdout == "hi\n" and "CALL" in r.stderr, r.stderr[:100])
    r = run("run", hello, env={"GENE_PROFILE": "1"})
    check("GENE_PROFILE=1 profiles", "instruction mix" in r.stderr, r.stderr[:100])
    r = run("run", write("loop.gene", "(loop)\n"), "--timeout", "0.2")
    check("--timeout stops a program with 'timeout'", r.returncode == 1 and "timeout" in r.stderr, r.stderr)
    r = run("run", write("deep.gene", "(fn f n (+ 1 (f n)))\n(f 1)\n"), "--max-depth", "500")
    check("--max-depth gives 'stack overflow'", r.returncode == 1 and "stack overflow" in r.stderr, r.stderr)
    r = run("run", write("heap.gene", "(var a [])\n(loop (push a [1 2 3]))\n"), "--max-heap", "16MiB")
    check("--max-heap gives 'out of memory'", r.returncode == 1 and "out of memory" in r.stderr, r.stderr)
    r = run("disasm", hello)
    check("disasm lists the bytecode", r.returncode == 0 and "DEF_GLOBAL" in r.stdout, r.stdout[:100])
    # --no-tco: tail calls still counted, none optimized; too deep is 'stack overflow', not a crash.
    tco = write("tco.gene", "(fn down n (if (n == 0) 0 else (down (n - 1))))\n(down 2000)\n")
    r = run("run", tco, "--no-tco", "--json", "-")
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    check("--no-tco: every tail call counted, none optimized",
          doc.get("tail_calls") == 2000 and doc.get("tail_calls_optimized") == 0 and doc.get("tco_success_rate") == 0,
          repr((r.returncode, r.stderr, {k: doc.get(k) for k in ("tail_calls", "tail_calls_optimized")})))
    r = run("run", tco, "--json", "-")
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    check("tail calls reuse the frame by default", doc.get("tco_success_rate") == 1 and doc.get("max_stack_depth") == 1,
          repr(doc)[:200])
    r = run("run", tco, "--no-tco", "--max-depth", "500")
    check("--no-tco past --max-depth is 'stack overflow'", r.returncode == 1 and "stack overflow" in r.stderr, r.stderr)
    r = run("disasm", tco, "--no-tco")
    check("disasm --no-tco shows the call that takes a frame", "TAIL_CALL_NO_TCO" in r.stdout, r.stdout[-300:])
    r = run("--help")
    check("--help lists --no-tco", "--no-tco" in r.stdout, r.stdout[:100])

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
