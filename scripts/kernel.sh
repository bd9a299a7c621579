#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh [FLAVOUR]: fetch, patch, configure and build the kernel.
# FLAVOUR is "default" (scripts/kconfig/base.config), "debug" (base plus
# scripts/kconfig/debug.config) or "notrace" (base plus
# scripts/kconfig/notrace.config: no tracepoints, for make build-check),
# built with gcc; "llvm" (make TOOLCHAIN=llvm), "debug-llvm" and
# "notrace-llvm" are the same built with clang and rustup's pinned rustc
# (scripts/toolchain.sh) plus scripts/kconfig/llvm.config.  Each has its
# own build directory in the cache; with the suffix "-intree" (make
# IN_TREE=1) rust_dax is built into the kernel from fs/dax_rust/
# (scripts/kconfig/intree.config).  Prints the build directory.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

FLAVOUR=${1:-default}
FRAGMENTS=("$TOP/scripts/kconfig/base.config")
case $FLAVOUR in
*-intree) FRAGMENTS+=("$TOP/scripts/kconfig/intree.config") ;;
esac
# The toolchain: gcc, or llvm for the flavours llvm and *-llvm.
base=${FLAVOUR%-intree}
case $base in
llvm) base=default TOOLCHAIN=llvm ;;
*-llvm) base=${base%-llvm} TOOLCHAIN=llvm ;;
*) TOOLCHAIN=gcc ;;
esac
case $base in
default) ;;
debug) FRAGMENTS+=("$TOP/scripts/kconfig/debug.config") ;;
notrace) FRAGMENTS+=("$TOP/scripts/kconfig/notrace.config") ;;
*) die "unknown kernel flavour '$FLAVOUR' (default, debug or notrace, -llvm, -intree)" ;;
esac
# Options that only the toolchain's flavour can have (CONFIG_RUST_INLINE_HELPERS
# needs Clang), set on the configuration the fragments above make (below).
TOOLCHAIN_FRAGMENTS=()
[ "$TOOLCHAIN" = gcc ] || TOOLCHAIN_FRAGMENTS=("$TOP/scripts/kconfig/$TOOLCHAIN.config")
args=$("$TOP/scripts/toolchain.sh" "$TOOLCHAIN")
read -r -a TOOLCHAIN_ARGS <<<"$args"

for t in make flex bison bc rustc bindgen git; do
	have "$t" || die "$t not found: run 'make deps' (scripts/deps.sh)"
done
if [ "$TOOLCHAIN" = gcc ]; then
	have gcc || die "gcc not found: run 'make deps' (scripts/deps.sh)"
else
	. "$TOP/scripts/toolchain.version"
	for t in clang ld.lld llvm-link; do
		have "$t-$LLVM_MAJOR" || die "$t-$LLVM_MAJOR not found: run 'make deps TOOLCHAIN=llvm'"
	done
fi
export LIBCLANG_PATH=${LIBCLANG_PATH:-$(libclang_path)}

exec 8>"$TREE_LOCK"
flock 8 || die "cannot lock $TREE_LOCK"
SRC=$("$TOP/scripts/fetch-kernel.sh")
"$TOP/scripts/sync-tree.sh" "$SRC"
exec 8>&-

lock=$(kernel_lock "$FLAVOUR")
exec 9>"$lock"
flock 9 || die "cannot lock $lock"

OUT=$CACHE/build/$FLAVOUR
mkdir -p "$OUT"
JOBS=${JOBS:-$(nproc)}
kmake() { make -s -C "$SRC" O="$OUT" -j"$JOBS" "${TOOLCHAIN_ARGS[@]}" "$@"; }

# Configure when an option of the fragments is not in .config (or no
# finished config exists).  A build with more options than the fragments ask
# for is kept: checkouts sharing this cache may be at different revisions of
# the fragments, and must not reconfigure the kernel back and forth.  A
# later fragment overrides an option of an earlier one; "# CONFIG_X is not
# set" asks that X be off, also one that other options select (the check
# then names it).
frag=$OUT/rust-dax.config
merge_fragments() {
	awk 'match($0, /^CONFIG_[A-Za-z0-9_]+=/) { sym = substr($0, 1, RLENGTH - 1) }
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { sym = $2 }
		sym != "" { if (!(sym in val)) order[n++] = sym; val[sym] = $0; sym = "" }
		END { for (i = 0; i < n; i++) print val[order[i]] }' "$@"
}
merge_fragments "${FRAGMENTS[@]}" "${TOOLCHAIN_FRAGMENTS[@]}" >"$frag.new"
wanted_missing() {
	local line sym
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$OUT/.config" || echo "$line"
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			! grep -q "^$sym=" "$OUT/.config" || echo "$line"
			;;
		esac
	done <"$frag.new"
}
if [ ! -f "$OUT/.config" ] || [ ! -f "$OUT/.rust-dax-configured" ] ||
	[ -n "$(wanted_missing)" ]; then
	info "configuring $FLAVOUR kernel (allnoconfig + fragments)"
	rm -f "$OUT/.rust-dax-configured"
	kmake rustavailable >/dev/null || {
		kmake rustavailable || true
		die "the kernel does not accept this Rust toolchain (see above)"
	}
	merge_fragments "${FRAGMENTS[@]}" >"$frag.base"
	kmake KCONFIG_ALLCONFIG="$frag.base" allnoconfig >/dev/null
	rm -f "$frag.base"
	# The toolchain's options are set afterwards, on the configuration made:
	# CONFIG_RUST_INLINE_HELPERS depends on CONFIG_EXPERT, and allnoconfig
	# would turn off every option CONFIG_EXPERT gives a prompt (SHMEM,
	# ELF_CORE, VM_EVENT_COUNTERS, ...).  Set on the configuration made, they
	# leave the other options as they are, so that both toolchains build the
	# same kernel.
	if [ ${#TOOLCHAIN_FRAGMENTS[@]} -gt 0 ]; then
		sed -n 's/^CONFIG_\([A-Za-z0-9_]*\)=\(.*\)$/--set-val \1 \2/p' \
			"${TOOLCHAIN_FRAGMENTS[@]}" | xargs "$SRC/scripts/config" --file "$OUT/.config"
		kmake olddefconfig >/dev/null
	fi
	missing=$(wanted_missing | tr '\n' ' ')
	[ -z "$missing" ] ||
		die "options not accepted by Kconfig (unmet dependencies?): $missing"
	mv -f "$frag.new" "$frag"
	touch "$OUT/.rust-dax-configured"
else
	rm -f "$frag.new"
fi

info "building $FLAVOUR kernel in $OUT (-j$JOBS)"
ticker "building $FLAVOUR kernel" "$OUT"
trap untick EXIT
kbuild_guarded "$OUT" kmake bzImage modules
untick
echo "$OUT"
