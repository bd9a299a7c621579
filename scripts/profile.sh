#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# profile.sh OUTDIR [FS [WORKLOAD [ROUNDS]]]: boot the VM under -icount with
# the instruction profile plugin (scripts/insn_profile.c), run fault_bench's
# WORKLOAD (default pmd-read) on FS (default ext4) on the C path and on the
# Rust path ROUNDS times (default 2; tests/bench/profile.sh), and report the
# instructions a fault of each path, function by function, into
# OUTDIR/profile-FS-WORKLOAD.txt (scripts/profile_report.py).

set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUTDIR=${1:-$TOP/results}
FS=${2:-ext4}
WORKLOAD=${3:-pmd-read}
ROUNDS=${4:-2}
KDIR=${KDIR:-$CACHE/build/default}
case $FS in ext4 | xfs) ;; *) die "profile: FS is ext4 or xfs, not '$FS'" ;; esac
case $WORKLOAD in
read-hole | write-alloc | refault | cow | sync-write | threads-diff | threads-same | pmd-read) ;;
*) die "profile: no workload '$WORKLOAD' (see tests/progs/fault_bench.c)" ;;
esac
case $ROUNDS in '' | *[!0-9]* | 0) die "profile: ROUNDS must be a positive number" ;; esac

# The plugin writes its counts at the entry of sync(2), whose address the
# kernel's map gives (no KASLR in these kernels; nokaslr below all the same).
mark=$(awk '$3 == "__x64_sys_sync" { print "0x" $1 }' "$KDIR/System.map")
[ -n "$mark" ] || die "no __x64_sys_sync in $KDIR/System.map"
plugin=$CACHE/insn_profile.so
cc -O2 -Wall -Werror -Wno-unused-parameter -shared -fPIC -o "$plugin" "$TOP/scripts/insn_profile.c"

mkdir -p "$CACHE/vm" "$OUTDIR"
RUNDIR=$(mktemp -d "$CACHE/vm/profile.XXXXXX")
mkdir "$RUNDIR/prof"
status=0
"$TOP/scripts/vm.sh" --icount --kernel "$KDIR" --timeout "${TIMEOUT:-1800}" --rundir "$RUNDIR" \
	--append nokaslr --qemu-opts "-plugin $plugin,arg=mark=$mark,arg=out=$RUNDIR/prof" \
	-- bash tests/bench/profile.sh "$FS" "$WORKLOAD" "$ROUNDS" || status=$?
[ "$status" -eq 0 ] || die "the profile run failed (status $status); logs in $RUNDIR"
report=$OUTDIR/profile-$FS-$WORKLOAD.txt
python3 "$TOP/scripts/profile_report.py" "$RUNDIR" >"$report"
cat "$report"
info "profile in $report (counts in $RUNDIR)"
