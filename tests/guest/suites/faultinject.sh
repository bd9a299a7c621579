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
SLAB_PROBE=rust_dax_failslab
PAGE_PROBE=rust_dax_failpage
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

# fi_mount FS DEV DIR: a new FS for a run.  ext4 with lazytime: a fault
# updates the file's times (file_update_time()) on each attempt that sees
# the coarse clock moved, and on ext4 without lazytime each such update
# starts a journal handle, an allocation whose presence depends on where
# the clock ticks between the attempts of one fault (the PUD, PMD and PTE
# attempts of a write fault under a debug kernel span several ticks).  With
# lazytime the update only marks the times dirty.
fi_mount() {
	local opts=
	[ "$1" = ext4 ] && opts=lazytime
	mkfs_mount "$1" "$2" "$3" $opts
}

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
have_sites=0
mountpoint -q $TRACING || mount -t tracefs none $TRACING 2>/dev/null || true
# Room for every event of a systematic run.
echo 65536 >$TRACING/buffer_size_kb
# Other suites leave tracing off (pmd, trace): turn it on here.
echo 1 >$TRACING/tracing_on
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
	# Where each injected failure happened: a kretprobe on each injector,
	# with its stack, for the comparison per allocation site.
	if echo "r:$SLAB_PROBE should_failslab ret=\$retval:s32" >>$TRACING/kprobe_events 2>/dev/null &&
		echo "r:$PAGE_PROBE should_fail_alloc_page ret=\$retval:u8" >>$TRACING/kprobe_events 2>/dev/null; then
		for e in $SLAB_PROBE $PAGE_PROBE; do
			echo 'ret != 0 && comm == "fault_inject"' >$TRACING/events/kprobes/$e/filter
			echo 1 >$TRACING/events/kprobes/$e/enable
		done
		have_sites=1
	fi
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
	[ $have_sites = 0 ] || sites "$out"
	retries=$(grep -c "$PROBE:" "$out.trace" || true)
	echo "xas_nomem retries: $retries"
	echo "$retries" >"$out.retries"
	if [ -n "$case" ] || [ "$MODE" != slab ]; then
		return 0
	fi
	# The retry of the entry store: xas_nomem() called from
	# grab_mapping_entry() (C; inlined into its callers) or from its Rust
	# form, DaxEntries::grab() of the kernel crate's kernel::dax::entries,
	# in a fault of rust_dax.
	if [ "$path" = c ]; then
		grep -q '=> \(grab_mapping_entry\|dax_iomap_p[tm][ed]_fault\)' "$out.trace" ||
			{ echo "no xas_nomem retry in the C fault path"; return 1; }
	else
		grep -A1 '=> _R.*6kernel3dax7entries.*DaxEntries4grab$' "$out.trace" |
			grep -q '=> _R.*rust_dax_main' ||
			{ echo "no xas_nomem retry in rust_dax"; return 1; }
	fi
}

# sites OUT: OUT.sites, "CASE N RESULT SITE" for each injected failure of
# the run, in order (fail-nth fails one allocation for each N).  SITE is
# the first three callers of the allocator, "<"-separated; the functions of
# the DAX fault path (C fs/dax.c, or rust_dax and the kernel crate's dax
# module, whose Rust names are shortened) are all called "dax", so that a
# site reads the same on both paths.
sites() {
	local out=$1
	awk -v ev="($SLAB_PROBE|$PAGE_PROBE):" '
	function norm(f) {
		sub(/\+0x.*/, "", f)
		if (f ~ /^_R/) {
			if (f ~ /rust_dax_main|6kernel3dax/)
				return "dax"
			if (match(f, /[0-9]+[A-Za-z_][A-Za-z_0-9]*$/))
				f = substr(f, RSTART, RLENGTH)
			sub(/^[0-9]+/, "", f)
			return f
		}
		if (f ~ /^(grab_mapping_entry|dax_iomap_p[tm]d_fault|dax_iomap_fault|dax_fault_iter|dax_insert_entry|dax_iomap_direct_access|dax_load_hole|dax_pmd_load_hole|dax_fault_cow_page|copy_cow_page_dax)$/)
			return "dax"
		return f
	}
	/^ *=> / {
		if (!on || k == 3)
			next
		f = norm($2)
		if (f ~ /^(should_fail|__should_fail|slab_pre_alloc_hook|kmem_cache_alloc|__kmem_cache_alloc|__kmalloc|kmalloc|slab_alloc|__slab_alloc|___slab_alloc|xas_alloc|alloc_pages|__alloc_pages|__alloc_frozen_pages|alloc_frozen_pages|prepare_alloc_pages|folio_alloc|__folio_alloc|vma_alloc_folio|pagetable_alloc|__get_free_pages|get_zeroed_page)/ || f ~ /trampoline/)
			next
		if (f == "dax" && last == "dax")
			next
		sig = sig (k ? "<" : "") f
		last = f
		k++
		next
	}
	/<stack trace>/ { next }
	{
		if (on)
			print sig
		on = ($0 ~ ev)
		sig = ""; last = ""; k = 0
	}
	END { if (on) print sig }' "$out.trace" >"$out.sitelist"
	grep 'injected=y' "$out.txt" | sed 's/nth=//; s/injected=y //; s/result=//' |
		paste -d' ' - "$out.sitelist" >"$out.sites"
}

