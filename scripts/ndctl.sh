#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ndctl.sh [--timeout SECS]: run ndctl's destructive DAX tests
# (dax-ext4.sh, dax-xfs.sh, mmap.sh) in one VM boot, once on the C path
# and once on the Rust path of rust_dax, and print the two columns; any
# difference fails.  ndctl is not shipped or built by this project: get
# https://github.com/pmem/ndctl (v81 is known to work) and build it with
# its tests enabled (README.md says how).
#
#   NDCTL_DIR    the ndctl source tree; required
#   NDCTL_BUILD  its meson build directory (default: NDCTL_DIR/build)

set -euo pipefail
. "$(dirname "$0")/lib.sh"

TIMEOUT=${NDCTL_TIMEOUT:-7200}
if [ "${1:-}" = --timeout ]; then
	TIMEOUT=$2
	shift 2
fi
KDIR=${KDIR:-$CACHE/build/default}
DIR=${NDCTL_DIR:-}
[ -n "$DIR" ] || die "set NDCTL_DIR to an ndctl tree built with its tests (see README.md)"
DIR=$(cd "$DIR" && pwd)
BUILD=$(cd "${NDCTL_BUILD:-$DIR/build}" && pwd)
for f in "$DIR/test/dax.sh" "$DIR/test/mmap.sh" "$BUILD/ndctl/ndctl" "$BUILD/daxctl/daxctl" \
	"$BUILD/cxl/cxl" "$BUILD/test/dax-dev" "$BUILD/test/dax-pmd" "$BUILD/test/mmap"; do
	[ -e "$f" ] || die "$f missing: build ndctl with -Dtest=enabled -Ddestructive=enabled (see README.md)"
done
for t in trace-cmd mkfs.ext4 mkfs.xfs; do
	have "$t" || die "$t not found: run 'make deps-ndctl'"
done

shares=(--share "$DIR")
case $BUILD/ in "$DIR"/*) ;; *) shares+=(--share "$BUILD") ;; esac
mkdir -p "$CACHE/vm"
RUNDIR=$(mktemp -d "$CACHE/vm/ndctl.XXXXXX")
info "ndctl tests from $DIR (build $BUILD); logs in $RUNDIR/ndctl"
status=0
"$TOP/scripts/vm.sh" --kernel "$KDIR" --timeout "$TIMEOUT" "${shares[@]}" \
	--rundir "$RUNDIR" -- env NDCTL_DIR="$DIR" NDCTL_BUILD="$BUILD" \
	NDCTL_TEST_TIMEOUT="${NDCTL_TEST_TIMEOUT:-1200}" \
	bash tests/guest/ndctl.sh || status=$?
info "guest logs in $RUNDIR"
exec python3 "$TOP/scripts/compare.py" ndctl "$RUNDIR" --status "$status"
