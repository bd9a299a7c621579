#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: the guest side of 'make run' (scripts/run.sh).  On ext4 and on
# xfs, each made so that large files get 2 MiB aligned extents and mounted
# -o dax, the same work once on the C path and once on the Rust path of
# rust_dax, each on a new file system:
#
#   write   a 16 MiB file written through a shared mapping (PMD faults
#           that allocate), checked through read(2)
#   read    after a remount, read back through a new mapping (PMD faults)
#   private a private mapping of a written file written (copy on write at
#           page size: the PMD fault falls back), the file unchanged
#   sync    a 4 MiB file written through a MAP_SYNC mapping: every fault
#           that allocates returns only after an fsync of its range, so the
#           data is on the device (read from it with O_DIRECT) while still
#           mapped, without msync()
#
# Says what each step did on stdout; writes the fs_dax trace events of
# every step (both paths fire them) to $RUNDIR/run/FS-PATH-STEP.trace, the
# step times to $RUNDIR/run/steps.tsv and rust_dax's counters around the
# Rust runs to $RUNDIR/run/stats-FS-{before,after}.txt, for
# scripts/run_report.py.  Exit 0 only if every step worked.

. "$(dirname "$0")/lib.sh"

OUT=$RUNDIR/run
mkdir -p "$OUT"
: >"$OUT/steps.tsv"
SIZE=$((16 << 20))
SYNC_SIZE=$((4 << 20))
T=/sys/kernel/tracing
mountpoint -q "$T" || mount -t tracefs nodev "$T"
# The PMD faults from start to end, the events that tell why one fell back
# (the file system was asked for the extent: iomap_iter; no huge zero
# folio), the PTE faults, and the mappings made by synchronous faults after
# their fsync.
EVENTS="fs_dax/dax_pmd_fault fs_dax/dax_pmd_fault_done fs_dax/dax_pte_fault_done
	fs_dax/dax_pmd_load_hole fs_dax/dax_pmd_load_hole_fallback
	fs_dax/dax_insert_pfn_mkwrite iomap/iomap_iter"
echo 8192 >"$T/buffer_size_kb"
failed=0

# mkfs_dax FS DIR: a new FS on its device, mounted -o dax on DIR, made so
# that the extents of large files start 2 MiB aligned on the device (a PMD
# maps 2 MiB of contiguous, aligned memory): xfs with a 2 MiB stripe unit;
# ext4 with 2 MiB clusters (bigalloc: it allocates whole clusters, which
# start at multiples of 2 MiB; with 4 KiB blocks, a 2 MiB stripe or not,
# the first file of a new ext4 lands right after the metadata, off
# alignment), its inode tables and journal zeroed by mkfs rather than by
# a kernel thread while the steps run.
mkfs_opts() {
	case $1 in
	ext4) echo "-O bigalloc -C 2M -E lazy_itable_init=0,lazy_journal_init=0" ;;
	xfs) echo "-d su=2m,sw=1" ;;
	esac
}
mkfs_dax() {
	mkfs_mount "$1" "$(dev_of "$1")" "$2" "" "$(mkfs_opts "$1")" >"$LOGS/mkfs-$1.log" 2>&1 || {
		echo "$1: mkfs or mount failed:"
		cat "$LOGS/mkfs-$1.log"
		return 1
	}
}

dev_of() { if [ "$1" = ext4 ]; then echo "$EXT4_DEV"; else echo "$XFS_DEV"; fi; }

