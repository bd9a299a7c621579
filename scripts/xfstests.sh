#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xfstests.sh [--timeout SECS]: run fstests (XFSTESTS_DIR, a built tree of
# https://git.kernel.org/pub/scm/fs/xfs/xfstests-dev.git or its mirror
# github.com/kdave/xfstests) in one VM boot with three pmem devices (test,
# scratch, dm-log-writes log), for each section of XFSTESTS_SECTIONS once
# on the C path and once on the Rust path of rust_dax, and print per test
# the two results, the differences and the totals.
#
#   XFSTESTS_DIR       the fstests tree, built ('make' in it); required
#   XFSTESTS_ARGS      arguments of fstests' check (default: -g dax,mmap)
#   XFSTESTS_SECTIONS  sections of tests/guest/xfstests.sh's local.config
#                      (default: ext4_dax xfs_dax; also ext4_dax_always,
#                      xfs_dax_always)
#   XFSTESTS_BATCH     tests a run of check (default 10): each batch runs
#                      on C, then on Rust, so a run cut short by its time
#                      limit still compares what it ran; 0 runs a whole
#                      section on C, then on Rust
#   XFSTESTS_FROM      with batches: start at this test of the list, to
#                      resume a run cut short (e.g. generic/140)
#   XFSTESTS_PATHS     the paths to run (default 'c rust'); 'rust' alone
#                      re-runs on Rust a test whose C result is known (a
#                      long one cut short by the time limit), and then a
#                      test that fails on Rust fails the run

set -euo pipefail
. "$(dirname "$0")/lib.sh"

TIMEOUT=${XFSTESTS_TIMEOUT:-21600}
if [ "${1:-}" = --timeout ]; then
	TIMEOUT=$2
	shift 2
fi
KDIR=${KDIR:-$CACHE/build/default}
DIR=${XFSTESTS_DIR:-}
[ -n "$DIR" ] || die "set XFSTESTS_DIR to a built fstests tree (see README.md)"
DIR=$(cd "$DIR" && pwd)
[ -x "$DIR/check" ] && [ -x "$DIR/ltp/fsx" ] && [ -x "$DIR/src/log-writes/replay-log" ] ||
	die "$DIR is not a built fstests tree: run 'make' in it first"
for t in xfs_io mkfs.xfs mkfs.ext4 fio dmsetup; do
	have "$t" || die "$t not found: run 'make deps-xfstests'"
done
ARGS=${XFSTESTS_ARGS:--g dax,mmap}
SECTIONS=${XFSTESTS_SECTIONS:-ext4_dax xfs_dax}
BATCH=${XFSTESTS_BATCH:-10}
[[ $BATCH =~ ^[0-9]+$ ]] || die "XFSTESTS_BATCH must be a number of tests, not '$BATCH'"
PATHS=$(echo ${XFSTESTS_PATHS:-c rust})
case $PATHS in
c | rust | "c rust") ;;
*) die "XFSTESTS_PATHS must be 'c', 'rust' or 'c rust', not '${XFSTESTS_PATHS:-}'" ;;
esac

mkdir -p "$CACHE/vm"
RUNDIR=$(mktemp -d "$CACHE/vm/xfstests.XXXXXX")
info "fstests: $DIR, sections: $SECTIONS, paths: $PATHS, check $ARGS; check's output in $RUNDIR/xfstests/*.log"
status=0
# The guest says which test runs (tests/guest/check_progress.py): show it.
"$TOP/scripts/follow.py" --progress "$RUNDIR/progress" &
follower=$!
trap 'kill $follower 2>/dev/null || true' EXIT
"$TOP/scripts/vm.sh" --kernel "$KDIR" --timeout "$TIMEOUT" --pmem 3 \
	--share "$DIR" --rundir "$RUNDIR" -- env XFSTESTS_DIR="$DIR" \
	XFSTESTS_ARGS="$ARGS" XFSTESTS_SECTIONS="$SECTIONS" XFSTESTS_BATCH="$BATCH" \
	XFSTESTS_FROM="${XFSTESTS_FROM:-}" XFSTESTS_PATHS="$PATHS" \
	bash tests/guest/xfstests.sh || status=$?
kill -TERM $follower
wait $follower || true
trap - EXIT
info "guest logs in $RUNDIR"
# shellcheck disable=SC2086
exec python3 "$TOP/scripts/compare.py" xfstests "$RUNDIR" --status "$status" --paths $PATHS
