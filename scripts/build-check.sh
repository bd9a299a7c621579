#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-check.sh: build the kernel without tracepoints (the "notrace"
# flavour, scripts/kconfig/notrace.config, in its own build directory in
# the cache), then rust_dax and the C test module against it, from a copy
# of their sources in that build directory, not in the checkout.  The
# module builds must be free of warnings.  The first run is a full kernel
# build.  TOOLCHAIN=llvm (make build-check TOOLCHAIN=llvm) builds the
# "notrace-llvm" flavour, with clang and the pinned rustc, instead.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

TOOLCHAIN=${TOOLCHAIN:-gcc}
case $TOOLCHAIN in
gcc) FLAVOUR=notrace ;;
llvm) FLAVOUR=notrace-llvm ;;
*) die "unknown toolchain '$TOOLCHAIN' (gcc or llvm)" ;;
esac
args=$("$TOP/scripts/toolchain.sh" "$TOOLCHAIN")
read -r -a TOOLCHAIN_ARGS <<<"$args"
OUT=$("$TOP/scripts/kernel.sh" "$FLAVOUR")
! grep -q '^CONFIG_TRACEPOINTS=' "$OUT/.config" ||
	die "the $FLAVOUR kernel has CONFIG_TRACEPOINTS"

export LIBCLANG_PATH=${LIBCLANG_PATH:-$(libclang_path)}
# A copy of the modules' sources, built in place: kbuild builds an external
# module out of its tree (MO=) only from a clean one, and the checkout
# holds the objects of the default kernel's build.
SRC=$OUT/rust-dax-modules
CLIENT=$SRC/tests/modules/dax_client
LOG=$SRC.log
mkdir -p "$SRC"
rsync -a --delete --prune-empty-dirs --exclude='*.mod.c' \
	--include=/Kbuild --include=/include/ --include='/include/*.h' \
	--include=/dax/ --include=/dax/Kbuild --include='/dax/*.rs' --include='/dax/*.c' \
	--include=/tests/ --include=/tests/modules/ --include=/tests/modules/dax_client/ \
	--include=/tests/modules/dax_client/Kbuild --include='/tests/modules/dax_client/*.c' \
	--exclude='*' "$TOP/" "$SRC/"
exec 9>"$(kernel_lock "$FLAVOUR")"
flock -s 9 || die "cannot lock the $FLAVOUR kernel"
# Objects built against another configuration are not rebuilt by kbuild
# (see KCONFIG_USED in the Makefile).
if ! cmp -s "$OUT/include/config/auto.conf" "$SRC/.kernel-config"; then
	make -s -C "$OUT" "${TOOLCHAIN_ARGS[@]}" M="$SRC" clean
	make -s -C "$OUT" "${TOOLCHAIN_ARGS[@]}" M="$CLIENT" clean
	cp "$OUT/include/config/auto.conf" "$SRC/.kernel-config"
fi
if ! {
	make -s -C "$OUT" "${TOOLCHAIN_ARGS[@]}" M="$SRC" modules &&
		make -s -C "$OUT" "${TOOLCHAIN_ARGS[@]}" M="$CLIENT" KBUILD_EXTRA_SYMBOLS="$SRC/Module.symvers" modules
} 2>&1 | tee "$LOG" >&2; then
	die "the modules do not build against the $FLAVOUR kernel"
fi
! grep -qi 'warning\|error' "$LOG" || die "the module builds warn (see above)"
for m in "$SRC/dax/rust_dax.ko" "$CLIENT/dax_client.ko"; do
	[ -s "$m" ] || die "$m was not built"
done
ok "a kernel without tracepoints, rust_dax and the test module build ($OUT)"
