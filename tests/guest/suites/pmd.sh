#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PMD faults on xfs made with 2 MiB stripe units (aligned extents), on the C
# path and on the Rust path in one boot: aligned mappings of allocated
# blocks map PMDs, misaligned ones fall back to pages, holes map the huge
# zero folio that writes then replace.

. "$(dirname "$0")/../lib.sh"

# pmd PATH TEST DIR
pmd() {
	local path=$1 test=$2 dir=$3 c d
	declare -A before
	for c in pmd_served huge_zero_page pmd_fallback_layout nopage; do
		before[$c]=$(stat_of $c)
	done
	"$BIN/pmd_faults" "$test" "$dir/$test-$path" || return 1
	for c in pmd_served huge_zero_page pmd_fallback_layout nopage; do
		d=$(($(stat_of $c) - before[$c]))
		echo "$c +$d"
		eval "d_$c=$d"
	done
	[ "$path" = rust ] || return 0
	case $test in
	mapped) [ "$d_pmd_served" -ge 8 ] ;;
	misaligned) [ "$d_pmd_fallback_layout" -ge 1 ] ;;
	hole) [ "$d_huge_zero_page" -ge 8 ] ;;
	esac
}

dir=$MNT/pmd-xfs
mkdir -p "$dir"
if mkfs.xfs -q -f -d su=2m,sw=1 "$XFS_DEV" >"$LOGS/pmd-mkfs.log" 2>&1 &&
	mount -t xfs -o dax "$XFS_DEV" "$dir"; then
	load_module
	declare -A result
	for test in mapped misaligned hole; do
		for path in c rust; do
			use_path $path
			t "pmd/xfs/$path/$test" pmd $path $test "$dir"
			result[$test/$path]=$(tail -n 1 "$TAP")
		done
		t "pmd/xfs/$test/c-and-rust-agree" \
			test "${result[$test/c]%% - *}" = "${result[$test/rust]%% - *}"
	done
	umount "$dir"
	unload_module
else
	t pmd/xfs/mount false
fi
