#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of 'make run' (see run.sh).  Output goes to $RUST_DAX_RUNDIR/run.out.

set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$RUST_DAX_RUNDIR/run.out
exec > >(tee "$OUT") 2>&1

MNT=/tmp/rust-dax-run
SIZE=$((64 * 1024 * 1024))
step() { printf '\n=== %s\n' "$*"; }

step "kernel $(uname -r), pmem devices:"
ls -l /dev/pmem*

step "insmod rust_dax.ko"
echo "rust_dax-run: start" >/dev/kmsg
insmod "$TOP/dax/rust_dax.ko"
grep '^rust_dax ' /proc/modules

for fs in ext4 xfs; do
	case $fs in
	ext4) dev=/dev/pmem0; mkfs="mkfs.ext4 -q -F" ;;
	xfs) dev=/dev/pmem1; mkfs="mkfs.xfs -q -f" ;;
	esac
	step "$fs on $dev, mounted -o dax"
	$mkfs "$dev"
	mkdir -p "$MNT/$fs"
	mount -t "$fs" -o dax "$dev" "$MNT/$fs"
	grep " $MNT/$fs " /proc/mounts
	step "$fs: write $((SIZE >> 20)) MiB through a shared mapping, then read it back"
	"$TOP/tests/bin/mmap_pattern" write "$MNT/$fs/data" "$SIZE" 1
	umount "$MNT/$fs"
	mount -t "$fs" -o dax "$dev" "$MNT/$fs"
	"$TOP/tests/bin/mmap_pattern" verify "$MNT/$fs/data" "$SIZE" 1
	"$TOP/tests/bin/statx_dax" "$MNT/$fs/data" && echo "$MNT/$fs/data: STATX_ATTR_DAX set"
	umount "$MNT/$fs"
done

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
if [ -d /sys/kernel/debug/rust_dax ]; then
	step "rust_dax counters"
	cat /sys/kernel/debug/rust_dax/stats
fi

step "rmmod rust_dax"
rmmod rust_dax

step "kernel log of rust_dax"
dmesg | sed -n '/rust_dax-run: start$/,$p' | grep -i 'rust_dax' || true
if dmesg | grep -E 'BUG:|WARNING:|Oops|Kernel panic'; then
	echo "kernel log shows problems"
	exit 1
fi
step "done"
