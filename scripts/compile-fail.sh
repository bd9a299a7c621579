#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compile-fail.sh: compile each misuse of the kernel crate's abstractions in
# tests/compile_fail/ as a module crate, with the flags kbuild gave
# dax/rust_dax_main.o (so run after the module is built), and require:
#   - every ok_*.rs to compile;
#   - every other file to fail with the error code of its "// expect: E..."
#     line, and with no other error code.
# Prints one line per file; exits non-zero if any file does not behave.

set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP"

cmdfile=dax/.rust_dax_main.o.cmd
[ -f "$cmdfile" ] || die "$cmdfile not found: build the module first (make module)"
# The kernel crate the module was built against must be that of rust/: a stale
# one would test the abstractions of another revision.
kdir=${KDIR:?KDIR: the kernel build directory}
stale=$(find rust -type f -name '*.rs' -newer "$kdir/rust/libkernel.rmeta" | head -1)
[ -z "$stale" ] || die "$stale is newer than the kernel crate: run make module first"
# The rustc command of the module crate, up to the objtool command after ';',
# without its outputs and input.
cmd=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdfile" | sed 's/;.*//')
cmd=$(printf '%s' "$cmd" | sed -e 's/--emit=[^ ]*//g' -e 's/--out-dir [^ ]*//' \
	-e 's/ dax\/rust_dax_main\.rs//')
[ -n "$cmd" ] || die "no rustc command in $cmdfile"
# As the kernel's Makefile does, for the -Z options of the stable compiler.
export RUSTC_BOOTSTRAP=1

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0
for f in tests/compile_fail/*.rs; do
	name=$(basename "$f" .rs)
	log=$out/$name.log
	rc=0
	eval "$cmd --crate-name cf_$name --emit=metadata -o $out/$name.rmeta $f" \
		>"$log" 2>&1 || rc=$?
	codes=$(grep -o '^error\[E[0-9]*\]' "$log" | sort -u | tr -d 'error[]' | tr '\n' ' ' || true)
	case $name in
	ok_*)
		if [ "$rc" = 0 ]; then
			echo "ok: $name compiles"
		else
			echo "FAIL: $name does not compile:"; sed 's/^/    /' "$log"
			failed=1
		fi
		continue
		;;
	esac
	want=$(sed -n 's/^\/\/ expect: \(E[0-9]*\)$/\1/p' "$f")
	[ -n "$want" ] || { echo "FAIL: $name has no '// expect: E...' line"; failed=1; continue; }
	if [ "$rc" != 0 ] && [ "$codes" = "$want " ]; then
		echo "ok: $name fails with $want"
	elif [ "$rc" = 0 ]; then
		echo "FAIL: $name compiles: the hole it guards is open"
		failed=1
	else
		echo "FAIL: $name fails with ${codes:-no error code}, not $want:"
		sed 's/^/    /' "$log"
		failed=1
	fi
done
[ "$failed" = 0 ] || die "compile-fail checks failed"
ok "compile-fail checks"
