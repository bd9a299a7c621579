# SPDX-License-Identifier: GPL-2.0
#
# rust_dax: the DAX page-fault paths of fs/dax.c as a Rust module.
#
#   make run      build everything, boot a pmem VM, load rust_dax, fault on
#                 ext4 and xfs with DAX, report
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
# The toolchain of the kernel and of the modules: gcc (the system's gcc and
# default rustc) or llvm (clang and the rustc of the same LLVM, with the C
# helpers of the kernel crate inlined into Rust; scripts/toolchain.version).
TOOLCHAIN ?= gcc
ifeq ($(filter gcc llvm,$(TOOLCHAIN)),)
$(error TOOLCHAIN must be gcc or llvm, not '$(TOOLCHAIN)')
endif
ifeq ($(TOOLCHAIN),llvm)
FLAVOUR ?= $(if $(filter 1,$(DEBUG)),debug-llvm,llvm)
else
FLAVOUR ?= $(if $(filter 1,$(DEBUG)),debug,default)
endif

# KDIR=/path/to/built/tree uses a kernel the user built (with patches/
# applied); by default the kernel is fetched and built in the cache.
ifeq ($(origin KDIR),undefined)
KDIR := $(CACHE)/build/$(FLAVOUR)
OWN_KERNEL := 1
endif

SUITES ?=
LINT_C := dax/fault_api.c include/rust_dax.h $(filter-out %.mod.c,$(wildcard tests/modules/*/*.c))
TIMEOUT ?= $(if $(filter 1,$(DEBUG)),3600,1200)
DURATION ?= 120
PROFILE_FS ?= ext4
PROFILE_WORKLOAD ?= pmd-read
PROFILE_ROUNDS ?= 2
PROGS := $(patsubst tests/progs/%.c,tests/bin/%,$(wildcard tests/progs/*.c))
CFLAGS_PROGS := -O2 -g -Wall -Wextra -Werror -pthread
# Libraries of single programs (Debian packages installed by scripts/deps.sh).
LDLIBS_pmem2_client := -lpmem2

.PHONY: all help deps deps-xfstests kernel kconfig-check module client progs build check run \
	bench profile stress shell lint fmt clean kselftest xfstests

all: build

help:
	@echo 'make run       build, boot a pmem VM, load rust_dax, fault on ext4/xfs, report'
	@echo 'make check     build and run the test suite in the VM (SUITES="module fs" for some)'
	@echo 'make stress    processes, switch flips and module reloads on DAX files (DURATION=120 s)'
	@echo 'make bench     C and Rust fault paths side by side in one boot; results/ (json, png)'
	@echo 'make profile   instructions a fault by function, C and Rust (PROFILE_FS=ext4, PROFILE_WORKLOAD=pmd-read)'
	@echo 'make kselftest upstream kselftests (dax, mm subset) and ours, C and Rust path side by side'
	@echo 'make xfstests XFSTESTS_DIR=<built fstests>  fstests dax+mmap groups on ext4/xfs -o dax, C and Rust'
	@echo 'make shell     a shell in the VM (module and tests under $(CURDIR))'
	@echo 'make deps      install the packages and tools the project needs'
	@echo 'make deps-xfstests  install what running fstests needs (not fstests)'
	@echo 'make kernel    fetch, patch, configure and build Linux $(shell . scripts/kernel.version; echo $$KERNEL_DEB_VERSION)'
	@echo 'make module    build dax/ into rust_dax.ko against KDIR=$(KDIR)'
	@echo 'make client    build the C test module $(CLIENT) (uses rust_dax.ko)'
	@echo 'make lint      rustfmt --check, CLIPPY=1 build, checkpatch --strict on patches/ and C'
	@echo 'make clean     remove build products of the checkout (not the kernel cache)'
	@echo 'DEBUG=1        use the debug kernel (lockdep, DEBUG_VM, KFENCE, ...)'
	@echo 'TOOLCHAIN=llvm use the kernel built with clang and inlined Rust helpers (default: gcc)'

deps:
	@TOOLCHAIN=$(TOOLCHAIN) scripts/deps.sh

deps-xfstests:
	@scripts/deps.sh xfstests

ifdef OWN_KERNEL
kernel: deps
	@scripts/kernel.sh $(FLAVOUR) >/dev/null
else
kernel:
	@test -f $(KDIR)/Module.symvers || \
		{ echo "==> error: KDIR=$(KDIR) is not a built kernel tree"; exit 1; }
endif

# Every kbuild run is given the toolchain's variables: kbuild takes LLVM=,
# RUSTC= and the like from the command line, and a module must be built with
# the compiler and rustc of its kernel.
KMAKE = $(MAKE) -s -C $(KDIR) $(shell scripts/toolchain.sh $(TOOLCHAIN))

# The kernel build in the cache is shared with other checkouts: hold its
# lock (shared) so that no kernel rebuild runs under the module build.
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
		cp $(KDIR)/include/config/auto.conf $(KCONFIG_USED); }

module: kconfig-check
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR) modules

# The C test module that uses the fault API of rust_dax.ko, built the way
# an out-of-tree user would be: against rust_dax's Module.symvers.
CLIENT := tests/modules/dax_client
client: module
	@$(LOCK_SHARED) $(KMAKE) M=$(CURDIR)/$(CLIENT) \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules

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

build: module client progs

check: build
	@KDIR=$(KDIR) scripts/check.sh --timeout $(TIMEOUT) $(SUITES)

run: build
	@KDIR=$(KDIR) scripts/run.sh

kselftest: build
	@KDIR=$(KDIR) scripts/kselftest.sh

xfstests: build deps-xfstests
	@KDIR=$(KDIR) XFSTESTS_DIR=$(XFSTESTS_DIR) scripts/xfstests.sh

bench: build
	@KDIR=$(KDIR) scripts/bench.sh $(CURDIR)/results

profile: build
	@KDIR=$(KDIR) scripts/profile.sh $(CURDIR)/results $(PROFILE_FS) $(PROFILE_WORKLOAD) $(PROFILE_ROUNDS)

stress: build
	@KDIR=$(KDIR) scripts/stress.sh $(DURATION) $(STRESS_PATH)

shell: build
	@scripts/vm.sh --kernel $(KDIR) --shell

fmt:
	@rustfmt --edition 2021 $(shell find dax rust -name '*.rs')

lint: kconfig-check
	@rustfmt --edition 2021 --check $(shell find dax rust -name '*.rs')
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
	@echo '==> checkpatch --strict: patches/'
	@cd / && for p in $(CURDIR)/patches/*.patch; do [ -e "$$p" ] || continue; \
		$(KDIR)/source/scripts/checkpatch.pl --strict --no-tree -q "$$p" || exit 1; done
	@echo '==> checkpatch --strict: C of the module and the test module'
	@cd / && $(KDIR)/source/scripts/checkpatch.pl --strict --no-tree -q -f \
		$(addprefix $(CURDIR)/,$(LINT_C))
	@echo '==> kernel-doc: C of the module and the test module'
	@$(KDIR)/source/scripts/kernel-doc -none -Wall -Werror $(LINT_C)
	@echo '==> ok: lint'

clean:
	@[ ! -f $(KDIR)/Makefile ] || $(KMAKE) M=$(CURDIR) clean
	@[ ! -f $(KDIR)/Makefile ] || $(KMAKE) M=$(CURDIR)/$(CLIENT) clean
	rm -rf tests/bin $(KCONFIG_USED)

endif
