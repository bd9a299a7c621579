# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the guest-side tests.  Sourced by tests/guest/run.sh and the
# suites it runs; everything here runs inside the VM as root.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RUNDIR=${RUST_DAX_RUNDIR:?RUST_DAX_RUNDIR not set: run the guest tests through the VM harness}
BIN=$TOP/tests/bin
MODULE=$TOP/dax/rust_dax.ko
TAP=$RUNDIR/results.tap
LOGS=$RUNDIR/logs
MNT=/tmp/rust-dax
mkdir -p "$LOGS" "$MNT"

# Test devices: the harness boots with two memmap pmem devices.
EXT4_DEV=/dev/pmem0
XFS_DEV=/dev/pmem1

# t NAME CMD...: run CMD as test NAME, record an ok/not ok line.
t() {
	local name=$1 log
	shift
	log=$LOGS/${name//\//_}.log
	if "$@" >"$log" 2>&1; then
		echo "ok - $name" >>"$TAP"
		echo "ok - $name"
	else
		echo "not ok - $name" >>"$TAP"
		echo "not ok - $name"
		tail -n 20 "$log" | sed 's/^/#   /' | tee -a "$TAP"
	fi
}

# progress MSG: a line for the host to show while the run goes on (the
# targets that run for long follow $RUNDIR/progress with
# scripts/follow.py --progress, which adds the time).
progress() {
	echo "$*" >>"$RUNDIR/progress"
}

# last_result: the TAP line of the last test (ok or not ok).
last_result() {
	grep -E '^(not )?ok - ' "$TAP" | tail -n 1
}

# skip NAME REASON
skip() {
	echo "ok - $1 # SKIP $2" >>"$TAP"
	echo "ok - $1 # SKIP $2"
}

# kmsg_mark: put a marker in the kernel log and print its name; the kernel
# log is never cleared, so that the whole boot log (KUnit results
# included) is checked at the end.
KMSG_SEQ=0
kmsg_mark() {
	KMSG_SEQ=$((KMSG_SEQ + 1))
	local m="rust_dax-test: mark $$.$KMSG_SEQ"
	echo "$m" >/dev/kmsg
	echo "$m"
}

# kmsg_since MARK: the kernel log after MARK.
kmsg_since() {
	dmesg | sed -n "/$1\$/,\$p" | tail -n +2
}

STATS=/sys/kernel/debug/rust_dax/stats
PATHSW=/sys/kernel/debug/rust_dax/rust_path

# counter_of FILE NAME: the counter NAME of FILE, a file of "name value"
# lines (/proc/vmstat, rust_dax's stats); 0 if the file or the name is not
# there.
counter_of() {
	[ -r "$1" ] || { echo 0; return; }
	awk -v k="$2" '$1 == k { v = $2; found = 1 }
		END { print found ? v : 0 }' "$1"
}

# stat_of NAME: a counter of rust_dax (0 if the module is not loaded).
stat_of() { counter_of "$STATS" "$1"; }

# use_path c|rust: hand faults to C or serve them in Rust (module loaded).
use_path() {
	case $1 in
	c) echo 0 >"$PATHSW" ;;
	rust) echo 1 >"$PATHSW" ;;
	*) return 1 ;;
	esac
}

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

# rust_dax built into the kernel (CONFIG_FS_DAX_RUST=y, make check
# IN_TREE=1): it cannot be loaded or unloaded.  Loading it then means
# serving the faults in Rust, unloading it handing them to C (switched off,
# its paths are unregistered, as without the module).
BUILTIN=
zgrep -qx 'CONFIG_FS_DAX_RUST=y' /proc/config.gz 2>/dev/null && BUILTIN=1

# skip_builtin NAME: skip a test of loading or unloading the module.
skip_builtin() { skip "$1" "rust_dax is built in (CONFIG_FS_DAX_RUST=y)"; }

module_loaded() { [ -n "$BUILTIN" ] || grep -q '^rust_dax ' /proc/modules; }

load_module() {
	if [ -n "$BUILTIN" ]; then
		use_path rust
	else
		module_loaded || insmod "$MODULE"
	fi
}

unload_module() {
	if [ -n "$BUILTIN" ]; then
		use_path c
	else
		! module_loaded || rmmod rust_dax
	fi
}

# mkfs_mount FS DEV DIR [OPTS [MKFS_OPTS]]: a new FS on DEV (made with the
# further options MKFS_OPTS, split on spaces), mounted -o dax[,OPTS] on DIR.
mkfs_mount() {
	local fs=$1 dev=$2 dir=$3 opts=${4:+,$4} mkfs_opts=${5:-}
	mkdir -p "$dir"
	case $fs in
	# shellcheck disable=SC2086
	ext4) mkfs.ext4 -q -F -b 4096 $mkfs_opts "$dev" ;;
	# shellcheck disable=SC2086
	xfs) mkfs.xfs -q -f $mkfs_opts "$dev" ;;
	*) echo "unknown fs $fs" >&2; return 1 ;;
	esac
	mount -t "$fs" -o "dax$opts" "$dev" "$dir"
}

# pmem_map_dev DEV...: make the namespace of each pmem DEV an fsdax
# namespace with its memmap (struct pages) on the device, ndctl's -M dev;
# the block device keeps its name.
pmem_map_dev() {
	local dev ns json
	for dev in "$@"; do
		ns=$(ndctl list -N | python3 -c 'import json, sys
for n in json.load(sys.stdin):
    if n.get("blockdev") == sys.argv[1]: print(n["dev"])' "${dev#/dev/}")
		[ -n "$ns" ] || { echo "no namespace for $dev"; return 1; }
		json=$(ndctl create-namespace -f -e "$ns" -m fsdax -M dev) || return 1
		echo "$json"
		echo "$json" | python3 -c 'import json, sys
n = json.load(sys.stdin)
sys.exit(not (n["mode"] == "fsdax" and n["map"] == "dev" and n["blockdev"] == sys.argv[1]))' \
			"${dev#/dev/}" || { echo "$dev: not fsdax -M dev"; return 1; }
	done
}

remount() {
	local fs=$1 dev=$2 dir=$3
	umount "$dir" && mount -t "$fs" -o dax "$dev" "$dir"
}

# kmemleak (debug kernel only; a no-op elsewhere).  kmemleak_clear forgets
# what is allocated now (the boot's objects are not the tests' doing);
# kmemleak_scan FILE writes the leaks found since into FILE, and the kernel
# log says "kmemleak: N new suspected memory leaks", which fails the run.
# Objects must be 5 s old and unreferenced in two scans to be reported.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_clear() {
	[ ! -w $KMEMLEAK ] || echo clear >$KMEMLEAK
}
kmemleak_scan() {
	[ -w $KMEMLEAK ] || return 0
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	cat $KMEMLEAK >"$1"
}
