#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PMD faults on xfs made with 2 MiB stripe units (aligned extents) and on
# ext4, on the C path and on the Rust path in one boot.  Wherever FIEMAP
# shows a 2 MiB chunk in one aligned extent, reads and writes map it with a
# PMD (one fault for the chunk; FilePmdMapped in smaps stays 0 for DAX, so
# the faults and the counters prove it); each reason to fall back to pages
# is provoked and counted; holes map the huge zero folio that writes then
# replace.

. "$(dirname "$0")/../lib.sh"

# The tests of pmd_faults (kselftest_harness.h).
TESTS="mapped write misaligned hole small_vma eof private_write pte_present short"
COUNTERS="pmd_served pmd_mapped huge_zero_page pmd_fallback_layout pmd_fallback_colour
	pmd_fallback_private_write pmd_fallback_outside_vma pmd_fallback_beyond_eof
	pmd_fallback_pte_entry pmd_fallback_iomap pmd_fallback_hole cow"
# Counted on the Rust path besides: the PMD faults, the fallback results,
# and the faults of other sizes (PUD faults, which fall back, depending on
# where the mapping lands: a first fault in a 1 GiB range without a page
# table).
CALLS="pmd_fault fallback other_fault"

T=/sys/kernel/tracing
mountpoint -q "$T" || mount -t tracefs nodev "$T"
EV=$T/events/fs_dax/dax_pmd_fault_done/enable

# pmd_traced FILE DIR TEST: run TEST of pmd_faults in DIR with the
# dax_pmd_fault_done event on, its events to FILE.
pmd_traced() {
	local out=$1 dir=$2 test=$3 rc=0
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
	echo 1 >"$EV"
	echo 1 >"$T/tracing_on"
	RUST_DAX_TEST_DIR=$dir "$BIN/pmd_faults" -t "$test" || rc=$?
	echo 0 >"$T/tracing_on"
	echo 0 >"$EV"
	grep -o 'dax_pmd_fault_done: .*' "$T/trace" >"$out" || true
	return $rc
}

# zero_folio_failures: the failed allocations of the huge zero folio so far.
zero_folio_failures() { counter_of /proc/vmstat thp_zero_page_alloc_failed; }

# pmd FS PATH TEST DIR: run TEST of pmd_faults, then check the counters of
# the module moved as the test wants on the Rust path, and not at all on C.
# The PMD faults and fallbacks of the run go to DIR/TEST-PATH.calls.
pmd() {
	local fs=$1 path=$2 test=$3 dir=$4 c d out aligned zf
	declare -A before delta
	for c in $COUNTERS $CALLS; do
		before[$c]=$(stat_of "$c")
	done
	zf=$(zero_folio_failures)
	mkdir -p "$dir/$path"
	out=$(pmd_traced "$dir/$test-$path.trace" "$dir/$path" "$test") ||
		{ echo "$out"; return 1; }
	echo "$out"
	for c in $COUNTERS $CALLS; do
		delta[$c]=$(($(stat_of "$c") - before[$c]))
	done
	echo "counters ($path):$(for c in $COUNTERS; do printf ' %s +%s' "$c" "${delta[$c]}"; done)"
	# The PMD faults and their fallbacks, from the dax_pmd_fault_done events
	# both paths fire (switched to C, rust_dax is unregistered and counts
	# nothing), less the fallbacks for want of a huge zero folio (an
	# order-9 allocation that may fail on either path).
	zf=$(($(zero_folio_failures) - zf))
	[ "$zf" -eq 0 ] || echo "huge zero folio allocations failed: $zf"
	printf 'pmd_fault +%s\npmd fallbacks +%s\n' \
		"$(grep -c . "$dir/$test-$path.trace" || true)" \
		"$(($(grep -c 'FALLBACK$' "$dir/$test-$path.trace" || true) - zf))" |
		tee "$dir/$test-$path.calls"
	aligned=$(echo "$out" | awk '$1 == "#" && $2 == "aligned" { print $3 }')
	case $test in
	mapped | write)
		# Whichever path serves them, the PMD faults that mapped a PMD
		# are the aligned chunks (the tracepoint fires from both).
		d=$(grep -c 'NOPAGE$' "$dir/$test-$path.trace" || true)
		echo "dax_pmd_fault_done NOPAGE: $d"
		[ "$d" -eq "$aligned" ] || return 1
		;;
	esac
	if [ "$path" = c ]; then
		for c in $COUNTERS; do
			[ "${delta[$c]}" -eq 0 ] || { echo "$c moved on the C path"; return 1; }
		done
		return 0
	fi
	# The layout total is the sum of its four reasons.
	[ "${delta[pmd_fallback_layout]}" -eq $((delta[pmd_fallback_colour] +
		delta[pmd_fallback_private_write] + delta[pmd_fallback_outside_vma] +
		delta[pmd_fallback_beyond_eof])) ] || { echo "layout total wrong"; return 1; }
	case $test in
	mapped | write)
		[ "${delta[pmd_mapped]}" -eq "$aligned" ] || return 1
		# su=2m makes xfs align its extents: PMDs must be seen there.
		[ "$fs" != xfs ] || [ "$aligned" -ge 1 ]
		;;
	misaligned) [ "${delta[pmd_fallback_colour]}" -ge 1 ] ;;
	hole) [ "${delta[huge_zero_page]}" -ge $((8 - zf)) ] ;;
	small_vma) [ "${delta[pmd_fallback_outside_vma]}" -ge 1 ] ;;
	eof) [ "${delta[pmd_fallback_beyond_eof]}" -ge 1 ] ;;
	private_write)
		[ "${delta[pmd_fallback_private_write]}" -ge 1 ] && [ "${delta[cow]}" -ge 512 ]
		;;
	pte_present) [ "${delta[pmd_fallback_pte_entry]}" -ge 1 ] ;;
	short) [ "${delta[pmd_fallback_iomap]}" -ge 8 ] ;;
	esac
}

for fs in xfs ext4; do
	dir=$MNT/pmd-$fs
	mkdir -p "$dir"
	case $fs in
	xfs)
		mkfs.xfs -q -f -d su=2m,sw=1 "$XFS_DEV" >"$LOGS/pmd-mkfs-xfs.log" 2>&1 &&
			mount -t xfs -o dax "$XFS_DEV" "$dir"
		;;
	ext4) mkfs_mount ext4 "$EXT4_DEV" "$dir" >"$LOGS/pmd-mkfs-ext4.log" 2>&1 ;;
	esac || { t "pmd/$fs/mount" false; continue; }
	load_module
	declare -A result
	for test in $TESTS; do
		for path in c rust; do
			use_path $path
			t "pmd/$fs/$path/$test" pmd $fs $path $test "$dir"
			result[$test/$path]=$(last_result)
		done
		t "pmd/$fs/$test/c-and-rust-agree" \
			test "${result[$test/c]%% - *}" = "${result[$test/rust]%% - *}"
		# Where the layout does not decide, both paths take the same PMD
		# faults and fall back as often.
		case $test in
		mapped | write) ;;
		*)
			t "pmd/$fs/$test/same-pmd-faults-and-fallbacks" \
				cmp "$dir/$test-c.calls" "$dir/$test-rust.calls"
			;;
		esac
	done
	umount "$dir"
	unload_module
done
