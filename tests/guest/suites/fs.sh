#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ext4 and xfs mount with -o dax on pmem, files are DAX, and data written
# through a shared mapping survives umount and mount.  Run with rust_dax
# unloaded: the C code of fs/dax.c behind the seam, nothing registered.

. "$(dirname "$0")/../lib.sh"

SIZE=$((5 * 1024 * 1024 + 12345))

for fs in ext4 xfs; do
	case $fs in
	ext4) dev=$EXT4_DEV ;;
	xfs) dev=$XFS_DEV ;;
	esac
	dir=$MNT/$fs
	if [ ! -b "$dev" ]; then
		t "$fs/pmem-device" test -b "$dev"
		continue
	fi
	unload_module
	t "$fs/mkfs-mount-dax" mkfs_mount "$fs" "$dev" "$dir"
	t "$fs/statx-dax" sh -c "touch $dir/f && $BIN/statx_dax $dir/f"
	t "$fs/mount-option-dax" sh -c "grep ' $dir ' /proc/mounts | grep -q dax"
	t "$fs/mmap-write" "$BIN/mmap_pattern" write "$dir/data" "$SIZE" 17
	t "$fs/mmap-verify-mapped" "$BIN/mmap_pattern" verify "$dir/data" "$SIZE" 17
	t "$fs/remount" remount "$fs" "$dev" "$dir"
	t "$fs/mmap-verify-after-remount" "$BIN/mmap_pattern" verify "$dir/data" "$SIZE" 17
	t "$fs/read-after-remount" "$BIN/mmap_pattern" read "$dir/data" "$SIZE" 17
	t "$fs/umount" umount "$dir"
done
