#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of 'make profile': profile.sh FS WORKLOAD ROUNDS.  Makes FS
# on its pmem device as 'make bench' does, then runs fault_bench's
# WORKLOAD on the C path and on the Rust path of one loaded rust_dax,
# ROUNDS times, each run between two sync(2) calls: the host's
# instruction profile plugin (scripts/insn_profile.c) writes its counts
# at the entry of sync, so each run gets a file of its own.  Writes
# "round path faults=... secs=... rate=..." lines to $RUNDIR/profile.txt,
# and the guest's /proc/kallsyms, which has the module's addresses, to
# $RUNDIR/kallsyms.

. "$(dirname "$0")/../guest/lib.sh"
. "$(dirname "$0")/lib.sh"

FS=${1:-ext4}
WORKLOAD=${2:-pmd-read}
ROUNDS=${3:-2}
OUT=$RUNDIR/profile.txt
: >"$OUT"

mib=$(mib_of "$WORKLOAD")
dir=$MNT/profile-$FS
bench_mkfs_mount "$FS" "$dir" || exit 1
load_module
# As in the bench: the pmd-read file is laid out once, before the runs.
[ "$WORKLOAD" != pmd-read ] ||
	"$BIN/fault_bench" pmd-read "$dir/profile.pmd-read" $mib >/dev/null || exit 1
cat /proc/kallsyms >"$RUNDIR/kallsyms"
# Unlike the bench, no untimed copy-on-write run before each: its run would
# fault between the marks too.  So cow's rates here move with the page
# allocator (see guest.sh); what this is for is the counts by function.
for round in $(seq 1 "$ROUNDS"); do
	for path in c rust; do
		use_path $path
		sync
		r=$("$BIN/fault_bench" "$WORKLOAD" "$dir/profile.$WORKLOAD" $mib 2) || exit 1
		sync
		echo "$round $path $r" >>"$OUT"
	done
done
unload_module
umount "$dir"
