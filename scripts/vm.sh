#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh [options] -- COMMAND...: boot the built kernel with virtme-ng on the
# host's root, with memmap= persistent memory, run COMMAND in the guest as
# root and return its exit status.
#
#   --kernel DIR     kernel build directory (default: the cache's default build)
#   --timeout SECS   kill the VM after this long (default 1200); status 124
#   --log FILE       console log (default: RUNDIR/console.log)
#   --rundir DIR     directory shared read-write with the guest (default: new)
#   --icount         count instructions: the guest clock advances by one
#                    nanosecond per instruction executed (QEMU -icount), so
#                    timings in the guest are instruction counts, free of
#                    host noise (TCG only, one host thread)
#   --qemu-opts STR  more options for QEMU (e.g. -plugin for profiling)
#   --append STR     more kernel command-line parameters (e.g. log_buf_len=)
#   --pmem N         number of 2 GiB memmap pmem devices, 1 to 3 (default 2)
#   --share DIR      also share the host directory DIR read-write with the
#                    guest at the same path (repeatable)
#   --shell          an interactive shell instead of COMMAND
#
# The guest command's status is taken from a file it writes into RUNDIR, not
# from vng's exit status.  No qemu process is left behind.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

KOUT=$CACHE/build/default
TIMEOUT=1200
LOG=
RUNDIR=
PMEM=2
SHELL_MODE=0
SHARES=()
ICOUNT=0
EXTRA_QEMU_OPTS=
EXTRA_APPEND=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) KOUT=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--log) LOG=$2; shift 2 ;;
	--rundir) RUNDIR=$2; shift 2 ;;
	--pmem) PMEM=$2; shift 2 ;;
	--share) SHARES+=(--rwdir "$2"); shift 2 ;;
	--shell) SHELL_MODE=1; shift ;;
	--icount) ICOUNT=1; shift ;;
	--qemu-opts) EXTRA_QEMU_OPTS=$2; shift 2 ;;
	--append) EXTRA_APPEND=$2; shift 2 ;;
	--) shift; break ;;
	*) die "vm.sh: unknown option $1" ;;
	esac
done
[ $SHELL_MODE = 1 ] || [ $# -gt 0 ] || die "vm.sh: no guest command"
case $PMEM in 1 | 2 | 3) ;; *) die "vm.sh: --pmem takes 1, 2 or 3" ;; esac

BZIMAGE=$KOUT/arch/x86/boot/bzImage
[ -f "$BZIMAGE" ] || die "no kernel at $BZIMAGE: run 'make kernel'"
have "$VENV/bin/vng" || die "virtme-ng not installed: run 'make deps'"
have qemu-system-x86_64 || die "qemu-system-x86_64 not found: run 'make deps'"

if [ -z "$RUNDIR" ]; then
	mkdir -p "$CACHE/vm"
	RUNDIR=$(mktemp -d "$CACHE/vm/run.XXXXXX")
fi
mkdir -p "$RUNDIR"
LOG=${LOG:-$RUNDIR/console.log}

# pmem: RAM below 3 GiB and from 4 GiB up; the memmap= ranges are carved
# out of the high RAM, 2 GiB each, starting at 4 GiB.
append="panic=-1 oops=panic"
for i in $(seq 0 $((PMEM - 1))); do
	append+=" memmap=2G!$((4 + 2 * i))G"
done
[ -z "$EXTRA_APPEND" ] || append+=" $EXTRA_APPEND"
MEMORY=$((4 + 2 * PMEM + 1))G

# KVM: nested KVM can hang early in boot; probe it once per host boot.
kvm_args=(--disable-kvm)
probe=$CACHE/vm/kvm-probe.$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo x)
mkdir -p "$CACHE/vm"
if [ ! -f "$probe" ]; then
	result=no
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		if timeout -k 2 20 qemu-system-x86_64 -enable-kvm -cpu host -m 512 \
			-nographic -no-reboot -kernel "$BZIMAGE" \
			-append "console=ttyS0 panic=-1 init=/nonexistent" 2>/dev/null |
			grep -q -m1 'Kernel panic\|VFS:'; then
			result=yes
		fi
	fi
	echo $result >"$probe"
fi
[ "$(cat "$probe")" = yes ] && kvm_args=()
qemu_opts=-no-reboot
if [ $ICOUNT = 1 ]; then
	kvm_args=(--disable-kvm)
	qemu_opts+=" -icount shift=0,sleep=off"
fi
[ -z "$EXTRA_QEMU_OPTS" ] || qemu_opts+=" $EXTRA_QEMU_OPTS"

cat >"$RUNDIR/guest.sh" <<EOT
#!/bin/bash
# Written by vm.sh: runs the guest command, records its status.
cd "$TOP"
export RUST_DAX_RUNDIR="$RUNDIR"
$(printf '%q ' "$@")
echo \$? >"$RUNDIR/status"
sync
# No ACPI in this kernel, so power-off only halts: reboot instead, which
# ends qemu (-no-reboot).
echo b >/proc/sysrq-trigger
EOT
rm -f "$RUNDIR/status"

vng_args=(
	--run "$BZIMAGE" --skip-modules --user root
	--memory "$MEMORY" --cpus 2 "${kvm_args[@]}"
	--rwdir "$RUNDIR" "${SHARES[@]}" --append "$append"
	--qemu-opts="$qemu_opts"
)
if [ $SHELL_MODE = 1 ]; then
	exec "$VENV/bin/vng" "${vng_args[@]}"
fi

info "booting $(basename "$KOUT") kernel (${kvm_args[*]:-kvm}, $PMEM pmem, timeout ${TIMEOUT}s), log in $LOG"
# Own session and process group, so that a timeout or ^C takes qemu too.
cleanup() {
	[ -n "${vpid:-}" ] && kill -TERM -- "-$vpid" 2>/dev/null || true
	sleep 1
	[ -n "${vpid:-}" ] && kill -KILL -- "-$vpid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
setsid "$VENV/bin/vng" "${vng_args[@]}" --verbose --exec "bash $RUNDIR/guest.sh" \
	</dev/null >"$LOG" 2>&1 &
vpid=$!
waited=0
while kill -0 "$vpid" 2>/dev/null; do
	if [ "$waited" -ge "$TIMEOUT" ]; then
		warn "VM timed out after ${TIMEOUT}s"
		cleanup
		exit 124
	fi
	sleep 1
	waited=$((waited + 1))
done
wait "$vpid" || true
vpid=
if [ ! -f "$RUNDIR/status" ]; then
	warn "the guest command did not finish (no status); console log: $LOG"
	tail -n 30 "$LOG" >&2 || true
	exit 125
fi
exit "$(cat "$RUNDIR/status")"
