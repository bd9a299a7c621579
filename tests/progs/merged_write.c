// SPDX-License-Identifier: GPL-2.0
/*
 * merged_write DIR: one write(2) over an unwritten page and a written page
 * that a shared mapping maps clean, on a file system mounted -o dax.
 *
 * A two-page file is fallocated (unwritten), its page 1 written with
 * pwrite(2), mapped shared and read through the mapping (a read fault maps
 * page 1, its DAX entry clean); then one pwrite(2) covers pages 0 and 1.
 * Both pages must read back as written, through the mapping and pread(2).
 *
 * On xfs the write allocates (converts) page 0, and the unwritten-to-written
 * conversion merges it with page 1.  Where the file system hands that
 * merged extent to the write as one new (IOMAP_F_NEW) mapping, DAX
 * invalidates the DAX entry of the still-mapped page 1, and the kernel
 * warns in dax_disassociate_entry(): the caller checks the kernel log.
 * Exit 0 if the data is right, 1 if not, 2 on an error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pattern.h"

#define PAGE 4096UL

static void fill(char *buf, size_t len, unsigned long off, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern(off + i, seed);
}

int main(int argc, char **argv)
{
	char path[4096], want[2 * PAGE], got[2 * PAGE];
	volatile char sink;
	int fd, bad = 0;
	char *map;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/merged-write", argv[1]);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || fallocate(fd, 0, 0, 2 * PAGE)) {
		perror(path);
		return 2;
	}
	fill(want, PAGE, PAGE, 1);
	if (pwrite(fd, want, PAGE, PAGE) != (ssize_t)PAGE || fsync(fd)) {
		perror("pwrite page 1");
		return 2;
	}
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	sink = map[PAGE];	/* page 1 mapped, its entry clean */
	(void)sink;

	fill(want, sizeof(want), 0, 2);
	if (pwrite(fd, want, sizeof(want), 0) != (ssize_t)sizeof(want)) {
		perror("pwrite pages 0-1");
		return 2;
	}
	if (memcmp(map, want, sizeof(want))) {
		fprintf(stderr, "merged_write: the mapping reads other data\n");
		bad = 1;
	}
	if (pread(fd, got, sizeof(got), 0) != (ssize_t)sizeof(got)) {
		perror("pread");
		return 2;
	}
	if (memcmp(got, want, sizeof(want))) {
		fprintf(stderr, "merged_write: pread reads other data\n");
		bad = 1;
	}
	munmap(map, 2 * PAGE);
	close(fd);
	unlink(path);
	return bad;
}
