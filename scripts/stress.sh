#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh [SECONDS [c|rust]]: the bounded stress test
# (tests/guest/stress.sh) in one VM boot, the C/Rust switch flipping (or
# kept on the path given), then its figures and the verdict ("N passed,
# N failed"; the kernel log must be clean).  The guest's own watchdog ends
# a run whose workers hang; the VM is killed only if the guest itself
# wedges, 3 * SECONDS + 1200 s after boot (boot, the final checks, fsck
# and kmemleak take many minutes under TCG on a loaded host, more on the
# debug kernel).  While it runs, the guest's progress (seconds,
# operations, flips, reloads) is printed every few seconds.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

DURATION=${1:-120}
PIN=${2:-}
case $DURATION in '' | *[!0-9]*) die "stress.sh: SECONDS must be a number" ;; esac
case $PIN in '' | c | rust) ;; *) die "stress.sh: the path is c or rust" ;; esac
KDIR=${KDIR:-$CACHE/build/default}

mkdir -p "$CACHE/vm"
RUNDIR=$(mktemp -d "$CACHE/vm/stress.XXXXXX")
status=0
"$TOP/scripts/vm.sh" --kernel "$KDIR" --timeout $((3 * DURATION + 1200)) --rundir "$RUNDIR" \
	-- bash tests/guest/stress.sh "$DURATION" $PIN &
vm=$!
trap 'kill "$vm" 2>/dev/null || true' EXIT
shown=0
while kill -0 "$vm" 2>/dev/null; do
	sleep 5
	[ -f "$RUNDIR/progress.txt" ] || continue
	lines=$(wc -l <"$RUNDIR/progress.txt")
	if [ "$lines" -gt "$shown" ]; then
		tail -n 1 "$RUNDIR/progress.txt" | sed 's/^/==> /' >&2
		shown=$lines
	fi
done
wait "$vm" || status=$?
trap - EXIT
info "guest logs in $RUNDIR"
[ ! -f "$RUNDIR/stress.txt" ] || grep '^stress' "$RUNDIR/stress.txt" || true
exec python3 "$TOP/scripts/report.py" "$RUNDIR" --status "$status" --no-kunit
