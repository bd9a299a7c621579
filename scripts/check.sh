#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--timeout SECS] [SUITE...]: run the guest test suites in one VM
# boot and print the verdict (TAP lines and "N passed, N failed").
# PMEM_MAP=dev runs them on fsdax namespaces with the memmap on the device
# (tests/guest/run.sh makes them); mem (the default) on the devices as
# booted.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

TIMEOUT=1200
if [ "${1:-}" = --timeout ]; then
	TIMEOUT=$2
	shift 2
fi
KDIR=${KDIR:-$CACHE/build/default}
PMEM_MAP=${PMEM_MAP:-mem}
case $PMEM_MAP in mem | dev) ;; *) die "PMEM_MAP is mem or dev, not '$PMEM_MAP'" ;; esac

mkdir -p "$CACHE/vm"
RUNDIR=$(mktemp -d "$CACHE/vm/check.XXXXXX")
status=0
"$TOP/scripts/vm.sh" --kernel "$KDIR" --timeout "$TIMEOUT" --rundir "$RUNDIR" \
	-- env RUST_DAX_PMEM_MAP="$PMEM_MAP" bash tests/guest/run.sh "$@" || status=$?
info "guest logs in $RUNDIR"
exec python3 "$TOP/scripts/report.py" "$RUNDIR" --status "$status"
