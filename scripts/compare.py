#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""compare.py kselftest|ndctl|xfstests RUNDIR [--status N] [--paths c rust]:
the results of the C path and of the Rust path side by side, and the
verdict.

kselftest, ndctl: RUNDIR/results.tsv, lines "path<TAB>test<TAB>pass|fail|skip"
(written by tests/guest/kselftest.sh, tests/guest/ndctl.sh).  Every test,
and every subtest whose result differs, is printed; any difference fails.

xfstests: RUNDIR/xfstests/<path>/[batch<k>/]<section>/result.xml
(fstests' xunit reports, written by tests/guest/xfstests.sh; the batches
of one path are merged).  Prints per test the two
results, the tests whose results differ, and per section and path the
totals (run, passed, failed, not run).  A test that passes on C and fails
on Rust, a test that ran on one path only, or a missing report fails.
With --paths rust (XFSTESTS_PATHS=rust: a re-run on Rust of tests whose C
results are known) there is nothing to compare with, and a test that fails
on Rust fails; with --paths c the totals are all there is.
"""

import argparse
import collections
import os
import re
import sys
import xml.etree.ElementTree as ET

PATHS = ("c", "rust")
LABEL = {"c": "C", "rust": "Rust"}


def kselftest(rundir):
    res = collections.OrderedDict()
    tsv = os.path.join(rundir, "results.tsv")
    if not os.path.exists(tsv):
        print("==> error: no results (%s)" % tsv)
        return 1
    with open(tsv) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            path, name, result = parts
            res.setdefault(name, {})[path] = result
    tests = [n for n in res if ": " not in n]
    subs = [n for n in res if ": " in n]
    width = max([len(n) for n in tests] + [10])
    print("%-*s  %-5s  %-5s" % (width, "test", "C", "Rust"))
    diff = 0
    for name in tests:
        c, r = res[name].get("c", "-"), res[name].get("rust", "-")
        mark = "" if c == r else "  <-- differs"
        diff += c != r
        print("%-*s  %-5s  %-5s%s" % (width, name, c, r, mark))
    sub_diff = [n for n in subs if res[n].get("c", "-") != res[n].get("rust", "-")]
    for name in sub_diff:
        print("  subtest %s: C %s, Rust %s" % (name, res[name].get("c", "-"),
                                              res[name].get("rust", "-")))
    for path in PATHS:
        count = collections.Counter(res[n].get(path, "-") for n in tests)
        scount = collections.Counter(res[n].get(path, "-") for n in subs)
        print("%-4s: programs %d pass, %d fail, %d skip; subtests %d pass, "
              "%d fail, %d skip" % (path, count["pass"], count["fail"], count["skip"],
                                    scount["pass"], scount["fail"], scount["skip"]))
    diff += len(sub_diff)
    if not tests:
        print("==> error: no tests ran")
        return 1
    if diff:
        print("==> FAIL: %d results differ between the C and the Rust path" % diff)
        return 1
    print("==> ok: %d tests, %d subtests, identical on both paths" % (len(tests), len(subs)))
    return 0


def xunit(path):
    """{test: (result, message)} from an fstests xunit report."""
    out = collections.OrderedDict()
    root = ET.parse(path).getroot()
    for tc in root.iter("testcase"):
        name = tc.get("name")
        result, msg = "pass", ""
        for child in tc:
            if child.tag == "skipped":
                result, msg = "notrun", child.get("message", "")
            elif child.tag in ("failure", "error"):
                result, msg = "fail", child.get("message", "")
        out[name] = (result, msg.strip().splitlines()[0] if msg.strip() else "")
    return out


def report_dirs(base, path):
    """The folders with one report per section for a path: the path's own
    and, for a run in batches (XFSTESTS_BATCH), batch0, batch1, ..."""
    d = os.path.join(base, path)
    if not os.path.isdir(d):
        return []
    batches = [b for b in os.listdir(d) if re.fullmatch(r"batch[0-9]+", b)]
    batches.sort(key=lambda b: int(b[5:]))
    return [d] + [os.path.join(d, b) for b in batches]


def xfstests(rundir, paths=PATHS):
    base = os.path.join(rundir, "xfstests")
    sections = []
    for path in paths:
        for d in report_dirs(base, path):
            for s in sorted(os.listdir(d)):
                if s not in sections and os.path.isdir(os.path.join(d, s)) \
                        and not s.startswith("batch"):
                    sections.append(s)
    if not sections:
        print("==> error: no fstests results under %s" % base)
        return 1
    bad = 0
    totals = []
    for s in sections:
        res = {}
        for path in paths:
            xmls = [os.path.join(d, s, "result.xml") for d in report_dirs(base, path)]
            xmls = [x for x in xmls if os.path.exists(x)]
            res[path] = collections.OrderedDict()
            for xml in xmls:
                res[path].update(xunit(xml))
            if not xmls:
                print("==> error: %s: no report for the %s path (under %s)"
                      % (s, path, os.path.join(base, path)))
                bad += 1
        names = sorted(set().union(*(res[p] for p in paths)))
        print("== section %s" % s)
        print("%-14s" % "test" + "".join("  %-7s" % LABEL[p] for p in paths))
        # Per test whose results differ (or, on the Rust path alone, that
        # fails): its results with their messages.
        shown = []
        for n in names:
            got = [res[p].get(n, ("-", "")) for p in paths]
            mark = ""
            if len(paths) == 2 and got[0][0] != got[1][0]:
                mark = "  <-- differs"
                shown.append((n, got))
                if got[1][0] == "fail" or "-" in (got[0][0], got[1][0]):
                    bad += 1
            elif paths == ("rust",) and got[0][0] == "fail":
                mark = "  <-- fails"
                shown.append((n, got))
                bad += 1
            print("%-14s" % n + "".join("  %-7s" % g[0] for g in got) + mark)
        for n, got in shown:
            print("  %s: " % n + "; ".join(
                "%s %s%s" % (LABEL[p], g[0], " (%s)" % g[1] if g[1] else "")
                for p, g in zip(paths, got)))
        notrun = collections.OrderedDict()
        for n in names:
            r = next(res[p][n] for p in paths if n in res[p])
            if r[0] == "notrun":
                notrun[n] = r[1]
        if notrun:
            print("  not run (%s path): " % LABEL[paths[0]]
                  + "; ".join("%s: %s" % kv for kv in notrun.items()))
        for path in paths:
            cnt = collections.Counter(v[0] for v in res[path].values())
            run = cnt["pass"] + cnt["fail"]
            totals.append((s, path, run, cnt["pass"], cnt["fail"], cnt["notrun"]))
    print("== totals")
    print("%-16s %-5s %5s %7s %7s %8s" % ("section", "path", "run", "passed", "failed", "not run"))
    for t in totals:
        print("%-16s %-5s %5d %7d %7d %8d" % t)
    if len(paths) == 1:
        if bad:
            print("==> FAIL: %d tests fail on the %s path or lack a report (only that path ran)"
                  % (bad, LABEL[paths[0]]))
            return 1
        print("==> ok: no test fails on the %s path (only that path ran: nothing compared)"
              % LABEL[paths[0]])
        return 0
    if bad:
        print("==> FAIL: %d tests fail on Rust only, ran on one path only, or lack a report" % bad)
        return 1
    print("==> ok: no test fails on the Rust path that passes on the C path")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("kselftest", "ndctl", "xfstests"))
    ap.add_argument("rundir")
    ap.add_argument("--status", type=int, default=0)
    ap.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS),
                    help="xfstests: the paths that ran (XFSTESTS_PATHS)")
    a = ap.parse_args()
    paths = tuple(p for p in PATHS if p in a.paths)
    rc = xfstests(a.rundir, paths) if a.mode == "xfstests" else kselftest(a.rundir)
    if a.status != 0:
        print("==> error: the guest run ended with status %d (see %s)" % (a.status, a.rundir))
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
