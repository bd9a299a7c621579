#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_report.py BENCH_TXT OUTDIR: medians and ratios of a 'make bench' run.

Prints "bench <fs> <workload> c=<faults/s> rust=<faults/s> ratio=<rust/c>"
per workload (and "seam <fs> <workload> unloaded=... loaded=... ratio=..."
and "anon <workload> rate=..." for the lower bound),
writes OUTDIR/bench.json and, if matplotlib is available, OUTDIR/bench.png.
"""

import json
import os
import statistics
import sys
from collections import defaultdict


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    rates = defaultdict(list)
    with open(src, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5:
                continue
            fs, workload, path, _round, rate = parts
            rates[(fs, workload, path)].append(float(rate))

    rows = []
    keys = sorted({(fs, w) for fs, w, _ in rates})
    for fs, w in keys:
        for a, b, kind in (("c", "rust", "bench"), ("c-unloaded", "c-loaded", "seam")):
            ra, rb = rates.get((fs, w, a)), rates.get((fs, w, b))
            if not ra or not rb:
                continue
            ma, mb = statistics.median(ra), statistics.median(rb)
            ratio = mb / ma if ma else 0.0
            rows.append({"kind": kind, "fs": fs, "workload": w, a: ma, b: mb,
                         "ratio": ratio, a + "_all": ra, b + "_all": rb})
            if kind == "bench":
                print(f"bench {fs} {w} c={ma:.0f} rust={mb:.0f} ratio={ratio:.2f}")
            else:
                print(f"seam {fs} {w} unloaded={ma:.0f} loaded={mb:.0f} ratio={ratio:.2f}")

    for (fs, w, path), r in sorted(rates.items()):
        if path == "anon":
            m = statistics.median(r)
            rows.append({"kind": "anon", "fs": fs, "workload": w, "rate": m, "rate_all": r})
            print(f"anon {w} rate={m:.0f}")

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "bench.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("# matplotlib not available: no plot", file=sys.stderr)
        return 0
    bench = [r for r in rows if r["kind"] == "bench"]
    fig, ax = plt.subplots(figsize=(max(6, len(bench) * 0.9), 4.5))
    xs = range(len(bench))
    for off, path, colour in ((-0.2, "c", "tab:blue"), (0.2, "rust", "tab:orange")):
        med = [r[path] for r in bench]
        lo = [r[path] - min(r[path + "_all"]) for r in bench]
        hi = [max(r[path + "_all"]) - r[path] for r in bench]
        ax.bar([x + off for x in xs], med, 0.4, yerr=[lo, hi], label=path, color=colour,
               capsize=3)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([f"{r['fs']}\n{r['workload']}" for r in bench], fontsize=7)
    ax.set_ylabel("faults per second (median, min-max)")
    ax.set_title("rust_dax: C and Rust fault paths, one boot (TCG"
                 + (", -icount)" if os.environ.get("BENCH_ICOUNT", "1") != "0" else ")"))
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "bench.png"), dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
