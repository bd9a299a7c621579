#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh DIR COMMAND...: run COMMAND, a build writing into the kernel
# build directory DIR, so that an interrupted run is repaired by the next
# one (kbuild_guarded in lib.sh).  For make rules that build in the kernel
# tree without scripts/kernel.sh.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: kbuild.sh DIR COMMAND..."
kbuild_guarded "$@"
