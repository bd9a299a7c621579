#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ndctl.sh: run in the VM by scripts/ndctl.sh.  Runs ndctl's destructive
# DAX tests (dax-ext4.sh, dax-xfs.sh: dax-pmd under trace-cmd, then again
# on the namespace made fsdax with its memmap on the device, -M dev;
# mmap.sh) on the e820 bus that memmap= makes (they take the first
# namespace of its first region, /dev/pmem0), once on the C path and once
# on the Rust path of the loaded rust_dax, as a user would run them from
# their meson build.  Writes $RUNDIR/results.tsv:
# "path<TAB>test<TAB>pass|fail|skip" (exit 77 is a skip), and per test
# whether its faults reached rust_dax as "test: faults served in Rust only
# on the Rust path".  Needs NDCTL_DIR (the source tree, whose test/ holds
# the scripts) and NDCTL_BUILD (its meson build directory).

. "$(dirname "$0")/lib.sh"

: "${NDCTL_DIR:?}" "${NDCTL_BUILD:?}"
TESTS="dax-ext4.sh dax-xfs.sh mmap.sh"
RES=$RUNDIR/results.tsv
: >"$RES"
NLOGS=$RUNDIR/ndctl
mkdir -p "$NLOGS"
TEST_TIMEOUT=${NDCTL_TEST_TIMEOUT:-1200}

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

# check_dmesg of the tests reads the kernel log of the test's run with
# "journalctl -k --since -Ns"; no journal runs in the guest, so a
# journalctl earlier in PATH prints the kernel log since the test started
# (RUST_DAX_KMSG_LINES, the lines it had then).
SHIM=$RUNDIR/ndctl-bin
mkdir -p "$SHIM"
cat >"$SHIM/journalctl" <<'EOF'
#!/bin/bash
# The guest's kernel log since the ndctl test started (see tests/guest/ndctl.sh).
dmesg | tail -n +"$((${RUST_DAX_KMSG_LINES:-0} + 1))" | tac
EOF
chmod +x "$SHIM/journalctl"

# run PATH TEST: run TEST from a scratch working directory (the test makes
# its mount point and trace.dat there), with the environment meson test
# gives it.
run() {
	local path=$1 test=$2 work=/tmp/ndctl-$1-${2%.sh} log=$NLOGS/$1-$2.log st=0
	local before served r ok=pass
	rm -rf "$work"
	mkdir -p "$work"
	before=$(($(stat_of pte_fault) + $(stat_of pmd_fault)))
	(cd "$work" && PATH=$SHIM:$PATH RUST_DAX_KMSG_LINES=$(dmesg | wc -l) \
		NDCTL=$NDCTL_BUILD/ndctl/ndctl DAXCTL=$NDCTL_BUILD/daxctl/daxctl \
		CXL=$NDCTL_BUILD/cxl/cxl TEST_PATH=$NDCTL_BUILD/test \
		DATA_PATH=$NDCTL_DIR/test \
		timeout "$TEST_TIMEOUT" "$NDCTL_DIR/test/$test") </dev/null >"$log" 2>&1 || st=$?
	served=$(($(stat_of pte_fault) + $(stat_of pmd_fault) - before))
	case $st in 0) r=pass ;; 77) r=skip ;; *) r=fail ;; esac
	printf '%s\t%s\t%s\n' "$path" "$test" "$r" >>"$RES"
	echo "$path $test: $r (exit $st), faults served in Rust: $served"
	case $path in
	c) [ "$served" -eq 0 ] || ok=fail ;;
	rust) [ "$served" -gt 0 ] || [ "$r" = skip ] || ok=fail ;;
	esac
	printf '%s\t%s: faults served in Rust only on the Rust path\t%s\n' \
		"$path" "$test" "$ok" >>"$RES"
	# dax.sh counts the dax_pmd_fault_done events of each dax-pmd run (in
	# its shell trace, "count=N" from 0 up; the first 10 must be NOPAGE):
	# the same faults on both paths give the same counts.
	case $test in
	dax-*)
		printf '%s\t%s: dax_pmd_fault_done events of the dax-pmd runs:%s\tpass\n' \
			"$path" "$test" "$(awk '$0 == "+ count=0" { if (n++) printf " %d", max; max = 0 }
				/^\+ count=[0-9]+$/ { v = substr($2, 7) + 0; if (v > max) max = v }
				END { if (n) printf " %d", max }' "$log")" >>"$RES"
		;;
	esac
}

echo "ndctl $("$NDCTL_BUILD/ndctl/ndctl" --version), tests from $NDCTL_DIR/test"
"$NDCTL_BUILD/ndctl/ndctl" list -B -R -N >"$NLOGS/bus.json" 2>&1 || true
cat "$NLOGS/bus.json"
load_module
for path in c rust; do
	use_path "$path"
	for test in $TESTS; do
		run "$path" "$test"
	done
done
unload_module
dmesg >"$RUNDIR/dmesg.txt"
