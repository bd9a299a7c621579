/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mmap() flags of synchronous faults, for C libraries whose headers
 * predate them (values from include/uapi/asm-generic/mman-common.h).
 */
#ifndef RUST_DAX_TESTS_MAP_FLAGS_H
#define RUST_DAX_TESTS_MAP_FLAGS_H

#include <sys/mman.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#endif
