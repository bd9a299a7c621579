#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Synchronous faults: writes through a MAP_SYNC mapping of newly allocated
# blocks go through VM_FAULT_NEEDDSYNC and dax_finish_sync_fault(), on the
# C path and on the Rust path in one boot; the data is on the device when
# the faults have returned (read from the block device with O_DIRECT, no
# msync()) and survives a remount.  Sync faults racing truncate end in
# SIGBUS or success.  libpmem2 (PMDK), a real MAP_SYNC client, writes and
# persists through its API and reads back after a remount.  MAP_SYNC on a
# file without DAX is refused.

. "$(dirname "$0")/../lib.sh"

SIZE=$((1024 * 1024 + 3 * 4096))

# sync_counted PATH CMD...: run CMD, then check every sync fault ended in
# dax_finish_sync_fault() served on PATH.
sync_counted() {
	local path=$1 needed finished raced calls
	shift
	needed=$(stat_of sync_needed)
	finished=$(stat_of sync_finished)
	raced=$(stat_of sync_raced)
	calls=$(stat_of finish_sync_fault)
	"$@" || return 1
	raced=$(($(stat_of sync_raced) - raced))
	needed=$(($(stat_of sync_needed) - needed))
	finished=$(($(stat_of sync_finished) - finished))
	calls=$(($(stat_of finish_sync_fault) - calls))
	echo "finish_sync_fault calls $calls; rust: needed $needed finished $finished" \
		"raced $raced"
	case $path in
	# Every sync fault ends in dax_finish_sync_fault(), served in Rust.
	rust) [ "$calls" -gt 0 ] && [ "$needed" -gt 0 ] &&
		[ "$((finished + raced))" -ge "$needed" ] ;;
	# The module is not registered: nothing reaches it.
	c) [ "$calls" -eq 0 ] && [ "$needed" -eq 0 ] && [ "$finished" -eq 0 ] &&
		[ "$raced" -eq 0 ] ;;
	esac
}

# sync_write PATH DIR DEV: write through MAP_SYNC, check the data on DEV.
sync_write() {
	sync_counted "$1" "$BIN/map_sync" write "$2/sync-$1" "$SIZE" 11 "$3"
}

# sync_race PATH DIR: sync faults racing truncate, bounded in time.
sync_race() {
	sync_counted "$1" timeout 300 "$BIN/sync_race" "$2/race-$1" 100
}

# sync_pmem2_write PATH DIR: libpmem2 maps, writes and persists.
sync_pmem2_write() {
	sync_counted "$1" "$BIN/pmem2_client" write "$2/pmem2-$1" "$SIZE" 13
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
		for test in write race pmem2-write; do
			t "sync/$fs/$path/$test" "sync_${test//-/_}" $path "$dir" "$dev"
			result[$fs/$test/$path]=$(last_result)
		done
	done
	t "sync/$fs/remount" remount "$fs" "$dev" "$dir"
	for path in c rust; do
		t "sync/$fs/$path/data-after-remount" \
			"$BIN/mmap_pattern" read "$dir/sync-$path" "$SIZE" 11
		t "sync/$fs/$path/pmem2-read-after-remount" \
			"$BIN/pmem2_client" read "$dir/pmem2-$path" "$SIZE" 13
	done
	for test in write race pmem2-write; do
		t "sync/$fs/$test/c-and-rust-agree" \
			test "${result[$fs/$test/c]%% - *}" = "${result[$fs/$test/rust]%% - *}"
	done
	umount "$dir"
	unload_module
done

t sync/refused-without-dax "$BIN/map_sync" refused /tmp/rust-dax-not-dax
