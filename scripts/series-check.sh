#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series-check.sh SERIES_DIR: check the patch series of `make series`.
#
#  am          git am of the series onto a clean copy of the pinned tree
#              ($CACHE/series/tree, reset to the pristine commit), which
#              must end at exactly the tree the build uses;
#  checkpatch  scripts/checkpatch.pl --strict on every patch, and every
#              file a patch adds listed in MAINTAINERS by a section other
#              than the catch-alls (checkpatch's FILE_PATH_CHANGES warns on
#              any new file of a patch that leaves MAINTAINERS alone, so it
#              is replaced by that stronger check);
#  build       the kernel built after every patch, without a warning (an
#              error with CONFIG_WERROR), incrementally in one build
#              directory ($CACHE/build/series, base.config, with
#              CONFIG_FS_DAX_RUST=m from the patch that adds it on), the
#              kselftest target from its patch on, the documentation parsed
#              with docutils where it is installed;
#  boot        the last tree with CONFIG_FS_DAX_RUST=y: `make check
#              IN_TREE=1` on it (a VM).
#
# SERIES_STEPS selects steps (default: "am checkpatch build boot"); a step
# needs the ones before it to have run once.  The summary is written to
# SERIES_DIR/series-check.txt, the closing line of `make check IN_TREE=1`
# to SERIES_DIR/check-in-tree.txt (the cover letter quotes it).

set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/kernel.version"

OUT=$(cd "${1:?usage: series-check.sh SERIES_DIR}" && pwd)
STEPS=${SERIES_STEPS:-am checkpatch build boot}
TREE=$CACHE/series/tree
BUILD=$CACHE/build/series
JOBS=${JOBS:-$(nproc)}
SUMMARY=$OUT/series-check.txt
FAILED=0
step() { [[ " $STEPS " == *" $1 "* ]]; }
say() { echo "$*" | tee -a "$SUMMARY"; }

