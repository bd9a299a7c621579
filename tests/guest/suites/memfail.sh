#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory failure on DAX files: a poisoned page sends SIGBUS (BUS_MCEERR_AR,
# lsb 12) to the process poisoning it, BUS_MCEERR_AO to another process set
# to early kill, and nothing to one set to late kill; the page reads its old
# data afterwards (software poison marks no bad blocks).  Poisoning while
# another thread truncates the page ends cleanly.  Through dax_lock_folio()
# (ext4) or dax_lock_mapping_entry() (xfs with rmapbt), on the C path and
# on the Rust path in one boot, with the same results.

. "$(dirname "$0")/../lib.sh"

RACE_ROUNDS=40

# poison PATH DIR KIND [ARGS]: run hwpoison KIND on a new file and check
# the entry locks; what the program prints goes to a file per path, for
# the comparison of the paths.
poison() {
	local path=$1 dir=$2 kind=$3 locks unlocks out
	shift 3
	out=$LOGS/memfail-$fs-$path-$kind.out
	locks=$(stat_of entry_lock)
	unlocks=$(stat_of entry_unlock)
	case $kind in
	simple) "$BIN/hwpoison" "$dir/poison-$path" >"$out" ;;
	*) "$BIN/hwpoison" "$kind" "$dir/$kind-$path" "$@" >"$out" ;;
	esac || { cat "$out"; return 1; }
	cat "$out"
	locks=$(($(stat_of entry_lock) - locks))
	unlocks=$(($(stat_of entry_unlock) - unlocks))
	echo "entry locks $locks, unlocks $unlocks"
	case $path in
	rust)
		case $kind in
		# Racing with truncation, a lock may find the page gone: no unlock.
		race) [ "$unlocks" -le "$locks" ] ;;
		*) [ "$locks" -gt 0 ] && [ "$locks" -eq "$unlocks" ] ;;
		esac
		;;
	# The module is not registered: nothing reaches it.
	c) [ "$locks" -eq 0 ] && [ "$unlocks" -eq 0 ] ;;
	esac
}

# same_output FS KIND: what hwpoison KIND printed on both paths, line for
# line; the lines of the processes of "early" come in any order.
same_output() {
	diff <(sort "$LOGS/memfail-$1-c-$2.out") \
		<(sort "$LOGS/memfail-$1-rust-$2.out")
}

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
		p=memfail/$fs/$path
		t "$p/sigbus-and-entry-locks" poison $path "$dir" simple
		t "$p/early-kill-ao-late-kill-none" poison $path "$dir" early
		t "$p/poison-truncate-race" poison $path "$dir" race $RACE_ROUNDS
	done
	for kind in simple early race; do
		t "memfail/$fs/c-and-rust-agree-$kind" same_output $fs $kind
	done
	umount "$dir"
	unload_module
done
