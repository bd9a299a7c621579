#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault API of rust_dax (__dax_fault(), dax_fault()) used by a C module,
# tests/modules/dax_client: it maps preallocated files of a DAX ext4 through
# its own devices and vm_operations_struct and serves their faults with
# dax_fault() (/dev/dax_client_fault) and with __dax_fault() under its own
# rw-semaphore (/dev/dax_client_locked).  Data written through its mappings
# reaches the files (read(2), also after a remount), MAP_SYNC writes go
# through the sync completion, on the C and the Rust path in one boot.  The
# client does not load without rust_dax, and holds rust_dax while loaded.
#
# rust_dax exports both from Rust (kernel::export_symbol_gpl!): they are in
# /proc/kallsyms with their __ksymtab_ entries, and a module without a GPL
# licence, tests/modules/dax_nongpl, is refused them by modpost at build
# time (make client keeps its output) and by the module loader.
#
# ext4 only: the client builds its block map with bmap(), and xfs has no
# ->bmap for DAX files.

. "$(dirname "$0")/../lib.sh"

CLIENT=$TOP/tests/modules/dax_client/dax_client.ko
NONGPL=$TOP/tests/modules/dax_nongpl
CDBG=/sys/kernel/debug/dax_client
SIZE=$((2 * 1024 * 1024 + 5 * 4096))
dir=$MNT/client

client_loaded() { grep -q '^dax_client ' /proc/modules; }

load_client() {
	insmod "$CLIENT" fault_file="$1" locked_file="$2"
}

client_stat() { cat "$CDBG/dax_client_$1/$2"; }

declare -A before
# snap: remember the counters of rust_dax and of the client.
snap() {
	local k
	for k in pte_fault pte_write sync_needed sync_finished finish_sync_fault; do
		before[$k]=$(stat_of $k)
	done
	for k in fault locked; do
		before[$k/faults]=$(client_stat $k faults)
		before[$k/sync]=$(client_stat $k sync_completed)
	done
}

# delta NAME: how much a counter of rust_dax grew since snap.
delta() { echo $(($(stat_of "$1") - ${before[$1]})); }

# cdelta DEV NAME: the same for a counter of the client.
cdelta() {
	local k=$2
	[ "$k" = sync_completed ] && k=sync
	echo $(($(client_stat "$1" "$2") - ${before[$1/$k]}))
}

# client_write PATH DEV SEED: write through the client's mapping, check
# that its fault handler served the faults on the path asked for.
client_write() {
	local path=$1 dev=$2 seed=$3 faults writes
	snap
	"$BIN/client_map" write "/dev/dax_client_$dev" "$SIZE" "$seed" || return 1
	faults=$(delta pte_fault)
	writes=$(delta pte_write)
	echo "client faults $(cdelta "$dev" faults); rust: pte_fault $faults, pte_write $writes"
	[ "$(cdelta "$dev" faults)" -gt 0 ] || return 1
	case $path in
	rust) [ "$faults" -gt 0 ] && [ "$writes" -gt 0 ] ;;
	# The module is not registered: fs/dax.c serves the client's calls.
	c) [ "$faults" -eq 0 ] && [ "$writes" -eq 0 ] ;;
	esac
}

# client_sync_write PATH DEV SEED: write through a MAP_SYNC mapping; every
# write fault needs the sync completion (the client reports IOMAP_F_DIRTY).
client_sync_write() {
	local path=$1 dev=$2 seed=$3 calls needed finished own pages=$((SIZE / 4096))
	snap
	"$BIN/client_map" sync-write "/dev/dax_client_$dev" "$SIZE" "$seed" || return 1
	calls=$(delta finish_sync_fault)
	needed=$(delta sync_needed)
	finished=$(delta sync_finished)
	own=$(cdelta "$dev" sync_completed)
	echo "rust: finish_sync_fault $calls, needed $needed, finished $finished; by the client $own"
	case $path in
	rust) [ "$calls" -ge "$pages" ] && [ "$needed" -eq "$calls" ] &&
		[ "$finished" -eq "$needed" ] || return 1 ;;
	# The module is not registered: fs/dax.c serves the client's calls.
	c) [ "$calls" -eq 0 ] && [ "$needed" -eq 0 ] && [ "$finished" -eq 0 ] || return 1 ;;
	esac
	# The locked device completes its sync faults itself, the other one
	# through dax_fault().
	case $dev in
	locked) [ "$own" -ge "$pages" ] && { [ "$path" = c ] || [ "$own" -eq "$calls" ]; } ;;
	fault) [ "$own" -eq 0 ] ;;
	esac
}

# missing_symbols: without rust_dax the client does not load, the kernel
# says why, and nothing else happens.
missing_symbols() {
	local m log
	unload_module
	m=$(kmsg_mark)
	if load_client "$dir/fault-c" "$dir/locked-c"; then
		echo "dax_client loaded without rust_dax"
		return 1
	fi
	! client_loaded || return 1
	log=$(kmsg_since "$m")
	echo "$log"
	grep -q 'dax_client: Unknown symbol dax_fault' <<<"$log" &&
		grep -q 'dax_client: Unknown symbol __dax_fault' <<<"$log"
}

# exported: the exports are rust_dax's functions, with the __ksymtab_
# entries modpost made of their .export_symbol entries (kallsyms lists the
# data symbols of modules with CONFIG_KALLSYMS_ALL).
exported() {
	local s
	load_module
	for s in __dax_fault dax_fault; do
		grep -P "^[0-9a-f]+ T $s\t\[rust_dax\]\$" /proc/kallsyms &&
			grep -P "^[0-9a-f]+ r __ksymtab_$s\t\[rust_dax\]\$" /proc/kallsyms ||
			return 1
	done
}

