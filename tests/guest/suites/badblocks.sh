#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Media errors: a page of a DAX file whose blocks are in the pmem device's
# bad-block list (/sys/block/pmemN/badblocks; sector = FIEMAP physical
# offset / 512).  pmem's direct_access fails with -EHWPOISON there, and
# every kind of fault on the page (PTE read and write, shared and private,
# copy on write, a PMD-sized range, MAP_SYNC) must end in
# VM_FAULT_HWPOISON: SIGBUS with BUS_MCEERR_AR at the address touched, as
# C's vmf_error() has it, while the neighbouring pages keep working;
# read(2) of the range fails with EIO.  On ext4 and on xfs (2 MiB stripe
# units, so that the PMD fault is tried), on the C path and on the Rust
# path in one boot: the same signals, the same fault results in the
# fs_dax events.  Writing the page again clears the bad blocks.

. "$(dirname "$0")/../lib.sh"

KINDS="shared-read shared-write private-read private-write pmd-read pmd-write sync-write"

T=/sys/kernel/tracing
EVENTS="dax_pte_fault_done dax_pmd_fault_done"
mountpoint -q "$T" || mount -t tracefs nodev "$T"

# trace_on / trace_off OUT: the fault results of the run, normalised to the
# fields that do not depend on where the file and the mapping are (as in
# the trace suite: the flag 0x800 only says whether a page table existed).
trace_on() {
	local e
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
	for e in $EVENTS; do echo 1 >"$T/events/fs_dax/$e/enable"; done
	echo 1 >"$T/tracing_on"
}
trace_off() {
	local e
	echo 0 >"$T/tracing_on"
	for e in $EVENTS; do echo 0 >"$T/events/fs_dax/$e/enable"; done
	grep -o 'dax_[a-z_]*: .*' "$T/trace" |
		sed -E 's/ ino 0x[0-9a-f]+//; s/ (address|vm_start|vm_end) 0x[0-9a-f]+//g; s/\|0x800//' >"$1"
}

# faulted PATH KIND: fault KIND on the bad page on PATH, after a remount
# (a new inode: no DAX entries left by the run before), traced.  The
# faults reach rust_dax on the Rust path only, and one of them ends in
# VM_FAULT_HWPOISON.
faulted() {
	local path=$1 kind=$2 out=$LOGS/badblocks-$fs-$2-$1 rc=0 before served
	remount "$fs" "$dev" "$dir" || return 2
	use_path "$path"
	before=$(($(stat_of pte_fault) + $(stat_of pmd_fault)))
	trace_on
	"$BIN/badblocks" fault "$dir/file" "$kind" >"$out.out" || rc=$?
	trace_off "$out.trace"
	served=$(($(stat_of pte_fault) + $(stat_of pmd_fault) - before))
	cat "$out.out"
	echo "faults served in Rust: $served; fault results:"
	awk '{ print $1, $NF }' "$out.trace" | sort | uniq -c
	[ "$rc" -eq 0 ] || return "$rc"
	grep -q ' HWPOISON$' "$out.trace" || { echo "no VM_FAULT_HWPOISON"; return 1; }
	# On xfs (aligned extents) the good chunk is mapped with a PMD: the
	# PMD fault of the bad chunk fell back for the error, not the layout.
	case $fs/$kind in
	xfs/pmd-*)
		grep -q '^dax_pmd_fault_done: .* NOPAGE$' "$out.trace" ||
			{ echo "no PMD mapped"; return 1; }
		;;
	esac
	case $path in
	c) [ "$served" -eq 0 ] ;;
	rust) [ "$served" -gt 0 ] ;;
	esac
}

# same KIND: the same signals and data on both paths, and the same fault
# results in the same order.
same() {
	local out=$LOGS/badblocks-$fs-$1
	diff -u "$out-c.out" "$out-rust.out" && diff -u "$out-c.trace" "$out-rust.trace"
}

# read_fails: read(2) of the bad range fails with EIO (not a fault: the
# same on both paths).
read_fails() {
	"$BIN/badblocks" read "$dir/file"
}

# bad_blocks: the bad-block list of the device, one "sector count" a line.
bad_blocks() { cat "/sys/block/${dev#/dev/}/badblocks"; }

for fs in ext4 xfs; do
	dir=$MNT/badblocks-$fs
	mkdir -p "$dir"
	case $fs in
	ext4)
		dev=$EXT4_DEV
		mkfs_mount ext4 "$dev" "$dir"
		;;
	xfs)
		dev=$XFS_DEV
		mkfs_mount xfs "$dev" "$dir" "" "-d su=2m,sw=1"
		;;
	esac >"$LOGS/badblocks-mkfs-$fs.log" 2>&1 || { t "badblocks/$fs/mount" false; continue; }
	if [ -n "$(bad_blocks)" ]; then
		t "badblocks/$fs/no-bad-blocks-before" false
		umount "$dir"
		continue
	fi
	load_module
	t "badblocks/$fs/mark-a-page-bad" \
		"$BIN/badblocks" prepare "$dir/file" "/sys/block/${dev#/dev/}/badblocks"
	for kind in $KINDS; do
		for path in c rust; do
			t "badblocks/$fs/$path/$kind" faulted $path "$kind"
		done
		t "badblocks/$fs/$kind/c-and-rust-agree" same "$kind"
	done
	t "badblocks/$fs/read-fails-with-eio" read_fails
	t "badblocks/$fs/write-clears-the-bad-blocks" \
		"$BIN/badblocks" clear "$dir/file" "/sys/block/${dev#/dev/}/badblocks"
	# Whatever failed, leave no bad block behind for the next suites.
	if [ -n "$(bad_blocks)" ]; then
		bad_blocks | while read -r sector count; do
			dd if=/dev/zero of="$dev" bs=512 seek="$sector" count="$count" \
				oflag=direct conv=notrunc status=none
		done
	fi
	umount "$dir"
	unload_module
done
