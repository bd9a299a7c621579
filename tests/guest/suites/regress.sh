#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bugs of the stock kernel that the suites and the stress test hit, each
# fixed by a patch of patches/, each reproduced deterministically here, on
# the C path alone (rust_dax not loaded) and on the Rust path.
#
#  - ext4-zeroout: ext4 published blocks converted for a DAX write as
#    written before zeroing them; a write into them in between was zeroed.
#    The test module dax_probe has another task enter that window every
#    time (tests/progs/zeroout_race.c): a pwrite(2) while a PMD write fault
#    converts (fault), a write fault while a pwrite(2) converts (pwrite).
#    Nothing may be lost.  ext4 is mounted lazytime, so that the pwrite(2)
#    does not start a journal handle for the file's times.
#  - xfs-merged-write: a write(2) over an unwritten page and a written,
#    mapped page got one IOMAP_F_NEW mapping, and DAX invalidated the entry
#    of the mapped page (tests/progs/merged_write.c).  The data must be
#    right and the kernel must not warn.
#  - layout-refault (ext4 and xfs): a hole punch waiting in its layout
#    break for a page that a pipe holds a reference to, the page mapped
#    again by a fault before the pipe lets go; the punch must complete
#    (tests/progs/layout_refault.c).

. "$(dirname "$0")/../lib.sh"

PROBE=$TOP/tests/modules/dax_probe/dax_probe.ko

# on_path c|rust: the C path alone, or rust_dax loaded and serving.
on_path() {
	case $1 in
	c) unload_module ;;
	rust) load_module && use_path rust ;;
	esac
}

# zeroout KIND PATH: tests/progs/zeroout_race.c.
zeroout() {
	on_path "$2" || return 1
	"$BIN/zeroout_race" "$1" "$MNT/ext4"
}

# merged PATH: tests/progs/merged_write.c, and no warning in the kernel log
# (warnings printed once are reset first, so that every run can show one).
merged() {
	local m
	on_path "$1" || return 1
	echo 1 >/sys/kernel/debug/clear_warn_once
	m=$(kmsg_mark)
	"$BIN/merged_write" "$MNT/xfs" || return 1
	if kmsg_since "$m" | grep -A 20 'WARNING:'; then
		return 1
	fi
}

# refault FS PATH: tests/progs/layout_refault.c.
refault() {
	on_path "$2" || return 1
	"$BIN/layout_refault" "$MNT/$1"
}

unload_module
mkfs_mount ext4 "$EXT4_DEV" "$MNT/ext4" lazytime
mkfs_mount xfs "$XFS_DEV" "$MNT/xfs"
insmod "$PROBE"
for path in c rust; do
	for kind in fault pwrite; do
		t "regress/ext4-zeroout/$kind/$path" zeroout "$kind" "$path"
	done
	t "regress/xfs-merged-write/$path" merged "$path"
	for fs in ext4 xfs; do
		t "regress/layout-refault/$fs/$path" refault "$fs" "$path"
	done
done
rmmod dax_probe
umount "$MNT/ext4"
umount "$MNT/xfs"
unload_module
