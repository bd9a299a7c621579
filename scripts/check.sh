#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--timeout SECS] [SUITE...]: run the guest test suites in one VM
# boot and print the verdict (TAP lines and "N passed, N failed").

set -euo pipefail
. "$(dirname "$0")/lib.sh"

TIMEOUT=1200
if [ "${1:-}" = --timeout ]; then
	TIMEOUT=$2
	shift 2
fi
KDIR=${KDIR:-$CACHE/build/default}

mkdir -p "$CACHE/vm"
RUNDIR=$(mktemp -d "$CACHE/vm/check.XXXXXX")
status=0
"$TOP/scripts/vm.sh" --kernel "$KDIR" --timeout "$TIMEOUT" --rundir "$RUNDIR" \
	-- bash tests/guest/run.sh "$@" || status=$?
info "guest logs in $RUNDIR"
exec python3 "$TOP/scripts/report.py" "$RUNDIR" --status "$status"
