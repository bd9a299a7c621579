#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""run_report.py RUNDIR [--status N]: the C and the Rust path of 'make run'
side by side.

Reads what tests/guest/demo.sh wrote into RUNDIR/run/: the fs_dax (and
iomap_iter) trace events of every step, which both paths fire, the time of
every step, and rust_dax's counters around the Rust runs.  Prints one table
of the faults each path took by kind, the PMDs mapped, the PMD faults that
fell back to pages by reason and the time; checks that the module's own
counters of its runs tell the same as the events, and that the kernel log
is clean.  Exits 1 if a step failed, the counters disagree, the kernel log
shows a problem or the guest did not finish (--status, its exit status).

The reason a PMD fault fell back is found as fs/dax.c finds it: the rules
of dax_fault_check_fallback() on the fault's address, flags, VMA and
pgoff; then, of those that got further, a fault whose hole found no huge
zero folio (dax_pmd_load_hole_fallback), a fault that asked the file
system for the extent (an iomap_iter event between the fault's start and
its end: the extent could not be mapped at PMD size) and a fault that did
not (grab_mapping_entry() found PTE entries in the range).
"""

import argparse
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import BAD  # noqa: E402

PMD_PAGES = 512
PAGE_SHIFT = 12
FSES = ("ext4", "xfs")
PATHS = ("c", "rust")
STEPS = (("write", "shared mapping, write"), ("read", "read back"),
         ("private", "private mapping, write"), ("sync", "MAP_SYNC write"))

# "  task-PID  [CPU] flags  TIMESTAMP: event: fields"
EVENT = re.compile(r"^\s*.*-(\d+)\s+\[\d+\]\s+\S+\s+\d+\.\d+: (\w+): (.*)$")
PMD = re.compile(r"(shared|private) (.*?) ?address (\S+) vm_start (\S+) vm_end (\S+) "
                 r"pgoff (\S+) max_pgoff (\S+) ?(.*)$")

# (key, label, indent); the rows of the table in order.
ROWS = (
    ("pte", "page faults", 0),
    ("cow", "copy on write", 1),
    ("pmd", "PMD faults", 0),
    ("pmd_mapped", "mapped a PMD", 1),
    ("pmd_zero", "mapped the huge zero folio", 1),
    ("pmd_sync", "returned for an fsync first", 1),
    ("fallback", "fell back to pages", 1),
    ("fb_colour", "mapping misaligned (colour)", 2),
    ("fb_private_write", "write to a private mapping", 2),
    ("fb_outside_vma", "PMD outside the VMA", 2),
    ("fb_beyond_eof", "PMD beyond end of file", 2),
    ("fb_pte_entry", "PTE entries in the range", 2),
    ("fb_iomap", "extent not mappable at PMD size", 2),
    ("fb_hole", "no huge zero folio", 2),
    ("pmd_other", "other results", 1),
    ("sync_needed", "MAP_SYNC faults (VM_FAULT_NEEDDSYNC)", 0),
    ("sync_done", "fsync, then mapped", 1),
    ("pmds", "PMDs mapped, in all", 0),
)

# rust_dax's counter (debugfs rust_dax/stats) for a key of the events.
COUNTERS = (
    ("pte_fault", "pte"), ("cow", "cow"), ("pmd_fault", "pmd"),
    ("pmd_mapped", "pmds"), ("huge_zero_page", "pmd_zero"),
    ("pmd_fallback_colour", "fb_colour"),
    ("pmd_fallback_private_write", "fb_private_write"),
    ("pmd_fallback_outside_vma", "fb_outside_vma"),
    ("pmd_fallback_beyond_eof", "fb_beyond_eof"),
    ("pmd_fallback_pte_entry", "fb_pte_entry"), ("pmd_fallback_iomap", "fb_iomap"),
    ("pmd_fallback_hole", "fb_hole"), ("sync_needed", "sync_needed"),
    ("sync_finished", "sync_finished"),
)


def layout_fallback(m):
    """The rule of dax_fault_check_fallback() a PMD fault breaks, or None."""
    shared, flags, address, vm_start, vm_end, pgoff, max_pgoff, _ = m.groups()
    address, vm_start, vm_end, pgoff, max_pgoff = (
        int(v, 16) for v in (address, vm_start, vm_end, pgoff, max_pgoff))
    pmd_addr = address & ~((PMD_PAGES << PAGE_SHIFT) - 1)
    if pgoff % PMD_PAGES != (address >> PAGE_SHIFT) % PMD_PAGES:
        return "fb_colour"
    if "WRITE" in flags.split("|") and shared == "private":
        return "fb_private_write"
    if pmd_addr < vm_start or pmd_addr + (PMD_PAGES << PAGE_SHIFT) > vm_end:
        return "fb_outside_vma"
    if (pgoff - pgoff % PMD_PAGES) + PMD_PAGES - 1 >= max_pgoff:
        return "fb_beyond_eof"
    return None


def classify(lines):
    """Counts of the events of one trace (see ROWS)."""
    n = collections.Counter()
    open_pmd = {}   # pid -> the events seen since its PMD fault started
    last = {}       # pid -> (kind, result) of its last fault
    for line in lines:
        e = EVENT.match(line)
        if not e:
            continue
        pid, event, rest = e.groups()
        result = set(rest.rsplit(" ", 1)[-1].split("|"))
        if event == "dax_pmd_fault":
            open_pmd[pid] = set()
        elif event == "iomap_iter":
            if pid in open_pmd:
                open_pmd[pid].add("iomap")
        elif event in ("dax_pmd_load_hole", "dax_pmd_load_hole_fallback"):
            if pid in open_pmd:
                open_pmd[pid].add(event)
        elif event == "dax_pmd_fault_done":
            seen = open_pmd.pop(pid, set())
            m = PMD.search(rest)
            n["pmd"] += 1
            if "FALLBACK" in result:
                n["fallback"] += 1
                reason = layout_fallback(m) if m else None
                if reason is None:
                    if "dax_pmd_load_hole_fallback" in seen:
                        reason = "fb_hole"
                    elif "iomap" in seen:
                        reason = "fb_iomap"
                    else:
                        reason = "fb_pte_entry"
                n[reason] += 1
            elif "NEEDDSYNC" in result:
                n["pmd_sync"] += 1
                n["sync_needed"] += 1
            elif result == {"NOPAGE"} and "dax_pmd_load_hole" in seen:
                n["pmd_zero"] += 1
            elif result == {"NOPAGE"}:
                n["pmd_mapped"] += 1
            else:
                n["pmd_other"] += 1
            last[pid] = ("pmd", result)
        elif event == "dax_pte_fault_done":
            n["pte"] += 1
            if "DONE_COW" in result:
                n["cow"] += 1
            if "NEEDDSYNC" in result:
                n["sync_needed"] += 1
            last[pid] = ("pte", result)
        elif event == "dax_insert_pfn_mkwrite":
            n["sync_finished"] += 1
            if result == {"NOPAGE"}:
                n["sync_done"] += 1
                if last.get(pid, ("", set()))[0] == "pmd":
                    n["sync_pmd"] += 1
    n["pmds"] = n["pmd_mapped"] + n["sync_pmd"]
    return n


def read_lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return None


def stats(path):
    lines = read_lines(path) or []
    return {k: int(v) for k, v in (ln.split() for ln in lines if len(ln.split()) == 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rundir")
    ap.add_argument("--status", type=int, default=0)
    args = ap.parse_args()
    out = os.path.join(args.rundir, "run")
    bad = []

    times = {}
    for line in read_lines(os.path.join(out, "steps.tsv")) or []:
        fs, path, step, ms, rc = line.split("\t")
        times[fs, path, step] = int(ms)
        if rc != "0":
            bad.append("%s, %s path: step %s failed" % (fs, path, step))
    counts = {}
    for fs in FSES:
        for path in PATHS:
            total = collections.Counter()
            for step, _ in STEPS:
                lines = read_lines(os.path.join(out, "%s-%s-%s.trace" % (fs, path, step)))
                if lines is not None:
                    total.update(classify(lines))
            counts[fs, path] = total
    cols = [(fs, path) for fs in FSES for path in PATHS
            if any((fs, path, s) in times for s, _ in STEPS)]
    if not cols:
        print("==> error: no step ran (%s)" % out)
        return 1

    label_w = 2 + max(len(lbl) + 2 * ind for _, lbl, ind in ROWS + tuple(
        ("", lbl, 1) for _, lbl in STEPS))
    w = 8
    print()
    print("The same work on both paths (events of fs_dax, which C and Rust fire alike):")
    print()
    head1 = head2 = " " * label_w
    for fs in FSES:
        these = [c for c in cols if c[0] == fs]
        if these:
            head1 += ("%*s" % (w, fs)).center(w * len(these))
            head2 += "".join("%*s" % (w, "C" if p == "c" else "Rust") for _, p in these)
    print(head1.rstrip())
    print(head2)
    for key, lbl, ind in ROWS:
        vals = [counts[c][key] for c in cols]
        # Fall-back reasons and rare results that no column has are left out.
        if ind and not any(vals) and key not in ("pmd_mapped", "fallback", "sync_done"):
            continue
        print("%-*s%s" % (label_w, "  " * ind + lbl, "".join("%*d" % (w, v) for v in vals)))
    ms = [sum(times.get((c[0], c[1], s), 0) for s, _ in STEPS) for c in cols]
    print("%-*s%s" % (label_w, "time, ms", "".join("%*d" % (w, v) for v in ms)))
    for step, lbl in STEPS:
        print("%-*s%s" % (label_w, "  " + lbl,
                          "".join("%*d" % (w, times.get((c[0], c[1], step), 0)) for c in cols)))
    print()
    print("Times: the wall clock of each step in a TCG guest, with tracing on; they move")
    print("with the load of the host.  'make bench' measures the rates of the paths.")

    # The module counts what it serves: its counters must tell what the
    # events of its runs tell.
    for fs in FSES:
        if (fs, "rust") not in cols:
            continue
        before = stats(os.path.join(out, "stats-%s-before.txt" % fs))
        after = stats(os.path.join(out, "stats-%s-after.txt" % fs))
        if not after:
            bad.append("%s: no rust_dax counters" % fs)
            continue
        ev = counts[fs, "rust"]
        shown, differ = [], []
        for name, key in COUNTERS:
            got = after.get(name, 0) - before.get(name, 0)
            want = ev[key]
            if got:
                shown.append("%s %d" % (name, got))
            if got != want:
                differ.append("%s %d (the events: %d)" % (name, got, want))
        print()
        print("rust_dax's counters of its %s run (debugfs rust_dax/stats):" % fs)
        print("  " + ", ".join(shown))
        if differ:
            print("  differ from the events: " + ", ".join(differ))
            bad.append("%s: rust_dax's counters differ from the events" % fs)
        else:
            print("  the same as the events")
    for fs in FSES:
        for path in PATHS:
            if (fs, path) in cols and not counts[fs, path]["pmds"]:
                print("==> warning: no PMD mapped on %s, %s path: the file's extents"
                      " were not 2 MiB aligned" % (fs, path))

    dmesg = read_lines(os.path.join(args.rundir, "dmesg.txt"))
    if dmesg is None:
        bad.append("no kernel log")
    else:
        problems = [ln for ln in dmesg if BAD.search(ln)]
        if problems:
            print("\nThe kernel log shows problems:")
            for ln in problems[:20]:
                print("  " + ln)
            bad.append("the kernel log shows problems")
    if args.status:
        bad.append("the guest exited with status %d" % args.status)
    print("""
Next:
  make check   the test suite: every case on both paths, the same results
               required (about 5 min; Documentation/testing.md)
  make bench   the rates of both paths by kind of fault, in one boot
               (about 8 min; Documentation/benchmarking.md)
  README.md lists the other targets and pages.""")
    for b in bad:
        print("==> error: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
