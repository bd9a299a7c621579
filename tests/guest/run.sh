#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [SUITE...]: run guest test suites (tests/guest/suites/*.sh, all by
# default) inside the VM.  Results go to $RUST_DAX_RUNDIR/results.tap, the
# kernel log to $RUST_DAX_RUNDIR/dmesg.txt.  With RUST_DAX_PMEM_MAP=dev the
# test devices are first made fsdax namespaces with their memmap on the
# device (ndctl create-namespace -M dev), under the same names.

. "$(dirname "$0")/lib.sh"

: >"$TAP"
kmemleak_clear
suites=("$@")
if [ "${RUST_DAX_PMEM_MAP:-mem}" = dev ]; then
	t "setup/pmem-memmap-on-device" pmem_map_dev $EXT4_DEV $XFS_DEV
	# Not on the devices as booted instead: no suite then.
	[ "$(last_result)" = "ok - setup/pmem-memmap-on-device" ] || suites=(-)
fi
if [ ${#suites[@]} -eq 0 ]; then
	for s in "$TOP"/tests/guest/suites/*.sh; do
		suites+=("$(basename "$s" .sh)")
	done
fi
for s in "${suites[@]}"; do
	[ "$s" != - ] || continue
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
