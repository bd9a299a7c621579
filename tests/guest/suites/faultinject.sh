#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Faults under injected failures, on the C path and on the Rust path of
# rust_dax in one boot (needs the debug kernel: make check DEBUG=1; skipped
# on the default kernel).
#
# - Allocation failures: tests/progs/fault_inject.c makes the N-th failable
#   allocation of its own thread fail, for every N a fault reaches
#   (/proc/thread-self/fail-nth: nothing else in the system is touched),
#   once counting slab allocations only (failslab) and once page
#   allocations only (fail_page_alloc: page tables, the copy-on-write page,
#   new slabs).  Both paths must give the same result for every N
#   (SIGBUS or success, and the right data) and end the same number of
#   faults with each result (VM_FAULT_OOM, VM_FAULT_SIGBUS, ..., from the
#   dax_pte_fault_done and dax_pmd_fault_done events).  The failed GFP_NOWAIT
#   node allocation of grab_mapping_entry() must be retried through
#   xas_nomem(): a kretprobe on xas_nomem() counts the retries of the
#   test program and records the callers.
# - iomap errors: the xfs errortag bmapifmt makes ->iomap_begin fail with
#   -EFSCORRUPTED during the fault only; both paths must raise SIGBUS alike.
# - Leaks: kmemleak (cleared by tests/guest/run.sh after boot) must find
#   nothing after the suite.

. "$(dirname "$0")/../lib.sh"

PROG=$BIN/fault_inject
FI=/sys/kernel/debug
TRACING=/sys/kernel/tracing
PROBE=rust_dax_nomem
# The fault results, from the events both paths fire at the end of a fault
# (rust_dax counts nothing on the C path: switched off, it is unregistered).
DONE_EVENTS="dax_pte_fault_done dax_pmd_fault_done"

if [ ! -e /proc/self/fail-nth ] || [ ! -d $FI/failslab ] || [ ! -d $FI/fail_page_alloc ]; then
	skip faultinject "not a debug kernel (no failslab/fail_page_alloc/fail-nth): make check DEBUG=1"
	exit 0
fi

# Every allocation may fail when its turn comes, sleeping ones and order 0
# included; no messages from the injector itself.
for f in failslab fail_page_alloc; do
	echo N >$FI/$f/ignore-gfp-wait
	echo 0 >$FI/$f/verbose
done
echo N >$FI/fail_page_alloc/ignore-gfp-highmem

# set_mode slab|page: which allocations fail-nth counts.  Slab allocations
# only: no page allocation is counted (min-order beyond any order), so
# whether a cache needs a new slab does not shift N.  Page allocations
# only: no cache is failable (cache-filter with no SLAB_FAILSLAB cache).
set_mode() {
	case $1 in
	slab)
		echo N >$FI/failslab/cache-filter
		echo 99 >$FI/fail_page_alloc/min-order
		;;
	page)
		echo Y >$FI/failslab/cache-filter
		echo 0 >$FI/fail_page_alloc/min-order
		;;
	esac
}

have_probe=0
mountpoint -q $TRACING || mount -t tracefs none $TRACING 2>/dev/null || true
# Room for every event of a systematic run.
echo 65536 >$TRACING/buffer_size_kb
for e in $DONE_EVENTS; do
	echo "comm == \"fault_inject\"" >$TRACING/events/fs_dax/$e/filter
	echo 1 >$TRACING/events/fs_dax/$e/enable
done
if [ -w $TRACING/kprobe_events ] &&
	echo "r:$PROBE xas_nomem ret=\$retval:u8" >>$TRACING/kprobe_events 2>/dev/null; then
	echo 'ret != 0 && comm == "fault_inject"' >$TRACING/events/kprobes/$PROBE/filter
	echo 1 >$TRACING/options/stacktrace
	echo 1 >$TRACING/events/kprobes/$PROBE/enable
	have_probe=1
fi

