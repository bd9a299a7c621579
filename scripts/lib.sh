# SPDX-License-Identifier: GPL-2.0
#
# Shared definitions for the scripts in this directory. Sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${RUST_DAX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rust-dax}
VENV=$CACHE/venv
mkdir -p "$CACHE"

info() { printf '==> %s\n' "$*" >&2; }
ok() { printf '==> ok: %s\n' "$*" >&2; }
warn() { printf '==> warning: %s\n' "$*" >&2; }
die() { printf '==> error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# PATH additions for tools installed per user.
export PATH="$HOME/.cargo/bin:$VENV/bin:$PATH"

libclang_path() {
	if have llvm-config-19; then
		llvm-config-19 --libdir
	else
		echo /usr/lib/llvm-19/lib
	fi
}

# The kernel tree and build directories in the cache are shared by every
# checkout using this cache.  TREE_LOCK is held exclusively while the tree is
# fetched and synced; kernel_lock FLAVOUR names the lock of one build
# directory, held exclusively while kernel.sh builds it and shared while a
# module is built against it.
TREE_LOCK=$CACHE/tree.lock
kernel_lock() { echo "$CACHE/kernel-$1.lock"; }

# kbuild_guarded DIR COMMAND...: run a build that writes into the kernel
# build directory DIR (caller holds DIR's lock).  kbuild deletes a target
# whose command fails, but a build that is killed (SIGKILL, a machine or
# CI runner going away) leaves what it was writing: an empty
# vmlinux.unstripped, a half-written object, each newer than its
# prerequisites and so "up to date" for every later make.  A marker file
# lives in DIR while the build runs; finding it at the start means the last
# build never ended, and every file written since the marker is removed so
# that make writes it again.  A build that fails ends: make has removed
# its failed target.
kbuild_guarded() {
	local dir=$1 marker=$1/.rust-dax-building
	shift
	if [ -e "$marker" ]; then
		warn "the last build in $dir was interrupted: removing what it wrote"
		find "$dir" -newer "$marker" -type f \
			! -name .config ! -name rust-dax.config \
			! -name .rust-dax-configured -delete
	fi
	touch "$marker"
	local rc=0
	"$@" || rc=$?
	rm -f "$marker"
	return "$rc"
}

# ticker WHAT [DIR]: until untick, say every minute how long WHAT has run
# and, with DIR, how many objects (*.o) it has written there so far and the
# last one, so that a long build shows it is getting on.  Nothing for a
# run shorter than a minute.
ticker() {
	local what=$1 dir=${2:-}
	TICKER_STAMP=$(mktemp "$CACHE/.ticker.XXXXXX")
	(
		set +e +o pipefail
		trap 'kill ${!:-} 2>/dev/null; exit 0' TERM
		start=$SECONDS
		while sleep 60 & wait $!; do
			msg="$what: $(((SECONDS - start) / 60)) min"
			if [ -n "$dir" ]; then
				objs=$(find "$dir" -name '*.o' -newer "$TICKER_STAMP" -printf '%T@ %P\n' |
					sort -n)
				msg+=", $(grep -c . <<<"$objs") objects compiled"
				[ -z "$objs" ] || msg+=", the last $(tail -n 1 <<<"$objs" | cut -d' ' -f2)"
			fi
			info "$msg"
		done
	) &
	TICKER=$!
}

untick() {
	[ -n "${TICKER:-}" ] || return 0
	kill "$TICKER" 2>/dev/null || true
	wait "$TICKER" 2>/dev/null || true
	rm -f "$TICKER_STAMP"
	TICKER=
}
