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
	local path=$1 dir=$2 locks unlocks c
	locks=$(stat_of entry_lock)
	unlocks=$(stat_of entry_unlock)
	c=$(stat_of handed_to_c)
	"$BIN/hwpoison" "$dir/poison-$path" || return 1
	locks=$(($(stat_of entry_lock) - locks))
	unlocks=$(($(stat_of entry_unlock) - unlocks))
	c=$(($(stat_of handed_to_c) - c))
	echo "entry locks $locks, unlocks $unlocks, calls to C $c"
	[ "$locks" -gt 0 ] && [ "$locks" -eq "$unlocks" ] || return 1
	case $path in
	rust) [ "$c" -eq 0 ] ;;
	c) [ "$c" -ge $((locks + unlocks)) ] ;;
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