# count EVENT [RESULT] FILE: the events of a trace (ending with RESULT).
count() {
	if [ $# -eq 3 ]; then
		grep -c " $1: .* $2\$" "$3"
	else
		grep -c " $1: " "$2"
	fi
}

# step FS PATH NAME CMD...: run CMD with the events on, its events to
# $OUT/FS-PATH-NAME.trace and its time (ms) to steps.tsv.  Its output goes
# to the log of the step, shown if it fails.
step() {
	local fs=$1 path=$2 name=$3 e t0 t1 rc=0
	local trace=$OUT/$fs-$path-$name.trace log=$LOGS/run-$fs-$path-$name.log
	shift 3
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
	for e in $EVENTS; do echo 1 >"$T/events/$e/enable"; done
	echo 1 >"$T/tracing_on"
	t0=$(date +%s%N)
	"$@" >"$log" 2>&1 || rc=$?
	t1=$(date +%s%N)
	echo 0 >"$T/tracing_on"
	for e in $EVENTS; do echo 0 >"$T/events/$e/enable"; done
	cat "$T/trace" >"$trace"
	printf '%s\t%s\t%s\t%s\t%s\n' "$fs" "$path" "$name" $(((t1 - t0) / 1000000)) "$rc" \
		>>"$OUT/steps.tsv"
	if [ "$rc" -ne 0 ]; then
		echo "    $name: FAILED (exit $rc):"
		sed 's/^/      /' "$log" | tail -n 20
		failed=1
		return 1
	fi
}

# pmds FILE: what the PMD faults of a trace did.
pmds() {
	local all mapped
	all=$(count dax_pmd_fault_done "$1")
	mapped=$(count dax_pmd_fault_done NOPAGE "$1")
	echo "$all PMD faults, $mapped mapped a PMD"
}

# work FS PATH DIR: the four steps.
work() {
	local fs=$1 path=$2 dir=$3 dev f
	dev=$(dev_of "$fs")
	f=$OUT/$fs-$path
	if [ "$path" = c ]; then echo "  C path:"; else echo "  Rust path:"; fi
	step "$fs" "$path" write "$BIN/mmap_pattern" write "$dir/shared" "$SIZE" 7 &&
		"$BIN/mmap_pattern" read "$dir/shared" "$SIZE" 7 >>"$LOGS/run-$fs-$path-write.log" 2>&1 &&
		echo "    wrote 16 MiB through a shared mapping: $(pmds "$f-write.trace");" \
			"read(2) reads the data"
	remount "$fs" "$dev" "$dir" &&
		step "$fs" "$path" read "$BIN/mmap_pattern" verify "$dir/shared" "$SIZE" 7 &&
		echo "    remounted, read it back through a new mapping: $(pmds "$f-read.trace")"
	mkdir -p "$dir/private"
	step "$fs" "$path" private env RUST_DAX_TEST_DIR="$dir/private" \
		"$BIN/pmd_faults" -t private_write &&
		echo "    wrote 2 MiB of a private mapping of a 16 MiB file:" \
			"$(count dax_pte_fault_done DONE_COW "$f-private.trace") copy-on-write page faults" \
			"(the PMD faults, $(count dax_pmd_fault_done FALLBACK "$f-private.trace"), fell back" \
			"to pages); the file is unchanged"
	step "$fs" "$path" sync "$BIN/map_sync" write "$dir/sync" "$SYNC_SIZE" 9 "$dev" &&
		echo "    wrote 4 MiB through a MAP_SYNC mapping:" \
			"$(grep -c ' dax_p[tm][ed]_fault_done: .*NEEDDSYNC' "$f-sync.trace") faults" \
			"returned for an fsync of their range," \
			"$(count dax_insert_pfn_mkwrite NOPAGE "$f-sync.trace") mapped after it;" \
			"the data is on $dev (read with O_DIRECT, no msync())"
}

echo "kernel $(uname -r); pmem: $(cd /sys/block && echo pmem*)"
insmod "$MODULE" || { echo "insmod rust_dax.ko failed"; exit 1; }
echo "rust_dax loaded: it serves the DAX faults of every file system;" \
	"echo 0 >$PATHSW hands them back to fs/dax.c"
for fs in ext4 xfs; do
	dir=$MNT/run-$fs
	echo
	echo "$fs on $(dev_of "$fs") (2 GiB of memmap= pmem): mkfs.$fs $(mkfs_opts $fs); mount -o dax"
	for path in c rust; do
		# A new file system for each path, so that both do the same work
		# on the same layout.
		mkfs_dax "$fs" "$dir" || { failed=1; continue; }
		use_path "$path"
		[ "$path" = c ] || cp "$STATS" "$OUT/stats-$fs-before.txt"
		work "$fs" "$path" "$dir"
		[ "$path" = c ] || cp "$STATS" "$OUT/stats-$fs-after.txt"
		umount "$dir"
	done
done
rmmod rust_dax || failed=1
dmesg >"$RUNDIR/dmesg.txt"
exit $failed
