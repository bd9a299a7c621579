#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the project needs on a Debian machine of this kind.
# Idempotent: every step checks first and does nothing when satisfied.
# "deps.sh xfstests" installs only what running fstests needs (make
# deps-xfstests); fstests itself is not installed.  "deps.sh ndctl" installs
# what running ndctl's tests needs besides their build (make deps-ndctl).
#
# Environment:
#   RUST_DAX_CACHE  cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/rust-dax)
#   TOOLCHAIN       gcc (default) or llvm: llvm also installs the pinned
#                   clang, lld and rustc of scripts/toolchain.version

set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/toolchain.version"

TOOLCHAIN=${TOOLCHAIN:-gcc}
case $TOOLCHAIN in gcc | llvm) ;; *) die "unknown toolchain '$TOOLCHAIN' (gcc or llvm)" ;; esac

DEB_PACKAGES=(
	# kernel build; gawk because fstests needs it (below) and installing it
	# makes it the system's awk, which generates x86's cpufeaturemasks.h
	# differently from mawk: a kernel built before would be rebuilt whole
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod gawk
	xz-utils zstd rsync python3 python3-venv git
	# Rust for Linux: bindgen needs a libclang newer than 14
	libclang-19-dev llvm-19
	# VM and guest tests
	qemu-system-x86 e2fsprogs xfsprogs util-linux procps
	# make kselftest: a device-DAX namespace for the dax kselftest
	ndctl daxctl
	# make bench: fio's mmap engine as a real client
	fio
	# guest test programs: a real MAP_SYNC client (PMDK)
	libpmem2-dev
	# make series-check: the reST of the documentation patch parsed
	python3-docutils
)
# Run-time needs of fstests (make xfstests), not of its build.
XFSTESTS_PACKAGES=(
	xfsprogs e2fsprogs acl attr bc dbench dmsetup fio gawk psmisc quota
	libaio1 liburing2 libgdbm6 fsverity
)
# Run-time needs of ndctl's DAX tests (make ndctl): dax.sh records the PMD
# faults with trace-cmd.  Their build needs more (README.md).
NDCTL_PACKAGES=(trace-cmd e2fsprogs xfsprogs)
case ${1:-} in
xfstests) DEB_PACKAGES=("${XFSTESTS_PACKAGES[@]}") ;;
ndctl) DEB_PACKAGES=("${NDCTL_PACKAGES[@]}") ;;
*)
	if [ "$TOOLCHAIN" = llvm ]; then
		# The llvm builds: clang, lld and the LLVM tools at the pinned
		# version (package=version), the LLVM of the pinned rustc.
		for p in $LLVM_DEB_PACKAGES; do
			DEB_PACKAGES+=("$p=$LLVM_DEB_VERSION")
		done
	fi
	;;
esac

need_apt=()
for p in "${DEB_PACKAGES[@]}"; do
	# NAME or NAME=VERSION: installed, at VERSION if one is given.
	name=${p%%=*}
	want=${p#"$name"}
	want=${want#=}
	case $(dpkg-query -W -f='${Status}|${Version}' "$name" 2>/dev/null) in
	"install ok installed|"${want:-*}) ;;
	*) need_apt+=("$p") ;;
	esac
done
if [ ${#need_apt[@]} -gt 0 ]; then
	info "installing Debian packages: ${need_apt[*]}"
	[ "$(id -u)" = 0 ] || die "need root to install: ${need_apt[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# One retry: an interrupted earlier install leaves dpkg to be configured.
	apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null ||
		{ dpkg --configure -a && apt-get install -y -qq --no-install-recommends \
			"${need_apt[@]}" >/dev/null; } ||
		die "apt-get install failed for: ${need_apt[*]}"
fi

case ${1:-} in
xfstests | ndctl)
	ok "$1 run-time dependencies present"
	exit 0
	;;
esac

# Rust toolchain: rustc and cargo from rustup, with rust-src for core/alloc.
have rustc || die "rustc not found: install Rust with rustup (stable 1.95 is known to work)"
have cargo || die "cargo not found: install Rust with rustup"
if have rustup; then
	sysroot=$(rustc --print sysroot)
	if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
		info "adding rustup component rust-src"
		rustup component add rust-src >/dev/null 2>&1 ||
			warn "rustup could not add rust-src; set RUST_LIB_SRC to a rust-src tree"
	fi
fi

# The llvm builds: rustc (with rustdoc), rust-src and clippy of the pinned
# toolchain, whose LLVM must be that of clang.
if [ "$TOOLCHAIN" = llvm ]; then
	have rustup || die "rustup not found: the llvm builds need rustup for rustc $LLVM_RUST_TOOLCHAIN"
	sysroot=$(rustup run "$LLVM_RUST_TOOLCHAIN" rustc --print sysroot 2>/dev/null || true)
	if [ -z "$sysroot" ] || [ ! -d "$sysroot/lib/rustlib/src/rust/library" ] ||
		[ ! -x "$sysroot/bin/clippy-driver" ]; then
		info "installing rustup toolchain $LLVM_RUST_TOOLCHAIN (rust-src, clippy)"
		rustup toolchain install "$LLVM_RUST_TOOLCHAIN" --profile minimal \
			--component rust-src --component clippy >/dev/null ||
			die "rustup could not install toolchain $LLVM_RUST_TOOLCHAIN"
	fi
	llvm=$(rustup run "$LLVM_RUST_TOOLCHAIN" rustc -vV | sed -n 's/^LLVM version: //p')
	[ "${llvm%%.*}" = "$LLVM_MAJOR" ] ||
		die "rustc $LLVM_RUST_TOOLCHAIN is built on LLVM $llvm, not $LLVM_MAJOR (scripts/toolchain.version)"
fi

# bindgen, pinned.
BINDGEN_VERSION=0.72.1
if ! bindgen --version 2>/dev/null | grep -q "bindgen $BINDGEN_VERSION"; then
	info "installing bindgen-cli $BINDGEN_VERSION with cargo (a few minutes)"
	LIBCLANG_PATH=$(libclang_path) cargo install -q bindgen-cli \
		--version "$BINDGEN_VERSION" --locked
fi

# virtme-ng, pinned, in a virtualenv in the cache.  The stamp is written
# last, so an interrupted install is redone.
VNG_VERSION=1.42
if [ ! -f "$VENV/.rust-dax-vng-$VNG_VERSION" ]; then
	info "installing virtme-ng $VNG_VERSION into $VENV"
	rm -rf "$VENV"
	python3 -m venv "$VENV"
	"$VENV/bin/python" -m pip install -q "virtme-ng==$VNG_VERSION" ||
		die "pip could not install virtme-ng $VNG_VERSION"
	touch "$VENV/.rust-dax-vng-$VNG_VERSION"
fi

ok "dependencies present"
