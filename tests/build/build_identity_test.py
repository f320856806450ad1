#!/usr/bin/env python3
"""The build identity (cmake/build_identity.cmake), on throwaway source trees
and on the real binaries.

1. Script: two trees that differ in one source file get different build
   ids; the same content gets the same id again; other flags or another
   compiler change it; a tree with uncommitted changes says dirty; a tree
   without git says commit "unknown", not dirty; an unchanged tree does not
   rewrite the generated file (so nothing recompiles).
2. Binaries (with --gene/--worker/--coordinator): every binary's --version
   names the same build, and the worker's Describe carries it.

Usage: build_identity_test.py --repo DIR [--gene P --worker P --coordinator P]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = None
BINARIES = {}


def identity(tree, out, flags="Release -O3", compiler="GNU-12.2.0", git=True):
    """Runs the script on `tree`; returns the generated file's fields."""
    argv = ["cmake", "-DSOURCE_DIR=" + tree, "-DOUTPUT=" + out, "-DVERSION=9.9.9", "-DBUILD_TYPE=Release",
            "-DCOMPILER=" + compiler, "-DFLAGS=" + flags]
    if git:
        argv.append("-DGIT=" + (shutil.which("git") or "git"))
    argv += ["-P", os.path.join(REPO, "cmake", "build_identity.cmake")]
    subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60)
    text = open(out).read()
    fields = dict(re.findall(r"b\.(\w+) = (\"[^\"]*\"|true|false);", text))
    return {k: json.loads(v) for k, v in fields.items()}


def git(tree, *args):
    subprocess.run(["git", "-C", tree] + list(args), check=True, capture_output=True, timeout=60,
                   env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
                            GIT_COMMITTER_EMAIL="t@t"))


