#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kselftest.sh: run in the VM by scripts/kselftest.sh.  Runs the dax
# kselftest on a device-DAX namespace of /dev/pmem2 (onlined through the
# kmem driver, as tools/testing/selftests/dax/dax-kmem-hotplug.sh asks),
# the mm subset of tests/selftests/mm.list with cwd and /tmp on ext4 and on
# xfs mounted -o dax, and our rust_dax target, once on the C path and once
# on the Rust path of the loaded rust_dax.  Writes $RUNDIR/results.tsv:
# "path<TAB>test<TAB>pass|fail|skip", subtests as "test: description".
# Needs KSFT_SRC (the selftests source copy), KSFT_BUILD (its build) and
# KSFT_INSTALL (our target installed with the kernel's runner).

. "$(dirname "$0")/lib.sh"

: "${KSFT_SRC:?}" "${KSFT_BUILD:?}" "${KSFT_INSTALL:?}"
RES=$RUNDIR/results.tsv
: >"$RES"
KLOGS=$RUNDIR/kselftest
mkdir -p "$KLOGS"
TEST_TIMEOUT=${KSFT_TEST_TIMEOUT:-900}

# The programs a path runs: dax, then on ext4 and on xfs the mm subset and
# ours twice (alone and through the kernel's runner).
MM_TESTS=$(grep -cv '^$\|^#' "$TOP/tests/selftests/mm.list")
TOTAL=$((2 * (1 + 2 * (MM_TESTS + 2))))
STARTED=0

# begin PATH NAME: say which program starts, and its place (progress).
begin() {
	STARTED=$((STARTED + 1))
	progress "test $STARTED of $TOTAL, $1: $2"
}

# record PATH NAME STATUS LOG: the verdict of one program (exit status as
# kselftest defines it: 0 pass, 4 skip) and of each KTAP subtest it printed.
record() {
	local path=$1 name=$2 st=$3 log=$4 r
	case $st in 0) r=pass ;; 4) r=skip ;; *) r=fail ;; esac
	printf '%s\t%s\t%s\n' "$path" "$name" "$r" >>"$RES"
	echo "$path $name: $r (exit $st)"
	progress "test $STARTED of $TOTAL, $path: $name: $r"
	# "ok 3 desc # SKIP why" / "not ok 4 desc"; nested plans are indented.
	sed -nE 's/^(not )?ok [0-9]+ (.*)$/\1|\2/p' "$log" | while IFS='|' read -r neg desc; do
		local v=pass
		case $desc in *'# SKIP'* | *'# skip'*) v=skip ;; esac
		[ -n "$neg" ] && v=fail
		desc=${desc%%#*}
		desc=${desc%"${desc##*[![:space:]]}"}
		printf '%s\t%s: %s\t%s\n' "$path" "$name" "$desc" "$v" >>"$RES"
	done
}

