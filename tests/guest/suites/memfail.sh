#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory failure on DAX files: a poisoned page sends SIGBUS (BUS_MCEERR_AR,
# lsb 12) to the process mapping it, through dax_lock_folio() (ext4) or
# dax_lock_mapping_entry() (xfs with rmapbt), on the C path and on the Rust
# path in one boot.

. "$(dirname "$0")/../lib.sh"

# poison PATH DIR: poison a page of a new file and check the entry locks.
poison() {
	local path=$1 dir=$2 locks unlocks
	locks=$(stat_of entry_lock)
	unlocks=$(stat_of entry_unlock)
	"$BIN/hwpoison" "$dir/poison-$path" || return 1
	locks=$(($(stat_of entry_lock) - locks))
	unlocks=$(($(stat_of entry_unlock) - unlocks))
	echo "entry locks $locks, unlocks $unlocks"
	case $path in
	rust) [ "$locks" -gt 0 ] && [ "$locks" -eq "$unlocks" ] ;;
	# The module is not registered: nothing reaches it.
	c) [ "$locks" -eq 0 ] && [ "$unlocks" -eq 0 ] ;;
	esac
}

declare -A result
for fs in ext4 xfs; do
	case $fs in
	ext4) dev=$EXT4_DEV; mkfs="mkfs.ext4 -q -F -b 4096" ;;
	xfs) dev=$XFS_DEV; mkfs="mkfs.xfs -q -f -m rmapbt=1" ;;
	esac
	dir=$MNT/memfail-$fs
	mkdir -p "$dir"
	if ! { $mkfs "$dev" && mount -t $fs -o dax "$dev" "$dir"; } \
		>"$LOGS/memfail-mkfs-$fs.log" 2>&1; then
		t "memfail/$fs/mount" false
		continue
	fi
	load_module
	for path in c rust; do
		use_path $path
		t "memfail/$fs/$path/sigbus-and-entry-locks" poison $path "$dir"
		result[$fs/$path]=$(tail -n 1 "$TAP")
	done
	t "memfail/$fs/c-and-rust-agree" \
		test "${result[$fs/c]%% - *}" = "${result[$fs/rust]%% - *}"
	umount "$dir"
	unload_module
done
