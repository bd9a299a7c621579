#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""profile_report.py RUNDIR [ROWS]: the instruction profile of a 'make profile' run.

RUNDIR holds what the guest (tests/bench/profile.sh) and the plugin
(scripts/insn_profile.c) wrote: profile.txt, kallsyms and prof/prof.NNN.
The runs' files are the last ones in which dax_iomap_fault() ran, in the
order of profile.txt.  Prints the rates, the instructions a fault of each path in
its runs (fault_bench from exec to exit, and whatever else the guest did
meanwhile), and the ROWS functions (default 40) whose counts differ most.
"""

import bisect
import os
import re
import sys
from collections import Counter

USER = 1


def load_symbols(path):
    """Sorted start addresses and names of the text symbols of kallsyms."""
    syms = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in "tTwW":
                continue
            addr = int(parts[0], 16)
            if addr:
                mod = " " + parts[3] if len(parts) > 3 else ""
                syms.setdefault(addr, demangle(parts[2]) + mod)
    addrs = sorted(syms)
    return addrs, [syms[a] for a in addrs]


def demangle(name):
    """Rust v0 symbols as the path of their identifiers (no generics)."""
    if not name.startswith("_R"):
        return name
    # The crates' disambiguators (hashes): Cs<base62>_ before the name's length.
    name = re.sub(r"Cs[0-9A-Za-z]*?_(?=\d)", "C", name)
    idents, i = [], 2
    while i < len(name):
        m = re.match(r"\d+", name[i:])
        if not m or (i > 0 and name[i - 1].isdigit()):
            i += 1
            continue
        n, j = int(m.group()), i + len(m.group())
        if j < len(name) and name[j] == "_":
            j += 1
        ident = name[j:j + n]
        if len(ident) == n and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ident):
            idents.append(ident)
            i = j + n
        else:
            i += 1
    return "::".join(idents) if idents else name


def read_counts(path, addrs, names):
    counts = Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            vaddr, n = line.split()
            vaddr = int(vaddr, 16)
            if vaddr == USER:
                name = "[user space]"
            elif vaddr == 0:
                name = "[not counted by address]"
            else:
                k = bisect.bisect_right(addrs, vaddr) - 1
                name = names[k] if k >= 0 else "?"
            counts[name] += int(n)
    return counts


def main():
    rundir = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    addrs, names = load_symbols(os.path.join(rundir, "kallsyms"))
    runs = []
    with open(os.path.join(rundir, "profile.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5:
                continue
            fields = dict(p.split("=") for p in parts[2:])
            runs.append((parts[1], int(fields["faults"]), float(fields["rate"])))
    profdir = os.path.join(rundir, "prof")
    windows = []
    for name in sorted(os.listdir(profdir)):
        counts = read_counts(os.path.join(profdir, name), addrs, names)
        if counts["dax_iomap_fault"] > 0:
            windows.append(counts)
    # Earlier ones are the set-up's (the pmd-read file is laid out before).
    if len(windows) < len(runs):
        sys.exit(f"profile_report: {len(runs)} runs but {len(windows)} profiles with faults")
    windows = windows[len(windows) - len(runs):]

    per_fault, rates = {}, {}
    for (path, faults, rate), counts in zip(runs, windows):
        total = per_fault.setdefault(path, [Counter(), 0])
        total[0].update(counts)
        total[1] += faults
        rates.setdefault(path, []).append(rate)
    for path in per_fault:
        counts, faults = per_fault[path]
        per_fault[path] = {k: v / faults for k, v in counts.items()}

    c, rust = per_fault.get("c", {}), per_fault.get("rust", {})
    for path in ("c", "rust"):
        print(f"rate {path}: " + " ".join(f"{r:.0f}" for r in rates.get(path, [])))
    if rates.get("c") and rates.get("rust"):
        ratio = (sum(rates["rust"]) / len(rates["rust"])) / (sum(rates["c"]) / len(rates["c"]))
        print(f"ratio rust/c (means): {ratio:.3f}")
    print("instructions a fault, whole runs: "
          f"c {sum(c.values()):.1f} rust {sum(rust.values()):.1f} "
          f"diff {sum(rust.values()) - sum(c.values()):+.1f}")
    keys = sorted(set(c) | set(rust),
                  key=lambda k: (-abs(rust.get(k, 0) - c.get(k, 0)),
                                 -max(c.get(k, 0), rust.get(k, 0))))
    width = 64
    print(f"{'function':<{width}} {'c':>7} {'rust':>7} {'diff':>7}")
    for k in keys[:rows]:
        a, b = c.get(k, 0), rust.get(k, 0)
        if max(a, b) < 0.05:
            continue
        name = k if len(k) <= width else "..." + k[len(k) - width + 3:]
        print(f"{name:<{width}} {a:7.1f} {b:7.1f} {b - a:+7.1f}")


if __name__ == "__main__":
    main()
