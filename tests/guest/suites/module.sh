#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, says so, and unloads cleanly.

. "$(dirname "$0")/../lib.sh"

insmod_logs() {
	local m
	unload_module
	m=$(kmsg_mark)
	insmod "$MODULE"
	module_loaded
	kmsg_since "$m" | grep -q 'rust_dax: loaded'
}

rmmod_logs() {
	local m
	load_module
	m=$(kmsg_mark)
	rmmod rust_dax
	! module_loaded
	kmsg_since "$m" | grep -q 'rust_dax: unloaded'
}

reload() {
	local i
	for i in 1 2 3; do
		insmod "$MODULE" && rmmod rust_dax || return 1
	done
	! module_loaded
}

double_insmod_fails() {
	load_module
	! insmod "$MODULE" 2>/dev/null
	module_loaded
}

# Built in: started at boot, before the first test, and switched on and
# off through debugfs.
builtin_at_boot() {
	dmesg | sed '/rust_dax-test: mark/,$d' | grep -q 'rust_dax: loaded' &&
		[ -e "$STATS" ] && ! grep -q '^rust_dax ' /proc/modules &&
		use_path c && [ "$(cat "$PATHSW")" = 0 ] &&
		use_path rust && [ "$(cat "$PATHSW")" = 1 ]
}

if [ -n "$BUILTIN" ]; then
	t module/builtin-at-boot builtin_at_boot
	for name in insmod rmmod reload double-insmod; do
		skip_builtin module/$name
	done
	exit 0
fi
t module/insmod insmod_logs
t module/rmmod rmmod_logs
t module/reload reload
t module/double-insmod double_insmod_fails
unload_module
