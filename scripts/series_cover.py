#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""series_cover.py: the cover letter of the patch series (scripts/series.py).

The text is scripts/series/cover-letter.txt with its @NAME@ lines filled in
from what this checkout and its cache hold when `make series` runs:

  @PATCHES@   the patches, grouped, with the abstractions that had to share
              a patch because they name each other;
  @BENCH@     Rust/C per workload from results/bench.json (`make bench`), or
              else the last Rust/C table (a column per file system) committed
              in Documentation/rust_dax.md;
  @TESTS@     the closing lines of the newest runs in the cache: `make check
              IN_TREE=1` of the series (written by series-check), `make
              check`, `make kselftest`, `make xfstests`, `make ndctl`;
  @BASE@      the pinned tree;
  @DIFFSTAT@  the diffstat of the whole series.
"""

import glob
import json
import os
import re
import subprocess
import sys
import textwrap
import time

import series_tree

TOP = series_tree.TOP
CACHE = os.environ.get("RUST_DAX_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.environ["HOME"], ".cache"), "rust-dax")


def kernel_version():
    v = {}
    with open(os.path.join(TOP, "scripts/kernel.version"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^(\w+)=(.*)$", line.strip())
            if m:
                v[m.group(1)] = m.group(2)
    return v


def patches_section(series, n):
    out = []
    groups = [
        ("patch", "The seam in fs/dax.c and the changes of the tree it needs, as they are:"),
        ("rust", "The kernel-crate abstractions, one patch each (in dependency order):"),
        ("module", "The module:"),
        ("selftests", "The tests:"),
        ("docs", "The documentation:"),
    ]
    numbered = [(i + 1, u) for i, (_, u) in enumerate(series.commits)]
    for kind, title in groups:
        rows = [(i, u) for i, u in numbered if u.kind == kind]
        if kind == "patch":
            rows = [(i, u) for i, u in rows if u.patch.kind == "c"] + \
                   [(i, u) for i, u in rows if u.patch.kind != "c"]
        if not rows:
            continue
        out.append(title)
        for i, u in sorted(rows, key=lambda r: r[0]):
            subj = series.subjects[i - 1]
            out.append("  %2d/%d %s" % (i, n, subj))
        out.append("")
    merged = [u for _, u in series.commits if u.kind == "rust" and len(u.files) > 1]
    if merged:
        out.append("Abstractions that name each other share a patch, so that each patch")
        out.append("builds:")
        for u in merged:
            mods = ["::".join(series_mod(f)[1:]) for f in sorted(u.files)]
            out.append("  - " + ", ".join(mods))
        out.append("")
    uncalled = sorted({name for name, _ in series.uncalled})
    if uncalled:
        out += textwrap.wrap("C helpers that no Rust code calls (it restates them), placed with "
                             "the abstraction that names them: %s." %
                             ", ".join(x + "()" for x in uncalled), 72)
        out.append("")
    return "\n".join(out).rstrip("\n")


def series_mod(f):
    p = f[len("rust/"):-len(".rs")].split("/")
    return p


def bench_section():
    path = os.path.join(TOP, "results", "bench.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)
        when = time.strftime("%Y-%m-%d", time.gmtime(os.path.getmtime(path)))
        table = {}
        for r in rows:
            if r.get("kind") in ("bench", "seam"):
                w = r["workload"] if r["kind"] == "bench" else "seam, " + r["workload"]
                table.setdefault(w, {})[r["fs"]] = r["ratio"]
        if table:
            fss = sorted({fs for v in table.values() for fs in v})
            out = ["`make bench` (results/bench.json, %s): faults per second, Rust/C," % when,
                   "medians of its rounds in one boot, -icount (the guest clock counts",
                   "instructions); \"seam\" is C with rust_dax loaded and switched off",
                   "against C without it:", ""]
            out.append("  %-24s" % "workload" + "".join("%8s" % fs for fs in fss))
            for w in sorted(table, key=lambda w: (w.startswith("seam"), w)):
                out.append("  %-24s" % w + "".join(
                    "%8s" % ("%.3f" % table[w][fs] if fs in table[w] else "-") for fs in fss))
            return "\n".join(out)
    # The last bench table committed in the documentation.
    doc = os.path.join(TOP, "Documentation", "rust_dax.md")
    tables = []
    if os.path.exists(doc):
        with open(doc, encoding="utf-8") as f:
            lines = f.read().split("\n")
        cur = None
        for l in lines:
            if l.startswith("| workload"):
                cur = [l]
            elif cur is not None and l.startswith("|"):
                cur.append(l)
            elif cur is not None:
                tables.append(cur)
                cur = None
        if cur:
            tables.append(cur)
    # The Rust/C tables have a column per file system; the profile's
    # tables (C, Rust, ...) are not ratios.
    tables = [t for t in tables if "ext4" in t[0]]
    if not tables:
        return "No results/bench.json here (run `make bench`) and no bench table in\n" \
            "Documentation/rust_dax.md."
    out = ["results/bench.json is not in this checkout (`make bench` writes it); the",
           "last bench committed in Documentation/rust_dax.md, Rust/C:", ""]
    rows = [[c.strip() for c in l.strip("|").split("|")] for l in tables[-1]
            if not re.match(r"^\|[-| ]+\|$", l)]
    width = max(len(c) for r in rows for c in r[1:])
    for cells in rows:
        line = "  %-24s" % cells[0] + "".join("  %-*s" % (width, c) for c in cells[1:])
        out.append(line.rstrip())
    return "\n".join(out)


def newest(kind, complete=False):
    """The newest finished run of a kind; with complete, the newest that
    ran every suite, if any (else the newest)."""
    dirs = [d for d in glob.glob(os.path.join(CACHE, "vm", kind + ".*"))
            if os.path.isfile(os.path.join(d, "status"))]
    dirs.sort(key=os.path.getmtime, reverse=True)
    if complete:
        for d in dirs:
            if not missing_suites(d):
                return d
    return dirs[0] if dirs else None


def missing_suites(rundir):
    """The suites of tests/guest/suites/ a check run did not run."""
    want = {os.path.basename(f)[:-3] for f in glob.glob(os.path.join(TOP, "tests/guest/suites/*.sh"))}
    try:
        with open(os.path.join(rundir, "console.log"), encoding="utf-8", errors="replace") as f:
            ran = set(re.findall(r"^# suite (\S+)", f.read(), flags=re.M))
    except FileNotFoundError:
        return sorted(want)
    return sorted(want - ran)


def run(*args):
    r = subprocess.run(args, capture_output=True, check=False)
    return r.stdout.decode(errors="replace")


def check_summary(rundir):
    with open(os.path.join(rundir, "status"), encoding="utf-8") as f:
        status = f.read().strip() or "0"
    out = run(sys.executable, os.path.join(TOP, "scripts/report.py"), rundir, "--status", status)
    closing = [l for l in out.split("\n") if re.match(r"^\d+ passed, \d+ failed", l)]
    suites = {}
    for l in out.split("\n"):
        m = re.match(r"^(ok|not ok) \d+ - (\S+)(.*)$", l)
        if not m:
            continue
        name = m.group(2)
        suite = "kunit" if name.startswith("kunit") else name.split("/")[0]
        s = suites.setdefault(suite, [0, 0, 0])
        if m.group(1) == "not ok":
            s[1] += 1
        elif "# SKIP" in m.group(3).upper():
            s[2] += 1
        else:
            s[0] += 1
    per = ", ".join("%s %d%s%s" % (k, v[0], " (%d failed)" % v[1] if v[1] else "",
                                   " (%d skipped)" % v[2] if v[2] else "")
                    for k, v in sorted(suites.items()))
    return (closing[-1] if closing else "no closing line"), per


def compare_summary(kind, rundir):
    with open(os.path.join(rundir, "status"), encoding="utf-8") as f:
        status = f.read().strip() or "0"
    out = run(sys.executable, os.path.join(TOP, "scripts/compare.py"), kind, rundir,
              "--status", status)
    keep = []
    totals = False
    for l in out.split("\n"):
        if l.startswith("== totals"):
            totals = True
            continue
        if l.startswith("==> ") or re.match(r"^(c|rust)\s*:", l) or (totals and l.strip()):
            keep.append(l)
    return keep


def tests_section(series_dir):
    out = []
    intree = os.path.join(series_dir, "check-in-tree.txt")
    if os.path.exists(intree):
        with open(intree, encoding="utf-8") as f:
            out.append(f.read().rstrip("\n"))
        out.append("")
    d = newest("check", complete=True)
    if d and not (os.path.exists(intree) and d in open(intree, encoding="utf-8").read()):
        closing, per = check_summary(d)
        when = time.strftime("%Y-%m-%d", time.gmtime(os.path.getmtime(d)))
        miss = missing_suites(d)
        out += textwrap.wrap("`make check` (rust_dax as a module; the newest run in the cache, "
                             "%s%s): %s. By suite (passed): %s." % (
                                 when, ", without the suites " + " ".join(miss) if miss else "",
                                 closing, per), 72)
        out.append("")
    elif not d:
        out.append("`make check` (rust_dax as a module): not run with this cache.")
        out.append("")
    for kind, what in (("kselftest", "`make kselftest` (dax, an mm subset on ext4 and xfs, rust_dax; "
                                     "C and Rust in one boot)"),
                       ("xfstests", "`make xfstests` (fstests on ext4 and xfs -o dax, C and Rust)"),
                       ("ndctl", "`make ndctl` (ndctl's DAX tests, C and Rust)")):
        d = newest(kind)
        if not d:
            out += textwrap.wrap("%s: not run with this cache." % what, 72)
            continue
        when = time.strftime("%Y-%m-%d", time.gmtime(os.path.getmtime(d)))
        lines = compare_summary(kind, d)
        out += textwrap.wrap("%s, newest run %s:" % (what, when), 72)
        out += ["  " + l for l in lines] or ["  (no summary)"]
        out.append("")
    return "\n".join(out).rstrip("\n")


def cover_letter(series, n):
    with open(os.path.join(TOP, "scripts/series/cover-letter.txt"), encoding="utf-8") as f:
        text = "".join(l for l in f if not l.startswith("#"))
    v = kernel_version()
    base = "\n".join(textwrap.wrap(
        "Base: Linux %s as Debian packages it (%s %s; the sha256 of the tarball is in the "
        "project's scripts/kernel.version). The patches apply with git am onto that tree." % (
            v.get("KERNEL_TREE", "").replace("linux-", ""), v.get("KERNEL_PACKAGE", ""),
            v.get("KERNEL_DEB_VERSION", "")), 72))
    diffstat = series.git.out("diff", "--stat=72", "--summary", series.pristine, series.head).rstrip()
    fills = {
        "@PATCHES@": patches_section(series, n),
        "@BENCH@": bench_section(),
        "@TESTS@": tests_section(series.out),
        "@BASE@": base,
        "@DIFFSTAT@": diffstat,
    }
    for k, val in fills.items():
        text = text.replace(k, val)
    head = series.git.out("log", "-1", "--format=%an <%ae>", series.head).strip()
    subject = text.split("\n", 1)[0]
    body = text.split("\n", 1)[1].lstrip("\n")
    return ("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
            "From: %s\nDate: %s\nSubject: [PATCH 0/%d] %s\n\n%s\n-- \n" % (
                head, series.date, n, subject, body.rstrip("\n")))
