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