class Script(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gene-build-id-")
        self.tree = os.path.join(self.tmp, "tree")
        for path, text in [("CMakeLists.txt", "project(x)\n"), ("vm/src/vm.cc", "int f() { return 1; }\n"),
                           ("worker/src/job_runner.cc", "int g() { return 2; }\n"),
                           ("worker/src/job_runner_test.cc", "// a test\n"), ("docs/x.md", "docs\n")]:
            os.makedirs(os.path.dirname(os.path.join(self.tree, path)), exist_ok=True)
            with open(os.path.join(self.tree, path), "w") as f:
                f.write(text)
        git(self.tree, "init", "-q")
        git(self.tree, "add", "-A")
        git(self.tree, "commit", "-qm", "first")
        self.out = os.path.join(self.tmp, "build_identity.cc")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def edit(self, path, text):
        with open(os.path.join(self.tree, path), "w") as f:
            f.write(text)

    def test_clean_tree(self):
        b = identity(self.tree, self.out)
        self.assertRegex(b["commit"], r"^[0-9a-f]{12}$")
        self.assertIs(b["dirty"], False)
        self.assertRegex(b["build_id"], r"^[0-9a-f]{16}$")
        self.assertEqual(b["version"], "9.9.9")
        self.assertEqual(b["flags"], "Release -O3")

    def test_a_changed_source_changes_the_id_and_makes_the_tree_dirty(self):
        clean = identity(self.tree, self.out)
        self.edit("vm/src/vm.cc", "int f() { return 3; }\n")
        changed = identity(self.tree, self.out)
        self.assertNotEqual(changed["build_id"], clean["build_id"])
        self.assertIs(changed["dirty"], True)
        self.assertEqual(changed["commit"], clean["commit"])  # git alone cannot tell them apart
        # Two builds of one dirty tree with different changes differ too.
        self.edit("vm/src/vm.cc", "int f() { return 4; }\n")
        self.assertNotEqual(identity(self.tree, self.out)["build_id"], changed["build_id"])
        # Back to the committed content: the same id as the clean build.
        self.edit("vm/src/vm.cc", "int f() { return 1; }\n")
        again = identity(self.tree, self.out)
        self.assertEqual(again["build_id"], clean["build_id"])
        self.assertIs(again["dirty"], False)

    def test_files_outside_the_binaries_do_not_change_the_id(self):
        clean = identity(self.tree, self.out)
        self.edit("docs/x.md", "other docs\n")
        self.edit("worker/src/job_runner_test.cc", "// another test\n")
        b = identity(self.tree, self.out)
        self.assertEqual(b["build_id"], clean["build_id"])
        self.assertIs(b["dirty"], True)  # but the tree has uncommitted changes

    def test_a_new_source_file_changes_the_id(self):
        clean = identity(self.tree, self.out)
        self.edit("worker/src/new_part.h", "#pragma once\n")
        self.assertNotEqual(identity(self.tree, self.out)["build_id"], clean["build_id"])

    def test_flags_and_compiler_change_the_id(self):
        base = identity(self.tree, self.out)["build_id"]
        self.assertNotEqual(identity(self.tree, self.out, flags="Release -O2")["build_id"], base)
        self.assertNotEqual(identity(self.tree, self.out, compiler="Clang-14.0.6")["build_id"], base)

    def test_without_git(self):
        bare = os.path.join(self.tmp, "bare")
        shutil.copytree(self.tree, bare, ignore=shutil.ignore_patterns(".git"))
        b = identity(bare, self.out)
        self.assertEqual(b["commit"], "unknown")
        self.assertIs(b["dirty"], False)
        self.assertEqual(b["build_id"], identity(self.tree, self.out)["build_id"])  # same sources, same id
        self.assertEqual(identity(self.tree, self.out, git=False)["commit"], "unknown")

    def test_unchanged_tree_leaves_the_file_alone(self):
        identity(self.tree, self.out)
        os.utime(self.out, (1000000000, 1000000000))
        identity(self.tree, self.out)
        self.assertEqual(os.stat(self.out).st_mtime, 1000000000)
        self.edit("vm/src/vm.cc", "int f() { return 5; }\n")
        identity(self.tree, self.out)
        self.assertNotEqual(os.stat(self.out).st_mtime, 1000000000)


class Binaries(unittest.TestCase):
    def setUp(self):
        if not BINARIES:
            self.skipTest("no binaries given (--gene, --worker, --coordinator)")

    def version(self, name):
        p = subprocess.run([BINARIES[name], "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r"^%s \d+\.\d+\.\d+$" % name)
        fields = dict(re.match(r"^  (commit|build id|compiler|flags) +(.*)$", l).groups() for l in lines[1:])
        self.assertEqual(sorted(fields), ["build id", "commit", "compiler", "flags"])
        return fields

    def test_every_binary_names_the_same_build(self):
        gene, worker, coordinator = self.version("gene"), self.version("worker"), self.version("coordinator")
        self.assertEqual(gene, worker)
        self.assertEqual(worker, coordinator)
        self.assertRegex(worker["build id"], r"^[0-9a-f]{16}$")
        self.assertRegex(worker["commit"], r"^([0-9a-f]{12}|unknown)(-dirty)?$")
        p = subprocess.run([BINARIES["worker"], "--describe", "--json"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        info = json.loads(p.stdout)
        self.assertEqual(info["vm"]["build_id"], worker["build id"])
        self.assertEqual(info["labels"]["vm_build_id"], worker["build id"])
        self.assertEqual(info["labels"]["vm_commit"], worker["commit"])
        self.assertEqual(worker["commit"].endswith("-dirty"), info["vm"].get("dirty", False))


def main():
    global REPO
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", required=True)
    for name in ("gene", "worker", "coordinator"):
        parser.add_argument("--" + name)
    args, rest = parser.parse_known_args()
    REPO = os.path.abspath(args.repo)
    for name in ("gene", "worker", "coordinator"):
        if getattr(args, name):
            BINARIES[name] = os.path.abspath(getattr(args, name))
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