# same_sites KEY CASE: the C and the Rust runs of CASE (all attempts) agree
# allocation site by allocation site: every site where a failure was
# injected on both paths gave the same results there, and a site only one
# path reached is not one of the DAX code's own allocations (its xarray
# nodes, the page tables of the page it maps, the copy-on-write page).  This
# is the comparison for a case whose allocations differ from one run to the
# next on the same path (the ext4 journal and allocator: which allocation is
# the N-th moves by a few between runs of one path, so a comparison per N
# cannot hold).
same_sites() {
	local a=$LOGS/faultinject-$1-c-$2 b=$LOGS/faultinject-$1-rust-$2
	[ -s "$a.allsites" ] && [ -s "$b.allsites" ] || { echo "no sites recorded"; return 1; }
	# Lines "CASE N RESULT SITE"; per path and site, the N:RESULT seen
	# and the set of results.
	awk '
	{ p = FILENAME == ARGV[1] ? "c" : "rust"
	  seen[p, $4] = seen[p, $4] " " $3 ":" $2
	  res[p, $4, $3] = 1
	  site[$4] = 1 }
	function only(p, o, s,   k, f, bad) {
		for (k in res) {
			split(k, f, SUBSEP)
			if (f[1] == p && f[2] == s && !((o, s, f[3]) in res)) {
				printf "site %s: result %s on %s only (c:%s, rust:%s)\n", s, f[3], p, seen["c", s], seen["rust", s]
				bad = 1
			}
		}
		return bad
	}
	END {
		bad = 0
		for (s in site) {
			c = (("c", s) in seen); r = (("rust", s) in seen)
			if (c && r) {
				if (only("c", "rust", s) + only("rust", "c", s))
					bad = 1
				continue
			}
			p = c ? "c" : "rust"
			dax = ("<" s "<") ~ /<dax</
			printf "site %s: %s only (%s)%s\n", s, p, seen[p, s], dax ? ", an allocation of the DAX code" : ""
			if (dax)
				bad = 1
		}
		exit bad
	}' "$a.allsites" "$b.allsites"
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
# times, on fresh file systems: the paths must agree on every case, in one
# attempt or else site by site over the attempts (same_sites).  A real
# difference (an allocation one path makes and the other does not, a
# failure they handle differently) shows in every attempt.
RETRIES=3
same() {
	local key=$1 fs=$2 dir=$3 dev=$4 case try path ok
	same_run "$key" && return 0
	echo "the runs of all cases differ: each case again on its own"
	for case in $("$PROG" cases); do
		ok=0
		rm -f "$LOGS/faultinject-$key-"{c,rust}"-$case.allsites"
		for try in $(seq $RETRIES); do
			for path in c rust; do
				fi_mount "$fs" "$dev" "$dir" || return 1
				inject "$key" "$dir" "$path" "$case" >/dev/null || return 1
				umount "$dir"
				[ $have_sites = 0 ] ||
					cat "$LOGS/faultinject-$key-$path-$case.sites" \
						>>"$LOGS/faultinject-$key-$path-$case.allsites"
			done
			if same_run "$key" "$case" >"$LOGS/faultinject-$key-$case.diff"; then
				ok=1
				break
			fi
		done
		if [ $ok = 1 ]; then
			echo "$case: same in attempt $try"
		elif [ $have_sites = 1 ] &&
			same_sites "$key" "$case" >"$LOGS/faultinject-$key-$case.sites.diff"; then
			echo "$case: different N in $RETRIES attempts, same results site by site:"
			cat "$LOGS/faultinject-$key-$case.sites.diff"
		else
			echo "$case: different in $RETRIES attempts"
			cat "$LOGS/faultinject-$key-$case.diff"
			[ $have_sites = 0 ] || cat "$LOGS/faultinject-$key-$case.sites.diff"
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
			fi_mount $fs $dev "$dir"
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
if [ $have_sites = 1 ]; then
	for e in $SLAB_PROBE $PAGE_PROBE; do
		echo 0 >$TRACING/events/kprobes/$e/enable
		echo "-:$e" >>$TRACING/kprobe_events
	done
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
