#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of 'make bench': every workload of fault_bench and two fio
# mmap jobs, on ext4 and xfs, alternately on the C path and the Rust path
# of one loaded rust_dax, ROUNDS times; plus the cost of the seam (the C
# path with the module not loaded against loaded and switched to C) and
# the lower bound of anonymous faults.  Writes "fs workload path round
# rate" lines to $RUST_DAX_RUNDIR/bench.txt (rate: faults per second; for
# the fio jobs 4 KiB I/Os per second, each of which faults).

. "$(dirname "$0")/../guest/lib.sh"
. "$(dirname "$0")/lib.sh"

# An even number: which path runs first alternates by round, and a run's
# place in the sequence moves its rate (copy-on-write on xfs: C 230,434 or
# 229,217, Rust 224,535 or 225,681 faults/s, in one -icount boot), so each
# order must count as often in the medians.
ROUNDS=${BENCH_ROUNDS:-4}
OUT=$RUNDIR/bench.txt
: >"$OUT"
WORKLOADS=(read-hole write-alloc refault cow sync-write threads-diff threads-same pmd-read)

run() { # fs workload path round file
	local rate= out
	# Copy-on-write allocates a page a fault, at a cost that depends on
	# what the page allocator's per-CPU lists hold: a run after another
	# workload read up to 3% lower than one after a copy-on-write run, on
	# either path (xfs, C: 221,878 against 229,314 faults/s).  An untimed
	# run first leaves the same for both paths.
	[ "$2" != cow ] || "$BIN/fault_bench" cow "$5.cow" "$(mib_of cow)" 2 >/dev/null
	# Settle what the run before left in the background (its file was
	# unlinked: xfs inactivates the inode in a worker, ext4 commits), so
	# that it does not count against this one.
	sync
	case $2 in
	fio-*) rate=$(run_fio "$1" "$2" "$3" "$4" "$5") ;;
	# Nothing beside the run: a sed at the other end of a pipe started up
	# on the other vCPU while the first passes of pmd-read were timed, and
	# its 1.2-1.5 million instructions took 1-2% off the run's rate.
	*) out=$("$BIN/fault_bench" "$2" "$5.$2" "$(mib_of "$2")" 2)
		[[ $out =~ rate=([0-9]+) ]] && rate=${BASH_REMATCH[1]} ;;
	esac
	[ -n "$rate" ] || rate=0
	echo "$1 $2 $3 $4 $rate" | tee -a "$OUT"
}

# run_fio FS JOB PATH ROUND FILE: fio's mmap engine on FILE.fio, 4 KiB
# I/Os over 512 MiB; prints I/Os per second.  Each job is a new process, so
# a new mapping, whose every page is touched once; with transparent huge
# pages off for the process (prctl(PR_SET_THP_DISABLE), inherited by fio),
# no PMD fault maps 2 MiB of it at once, so that every I/O faults: 131,072
# PTE faults a job, counted into bench.txt as a comment.  (A mapping that
# PMDs can map faults 256 times in 512 MiB: the rate is then that of
# memcpy(), the same on both paths.)  The file is laid out once (by the
# first job) and kept, so that both paths fault on the same extents.
run_fio() {
	local rw json before after
	case $2 in
	fio-randwrite) rw=randwrite ;;
	fio-read) rw=read ;;
	esac
	before=$(counter_of /proc/vmstat pgfault)
	json=$(python3 -c 'import ctypes, os, sys
PR_SET_THP_DISABLE = 41
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0):
    sys.exit("prctl: " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])' fio --name="$2" --filename="$5.fio" --ioengine=mmap \
		--rw=$rw --bs=4k --size=512m --randrepeat=1 --output-format=json 2>/dev/null) || return 0
	after=$(counter_of /proc/vmstat pgfault)
	echo "# $1 $2 $3 $4 pgfault=$((after - before))" >>"$OUT"
	python3 -c 'import json, sys
j = json.load(sys.stdin)["jobs"][0]
print(int(j["write"]["iops"] + j["read"]["iops"]))' <<<"$json"
}
if command -v fio >/dev/null; then
	WORKLOADS+=(fio-randwrite fio-read)
else
	echo "# fio not installed (make deps): no fio jobs" | tee -a "$OUT"
fi

for fs in ext4 xfs; do
	dir=$MNT/bench-$fs
	bench_mkfs_mount $fs "$dir" || exit 1
	load_module
	# Lay out the 1 GiB pmd-read file before the rounds: made and filled by
	# the first run, it was timed right after that (C in round 1: 137,345
	# against 258,211 faults/s on ext4, 132,860 against 242,652 on xfs, in
	# each of two boots).
	"$BIN/fault_bench" pmd-read "$dir/bench.pmd-read" "$(mib_of pmd-read)" >/dev/null
	sync
	for round in $(seq 1 "$ROUNDS"); do
		# Alternate which path goes first.
		if [ $((round % 2)) -eq 1 ]; then paths="c rust"; else paths="rust c"; fi
		for w in "${WORKLOADS[@]}"; do
			for path in $paths; do
				use_path $path
				run $fs "$w" $path "$round" "$dir/bench"
			done
		done
		# The lower bound: anonymous page faults of the same kinds.
		for w in anon-read anon-write; do
			run anon "$w" anon "$round" "$dir/unused"
		done
		# The seam: C without the module against C with the module loaded
		# and switched off.
		for w in refault write-alloc; do
			unload_module
			run $fs "$w" c-unloaded "$round" "$dir/bench"
			load_module
			use_path c
			run $fs "$w" c-loaded "$round" "$dir/bench"
		done
	done
	unload_module
	umount "$dir"
done