# counters FILE: the results of the faults traced since the trace was
# cleared, one "NAME N" a line (NOPAGE, SIGBUS, OOM, MAJOR, ...).
counters() {
	grep -E "($(echo $DONE_EVENTS | tr ' ' '|')):" $TRACING/trace |
		awk '{ n = split($NF, f, "|"); for (i = 1; i <= n; i++) c[f[i]]++ }
		END { for (k in c) print k, c[k] }' | sort >"$1"
}

# delta BEFORE AFTER: the counters that moved, "name +N".
delta() {
	join -a 2 -e 0 -o 0,1.2,2.2 "$1" "$2" |
		awk '$3 != $2 { printf "%s +%d\n", $1, $3 - $2 }'
}

# inject KEY DIR PATH [CASE]: every N of every case (or of CASE only) on
# PATH; the files of the run are $LOGS/faultinject-KEY-PATH[-CASE].*.
inject() {
	local fs=$1 dir=$2 path=$3 case=${4:-} out retries
	out=$LOGS/faultinject-$fs-$path${case:+-$case}
	use_path "$path"
	: >$TRACING/trace
	counters "$out.before"
	FAULT_INJECT_CASE=$case "$PROG" "$dir" nth >"$out.txt" || return 1
	counters "$out.after"
	delta "$out.before" "$out.after" >"$out.counters"
	echo "counters moved:"
	cat "$out.counters"
	echo "cases: $(cut -d' ' -f1 "$out.txt" | sort -u | tr '\n' ' ')"
	echo "injections: $(grep -c 'injected=y' "$out.txt")," \
		"SIGBUS: $(grep -c 'result=sigbus' "$out.txt")"
	grep -q 'injected=y' "$out.txt" || { echo "nothing injected"; return 1; }
	grep 'injected=n.*result=sigbus' "$out.txt" && { echo "SIGBUS without injection"; return 1; }
	[ $have_probe = 1 ] || return 0
	cp $TRACING/trace "$out.trace"
	retries=$(grep -c "$PROBE:" "$out.trace" || true)
	echo "xas_nomem retries: $retries"
	echo "$retries" >"$out.retries"
	if [ -n "$case" ] || [ "$MODE" != slab ]; then
		return 0
	fi
	# The retry of the entry store: xas_nomem() called from
	# grab_mapping_entry() (C) or from the Rust module's.
	# (grab_mapping_entry() is inlined into its callers.)
	if [ "$path" = c ]; then
		grep -q '=> \(grab_mapping_entry\|dax_iomap_p[tm][ed]_fault\)' "$out.trace" ||
			{ echo "no xas_nomem retry in the C fault path"; return 1; }
	else
		grep -q '=> .*rust_dax.*grab_mapping_entry' "$out.trace" ||
			{ echo "no xas_nomem retry in rust_dax"; return 1; }
	fi
}

# same_run KEY [CASE]: the C and the Rust run had the same outcome for
# every N, the same fault results and the same xas_nomem retries.
same_run() {
	local a=$LOGS/faultinject-$1-c${2:+-$2} b=$LOGS/faultinject-$1-rust${2:+-$2}
	diff -u "$a.txt" "$b.txt" || return 1
	diff -u "$a.counters" "$b.counters" || return 1
	[ $have_probe = 0 ] || diff -u "$a.retries" "$b.retries"
}

