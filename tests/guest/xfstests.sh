#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xfstests.sh: run in the VM by scripts/xfstests.sh.  Writes fstests'
# local.config (sections for ext4 and xfs mounted -o dax and -o
# dax=always; test /dev/pmem0, scratch /dev/pmem1, dm-log-writes log
# /dev/pmem2), adds the fstests users to the guest's view of /etc (the
# host's files are not touched: copies are bind-mounted over them), then
# for each section runs check once on the C path and once on the Rust path
# (or on those of XFSTESTS_PATHS).
# Reports: $RUNDIR/xfstests/<path>/<section>/result.xml, or with
# XFSTESTS_BATCH=N (N tests a run of check, C and Rust in turn)
# $RUNDIR/xfstests/<path>/batch<k>/<section>/result.xml.

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

# mkfs_test SECTION: check mounts the test device before it reads the
# section's RECREATE_TEST_DEV: give it a file system of the section's type.
mkfs_test() {
	case $1 in
	ext4*) mkfs.ext4 -q -F /dev/pmem0 ;;
	xfs*) mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/pmem0 ;;
	esac
}

# check_batch PATH SECTION REPORT FIRST TESTS...: one run of check on
# PATH, its xunit report in REPORT/SECTION/result.xml; FIRST is the place
# of its first test in the section's list of TOTAL tests (for the progress
# the host shows: tests/guest/check_progress.py).
check_batch() {
	local path=$1 s=$2 report=$3 first=$4 start
	shift 4
	use_path "$path"
	mkfs_test "$s"
	echo "# section $s, path $path: check $*"
	progress "$s $path: check $* (setting up)"
	start=$(date +%s)
	HOST_OPTIONS=$OUT/$s.config RESULT_BASE=$report ./check -R xunit -s "$s" \
		"$@" 2>&1 | "$TOP/tests/guest/check_progress.py" "$OUT/$path-$s.log" \
		"$s $path" "$first" "$TOTAL"
	echo "# section $s, path $path: $(($(date +%s) - start)) s" |
		tee -a "$OUT/$path-$s.log"
	progress "$s $path: check $* done in $(($(date +%s) - start)) s"
	cp "$STATS" "$OUT/stats-$path-$s.txt"
}

load_module || { echo "cannot load rust_dax"; exit 1; }
cd "$XFSTESTS_DIR" || exit 1
for s in $XFSTESTS_SECTIONS; do
	# check sets up with the first section of its config file before
	# it turns to the one asked for: give it a file of that one only.
	awk -v s="[$s]" '/^\[/ { on = ($0 == s) } on' "$CFG" >"$OUT/$s.config"
	# shellcheck disable=SC2086
	set -- $XFSTESTS_ARGS
	# The tests check would run (not those -e or -E leave out), from
	# XFSTESTS_FROM on if set (with batches): resume a run cut short there.
	mkfs_test "$s"
	HOST_OPTIONS=$OUT/$s.config ./check -n -s "$s" "$@" >"$OUT/list-$s.log" 2>&1
	from=
	[ "${XFSTESTS_BATCH:-0}" -eq 0 ] || from=${XFSTESTS_FROM:-}
	mapfile -t tests < <(awk -v from="$from" '
		$1 ~ /^[a-z0-9]+\/[0-9]+$/ && $2 != "[expunged]" &&
			(from == "" || $1 == from) { from = ""; print $1 }
	' "$OUT/list-$s.log")
	TOTAL=${#tests[@]}
	if [ "${XFSTESTS_BATCH:-0}" -gt 0 ]; then
		# The tests in batches, each run on C then on Rust, so that a
		# run cut short by its time limit still pairs what it ran.
		echo "# section $s: ${#tests[@]} tests${XFSTESTS_FROM:+ from $XFSTESTS_FROM}, batches of $XFSTESTS_BATCH"
		[ ${#tests[@]} -gt 0 ] || echo "# section $s: no tests to run${XFSTESTS_FROM:+ ($XFSTESTS_FROM is not in the list)}"
		progress "$s: $TOTAL tests, in batches of $XFSTESTS_BATCH, each on ${XFSTESTS_PATHS:-c rust}"
		for ((i = 0; i < ${#tests[@]}; i += XFSTESTS_BATCH)); do
			for path in ${XFSTESTS_PATHS:-c rust}; do
				check_batch "$path" "$s" "$OUT/$path/batch$((i / XFSTESTS_BATCH))" \
					$((i + 1)) "${tests[@]:i:XFSTESTS_BATCH}"
			done
		done
	else
		progress "$s: $TOTAL tests, on ${XFSTESTS_PATHS:-c rust}"
		for path in ${XFSTESTS_PATHS:-c rust}; do
			check_batch "$path" "$s" "$OUT/$path" 1 "$@"
		done
	fi
done
dmesg >"$RUNDIR/dmesg.txt"
exit 0
