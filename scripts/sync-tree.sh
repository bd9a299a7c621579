#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sync-tree.sh [--print-tree] SRC: make the kernel tree SRC equal to its
# pristine commit plus patches/*.patch (applied in order) plus the files
# under rust/ (overlaid onto the tree's rust/) plus the in-tree form of the
# module, its tests and documentation (scripts/series_tree.py).  Only files
# whose content changes are written, so make rebuilds only what depends on
# them.  --print-tree prints the git tree of that content and changes
# nothing (scripts/series.py splits it into the patch series).

set -euo pipefail
. "$(dirname "$0")/lib.sh"

PRINT_TREE=
if [ "${1:-}" = --print-tree ]; then
	PRINT_TREE=1
	shift
fi
SRC=${1:?usage: sync-tree.sh [--print-tree] SRC}
cd "$SRC"
git rev-parse -q --verify refs/tags/pristine >/dev/null || die "$SRC has no pristine tag"

# Build the wanted tree in a private index, never touching the work tree.
idx=$SRC/.git/rust-dax-index
export GIT_INDEX_FILE=$idx${PRINT_TREE:+.$$}.tmp
rm -f "$GIT_INDEX_FILE"
git read-tree refs/tags/pristine
for p in "$TOP"/patches/*.patch; do
	[ -e "$p" ] || continue
	git apply --cached --whitespace=nowarn "$p" ||
		die "patch $(basename "$p") does not apply to $(git log -1 --format=%s refs/tags/pristine)"
done
if [ -d "$TOP/rust" ]; then
	while IFS= read -r -d '' f; do
		rel=${f#"$TOP"/}
		blob=$(git hash-object -w -- "$f")
		git update-index --add --cacheinfo "100644,$blob,$rel"
	done < <(find "$TOP/rust" -type f ! -name '*.md' -print0)
fi
python3 "$TOP/scripts/series_tree.py" intree
wanted=$(git write-tree)
if [ -n "$PRINT_TREE" ]; then
	rm -f "$GIT_INDEX_FILE"
	echo "$wanted"
	exit 0
fi

# Files that differ from pristine now (earlier syncs) or should differ.
applied=$SRC/.git/rust-dax-applied
{
	[ -f "$applied" ] && cat "$applied"
	git diff-tree -r --name-only refs/tags/pristine "$wanted"
} | sort -u >"$applied.candidates"

changed=0
while IFS= read -r path; do
	[ -n "$path" ] || continue
	want=$(git ls-tree "$wanted" -- "$path" | awk '{print $3}')
	if [ -z "$want" ]; then
		if [ -e "$path" ]; then
			rm -f -- "$path"
			changed=$((changed + 1))
		fi
		continue
	fi
	have=$( [ -f "$path" ] && git hash-object -- "$path" || true)
	if [ "$want" != "$have" ]; then
		mkdir -p "$(dirname "$path")"
		git cat-file blob "$want" >"$path.rust-dax-tmp"
		mv -f "$path.rust-dax-tmp" "$path"
		changed=$((changed + 1))
	fi
done <"$applied.candidates"

git diff-tree -r --name-only refs/tags/pristine "$wanted" >"$applied.tmp"
mv -f "$applied.tmp" "$applied"
rm -f "$applied.candidates" "$GIT_INDEX_FILE"
info "kernel tree in sync ($changed files written)"
