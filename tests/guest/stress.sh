#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh [SECONDS [c|rust]]: tests/progs/dax_stress.c on shared DAX
# files of ext4 and xfs for SECONDS (default 120) while the C/Rust switch of
# rust_dax flips (or stays on the path given) and the module is unloaded and
# reloaded; then both filesystems are
# unmounted and checked.  Run inside the VM by scripts/stress.sh (make
# stress).  Figures in $RUST_DAX_RUNDIR/stress.txt, a line of progress
# every few seconds in $RUST_DAX_RUNDIR/progress.txt.  The test module
# dax_probe is loaded for the watchdog's dump of the DAX entries.

. "$(dirname "$0")/lib.sh"

DURATION=${1:-120}
PIN=${2:+-p $2}
WORKERS=${STRESS_WORKERS:-8}
PROBE=$TOP/tests/modules/dax_probe/dax_probe.ko
: >"$TAP"
: >"$RUNDIR/progress.txt"
kmemleak_clear

stress() {
	# shellcheck disable=SC2086
	"$BIN/dax_stress" -t "$DURATION" -w "$WORKERS" -m "$MODULE" $PIN \
		-P "$RUNDIR/progress.txt" "$MNT/ext4" "$MNT/xfs" 2>&1 | tee "$RUNDIR/stress.txt"
	return "${PIPESTATUS[0]}"
}

# fs_clean: both filesystems unmount and check clean after the run.
fs_clean() {
	umount "$MNT/ext4" && umount "$MNT/xfs" &&
		e2fsck -fn "$EXT4_DEV" && xfs_repair -n "$XFS_DEV"
}

unload_module
mkfs_mount ext4 "$EXT4_DEV" "$MNT/ext4"
mkfs_mount xfs "$XFS_DEV" "$MNT/xfs"
insmod "$PROBE"
load_module
t stress/ext4+xfs stress
if grep -q '^stress: watchdog: .*hang' "$RUNDIR/stress.txt"; then
	# Tasks are stuck in the kernel: unmounting or unloading could wait
	# for them forever.  The watchdog logged what it found.
	skip stress/fs-clean "after a hang"
	skip stress/module-unloads "after a hang"
else
	t stress/fs-clean fs_clean
	t stress/module-unloads rmmod rust_dax
	rmmod dax_probe
fi
kmemleak_scan "$RUNDIR/kmemleak.txt"
dmesg >"$RUNDIR/dmesg.txt"
exit 0
