// SPDX-License-Identifier: GPL-2.0
/*
 * map_sync write FILE SIZE SEED
 *	Create FILE of SIZE bytes, map it MAP_SHARED_VALIDATE | MAP_SYNC and
 *	write the pattern of SEED through the mapping, with no msync().
 * map_sync refused FILE
 *	Exit 0 if MAP_SYNC on FILE fails with EOPNOTSUPP (a file without DAX).
 *
 * Exit 0 on success, 1 on a wrong result, 2 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pattern.h"

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

int main(int argc, char **argv)
{
	uint64_t size, seed, off;
	uint8_t *p;
	int fd;

	if (argc == 3 && !strcmp(argv[1], "refused")) {
		fd = open(argv[2], O_RDWR | O_CREAT, 0644);
		if (fd < 0 || ftruncate(fd, 4096)) {
			perror(argv[2]);
			return 2;
		}
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
		if (p != MAP_FAILED) {
			fprintf(stderr, "MAP_SYNC accepted on %s\n", argv[2]);
			return 1;
		}
		if (errno != EOPNOTSUPP) {
			fprintf(stderr, "MAP_SYNC failed with %s, not EOPNOTSUPP\n",
				strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc != 5 || strcmp(argv[1], "write")) {
		fprintf(stderr, "usage: map_sync write FILE SIZE SEED | map_sync refused FILE\n");
		return 2;
	}
	size = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || !size || ftruncate(fd, size)) {
		perror(argv[2]);
		return 2;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap MAP_SYNC");
		return 2;
	}
	for (off = 0; off < size; off++)
		p[off] = pattern(off, seed);
	munmap(p, size);
	close(fd);
	return 0;
}
