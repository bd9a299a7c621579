#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [SUITE...]: run guest test suites (tests/guest/suites/*.sh, all by
# default) inside the VM.  Results go to $RUST_DAX_RUNDIR/results.tap, the
# kernel log to $RUST_DAX_RUNDIR/dmesg.txt.

. "$(dirname "$0")/lib.sh"

: >"$TAP"
kmemleak_clear
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
	for s in "$TOP"/tests/guest/suites/*.sh; do
		suites+=("$(basename "$s" .sh)")
	done
fi
for s in "${suites[@]}"; do
	f=$TOP/tests/guest/suites/$s.sh
	if [ ! -f "$f" ]; then
		echo "not ok - $s # no such suite" >>"$TAP"
		continue
	fi
	echo "# suite $s"
	# Each suite in its own shell, so one cannot break the next.
	bash "$f"
done
kmemleak_scan "$RUNDIR/kmemleak.txt"
dmesg >"$RUNDIR/dmesg.txt"
exit 0
