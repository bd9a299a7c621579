/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data the test programs write: a byte for every file offset, derived
 * from the offset and a seed, so that misplaced or stale data is noticed.
 */
#ifndef RUST_DAX_TESTS_PATTERN_H
#define RUST_DAX_TESTS_PATTERN_H

#include <stdint.h>

static inline uint8_t pattern(uint64_t off, uint64_t seed)
{
	uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ULL + seed;

	x ^= x >> 29;
	return (uint8_t)(x >> (8 * (off & 7)));
}

#endif
