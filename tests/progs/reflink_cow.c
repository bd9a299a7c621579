// SPDX-License-Identifier: GPL-2.0
/*
 * reflink_cow create SRC
 *	Create SRC, 4 MiB + 3 pages of the pattern of seed 59, written with
 *	pwrite and fsync.
 * reflink_cow write SRC DST
 *	DST is a reflinked copy of SRC (cp --reflink=always): check with
 *	FIEMAP that its extents are shared, map it shared at a 2 MiB aligned
 *	address and store one byte in a few pages (the first of the file, one
 *	in each 2 MiB chunk, the last), so that each write fault must copy the
 *	surrounding data of the shared extent before mapping the new block.
 *	Then SRC must be unchanged and DST hold SRC's data except the stored
 *	bytes, read with pread, and the extents of DST under the stores must
 *	be shared no more.
 *
 * Exit 0 on success, 1 on a wrong result, 2 on error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pattern.h"

#define PAGE 4096UL
#define PMD (2UL << 20)
#define SIZE (2 * PMD + 3 * PAGE)
#define SEED 59

static const size_t stores[] = { 10, PAGE + 1, PMD + 5 * PAGE + 7, 2 * PMD + PAGE + 99 };
#define NSTORES (sizeof(stores) / sizeof(stores[0]))

static uint8_t stored(size_t off) { return (uint8_t)~pattern(off, SEED); }

/* Whether the block holding @off of @fd is in a shared extent (-1: error). */
static int shared_at(int fd, size_t off)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent fe[1];
	} f;

	memset(&f, 0, sizeof(f));
	f.fm.fm_start = off;
	f.fm.fm_length = 1;
	f.fm.fm_flags = FIEMAP_FLAG_SYNC;
	f.fm.fm_extent_count = 1;
	if (ioctl(fd, FS_IOC_FIEMAP, &f.fm) || f.fm.fm_mapped_extents != 1) {
		perror("FIEMAP");
		return -1;
	}
	return !!(f.fe[0].fe_flags & FIEMAP_EXTENT_SHARED);
}

static int check(int fd, const char *name, int with_stores)
{
	static uint8_t buf[SIZE];
	size_t off, i;
	int bad = 0;

	if (pread(fd, buf, SIZE, 0) != (ssize_t)SIZE) {
		perror("pread");
		return 2;
	}
	for (off = 0; off < SIZE; off++) {
		uint8_t want = pattern(off, SEED);

		for (i = 0; with_stores && i < NSTORES; i++)
			if (off == stores[i])
				want = stored(off);
		if (buf[off] != want && bad++ < 5)
			fprintf(stderr, "%s: offset %zu: %#x, want %#x\n", name, off,
				buf[off], want);
	}
	printf("%s: %d bytes wrong\n", name, bad);
	return !!bad;
}

int main(int argc, char **argv)
{
	static uint8_t buf[SIZE];
	struct statx stx;
	int src, dst, bad = 0;
	uint8_t *p, *a;
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "create")) {
		for (i = 0; i < SIZE; i++)
			buf[i] = pattern(i, SEED);
		src = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (src < 0 || pwrite(src, buf, SIZE, 0) != (ssize_t)SIZE || fsync(src)) {
			perror(argv[2]);
			return 2;
		}
		return 0;
	}
	if (argc != 4 || strcmp(argv[1], "write")) {
		fprintf(stderr, "usage: reflink_cow create SRC | reflink_cow write SRC DST\n");
		return 2;
	}
	src = open(argv[2], O_RDONLY);
	dst = open(argv[3], O_RDWR);
	if (src < 0 || dst < 0) {
		perror("open");
		return 2;
	}
	if (statx(dst, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) ||
	    !(stx.stx_attributes & STATX_ATTR_DAX)) {
		fprintf(stderr, "the copy is not a DAX file\n");
		return 1;
	}
	for (i = 0; i < NSTORES; i++) {
		if (shared_at(dst, stores[i]) != 1) {
			fprintf(stderr, "offset %zu of the copy is not shared\n", stores[i]);
			return 1;
		}
	}

	p = mmap(NULL, SIZE + PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	a = (uint8_t *)(((uintptr_t)p + PMD - 1) & ~(PMD - 1));
	p = mmap(a, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, dst, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (i = 0; i < NSTORES; i++)
		((volatile uint8_t *)p)[stores[i]] = stored(stores[i]);
	/* What the mapping shows around the stores. */
	for (i = 0; i < NSTORES; i++) {
		size_t o = stores[i];

		if (p[o - 1] != pattern(o - 1, SEED) || p[o + 1] != pattern(o + 1, SEED)) {
			fprintf(stderr, "mapping: around offset %zu wrong\n", o);
			bad = 1;
		}
	}
	munmap(p, SIZE);

	bad |= check(src, "source", 0);
	bad |= check(dst, "copy", 1);
	for (i = 0; i < NSTORES; i++) {
		if (shared_at(dst, stores[i]) != 0) {
			fprintf(stderr, "offset %zu of the copy is still shared\n", stores[i]);
			bad = 1;
		}
	}
	return bad;
}