# nongpl_modpost: built against rust_dax's Module.symvers, the non-GPL
# module failed modpost because the exports are GPL-only.
nongpl_modpost() {
	local log=$NONGPL/modpost.log
	cat "$log" || return 1
	grep -q "dax_nongpl.ko: GPL-incompatible module uses GPL-only symbol '__dax_fault'" "$log" &&
		grep -q "dax_nongpl.ko: GPL-incompatible module uses GPL-only symbol 'dax_fault'" "$log" &&
		! grep -q '^exit status 0$' "$log"
}

# nongpl_load: the loader does not give the exports of the loaded rust_dax
# to a module without a GPL licence: it does not find them for it.
nongpl_load() {
	local m log
	load_module
	grep -q ' __ksymtab___dax_fault\s\[rust_dax\]$' /proc/kallsyms || return 1
	m=$(kmsg_mark)
	if insmod "$NONGPL/dax_nongpl.ko"; then
		echo "dax_nongpl loaded with the GPL-only exports"
		rmmod dax_nongpl
		return 1
	fi
	! grep -q '^dax_nongpl ' /proc/modules || return 1
	log=$(kmsg_since "$m")
	echo "$log"
	grep -q 'dax_nongpl: Unknown symbol __dax_fault' <<<"$log" &&
		grep -q 'dax_nongpl: Unknown symbol dax_fault' <<<"$log"
}

# held: rust_dax cannot go while the client uses it.
held() {
	local refcnt
	refcnt=$(cat /sys/module/rust_dax/refcnt)
	echo "rust_dax refcnt $refcnt, holders: $(ls /sys/module/rust_dax/holders)"
	[ "$refcnt" -ge 1 ] && [ -e /sys/module/rust_dax/holders/dax_client ] || return 1
	if rmmod rust_dax; then
		echo "rust_dax unloaded under its user"
		return 1
	fi
	module_loaded
}

released() {
	rmmod dax_client && ! client_loaded &&
		[ "$(cat /sys/module/rust_dax/refcnt)" -eq 0 ] &&
		rmmod rust_dax && ! module_loaded
}

prealloc() {
	dd if=/dev/zero of="$1" bs=$SIZE count=1 conv=fsync status=none
}

if ! mkfs_mount ext4 "$EXT4_DEV" "$dir" >"$LOGS/client-mkfs.log" 2>&1; then
	t client/ext4/mount false
	exit 0
fi
for path in c rust; do
	prealloc "$dir/fault-$path"
	prealloc "$dir/locked-$path"
done

if [ -n "$BUILTIN" ]; then
	skip_builtin client/missing-symbols
	skip_builtin client/exported
else
	t client/missing-symbols missing_symbols
	t client/exported exported
fi
t client/nongpl/modpost nongpl_modpost
# A module with another licence taints the kernel when it is loaded (even
# if its symbols are then refused), which turns lockdep off for the rest of
# the boot.
if [ -e /proc/lockdep ]; then
	skip client/nongpl/load "loading a non-GPL module would turn lockdep off for the boot"
elif [ -n "$BUILTIN" ]; then
	skip_builtin client/nongpl/load
else
	t client/nongpl/load nongpl_load
fi

declare -A result
for path in c rust; do
	load_module
	use_path $path
	p=client/ext4/$path
	if ! load_client "$dir/fault-$path" "$dir/locked-$path" \
		>"$LOGS/client-load-$path.log" 2>&1; then
		t "$p/load" false
		continue
	fi
	if [ -n "$BUILTIN" ]; then
		skip_builtin "$p/held"
	else
		t "$p/held" held
	fi
	t "$p/fault-write" client_write $path fault 31
	t "$p/locked-write" client_write $path locked 32
	t "$p/fault-verify" "$BIN/client_map" verify /dev/dax_client_fault "$SIZE" 31
	t "$p/locked-verify" "$BIN/client_map" verify /dev/dax_client_locked "$SIZE" 32
	t "$p/fault-read" "$BIN/mmap_pattern" read "$dir/fault-$path" "$SIZE" 31
	t "$p/locked-read" "$BIN/mmap_pattern" read "$dir/locked-$path" "$SIZE" 32
	t "$p/fault-sync-write" client_sync_write $path fault 33
	t "$p/locked-sync-write" client_sync_write $path locked 34
	if [ -n "$BUILTIN" ]; then
		t "$p/released" sh -c 'rmmod dax_client && ! grep -q "^dax_client " /proc/modules'
	else
		t "$p/released" released
	fi
	result[$path]=$(grep " - $p/" "$TAP" | sed "s| - $p/| - |")
done
t client/ext4/c-and-rust-agree test "${result[c]}" = "${result[rust]}"

t client/ext4/remount remount ext4 "$EXT4_DEV" "$dir"
for path in c rust; do
	t "client/ext4/$path/fault-read-after-remount" \
		"$BIN/mmap_pattern" read "$dir/fault-$path" "$SIZE" 33
	t "client/ext4/$path/locked-read-after-remount" \
		"$BIN/mmap_pattern" read "$dir/locked-$path" "$SIZE" 34
done
umount "$dir"
skip client/xfs "the client's block map uses bmap(), xfs DAX files have none"
