#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Page faults on DAX files of ext4 and xfs (tests/progs/dax_faults.c), each
# test once on the C path and once on the Rust path of rust_dax (switched
# with rust_dax/rust_path, the module loaded once), with the module's
# counters checked: on the Rust path its PTE counters move; on the C path
# the module is unregistered and none moves.  Both paths must give the same
# results.

. "$(dirname "$0")/../lib.sh"

STATS=/sys/kernel/debug/rust_dax/stats
SWITCH=/sys/kernel/debug/rust_dax/rust_path
PROG=$BIN/dax_faults
COUNTERS=$LOGS/faults-counters.txt

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

# read_stats ARRAY: the counters into the associative array ARRAY (bash
# builtins only: spawning processes is slow under TCG).
read_stats() {
	local -n a=$1
	local k v
	while read -r k v; do
		a[$k]=$v
	done <"$STATS"
}

# deltas: DELTA[NAME] is how much counter NAME moved from BEFORE to AFTER.
deltas() {
	local k
	DELTA=()
	for k in "${!AFTER[@]}"; do
		DELTA[$k]=$((AFTER[$k] - BEFORE[$k]))
	done
}

# expect WHAT CONDITION...: a counter check; prints it, fails if false.
expect() {
	local what=$1
	shift
	if "$@"; then
		echo "counters: ok: $what"
	else
		echo "counters: FAILED: $what"
		return 1
	fi
}

# check_counters PATH TEST: the counters moved as PATH should have moved
# them for TEST.
check_counters() {
	local path=$1 test=$2 ok=0 pte
	pte=$((${DELTA[pte_read]} + ${DELTA[pte_write]}))
	if [ "$path" = rust ]; then
		expect "pte_fault moved (${DELTA[pte_fault]})" [ "${DELTA[pte_fault]}" -gt 0 ] || ok=1
		expect "pte_read+pte_write moved ($pte)" [ "$pte" -gt 0 ] || ok=1
		case $test in
		hole) expect "zero_page moved (${DELTA[zero_page]})" [ "${DELTA[zero_page]}" -gt 0 ] || ok=1 ;;
		private) expect "cow moved (${DELTA[cow]})" [ "${DELTA[cow]}" -gt 0 ] || ok=1 ;;
		sigbus_eof | truncate_sigbus)
			expect "sigbus moved (${DELTA[sigbus]})" [ "${DELTA[sigbus]}" -gt 0 ] || ok=1 ;;
		esac
	else
		local c
		# Switched to C, the module is not registered: nothing reaches it.
		for c in pte_fault pmd_fault pte_read pte_write zero_page cow pmd_served sigbus nopage; do
			expect "$c did not move (${DELTA[$c]})" [ "${DELTA[$c]}" -eq 0 ] || ok=1
		done
	fi
	return $ok
}

# fault_test FS PATH TEST DIR: run TEST in DIR on PATH, check its counters;
# the program's exit status goes to $RESULTS/FS.PATH.TEST.
fault_test() {
	local fs=$1 path=$2 test=$3 dir=$4 rc c line t0 t1
	local m="rust_dax-test: faults $fs.$path.$test"
	echo "$m" >/dev/kmsg
	BEFORE=() AFTER=()
	read_stats BEFORE
	t0=$EPOCHREALTIME
	RUST_DAX_TEST_DIR=$dir "$PROG" -t "$test"
	rc=$?
	t1=$EPOCHREALTIME
	read_stats AFTER
	deltas
	echo "$rc" >"$RESULTS/$fs.$path.$test"
	echo "dax_faults $test: exit $rc in $(((${t1/./} - ${t0/./}) / 1000)) ms"
	line="$fs/$path/$test:"
	for c in pte_fault pmd_fault pte_read pte_write zero_page pmd_served cow sigbus nopage \
		fallback retry done_cow major; do
		line+=" $c=${DELTA[$c]}"
	done
	echo "$line" | tee -a "$COUNTERS"
	kmsg_since "$m" | sed 's/^/dmesg: /'
	check_counters "$path" "$test"
	local ok=$?
	[ "$rc" -eq 0 ] && [ $ok -eq 0 ]
}

set_path() {
	echo "$1" >"$SWITCH" && [ "$(cat "$SWITCH")" = "$1" ]
}

# same_results FS: every test gave the same exit status on both paths.
same_results() {
	local fs=$1 test c r ok=0
	for test in $TESTS large_rw_verify; do
		c=$(cat "$RESULTS/$fs.c.$test" 2>/dev/null || echo missing)
		r=$(cat "$RESULTS/$fs.rust.$test" 2>/dev/null || echo missing)
		echo "$test: c $c, rust $r"
		[ "$c" = "$r" ] || ok=1
	done
	return $ok
}

declare -A BEFORE AFTER DELTA
RESULTS=$(mktemp -d)
# The tests of dax_faults (kselftest_harness.h) but large_rw_verify, which
# runs after a remount.
TESTS="large_rw hole private sigbus_eof truncate_sigbus fork mremap concurrent"
: >"$COUNTERS"

t "faults/insmod" load_module
for fs in ext4 xfs; do
	case $fs in
	ext4) dev=$EXT4_DEV ;;
	xfs) dev=$XFS_DEV ;;
	esac
	dir=$MNT/faults-$fs
	if ! mkfs_mount "$fs" "$dev" "$dir" >"$LOGS/faults-mkfs-$fs.log" 2>&1; then
		t "faults/$fs/mount" false
		continue
	fi
	for path in c rust; do
		case $path in c) v=0 ;; rust) v=1 ;; esac
		if ! set_path $v; then
			t "faults/$fs/$path/switch" false
			continue
		fi
		sub=$dir/$path
		mkdir -p "$sub"
		for test in $TESTS; do
			t "faults/$fs/$path/$test" fault_test "$fs" "$path" "$test" "$sub"
		done
		t "faults/$fs/$path/remount" remount "$fs" "$dev" "$dir"
		t "faults/$fs/$path/large_rw_verify" \
			fault_test "$fs" "$path" large_rw_verify "$sub"
	done
	t "faults/$fs/same-results-c-rust" same_results "$fs"
	umount "$dir"
done
set_path 1
rm -rf "$RESULTS"
unload_module
