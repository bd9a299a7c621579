#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_report.py BENCH_TXT OUTDIR: medians and ratios of a 'make bench' run.

Prints per workload
"bench <fs> <workload> c=<rate> rust=<rate> ratio=<rust/c> (<min>-<max>)"
(and "seam <fs> <workload> unloaded=... loaded=... ratio=... (<min>-<max>)"
and "anon <workload> rate=..." for the lower bound): the rates are the
medians over the rounds, the ratio that of the medians, and the spread the
lowest and highest ratio of one round's two runs (each round runs both).
Writes OUTDIR/bench.json and, if matplotlib is available, OUTDIR/bench.png:
Rust/C per workload with its spread and a line at 1.0, and the rates below.
"""

import json
import os
import statistics
import sys
from collections import defaultdict


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    rates = defaultdict(dict)
    with open(src, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5 or parts[0].startswith("#"):
                continue
            fs, workload, path, rnd, rate = parts
            rates[(fs, workload, path)][rnd] = float(rate)

    rows = []
    # In the order of the run.
    keys = list(dict.fromkeys((fs, w) for fs, w, _ in rates))
    for fs, w in keys:
        for a, b, kind in (("c", "rust", "bench"), ("c-unloaded", "c-loaded", "seam")):
            ra, rb = rates.get((fs, w, a)), rates.get((fs, w, b))
            if not ra or not rb:
                continue
            ma, mb = statistics.median(ra.values()), statistics.median(rb.values())
            ratio = mb / ma if ma else 0.0
            per_round = [rb[r] / ra[r] for r in sorted(ra) if r in rb and ra[r]]
            lo, hi = (min(per_round), max(per_round)) if per_round else (ratio, ratio)
            rows.append({"kind": kind, "fs": fs, "workload": w, a: ma, b: mb,
                         "ratio": ratio, "ratio_min": lo, "ratio_max": hi,
                         a + "_all": list(ra.values()), b + "_all": list(rb.values())})
            spread = f"({lo:.3f}-{hi:.3f})"
            if kind == "bench":
                print(f"bench {fs} {w} c={ma:.0f} rust={mb:.0f} ratio={ratio:.3f} {spread}")
            else:
                print(f"seam {fs} {w} unloaded={ma:.0f} loaded={mb:.0f} "
                      f"ratio={ratio:.3f} {spread}")

    for (fs, w, path), r in rates.items():
        if path == "anon":
            m = statistics.median(r.values())
            rows.append({"kind": "anon", "fs": fs, "workload": w, "rate": m,
                         "rate_all": list(r.values())})
            print(f"anon {w} rate={m:.0f}")

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "bench.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1)
    plot(rows, os.path.join(outdir, "bench.png"))
    return 0


def plot(rows, out):
    """Rust/C per workload (top) and the rates of both paths (bottom)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("# matplotlib not available: no plot", file=sys.stderr)
        return
    ratios = [r for r in rows if r["kind"] in ("bench", "seam")]
    bench = [r for r in rows if r["kind"] == "bench"]
    if not ratios:
        return
    clock = "-icount" if os.environ.get("BENCH_ICOUNT", "1") != "0" else "host clock"
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(7, len(ratios) * 0.55), 8))

    xs = range(len(ratios))
    colours = ["tab:green" if r["kind"] == "seam" else
               "tab:orange" if r["fs"] == "xfs" else "tab:blue" for r in ratios]
    med = [r["ratio"] for r in ratios]
    err = [[r["ratio"] - r["ratio_min"] for r in ratios],
           [r["ratio_max"] - r["ratio"] for r in ratios]]
    top.errorbar(xs, med, yerr=err, fmt="none", ecolor="black", capsize=3, zorder=3)
    top.scatter(xs, med, c=colours, zorder=4)
    top.axhline(1.0, color="grey", linewidth=1)
    top.set_xticks(list(xs))
    top.set_xticklabels([("seam " if r["kind"] == "seam" else "") + f"{r['fs']}\n{r['workload']}"
                         for r in ratios], fontsize=6, rotation=90)
    top.set_ylabel("Rust/C (median; min-max of rounds)")
    top.set_title(f"rust_dax: Rust/C fault rates, one boot (TCG, {clock}); "
                  "seam: module loaded, switched to C / not loaded")

    xs = range(len(bench))
    for off, path, colour in ((-0.2, "c", "tab:blue"), (0.2, "rust", "tab:orange")):
        m = [r[path] for r in bench]
        lo = [r[path] - min(r[path + "_all"]) for r in bench]
        hi = [max(r[path + "_all"]) - r[path] for r in bench]
        bottom.bar([x + off for x in xs], m, 0.4, yerr=[lo, hi], label=path, color=colour,
                   capsize=2)
    bottom.set_yscale("log")
    bottom.set_xticks(list(xs))
    bottom.set_xticklabels([f"{r['fs']}\n{r['workload']}" for r in bench], fontsize=6,
                           rotation=90)
    bottom.set_ylabel("faults per second (median, min-max)\nfio: 4 KiB I/Os, one fault each")
    bottom.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
