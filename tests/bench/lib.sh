# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the guest sides of 'make bench' (guest.sh) and 'make
# profile' (profile.sh).  Sourced after tests/guest/lib.sh; runs in the VM.

# mib_of WORKLOAD: the size of fault_bench's file (or anonymous mapping),
# so that a run takes about a second under TCG.
mib_of() {
	case $1 in
	read-hole | refault | threads-diff | threads-same | anon-*) echo 256 ;;
	cow) echo 128 ;;
	write-alloc) echo 32 ;;
	sync-write) echo 8 ;;
	pmd-read) echo 1024 ;;
	*) echo 64 ;;
	esac
}

# bench_mkfs_mount FS DIR: a new FS (ext4 or xfs) on its pmem device,
# mounted -o dax on DIR (mkfs_mount with the bench's mkfs options).
bench_mkfs_mount() {
	case $1 in
	# Inode tables and journal zeroed by mkfs, not by ext4lazyinit after
	# the mount: under -icount the guest clock counts the instructions of
	# every vCPU, and the thread's bursts of zeroing took 28% off the
	# rate of each PMD pass they overlapped, on either path.
	ext4) mkfs_mount ext4 "$EXT4_DEV" "$2" "" "-E lazy_itable_init=0,lazy_journal_init=0" ;;
	# A 2 MiB stripe unit, so that xfs aligns the extents of large files.
	xfs) mkfs_mount xfs "$XFS_DEV" "$2" "" "-d su=2m,sw=1" ;;
	*) echo "no file system $1" >&2; return 2 ;;
	esac >/dev/null
}