# The device-DAX namespace: memmap pmem2 reconfigured as devdax, its dax
# device bound to kmem but left offline (the test onlines it).
setup_devdax() {
	local ns dax
	ns=$(ndctl list -N | python3 -c 'import json,sys
for n in json.load(sys.stdin):
    if n.get("blockdev") == "pmem2": print(n["dev"])')
	[ -n "$ns" ] || { echo "no namespace for pmem2"; return 1; }
	ndctl create-namespace -f -e "$ns" -m devdax >"$KLOGS/ndctl.log" 2>&1 || return 1
	dax=$(ndctl list -N | python3 -c 'import json,sys
for n in json.load(sys.stdin):
    if n.get("dev") == sys.argv[1]: print(n["chardev"])' "$ns")
	[ -n "$dax" ] || return 1
	# daxctl loads the kmem module, which fails when kmem is built in
	# and the guest has no modules directory: then bind through sysfs,
	# with new memory blocks left offline as daxctl -N leaves them.
	if ! daxctl reconfigure-device -N -m system-ram "$dax" >>"$KLOGS/ndctl.log" 2>&1; then
		echo offline >/sys/devices/system/memory/auto_online_blocks
		echo "$dax" >/sys/bus/dax/drivers/device_dax/unbind
		echo "$dax" >/sys/bus/dax/drivers/kmem/new_id
		[ -e "/sys/bus/dax/drivers/kmem/$dax" ] ||
			echo "$dax" >/sys/bus/dax/drivers/kmem/bind
	fi
	[ -e "/sys/bus/dax/drivers/kmem/$dax" ] || return 1
	daxctl list -d "$dax" >>"$KLOGS/ndctl.log" 2>&1
	echo "$dax"
}

run_dax() {
	local path=$1 log=$KLOGS/$path-dax.log st=0
	begin "$path" dax/dax-kmem-hotplug.sh
	if [ -z "$DAXDEV" ]; then
		printf '%s\t%s\t%s\n' "$path" dax/device-dax-setup fail >>"$RES"
		progress "test $STARTED of $TOTAL, $path: dax/device-dax-setup: fail"
		return
	fi
	(cd "$KSFT_SRC/dax" && DAX_KMEM_TEST_DEV=$DAXDEV \
		timeout "$TEST_TIMEOUT" ./dax-kmem-hotplug.sh) >"$log" 2>&1 || st=$?
	record "$path" dax/dax-kmem-hotplug.sh "$st" "$log"
}

# run_mm PATH FS DEV: the mm subset with cwd and /tmp on FS -o dax.
run_mm() {
	local path=$1 fs=$2 dev=$3 dir=$MNT/mm-$fs line prog args log st
	mkfs_mount "$fs" "$dev" "$dir" || { echo "mkfs $fs failed"; return 1; }
	mkdir -p "$dir/tmp" && chmod 1777 "$dir/tmp"
	while read -r line; do
		case $line in '' | '#'*) continue ;; esac
		prog=${line%% *}
		args=${line#"$prog"}
		log=$KLOGS/$path-$fs-$prog.log
		st=0
		begin "$path" "mm/$fs/$prog"
		# shellcheck disable=SC2086
		unshare -m sh -c 'cd "$1" && mount --bind "$1/tmp" /tmp && shift &&
			exec timeout "$@"' sh "$dir" "$TEST_TIMEOUT" \
			"$KSFT_BUILD/mm/$prog" $args >"$log" 2>&1 || st=$?
		record "$path" "mm/$fs/$prog" "$st" "$log"
	done <"$TOP/tests/selftests/mm.list"
	umount "$dir"
}

run_ours() {
	local path=$1 fs=$2 dev=$3 dir=$MNT/own-$fs log=$KLOGS/$path-rust_dax-$fs.log st=0
	mkfs_mount "$fs" "$dev" "$dir" || return 1
	begin "$path" "rust_dax/$fs/dax_fault"
	(cd "$dir" && timeout "$TEST_TIMEOUT" "$KSFT_BUILD/rust_dax/dax_fault") >"$log" 2>&1 || st=$?
	record "$path" "rust_dax/$fs/dax_fault" "$st" "$log"
	# The same through the kernel's runner (run_kselftest.sh).
	log=$KLOGS/$path-rust_dax-$fs-runner.log
	st=0
	begin "$path" "rust_dax/$fs/run_kselftest.sh"
	RUST_DAX_TEST_DIR=$dir timeout "$TEST_TIMEOUT" \
		"$KSFT_INSTALL/run_kselftest.sh" -t rust_dax:dax_fault >"$log" 2>&1 || st=$?
	grep -q '^ok 1 selftests: rust_dax: dax_fault$' "$log" || st=1
	record "$path" "rust_dax/$fs/run_kselftest.sh" "$st" "$log"
	umount "$dir"
}

DAXDEV=$(setup_devdax) || { echo "device-DAX setup failed"; cat "$KLOGS/ndctl.log"; DAXDEV=; }
echo "device-DAX: ${DAXDEV:-none}"
load_module || { echo "cannot load rust_dax"; exit 1; }
for path in c rust; do
	use_path "$path"
	echo "# path $path"
	run_dax "$path"
	for fs in ext4 xfs; do
		dev=$EXT4_DEV
		[ "$fs" = xfs ] && dev=$XFS_DEV
		run_mm "$path" "$fs" "$dev"
		run_ours "$path" "$fs" "$dev"
	done
	cp "$STATS" "$RUNDIR/stats-$path.txt"
done
dmesg >"$RUNDIR/dmesg.txt"
exit 0
