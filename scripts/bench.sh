#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh OUTDIR: boot the VM once, run tests/bench/guest.sh, and report
# medians and Rust/C ratios into OUTDIR (bench.json, bench.png, bench.txt).

set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUTDIR=${1:-$TOP/results}
KDIR=${KDIR:-$CACHE/build/default}
if ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
	info "installing matplotlib into $VENV for the plot"
	"$VENV/bin/python" -m pip install -q matplotlib || warn "no matplotlib: no plot"
fi
mkdir -p "$CACHE/vm" "$OUTDIR"
RUNDIR=$(mktemp -d "$CACHE/vm/bench.XXXXXX")
status=0
# By default the guest clock counts instructions (vm.sh --icount): rates are
# then repeatable between boots; BENCH_ICOUNT=0 times with the host clock.
clock=(--icount)
[ "${BENCH_ICOUNT:-1}" != 0 ] || clock=()
"$TOP/scripts/vm.sh" "${clock[@]}" --kernel "$KDIR" --timeout "${TIMEOUT:-3600}" --rundir "$RUNDIR" \
	-- bash tests/bench/guest.sh || status=$?
[ "$status" -eq 0 ] || die "the benchmark run failed (status $status); logs in $RUNDIR"
cp "$RUNDIR/bench.txt" "$OUTDIR/bench.txt"
"$VENV/bin/python" "$TOP/scripts/bench_report.py" "$OUTDIR/bench.txt" "$OUTDIR"
info "results in $OUTDIR"
