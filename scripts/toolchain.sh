#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# toolchain.sh gcc|llvm: print the make variables that select the toolchain
# of a kernel build and of the modules built against it (kbuild takes them
# from the command line, so the module build must be given the same ones).
#
#   gcc   nothing: the system's gcc, binutils and the default rustc
#   llvm  LLVM=-19 (clang-19, ld.lld-19, llvm-*-19) and rustup's rustc,
#         rustdoc and clippy-driver of the pinned toolchain
#         (scripts/toolchain.version)

set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/toolchain.version"

case ${1:-} in
gcc) ;;
llvm)
	rustc=$(rustup which --toolchain "$LLVM_RUST_TOOLCHAIN" rustc 2>/dev/null) ||
		die "rustc $LLVM_RUST_TOOLCHAIN not installed: run 'make deps TOOLCHAIN=llvm'"
	bin=$(dirname "$rustc")
	echo "LLVM=-$LLVM_MAJOR RUSTC=$bin/rustc RUSTDOC=$bin/rustdoc HOSTRUSTC=$bin/rustc" \
		"CLIPPY_DRIVER=$bin/clippy-driver"
	;;
*) die "unknown toolchain '${1:-}' (gcc or llvm)" ;;
esac
