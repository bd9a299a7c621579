#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series.sh OUT: write the patch series of the in-tree form into OUT (make
# series): the kernel tree is fetched if needed, scripts/series.py does
# the rest.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT=${1:?usage: series.sh OUT}
for t in git python3; do
	have "$t" || die "$t not found: run 'make deps'"
done
exec 8>"$TREE_LOCK"
flock -s 8 || die "cannot lock $TREE_LOCK"
SRC=$("$TOP/scripts/fetch-kernel.sh")
mkdir -p "$OUT"
python3 "$TOP/scripts/series.py" "$SRC" "$OUT"
