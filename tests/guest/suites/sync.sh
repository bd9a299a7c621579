#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Synchronous faults: writes through a MAP_SYNC mapping of newly allocated
# blocks go through VM_FAULT_NEEDDSYNC and dax_finish_sync_fault(), on the
# C path and on the Rust path in one boot, and the data survives a remount
# without any msync().  MAP_SYNC on a file without DAX is refused.

. "$(dirname "$0")/../lib.sh"

SIZE=$((1024 * 1024 + 3 * 4096))

# sync_write PATH DIR: write through MAP_SYNC and check the counters.
sync_write() {
	local path=$1 dir=$2 needed finished calls
	needed=$(stat_of sync_needed)
	finished=$(stat_of sync_finished)
	calls=$(stat_of finish_sync_fault)
	"$BIN/map_sync" write "$dir/sync-$path" "$SIZE" 11 || return 1
	needed=$(($(stat_of sync_needed) - needed))
	finished=$(($(stat_of sync_finished) - finished))
	calls=$(($(stat_of finish_sync_fault) - calls))
	echo "finish_sync_fault calls $calls; needed $needed; finished $finished"
	case $path in
	# Every sync fault ends in dax_finish_sync_fault(), served in Rust.
	rust) [ "$calls" -gt 0 ] && [ "$needed" -gt 0 ] && [ "$finished" -eq "$needed" ] ;;
	# The module is not registered: nothing reaches it.
	c) [ "$calls" -eq 0 ] && [ "$needed" -eq 0 ] && [ "$finished" -eq 0 ] ;;
	esac
}

declare -A result
for fs in ext4 xfs; do
	case $fs in
	ext4) dev=$EXT4_DEV ;;
	xfs) dev=$XFS_DEV ;;
	esac
	dir=$MNT/sync-$fs
	if ! mkfs_mount "$fs" "$dev" "$dir" >"$LOGS/sync-mkfs-$fs.log" 2>&1; then
		t "sync/$fs/mount" false
		continue
	fi
	load_module
	for path in c rust; do
		use_path $path
		t "sync/$fs/$path/map-sync-write" sync_write $path "$dir"
		result[$fs/$path]=$(tail -n 1 "$TAP")
	done
	t "sync/$fs/remount" remount "$fs" "$dev" "$dir"
	for path in c rust; do
		t "sync/$fs/$path/data-after-remount" \
			"$BIN/mmap_pattern" read "$dir/sync-$path" "$SIZE" 11
	done
	t "sync/$fs/c-and-rust-agree" \
		test "${result[$fs/c]%% - *}" = "${result[$fs/rust]%% - *}"
	umount "$dir"
	unload_module
done

t sync/refused-without-dax "$BIN/map_sync" refused /tmp/rust-dax-not-dax
