#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py RUNDIR [--status N]: turn one VM run into the suite's verdict.

Reads RUNDIR/results.tap (written by tests/guest/run.sh), RUNDIR/dmesg.txt
and RUNDIR/console.log.  Adds the KUnit results found in the kernel log and
a test that the kernel log is free of BUGs, WARNINGs, Oopses, RCU stalls,
lockdep reports and hung tasks.  Prints numbered TAP lines and one closing
line "N passed, N failed"; exits 1 if anything failed.
"""

import argparse
import os
import re
import sys

# Kernel log lines that fail a run wherever they appear.
# BUG: also covers KFENCE reports ("BUG: KFENCE: use-after-free ..."),
# "BUG: sleeping function called from invalid context", bad page state and
# lockdep's "BUG: MAX_LOCKDEP_*"; WARNING: covers "suspicious RCU usage",
# DEBUG_LIST and debugobjects reports.  The debug kernel's banners
# ("kfence: initialized", "kmemleak: Kernel memory leak detector
# initialized", "... MAX_LOCKDEP_KEYS", "rcu: RCU lockdep checking is
# enabled.") do not match.
BAD = re.compile(
    r"BUG:|BUG \S+ \(.*\): |WARNING:|Oops|Kernel panic|general protection fault|"
    r"rcu: INFO: rcu_.* detected stalls|rcu_.* self-detected stall|"
    r"detected stalls on CPUs|detected expedited stalls|"
    r"possible circular locking|possible recursive locking|"
    r"inconsistent lock state|lockdep is turned off|DEBUG_LOCKS_WARN_ON|"
    r"turning off the locking correctness validator|"
    r"suspicious RCU usage|sleeping function called from invalid context|"
    r"INFO: task .* blocked for more than|"
    r"soft lockup|hard LOCKUP|UBSAN:|KASAN:|KFENCE:|"
    r"kmemleak: \d+ new suspected memory leaks|unreferenced object 0x|"
    r"ODEBUG:|Bad page (state|map)|XFS: Assertion failed|"
    r"list_add corruption|list_add double add|list_del corruption|"
    r"refcount_t:|Unable to handle"
)
TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return None


def kunit_results(dmesg):
    """(name, ok, directive) for every KUnit test case, from KTAP in dmesg."""
    out = []
    suite = None
    for raw in dmesg:
        line = TS.sub("", raw)
        m = re.match(r"^\s{4}# Subtest: (\S+)", line)
        if m:
            suite = m.group(1)
            continue
        # A test case of a suite: 8 spaces in parameterised ones are skipped
        # (their parent case carries the verdict).
        m = re.match(r"^\s{4}(not ok|ok) \d+ (\S+)(.*)$", line)
        if m and suite:
            directive = m.group(3).strip()
            out.append((f"kunit/{suite}/{m.group(2)}", m.group(1) == "ok", directive))
            continue
        m = re.match(r"^(not ok|ok) \d+ (\S+)", line)
        if m and suite:
            suite = None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rundir")
    ap.add_argument("--status", type=int, default=0, help="the VM harness's status")
    ap.add_argument("--no-kunit", action="store_true")
    args = ap.parse_args()

    results = []  # (name, ok, comment)

    booted = args.status not in (124, 125)
    reason = {124: "timed out", 125: "guest command did not finish"}.get(args.status, "")
    results.append(("vm/boot-and-run", booted, reason))

    tap = read(os.path.join(args.rundir, "results.tap")) or []
    for line in tap:
        m = re.match(r"^(not ok|ok) - (\S+)(.*)$", line)
        if m:
            results.append((m.group(2), m.group(1) == "ok", m.group(3).strip()))
    if booted and not tap:
        results.append(("guest/results", False, "no results written"))

    dmesg = read(os.path.join(args.rundir, "dmesg.txt"))
    console = read(os.path.join(args.rundir, "console.log")) or []
    log = dmesg if dmesg is not None else console
    if not args.no_kunit:
        kunit = kunit_results(log)
        for name, ok, directive in kunit:
            results.append((name, ok, directive))
    bad = [TS.sub("", l) for l in log + console if BAD.search(l)]
    if not log:
        results.append(("kernel/log-clean", False, "no kernel log"))
    else:
        results.append(("kernel/log-clean", not bad, ""))

    passed = failed = skipped = 0
    for i, (name, ok, comment) in enumerate(results, 1):
        extra = f" {comment}" if comment else ""
        print(f"{'ok' if ok else 'not ok'} {i} - {name}{extra}")
        if not ok:
            failed += 1
        elif "# SKIP" in comment.upper():
            skipped += 1
        else:
            passed += 1
    if bad:
        print("# kernel log problems:")
        for l in sorted(set(bad))[:40]:
            print(f"#   {l}")
    print(f"1..{len(results)}")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
