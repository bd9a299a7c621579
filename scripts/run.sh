#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: boot the pmem VM, load rust_dax, make ext4 and xfs with DAX, run
# a short mmap workload on each and show what happened.  Exit 0 only if
# every step worked.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=${KDIR:-$CACHE/build/default}
mkdir -p "$CACHE/vm"
RUNDIR=$(mktemp -d "$CACHE/vm/run.XXXXXX")
status=0
"$TOP/scripts/vm.sh" --kernel "$KDIR" --timeout "${TIMEOUT:-900}" --rundir "$RUNDIR" \
	-- bash scripts/run-guest.sh || status=$?
cat "$RUNDIR/run.out" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
	warn "make run failed (status $status); console log: $RUNDIR/console.log"
	exit 1
fi
ok "make run: all steps worked (logs in $RUNDIR)"