mapfile -t PATCHES < <(sed 's|^|'"$OUT"'/|' "$OUT/series")
[ ${#PATCHES[@]} -gt 0 ] || die "no patches in $OUT (make series)"
: >"$SUMMARY"
say "series-check of $OUT: ${#PATCHES[@]} patches (steps: $STEPS)"

SRC=$("$TOP/scripts/fetch-kernel.sh")
export GIT_AUTHOR_NAME=series-check GIT_AUTHOR_EMAIL=series-check@localhost
export GIT_COMMITTER_NAME=series-check GIT_COMMITTER_EMAIL=series-check@localhost

# --- am ----------------------------------------------------------------------
if step am; then
	if [ ! -d "$TREE/.git" ]; then
		info "a copy of the pinned tree in $TREE"
		mkdir -p "$(dirname "$TREE")"
		git clone -q --shared --no-checkout "$SRC" "$TREE"
	fi
	git -C "$TREE" fetch -q "$SRC" refs/tags/pristine:refs/tags/pristine
	git -C "$TREE" am --abort >/dev/null 2>&1 || true
	# A clean copy: the pristine commit, nothing else.  Files the checkout
	# leaves alone keep their times, so the build stays incremental.
	git -C "$TREE" checkout -q -f --detach pristine
	git -C "$TREE" clean -q -fdx
	[ -z "$(git -C "$TREE" status --porcelain)" ] || die "$TREE is not clean"
	info "git am of ${#PATCHES[@]} patches onto $(git -C "$TREE" log -1 --format=%s pristine)"
	if git -C "$TREE" am "${PATCHES[@]}" >"$OUT/git-am.log" 2>&1; then
		applied=$(git -C "$TREE" rev-list --count pristine..HEAD)
		say "git am: $applied of ${#PATCHES[@]} patches applied (log: git-am.log)"
	else
		cat "$OUT/git-am.log" >&2
		say "git am: FAILED (log: git-am.log)"
		exit 1
	fi
	want=$(cat "$OUT/tree")
	have=$(git -C "$TREE" rev-parse HEAD^{tree})
	if [ "$want" = "$have" ]; then
		say "git am: the tree after the last patch is the tree the build uses ($have)"
	else
		say "git am: FAILED: the tree after the last patch ($have) is not the tree the build uses ($want)"
		exit 1
	fi
	git -C "$TREE" tag -f series-head >/dev/null
fi
mapfile -t COMMITS < <(git -C "$TREE" rev-list --reverse pristine..series-head)
[ ${#COMMITS[@]} -eq ${#PATCHES[@]} ] || die "$TREE does not hold the series: run the am step"

# --- checkpatch --------------------------------------------------------------
# maint_check COMMIT: the files COMMIT adds that no section of its
# MAINTAINERS lists, the catch-alls (THE REST, RUST) aside.
maint_check() {
	local c=$1 m
	m=$(mktemp)
	git -C "$TREE" show "$c:MAINTAINERS" >"$m"
	git -C "$TREE" diff-tree -r --no-commit-id --diff-filter=A --name-only "$c" |
		python3 -c '
import fnmatch, re, sys
secs, title, pats = [], None, []
for line in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    if re.match(r"^[A-Z]:\t", line):
        if line.startswith("F:\t") and title:
            pats.append(line[3:].strip())
    elif line.strip():
        if title:
            secs.append((title, pats))
        title, pats = line.strip(), []
    else:
        if title:
            secs.append((title, pats))
        title, pats = None, []
def match(p, f):
    # MAINTAINERS: "dir/" is everything below dir, "*" does not cross "/".
    if p.endswith("/"):
        return f.startswith(p)
    if any(c in p for c in "*?["):
        rx = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in p)
        return re.fullmatch(rx, f) is not None
    return f == p or f.startswith(p + "/")
for f in sys.stdin.read().split():
    ok = [t for t, ps in secs if t not in ("THE REST", "RUST") and any(match(p, f) for p in ps)]
    if not ok:
        print(f)
' "$m"
	rm -f "$m"
}

if step checkpatch; then
	info "checkpatch --strict on every patch"
	bad=0
	warnings=0
	for i in "${!PATCHES[@]}"; do
		p=${PATCHES[$i]}
		n=$(basename "$p")
		log=$OUT/checkpatch/${n%.patch}.log
		mkdir -p "$OUT/checkpatch"
		# The pinned tree has no history: the upstream commits that Fixes:
		# tags name cannot be looked up there (make lint ignores them too).
		(cd / && "$TREE/scripts/checkpatch.pl" --strict --no-tree --ignore FILE_PATH_CHANGES \
			--ignore UNKNOWN_COMMIT_ID "$p") >"$log" 2>&1 || true
		res=$(grep -E '^total: ' "$log" | tail -n1 || true)
		unlisted=$(maint_check "${COMMITS[$i]}")
		if [ -n "$unlisted" ]; then
			echo "files not in MAINTAINERS: $unlisted" >>"$log"
		fi
		if ! grep -q '^total: 0 errors, 0 warnings, 0 checks' "$log" || [ -n "$unlisted" ]; then
			bad=$((bad + 1))
			say "checkpatch: $n: ${res:-no result}${unlisted:+; not in MAINTAINERS: $unlisted}"
		fi
		w=$(sed -n 's/^total: \([0-9]*\) errors, \([0-9]*\) warnings, \([0-9]*\) checks.*/\1+\2+\3/p' "$log" | tail -n1)
		warnings=$((warnings + ${w:-1}))
		[ -z "$unlisted" ] || warnings=$((warnings + 1))
	done
	if [ $bad -eq 0 ]; then
		say "checkpatch --strict: ${#PATCHES[@]} of ${#PATCHES[@]} patches clean (0 errors, 0 warnings, 0 checks); every new file listed in MAINTAINERS"
	else
		say "checkpatch --strict: $bad of ${#PATCHES[@]} patches with findings ($warnings errors, warnings and checks; logs in checkpatch/)"
		FAILED=1
	fi
fi

# --- build -------------------------------------------------------------------
kmake() { make -s -C "$TREE" O="$BUILD" -j"$JOBS" "$@"; }

configure() {
	info "configuring $BUILD (allnoconfig + scripts/kconfig/base.config)"
	kmake KCONFIG_ALLCONFIG="$TOP/scripts/kconfig/base.config" allnoconfig >/dev/null
}

# set_option y|m|n: CONFIG_FS_DAX_RUST, when the tree has it.
set_option() {
	[ -f "$TREE/fs/dax_rust/Kconfig" ] || return 0
	grep -qx "CONFIG_FS_DAX_RUST=$1" "$BUILD/.config" && return 0
	"$TREE/scripts/config" --file "$BUILD/.config" --set-val FS_DAX_RUST "$1"
	kmake olddefconfig >/dev/null
	grep -qx "CONFIG_FS_DAX_RUST=$1" "$BUILD/.config" ||
		die "CONFIG_FS_DAX_RUST=$1 not accepted by Kconfig"
}

if step build; then
	mkdir -p "$BUILD"
	exec 9>"$(kernel_lock series)"
	flock 9
	start_all=$(date +%s)
	say "build after every patch ($BUILD, -j$JOBS):"
	for i in "${!COMMITS[@]}"; do
		c=${COMMITS[$i]}
		n=$(basename "${PATCHES[$i]}")
		git -C "$TREE" checkout -q -f --detach "$c"
		[ -f "$BUILD/.config" ] || configure
		set_option m
		log=$OUT/build/${n%.patch}.log
		mkdir -p "$OUT/build"
		t0=$(date +%s)
		extra=
		if kbuild_guarded "$BUILD" kmake all >"$log" 2>&1; then
			res=ok
			# A warning is an error with CONFIG_WERROR (rustc's
			# -Dwarnings too): a patch must not add one.
			nw=$(grep -cE '^warning|: warning:' "$log" || true)
			if [ "$nw" -gt 0 ]; then
				res=FAILED
				FAILED=1
				extra=", $nw warnings"
			fi
		else
			res=FAILED
			FAILED=1
		fi
		if [ $res = ok ] && git -C "$TREE" diff-tree -r --no-commit-id --name-only "$c" |
			grep -q '^tools/testing/selftests/'; then
			if make -s -C "$TREE" O="$BUILD/kselftest" headers >>"$log" 2>&1 &&
				make -s -C "$TREE/tools/testing/selftests" O="$BUILD/kselftest" \
					TARGETS=rust_dax >>"$log" 2>&1; then
				extra=", kselftest rust_dax built"
			else
				res=FAILED
				FAILED=1
				extra=", kselftest rust_dax FAILED"
			fi
		fi
		if [ $res = ok ] && git -C "$TREE" diff-tree -r --no-commit-id --name-only "$c" |
			grep -q '^Documentation/.*\.rst$'; then
			if python3 -c 'import docutils' 2>/dev/null; then
				for f in $(git -C "$TREE" diff-tree -r --no-commit-id --name-only \
					--diff-filter=AM "$c" | grep '^Documentation/.*\.rst$'); do
					# Sphinx directives and roles are not docutils'.
					python3 - "$TREE/$f" >>"$log" 2>&1 <<'EOF' || { res=FAILED; FAILED=1; }
import sys, docutils.core
src = open(sys.argv[1], encoding="utf-8").read()
if ".. toctree::" in src:
    sys.exit(0)
docutils.core.publish_string(src, writer_name="null",
                             settings_overrides={"halt_level": 2, "report_level": 2})
EOF
				done
				extra="$extra, reST parsed"
			else
				extra="$extra, reST not parsed (no docutils)"
			fi
		fi
		t1=$(date +%s)
		# After the build, which drops what the tree's Kconfig does not know.
		opt=$(grep -o '^CONFIG_FS_DAX_RUST=.' "$BUILD/.config" || echo 'no CONFIG_FS_DAX_RUST')
		say "$(printf '  %2d %-62.62s %s %4ds (%s%s)' $((i + 1)) "${n#[0-9][0-9][0-9][0-9]-}" \
			"$res" $((t1 - t0)) "$opt" "$extra")"
	done
	say "build: $(( ($(date +%s) - start_all) / 60 )) min for ${#COMMITS[@]} patches"
	flock -u 9
fi

# --- boot --------------------------------------------------------------------
if step boot; then
	exec 9>"$(kernel_lock series)"
	flock 9
	git -C "$TREE" checkout -q -f --detach series-head
	[ -f "$BUILD/.config" ] || configure
	set_option y
	info "building the last tree with CONFIG_FS_DAX_RUST=y"
	t0=$(date +%s)
	kbuild_guarded "$BUILD" kmake all >"$OUT/build-y.log" 2>&1 ||
		{ tail -n 30 "$OUT/build-y.log" >&2; say "build with CONFIG_FS_DAX_RUST=y: FAILED"; exit 1; }
	say "build with CONFIG_FS_DAX_RUST=y: ok ($(( $(date +%s) - t0 ))s)"
	flock -u 9
	info "make check IN_TREE=1 on $BUILD"
	set +e
	make -s -C "$TOP" check IN_TREE=1 KDIR="$BUILD" 2>&1 | tee "$OUT/check-in-tree.log"
	rc=${PIPESTATUS[0]}
	set -e
	closing=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/check-in-tree.log" | tail -n1)
	rundir=$(sed -n 's/^==> guest logs in //p' "$OUT/check-in-tree.log" | tail -n1)
	{
		echo "\`make check IN_TREE=1\` on the kernel of this series (CONFIG_FS_DAX_RUST=y,"
		echo "rust_dax built in and started at boot): ${closing:-no closing line}."
		[ -z "$rundir" ] || echo "(run $(basename "$rundir"))"
	} >"$OUT/check-in-tree.txt"
	say "make check IN_TREE=1: ${closing:-no closing line}"
	[ "$rc" -eq 0 ] || FAILED=1
fi

if [ $FAILED -ne 0 ]; then
	say "series-check: FAILED"
	exit 1
fi
say "series-check: ok"
if step boot; then
	# The same patches again, with a cover letter that quotes the check.
	"$TOP/scripts/series.sh" "$OUT" >/dev/null
fi
