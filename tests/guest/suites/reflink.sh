#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared extents: on xfs with reflink (and 2 MiB stripe units, so that PMD
# faults can be tried too), a copy made with cp --reflink=always shares its
# blocks with the source; write faults into the copy through a DAX mapping
# must copy the surrounding data of the shared extent into the new blocks
# (dax_iomap_copy_around()).  The source stays unchanged, the copy holds
# the source's data and the stores.  On the C path and on the Rust path in
# one boot; on the Rust path the shared_copy counter must move.

. "$(dirname "$0")/../lib.sh"

# cow PATH DIR
cow() {
	local path=$1 dir=$2 copies d
	"$BIN/reflink_cow" create "$dir/src-$path" || return 1
	cp --reflink=always "$dir/src-$path" "$dir/dst-$path" || return 1
	copies=$(stat_of shared_copy)
	"$BIN/reflink_cow" write "$dir/src-$path" "$dir/dst-$path" || return 1
	d=$(($(stat_of shared_copy) - copies))
	echo "shared_copy +$d"
	case $path in
	rust) [ "$d" -ge 1 ] ;;
	c) [ "$d" -eq 0 ] ;;
	esac
}

dir=$MNT/reflink-xfs
mkdir -p "$dir"
if ! mkfs.xfs -q -f -m reflink=1 -d su=2m,sw=1 "$XFS_DEV" >"$LOGS/reflink-mkfs.log" 2>&1 ||
	! mount -t xfs -o dax "$XFS_DEV" "$dir" >>"$LOGS/reflink-mkfs.log" 2>&1; then
	t reflink/xfs/mount false
	exit 0
fi
load_module
declare -A result
for path in c rust; do
	use_path $path
	t "reflink/xfs/$path/write-into-copy" cow $path "$dir"
	result[$path]=$(last_result)
done
t reflink/xfs/c-and-rust-agree test "${result[c]%% - *}" = "${result[rust]%% - *}"
umount "$dir"
unload_module
