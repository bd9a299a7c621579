# SPDX-License-Identifier: GPL-2.0
#
# rust_dax: the DAX page-fault paths of fs/dax.c as a Rust module.
#
#   make run      build everything, boot a pmem VM, load rust_dax, and show
#                 PMD, copy-on-write and MAP_SYNC faults on ext4 and xfs,
#                 C and Rust side by side
#   make check    the test suite (what CI runs)
#   make help     all targets
#
# Kbuild reads ./Kbuild, not this file: `make -C $KDIR M=$PWD` builds the
# module directly.

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

SHELL := /bin/bash
CACHE ?= $(or $(RUST_DAX_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/rust-dax)
export RUST_DAX_CACHE := $(CACHE)
# IN_TREE=1: rust_dax built into the kernel from fs/dax_rust/, the in-tree
# form (CONFIG_FS_DAX_RUST=y, scripts/series_tree.py), instead of the module
# built here out of tree.
# The toolchain of the kernel and of the modules: gcc (the system's gcc and
# default rustc) or llvm (clang and the rustc of the same LLVM, with the C
# helpers of the kernel crate inlined into Rust; scripts/toolchain.version).
TOOLCHAIN ?= gcc
ifeq ($(filter gcc llvm,$(TOOLCHAIN)),)
$(error TOOLCHAIN must be gcc or llvm, not '$(TOOLCHAIN)')
endif
# default, debug, llvm, debug-llvm; -intree with IN_TREE=1.
FLAVOUR ?= $(patsubst default-llvm,llvm,$(if $(filter 1,$(DEBUG)),debug,default)$(if \
	$(filter llvm,$(TOOLCHAIN)),-llvm))$(if $(filter 1,$(IN_TREE)),-intree)

# KDIR=/path/to/built/tree uses a kernel the user built (with patches/
# applied); by default the kernel is fetched and built in the cache.
ifeq ($(origin KDIR),undefined)
KDIR := $(CACHE)/build/$(FLAVOUR)
OWN_KERNEL := 1
endif

SUITES ?=
# mem: the memmap= pmem devices as the kernel makes them (the memmap in
# RAM); dev: made fsdax namespaces with the memmap on the device (ndctl -M dev).
PMEM_MAP ?= mem
LINT_C := include/rust_dax.h $(filter-out %.mod.c,$(wildcard tests/modules/*/*.c))
# Rust sources of the checkout, without what kbuild generates (dax/Kbuild).
RUST_SRC = $(shell find dax rust -name '*.rs' ! -name '*_generated.rs')
TIMEOUT ?= $(if $(filter 1,$(DEBUG)),3600,1200)
DURATION ?= 120
PROFILE_FS ?= ext4
PROFILE_WORKLOAD ?= pmd-read
PROFILE_ROUNDS ?= 2
PROGS := $(patsubst tests/progs/%.c,tests/bin/%,$(wildcard tests/progs/*.c))
CFLAGS_PROGS := -O2 -g -Wall -Wextra -Werror -pthread
# Libraries of single programs (Debian packages installed by scripts/deps.sh).
LDLIBS_pmem2_client := -lpmem2

.PHONY: all help deps deps-xfstests kernel kconfig-check module client probe progs build check run \
	bench profile stress shell lint build-check fmt clean kselftest xfstests series series-check ndctl deps-ndctl

all: build

help:
	@echo 'make run       build, boot a pmem VM, show PMD, CoW and MAP_SYNC faults on ext4/xfs, C and Rust'
	@echo 'make check     build and run the test suite in the VM (SUITES="module fs" for some)'
	@echo 'make stress    processes, switch flips and module reloads on DAX files (DURATION=120 s)'
	@echo 'make bench     C and Rust fault paths side by side in one boot; results/ (json, png)'
	@echo 'make profile   instructions a fault by function, C and Rust (PROFILE_FS=ext4, PROFILE_WORKLOAD=pmd-read)'
	@echo 'make kselftest upstream kselftests (dax, mm subset) and ours, C and Rust path side by side'
	@echo 'make xfstests XFSTESTS_DIR=<built fstests>  fstests dax+mmap groups on ext4/xfs -o dax, C and Rust'
	@echo 'make ndctl NDCTL_DIR=<built ndctl>  ndctl'"'"'s dax-ext4.sh, dax-xfs.sh, mmap.sh, C and Rust'
	@echo 'make shell     a shell in the VM (module and tests under $(CURDIR))'
	@echo 'make deps      install the packages and tools the project needs'
	@echo 'make deps-xfstests  install what running fstests needs (not fstests)'
	@echo 'make deps-ndctl     install what running ndctl'"'"'s tests needs (not ndctl)'
	@echo 'make kernel    fetch, patch, configure and build Linux $(shell . scripts/kernel.version; echo $$KERNEL_DEB_VERSION)'
	@echo 'make module    build dax/ into rust_dax.ko against KDIR=$(KDIR)'
	@echo 'make client    build the C test modules $(CLIENT) and $(NONGPL) (use rust_dax.ko)'
	@echo 'make lint      rustfmt --check, CLIPPY=1 build, checkpatch --strict on patches/ and C'
	@echo 'make build-check  a kernel without tracepoints, and the modules against it'
	@echo 'make series    the git am-able patch series of the in-tree form in series/'
	@echo 'make series-check  git am, checkpatch, a build after every patch, make check IN_TREE=1'
	@echo 'make clean     remove build products of the checkout (not the kernel cache)'
	@echo 'DEBUG=1        use the debug kernel (lockdep, DEBUG_VM, KFENCE, ...)'
	@echo 'TOOLCHAIN=llvm use the kernel built with clang and inlined Rust helpers (default: gcc)'
	@echo 'PMEM_MAP=dev   make check: the pmem devices as fsdax namespaces with the memmap on the device'
	@echo 'IN_TREE=1      rust_dax built into the kernel (CONFIG_FS_DAX_RUST=y), not as a module'

deps:
	@TOOLCHAIN=$(TOOLCHAIN) scripts/deps.sh

deps-xfstests:
	@scripts/deps.sh xfstests

deps-ndctl:
	@scripts/deps.sh ndctl

ifdef OWN_KERNEL
kernel: deps
	@scripts/kernel.sh $(FLAVOUR) >/dev/null
else
kernel:
	@test -f $(KDIR)/Module.symvers || \
		{ echo "==> error: KDIR=$(KDIR) is not a built kernel tree"; exit 1; }
endif

# The kernel build in the cache is shared with other checkouts: hold its
# lock (shared) so that no kernel rebuild runs under the module build.
# Every kbuild run is given the toolchain's variables: kbuild takes LLVM=,
# RUSTC= and the like from the command line, and a module must be built with
# the compiler and rustc of its kernel.
KMAKE = $(MAKE) -s -C $(KDIR) $(shell scripts/toolchain.sh $(TOOLCHAIN))

LOCK_SHARED := mkdir -p $(CACHE) && flock -s $(CACHE)/kernel-$(FLAVOUR).lock
LOCK_EXCL := mkdir -p $(CACHE) && flock $(CACHE)/kernel-$(FLAVOUR).lock

# kbuild does not rebuild an external module's objects when the kernel's
# configuration changes: their recorded dependencies on include/config/
# are relative paths, which kbuild looks up in the module's directory.  A
# module built before a configuration change (or against the other
# flavour) keeps a stale struct module, and the kernel refuses it
# ("Invalid relocation target").  So the module and the client are built
# afresh whenever KDIR's auto.conf differs from the one they were built
# against, kept in .kernel-config.
KCONFIG_USED := .kernel-config
kconfig-check: kernel
	@scripts/toolchain.sh $(TOOLCHAIN) >/dev/null
	@if grep -q '^CONFIG_CC_IS_CLANG=y' $(KDIR)/include/config/auto.conf; then built=llvm; \
		else built=gcc; fi; [ $$built = $(TOOLCHAIN) ] || { \
		echo "==> error: $(KDIR) was built with the $$built toolchain: use TOOLCHAIN=$$built"; \
		exit 1; }
	@cmp -s $(KDIR)/include/config/auto.conf $(KCONFIG_USED) || { \
		echo '==> kernel configuration changed: rebuilding the modules from scratch'; \
		$(KMAKE) M=$(CURDIR) clean; \
		$(KMAKE) M=$(CURDIR)/$(CLIENT) clean; \
		$(KMAKE) M=$(CURDIR)/$(NONGPL) clean; \
		$(KMAKE) M=$(CURDIR)/$(PROBE) clean; \
		cp $(KDIR)/include/config/auto.conf $(KCONFIG_USED); }

ifeq ($(IN_TREE),1)
# rust_dax is part of the kernel: nothing to build here.
module: kconfig-check
	@grep -qx 'CONFIG_FS_DAX_RUST=y' $(KDIR)/include/config/auto.conf || { \
		echo '==> error: IN_TREE=1: $(KDIR) is not built with CONFIG_FS_DAX_RUST=y'; exit 1; }
CLIENT_SYMBOLS :=
else
module: kconfig-check
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR) modules
CLIENT_SYMBOLS := KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers
endif

# The C test module that uses the fault API of rust_dax.ko, built the way
# an out-of-tree user would be: against rust_dax's Module.symvers (with
# IN_TREE=1 the kernel exports the API).
CLIENT := tests/modules/dax_client
# A module without a GPL licence that uses the GPL-only exports: built like
# the client, modpost must refuse it (its output is kept for the client
# suite); the copy the suite must fail to load is built without rust_dax's
# Module.symvers, its uses of the exports left unresolved (not with
# IN_TREE=1: the kernel exports them itself, and the suite skips that test).
NONGPL := tests/modules/dax_nongpl
client: module
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR)/$(CLIENT) $(CLIENT_SYMBOLS) modules
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR)/$(NONGPL) $(CLIENT_SYMBOLS) modules \
		>$(NONGPL)/modpost.log 2>&1; echo "exit status $$?" >>$(NONGPL)/modpost.log
ifneq ($(IN_TREE),1)
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR)/$(NONGPL) \
		KBUILD_MODPOST_WARN=1 modules >$(NONGPL)/unresolved.log 2>&1 || \
		{ cat $(NONGPL)/unresolved.log; exit 1; }
endif

# Test-only hooks into the kernel (DAX entry dumps, an ext4 race window held
# open on purpose), for the suites and the stress test's watchdog.
PROBE := tests/modules/dax_probe
probe: kconfig-check
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR)/$(PROBE) modules

SELFTEST := tests/selftests/rust_dax
tests/bin/%: tests/progs/%.c $(wildcard tests/progs/*.h $(SELFTEST)/*.h)
	@mkdir -p tests/bin
	$(CC) $(CFLAGS_PROGS) -o $@ $< $(LDLIBS_$*)

# Tests written with the kernel's tools/testing/selftests/kselftest_harness.h,
# taken from the source tree of KDIR (an O= build links it as source/), and
# the fixture of our kselftest target (dax_dir.h).
KSRC = $(if $(wildcard $(KDIR)/source),$(KDIR)/source,$(KDIR))
HARNESS_PROGS := tests/bin/dax_faults tests/bin/pmd_faults
$(HARNESS_PROGS): CFLAGS_PROGS += -I$(KSRC)/tools/testing/selftests -I$(SELFTEST)
$(HARNESS_PROGS): | kernel

progs: $(PROGS)

build: module client probe progs

check: build
	@KDIR=$(KDIR) PMEM_MAP=$(PMEM_MAP) scripts/check.sh --timeout $(TIMEOUT) $(SUITES)

run: build
	@KDIR=$(KDIR) scripts/run.sh

kselftest: build
	@KDIR=$(KDIR) scripts/kselftest.sh

xfstests: build deps-xfstests
	@KDIR=$(KDIR) XFSTESTS_DIR=$(XFSTESTS_DIR) scripts/xfstests.sh

ndctl: build deps-ndctl
	@KDIR=$(KDIR) NDCTL_DIR=$(NDCTL_DIR) scripts/ndctl.sh

bench: build
	@KDIR=$(KDIR) scripts/bench.sh $(CURDIR)/results

profile: build
	@KDIR=$(KDIR) scripts/profile.sh $(CURDIR)/results $(PROFILE_FS) $(PROFILE_WORKLOAD) $(PROFILE_ROUNDS)

stress: build
	@KDIR=$(KDIR) scripts/stress.sh $(DURATION) $(STRESS_PATH)

shell: build
	@scripts/vm.sh --kernel $(KDIR) --shell

# The patch series of the in-tree form (scripts/series.py) and its checks
# (scripts/series-check.sh: git am on the pinned tree, checkpatch, a build
# after every patch, make check IN_TREE=1 on the kernel the series builds).
series: deps
	@scripts/series.sh $(CURDIR)/series

series-check: series
	@scripts/series-check.sh $(CURDIR)/series

fmt:
	@rustfmt --edition 2021 $(RUST_SRC)

lint: kconfig-check
	@rustfmt --edition 2021 --check $(RUST_SRC)
	@# rustfmt leaves comments alone; checkpatch warns on a line of a patch
	@# over 100 columns (make series-check).
	@echo '==> Rust: no line over 100 columns'
	@awk 'length > 100 { print FILENAME ":" FNR ": " length " columns"; bad = 1 } \
		END { exit bad }' $(RUST_SRC)
	@echo '==> clippy: rust_dax'
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR) CLIPPY=1 modules 2>&1 | tee $(CACHE)/clippy-module.log >&2
	@! grep -q '^warning\|^error\|^ERROR' $(CACHE)/clippy-module.log
	@echo '==> clippy: kernel crate (with rust/ overlaid)'
	@$(LOCK_EXCL) scripts/kbuild.sh $(KDIR) $(KMAKE) CLIPPY=1 prepare 2>&1 | tee $(CACHE)/clippy-kernel.log >&2
	@! grep -q '^warning\|^error' $(CACHE)/clippy-kernel.log
	@echo '==> rustdoc: kernel crate (with rust/ overlaid)'
	@$(LOCK_EXCL) scripts/kbuild.sh $(KDIR) $(KMAKE) rustdoc 2>&1 | tee $(CACHE)/rustdoc.log >&2
	@! grep -q '^warning\|^error' $(CACHE)/rustdoc.log
ifdef OWN_KERNEL
	@echo '==> rebuilding the kernel crate without clippy'
	@scripts/kernel.sh $(FLAVOUR) >/dev/null
endif
	@# clippy-driver turns MIR optimisations off, so the module it built
	@# inlines differently: a VM run from this checkout must not load it.
	@echo '==> rebuilding rust_dax without clippy'
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR) modules
	@echo '==> compile-fail: misuses of the kernel crate that must not compile'
	@$(LOCK_SHARED) env KDIR=$(KDIR) scripts/compile-fail.sh
	@# The kernel tree has no history, so the upstream commits that Fixes:
	@# tags name cannot be looked up there.
	@echo '==> checkpatch --strict: patches/'
	@cd / && for p in $(CURDIR)/patches/*.patch; do [ -e "$$p" ] || continue; \
		$(KDIR)/source/scripts/checkpatch.pl --strict --no-tree -q \
			--ignore UNKNOWN_COMMIT_ID "$$p" || exit 1; done
	@echo '==> checkpatch --strict: C of the module and the test module'
	@cd / && $(KDIR)/source/scripts/checkpatch.pl --strict --no-tree -q -f \
		$(addprefix $(CURDIR)/,$(LINT_C))
	@echo '==> kernel-doc: C of the module and the test module'
	@$(KDIR)/source/scripts/kernel-doc -none -Wall -Werror $(LINT_C)
	@echo '==> ok: lint'

# Configurations the tests do not boot must still build: a kernel without
# tracepoints (its own build directory in the cache) and the modules.
build-check: deps
	@TOOLCHAIN=$(TOOLCHAIN) scripts/build-check.sh

clean:
	@[ ! -f $(KDIR)/Makefile ] || $(KMAKE) M=$(CURDIR) clean
	@[ ! -f $(KDIR)/Makefile ] || $(KMAKE) M=$(CURDIR)/$(CLIENT) clean
	@[ ! -f $(KDIR)/Makefile ] || $(KMAKE) M=$(CURDIR)/$(NONGPL) clean
	rm -f $(NONGPL)/*.log
	@[ ! -f $(KDIR)/Makefile ] || $(KMAKE) M=$(CURDIR)/$(PROBE) clean
	rm -rf tests/bin $(KCONFIG_USED)

endif
