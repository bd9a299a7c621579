// SPDX-License-Identifier: GPL-2.0
/*
 * pmd_faults TEST FILE: PMD faults on a file of a DAX filesystem whose
 * extents are 2 MiB aligned (xfs made with -d su=2m).  Prints the faults
 * the process took; exit 0 on success, 1 on a wrong result, 2 on error.
 *
 *   mapped      8 MiB of allocated blocks, mapped 2 MiB aligned: a byte of
 *               each 2 MiB, then every page, reads right; the faults taken
 *               are printed (PMDs where the blocks are aligned, pages where
 *               not: the layout is the filesystem's)
 *   misaligned  the same file mapped one page off: PMDs cannot be used,
 *               every page read takes a fault
 *   hole        a sparse 8 MiB file mapped aligned: reads see zeros with one
 *               fault per 2 MiB (huge zero folio); then writes replace it,
 *               and pread sees the data
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pattern.h"

#define PAGE 4096UL
#define PMD (2UL << 20)
#define SIZE (8 * PMD)

static long faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

static uint8_t *map_at(int fd, size_t skew, int prot)
{
	uint8_t *p, *a;

	p = mmap(NULL, SIZE + 2 * PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + PMD - 1) & ~(PMD - 1)) + skew;
	a = mmap(a, SIZE, prot, MAP_SHARED | MAP_FIXED, fd, 0);
	return a == MAP_FAILED ? NULL : a;
}

static int write_file(int fd)
{
	static uint8_t buf[1 << 16];
	size_t off, i;

	for (off = 0; off < SIZE; off += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(off + i, 31);
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			return -1;
	}
	return fsync(fd);
}

/* Read a byte of every @step of the mapping; return the faults taken. */
static long touch(volatile uint8_t *p, size_t step, int check, int *bad)
{
	long f = faults();
	size_t off;

	for (off = 0; off < SIZE; off += step) {
		uint8_t want = check ? pattern(off, 31) : 0;

		if (p[off] != want)
			*bad = 1;
	}
	return faults() - f;
}

int main(int argc, char **argv)
{
	int fd, bad = 0;
	uint8_t *p;
	long f;
	size_t off;

	if (argc != 3) {
		fprintf(stderr, "usage: pmd_faults mapped|misaligned|hole FILE\n");
		return 2;
	}
	fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, SIZE)) {
		perror(argv[2]);
		return 2;
	}
	if (strcmp(argv[1], "hole") && write_file(fd)) {
		perror("write");
		return 2;
	}
	p = map_at(fd, strcmp(argv[1], "misaligned") ? 0 : PAGE, PROT_READ | PROT_WRITE);
	if (!p) {
		perror("mmap");
		return 2;
	}
	if (!strcmp(argv[1], "mapped")) {
		f = touch(p, PMD, 1, &bad);
		printf("faults %ld for %lu PMDs\n", f, SIZE / PMD);
		if (bad || f > (long)(SIZE / PMD))
			return 1;
		f = touch(p, PAGE, 1, &bad);
		printf("faults %ld reading every page\n", f);
		return bad ? 1 : 0;
	}
	if (!strcmp(argv[1], "misaligned")) {
		f = touch(p, PAGE, 1, &bad);
		printf("faults %ld for %lu pages\n", f, SIZE / PAGE);
		return bad || f < (long)(SIZE / PAGE) ? 1 : 0;
	}
	if (!strcmp(argv[1], "hole")) {
		uint8_t b;

		f = touch(p, PMD, 0, &bad);
		printf("faults %ld for %lu PMDs of holes\n", f, SIZE / PMD);
		if (bad || f > (long)(SIZE / PMD))
			return 1;
		for (off = 0; off < SIZE; off += PMD)
			p[off + 7] = 0xa5;
		munmap(p, SIZE);
		for (off = 0; off < SIZE; off += PMD) {
			if (pread(fd, &b, 1, off + 7) != 1 || b != 0xa5)
				return 1;
			if (pread(fd, &b, 1, off + 8) != 1 || b != 0)
				return 1;
		}
		return 0;
	}
	fprintf(stderr, "unknown test %s\n", argv[1]);
	return 2;
}
