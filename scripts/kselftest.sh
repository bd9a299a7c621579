#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kselftest.sh [--timeout SECS]: build the upstream kselftest targets that
# bear on DAX faults (dax, a subset of mm: tests/selftests/mm.list) and our
# own target (tests/selftests/rust_dax), run them in one VM boot on the C
# path and on the Rust path of rust_dax, and print pass/fail/skip per test
# side by side.  Any difference between the columns fails.
#
# Nothing is written into the kernel source tree: tools/ is copied into
# $CACHE/build/kselftest/src (the rest of the tree is linked), our target is
# overlaid into that copy, the UAPI headers and the tests are built with
# O=$CACHE/build/kselftest.

set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/kernel.version"

TIMEOUT=3600
if [ "${1:-}" = --timeout ]; then
	TIMEOUT=$2
	shift 2
fi
KDIR=${KDIR:-$CACHE/build/default}
SRC=${KSRC:-$CACHE/$KERNEL_TREE}
[ -f "$SRC/Makefile" ] || die "no kernel source at $SRC: run 'make kernel'"
for t in ndctl daxctl; do
	have "$t" || die "$t not found: run 'make deps'"
done

OUT=$CACHE/build/kselftest
SHADOW=$OUT/src
TARGETS="dax mm rust_dax"

# A shadow of the source tree: tools/ copied (selftests write generated
# files next to their sources, which are kept between runs), everything
# else a symbolic link.
exec 9>"$TREE_LOCK"
flock -s 9 || die "cannot lock $TREE_LOCK"
info "preparing the kselftest tree in $SHADOW"
mkdir -p "$SHADOW"
for e in "$SRC"/* "$SRC"/.[!.]*; do
	[ -e "$e" ] || continue
	n=$(basename "$e")
	case $n in tools | .git) continue ;; esac
	ln -sfn "$e" "$SHADOW/$n"
done
rsync -a --exclude=.git "$SRC/tools/" "$SHADOW/tools/"
rsync -a --delete "$TOP/tests/selftests/rust_dax/" \
	"$SHADOW/tools/testing/selftests/rust_dax/"

info "installing UAPI headers into $OUT/usr"
make -s -C "$SHADOW" O="$OUT" headers >/dev/null
flock -u 9

info "building kselftest targets: $TARGETS"
log=$OUT/build.log
# mm builds every test of the directory; a test we do not run may fail to
# build (missing libraries) without failing us, so check the ones we run.
ticker "building kselftests"
trap untick EXIT
nice make -k -C "$SHADOW/tools/testing/selftests" O="$OUT" TARGETS="$TARGETS" \
	-j"$(nproc)" >"$log" 2>&1 || warn "some kselftests did not build (see $log)"
untick
# Our target also installed, to be run by the kernel's runner.
rm -rf "$OUT/install"
make -s -C "$SHADOW/tools/testing/selftests" O="$OUT" TARGETS=rust_dax \
	INSTALL_PATH="$OUT/install" install >>"$log" 2>&1 ||
	die "cannot install the rust_dax kselftest (see $log)"
BUILD=$OUT/kselftest
missing=()
while read -r t _; do
	case $t in '' | '#'*) continue ;; esac
	[ -x "$BUILD/mm/$t" ] || missing+=("mm/$t")
done <"$TOP/tests/selftests/mm.list"
for t in dax/dax-kmem-hotplug.sh rust_dax/dax_fault; do
	[ -e "$BUILD/$t" ] || [ -e "$SHADOW/tools/testing/selftests/$t" ] || missing+=("$t")
done
[ ${#missing[@]} -eq 0 ] || { tail -n 30 "$log" >&2; die "not built: ${missing[*]}"; }

mkdir -p "$CACHE/vm"
RUNDIR=$(mktemp -d "$CACHE/vm/kselftest.XXXXXX")
status=0
# The guest says which program runs (tests/guest/kselftest.sh): show it.
"$TOP/scripts/follow.py" --progress "$RUNDIR/progress" &
follower=$!
trap 'kill $follower 2>/dev/null || true' EXIT
"$TOP/scripts/vm.sh" --kernel "$KDIR" --timeout "$TIMEOUT" --pmem 3 \
	--rundir "$RUNDIR" -- env KSFT_SRC="$SHADOW/tools/testing/selftests" \
	KSFT_BUILD="$BUILD" KSFT_INSTALL="$OUT/install" bash tests/guest/kselftest.sh || status=$?
kill -TERM $follower
wait $follower || true
trap - EXIT
info "guest logs in $RUNDIR"
exec python3 "$TOP/scripts/compare.py" kselftest "$RUNDIR" --status "$status"
