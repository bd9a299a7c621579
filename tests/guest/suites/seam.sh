#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The seam: with rust_dax loaded, the DAX faults of ext4 and xfs reach the
# module (its counters move); unloading it while faults run waits for them
# and the C code takes over; with it unloaded, nothing reaches it.

. "$(dirname "$0")/../lib.sh"

SIZE=$((4 * 1024 * 1024))

# faults_reach_module DIR: DAX faults go through the module.  Depending on
# the mapping's alignment they are PTE or PMD faults; every one of them is
# also a fault of the process (minflt).
faults_reach_module() {
	local dir=$1 before after out minflt
	load_module
	before=$(($(stat_of pte_fault) + $(stat_of pmd_fault)))
	out=$("$BIN/mmap_pattern" write "$dir/seam" "$SIZE" 5) || return 1
	minflt=$(sed -n 's/.*minflt=\([0-9]*\).*/\1/p' <<<"$out")
	out=$("$BIN/mmap_pattern" verify "$dir/seam" "$SIZE" 5) || return 1
	minflt=$((minflt + $(sed -n 's/.*minflt=\([0-9]*\).*/\1/p' <<<"$out")))
	after=$(($(stat_of pte_fault) + $(stat_of pmd_fault)))
	echo "DAX faults seen by rust_dax: $((after - before)), process faults: $minflt"
	# At least one fault per 2 MiB written, and no more than the process took.
	[ $((after - before)) -ge $((SIZE >> 21)) ] && [ $((after - before)) -le "$minflt" ]
}

# rmmod_while_faulting DIR: unload the module while another process faults.
rmmod_while_faulting() {
	local dir=$1 pid i rc
	load_module
	(
		for i in $(seq 1 40); do
			"$BIN/mmap_pattern" write "$dir/busy" "$SIZE" "$i" >/dev/null &&
				"$BIN/mmap_pattern" verify "$dir/busy" "$SIZE" "$i" >/dev/null ||
				exit 1
		done
	) &
	pid=$!
	sleep 1
	rmmod rust_dax || { wait $pid; return 1; }
	! module_loaded || return 1
	wait $pid
	rc=$?
	echo "faulting process exited $rc"
	[ $rc -eq 0 ]
}

# unloaded_module_sees_nothing DIR: after rmmod, faults run in C and work.
c_path_after_unload() {
	local dir=$1
	unload_module
	[ ! -e "$STATS" ] || return 1
	"$BIN/mmap_pattern" write "$dir/after" "$SIZE" 9 &&
		"$BIN/mmap_pattern" verify "$dir/after" "$SIZE" 9
}

for fs in ext4 xfs; do
	case $fs in
	ext4) dev=$EXT4_DEV ;;
	xfs) dev=$XFS_DEV ;;
	esac
	dir=$MNT/seam-$fs
	if ! mkfs_mount "$fs" "$dev" "$dir" >"$LOGS/seam-mkfs-$fs.log" 2>&1; then
		t "seam/$fs-mount" false
		continue
	fi
	t "seam/$fs-faults-reach-module" faults_reach_module "$dir"
	if [ -n "$BUILTIN" ]; then
		skip_builtin "seam/$fs-rmmod-while-faulting"
		skip_builtin "seam/$fs-c-path-after-unload"
	else
		t "seam/$fs-rmmod-while-faulting" rmmod_while_faulting "$dir"
		t "seam/$fs-c-path-after-unload" c_path_after_unload "$dir"
	fi
	umount "$dir"
done
unload_module
