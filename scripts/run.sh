#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: what 'make run' does.  Boots the pmem VM, loads rust_dax and, on
# ext4 and xfs mounted -o dax, does the same work on the C path and on the
# Rust path (tests/guest/demo.sh): PMD faults through a shared mapping,
# copy on write in a private one, MAP_SYNC writes.  Shows each step as the
# guest does it, then the two paths side by side (scripts/run_report.py).
# Exit 0 only if every step worked and the kernel log is clean.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=${KDIR:-$CACHE/build/default}
mkdir -p "$CACHE/vm"
RUNDIR=$(mktemp -d "$CACHE/vm/run.XXXXXX")
"$TOP/scripts/follow.py" "$RUNDIR/run.out" &
follower=$!
trap 'kill $follower 2>/dev/null || true' EXIT
status=0
"$TOP/scripts/vm.sh" --kernel "$KDIR" --timeout "${TIMEOUT:-900}" --rundir "$RUNDIR" \
	-- bash -c 'exec bash tests/guest/demo.sh >"$RUST_DAX_RUNDIR/run.out" 2>&1' || status=$?
kill -TERM $follower
wait $follower || true
trap - EXIT
if ! python3 "$TOP/scripts/run_report.py" "$RUNDIR" --status "$status"; then
	warn "make run failed; logs in $RUNDIR (console.log, run.out, logs/)"
	exit 1
fi
ok "make run: every step worked (logs in $RUNDIR)"
