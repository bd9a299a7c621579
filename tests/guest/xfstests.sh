#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xfstests.sh: run in the VM by scripts/xfstests.sh.  Writes fstests'
# local.config (sections for ext4 and xfs mounted -o dax and -o
# dax=always; test /dev/pmem0, scratch /dev/pmem1, dm-log-writes log
# /dev/pmem2), adds the fstests users to the guest's view of /etc (the
# host's files are not touched: copies are bind-mounted over them), then
# for each section runs check once on the C path and once on the Rust path.
# Reports: $RUNDIR/xfstests/<path>/<section>/result.xml.

. "$(dirname "$0")/lib.sh"

: "${XFSTESTS_DIR:?}" "${XFSTESTS_ARGS:?}" "${XFSTESTS_SECTIONS:?}"
OUT=$RUNDIR/xfstests
mkdir -p "$OUT"

# fsgqa, fsgqa2 and 123456-fsgqa (fstests' README): copies of passwd,
# group and shadow with them added, bind-mounted over the originals for
# this boot only.
ETC=/run/rust-dax-etc
mkdir -p "$ETC"
for f in passwd group shadow; do
	cp "/etc/$f" "$ETC/$f"
done
id=1500
for u in fsgqa fsgqa2 123456-fsgqa; do
	if ! grep -q "^$u:" "$ETC/passwd"; then
		echo "$u:x:$id:$id:fstests:/tmp:/bin/bash" >>"$ETC/passwd"
		echo "$u:x:$id:" >>"$ETC/group"
		echo "$u:*:19000:0:99999:7:::" >>"$ETC/shadow"
	fi
	id=$((id + 1))
done
for f in passwd group shadow; do
	mount --bind "$ETC/$f" "/etc/$f"
done

TEST_MNT=/tmp/fstests/test
SCRATCH_MNT=/tmp/fstests/scratch
mkdir -p "$TEST_MNT" "$SCRATCH_MNT"
CFG=$OUT/local.config
section() {
	local name=$1 fs=$2 opts=$3 mkfs=$4
	cat <<EOT
[$name]
FSTYP=$fs
TEST_DEV=/dev/pmem0
TEST_DIR=$TEST_MNT
SCRATCH_DEV=/dev/pmem1
SCRATCH_MNT=$SCRATCH_MNT
LOGWRITES_DEV=/dev/pmem2
RECREATE_TEST_DEV=true
MKFS_OPTIONS="$mkfs"
MOUNT_OPTIONS="-o $opts"
TEST_FS_MOUNT_OPTS="-o $opts"

EOT
}
{
	# xfs: reverse mappings for the memory-failure tests (xfs/550-552),
	# which xfsprogs before 6.5 does not make by default.
	section ext4_dax ext4 dax ""
	section xfs_dax xfs dax "-m reflink=1,rmapbt=1"
	section ext4_dax_always ext4 dax=always ""
	section xfs_dax_always xfs dax=always "-m reflink=1,rmapbt=1"
} >"$CFG"

# No udev runs in the guest: libdevmapper must make the /dev/mapper nodes
# of the dm targets the tests create (dm-log-writes of generic/470 and
# others) itself, or they are not there and mkfs on them fails.
export DM_DISABLE_UDEV=1

# The huge page size must be known (Hugepagesize in /proc/meminfo) and a
# few huge pages are there for the tests that map them.
echo 16 >/proc/sys/vm/nr_hugepages 2>/dev/null || true

load_module || { echo "cannot load rust_dax"; exit 1; }
cd "$XFSTESTS_DIR" || exit 1
for s in $XFSTESTS_SECTIONS; do
	for path in c rust; do
		use_path "$path"
		# check mounts the test device before it reads the section's
		# RECREATE_TEST_DEV: give it a file system of the section's type.
		case $s in
		ext4*) mkfs.ext4 -q -F /dev/pmem0 ;;
		xfs*) mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/pmem0 ;;
		esac
		# check sets up with the first section of its config file before
		# it turns to the one asked for: give it a file of that one only.
		awk -v s="[$s]" '/^\[/ { on = ($0 == s) } on' "$CFG" >"$OUT/$s.config"
		echo "# section $s, path $path: check $XFSTESTS_ARGS"
		start=$(date +%s)
		# shellcheck disable=SC2086
		HOST_OPTIONS=$OUT/$s.config RESULT_BASE=$OUT/$path ./check -R xunit -s "$s" \
			$XFSTESTS_ARGS >"$OUT/$path-$s.log" 2>&1
		echo "# section $s, path $path: $(($(date +%s) - start)) s" |
			tee -a "$OUT/$path-$s.log"
		cp "$STATS" "$OUT/stats-$path-$s.txt"
	done
done
dmesg >"$RUNDIR/dmesg.txt"
exit 0