# Which allocation is the N-th also depends on the state of the slab caches
# (a cache that needs a new slab allocates a page, which fail_page_alloc
# counts) and on debug pools that refill themselves, so a C and a Rust run
# can count the same allocations at shifted N.  When the runs of all cases
# differ, each case is compared again in runs of its own, up to RETRIES
# times, on fresh file systems: the paths must agree on every case.  A real
# difference (an allocation one path makes and the other does not, a
# failure they handle differently) shows in every attempt.
RETRIES=3
same() {
	local key=$1 fs=$2 dir=$3 dev=$4 case try path ok
	same_run "$key" && return 0
	echo "the runs of all cases differ: each case again on its own"
	for case in $("$PROG" cases); do
		ok=0
		for try in $(seq $RETRIES); do
			for path in c rust; do
				mkfs_mount "$fs" "$dev" "$dir" || return 1
				inject "$key" "$dir" "$path" "$case" >/dev/null || return 1
				umount "$dir"
			done
			if same_run "$key" "$case" >"$LOGS/faultinject-$key-$case.diff"; then
				ok=1
				break
			fi
		done
		if [ $ok = 1 ]; then
			echo "$case: same in attempt $try"
		else
			echo "$case: different in $RETRIES attempts"
			cat "$LOGS/faultinject-$key-$case.diff"
			return 1
		fi
	done
}

# errortag PATH: xfs ->iomap_begin fails (-EFSCORRUPTED) during each fault.
errortag() {
	local path=$1 dir=$2 out=$LOGS/faultinject-errortag-$1
	use_path "$path"
	: >$TRACING/trace
	counters "$out.before"
	"$PROG" "$dir" plain /sys/fs/xfs/pmem1/errortag/bmapifmt >"$out.txt" || return 1
	counters "$out.after"
	delta "$out.before" "$out.after" >"$out.counters"
	cat "$out.txt" "$out.counters"
	grep -q 'result=sigbus' "$out.txt"
}

same_errortag() {
	local a=$LOGS/faultinject-errortag-c b=$LOGS/faultinject-errortag-rust
	diff -u "$a.txt" "$b.txt" && diff -u "$a.counters" "$b.counters"
}

unload_module
load_module

for fs in ext4 xfs; do
	dev=$EXT4_DEV
	[ $fs = xfs ] && dev=$XFS_DEV
	dir=$MNT/$fs
	# Each path on a new filesystem: what the first run leaves behind (the
	# allocator's preallocations, cached extents, the journal) changes the
	# allocations the second one makes, and so which one the N-th is.
	for MODE in slab page; do
		set_mode $MODE
		for path in c rust; do
			mkfs_mount $fs $dev "$dir"
			t faultinject/$fs/$MODE/nth-$path inject $fs-$MODE "$dir" $path
			umount "$dir"
		done
		t faultinject/$fs/$MODE/same-results same $fs-$MODE $fs "$dir" $dev
	done
	echo N >$FI/failslab/cache-filter
	echo 0 >$FI/fail_page_alloc/min-order
	mkfs_mount $fs $dev "$dir"
	if [ $fs = xfs ]; then
		if [ -w /sys/fs/xfs/pmem1/errortag/bmapifmt ]; then
			t faultinject/xfs/errortag-c errortag c "$dir"
			t faultinject/xfs/errortag-rust errortag rust "$dir"
			t faultinject/xfs/errortag-same-results same_errortag
		else
			skip faultinject/xfs/errortag "no xfs errortags (XFS_DEBUG off)"
		fi
	fi
	rm -rf "${dir:?}"/*
	umount "$dir"
done
use_path rust

# Leave the events as the suites that follow expect them: off, unfiltered.
for e in $DONE_EVENTS; do
	echo 0 >$TRACING/events/fs_dax/$e/enable
	echo 0 >$TRACING/events/fs_dax/$e/filter
done
: >$TRACING/trace

if [ $have_probe = 1 ]; then
	echo 0 >$TRACING/events/kprobes/$PROBE/enable
	echo 0 >$TRACING/options/stacktrace
	echo "-:$PROBE" >>$TRACING/kprobe_events
fi

# kmemleak_clean: nothing leaked since the tests began.
kmemleak_clean() {
	kmemleak_scan "$LOGS/kmemleak.txt"
	cat "$LOGS/kmemleak.txt"
	[ ! -s "$LOGS/kmemleak.txt" ]
}
if [ -w $KMEMLEAK ]; then
	t faultinject/kmemleak-clean kmemleak_clean
else
	skip faultinject/kmemleak-clean "no kmemleak"
fi
