#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fs_dax trace events fire from the Rust paths as from C, with the same
# fields: the same workload traced on the C path and on the Rust path in one
# boot gives the same events (addresses and inode numbers aside).

. "$(dirname "$0")/../lib.sh"

T=/sys/kernel/tracing
EVENTS="dax_pte_fault dax_pte_fault_done dax_load_hole"

mountpoint -q "$T" || mount -t tracefs nodev "$T"

# traced PATH DIR OUT: run the hole test of dax_faults on PATH, traced, and
# write the events, normalised, to OUT.
traced() {
	local path=$1 dir=$2 out=$3 e
	use_path "$path"
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
	for e in $EVENTS; do echo 1 >"$T/events/fs_dax/$e/enable"; done
	echo 1 >"$T/tracing_on"
	mkdir -p "$dir/$path"
	RUST_DAX_TEST_DIR=$dir/$path "$BIN/dax_faults" -t hole
	local rc=$?
	echo 0 >"$T/tracing_on"
	for e in $EVENTS; do echo 0 >"$T/events/fs_dax/$e/enable"; done
	# Keep the event name and the fields that do not depend on where the
	# file and the mapping are: sharing, fault flags, pgoff, result.  The
	# fault flag 0x800 (FAULT_FLAG_ORIG_PTE_VALID) only says whether a page
	# table existed before the fault, which depends on where the mapping
	# landed (a first fault in a PMD range without one is tried as a PMD
	# fault first), not on the DAX code, so it is left out too.
	grep -o 'dax_[a-z_]*: .*' "$T/trace" | grep -v '^dax_faults' |
		sed -E 's/ ino 0x[0-9a-f]+//; s/ address 0x[0-9a-f]+//; s/\|0x800//' >"$out"
	[ $rc -eq 0 ]
}

compare() {
	local a=$1 b=$2
	wc -l <"$a"
	grep -c '^dax_load_hole' "$a" || return 1
	[ -s "$a" ] && diff -u "$a" "$b"
}

for fs in ext4 xfs; do
	case $fs in
	ext4) dev=$EXT4_DEV ;;
	xfs) dev=$XFS_DEV ;;
	esac
	dir=$MNT/trace-$fs
	if ! mkfs_mount "$fs" "$dev" "$dir" >"$LOGS/trace-mkfs-$fs.log" 2>&1; then
		t "trace/$fs/mount" false
		continue
	fi
	load_module
	t "trace/$fs/c/traced" traced c "$dir" "$LOGS/trace-$fs-c.txt"
	t "trace/$fs/rust/traced" traced rust "$dir" "$LOGS/trace-$fs-rust.txt"
	t "trace/$fs/same-events" compare "$LOGS/trace-$fs-c.txt" "$LOGS/trace-$fs-rust.txt"
	umount "$dir"
	unload_module
done
