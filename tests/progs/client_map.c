// SPDX-License-Identifier: GPL-2.0
/*
 * client_map write|sync-write|verify DEV SIZE SEED
 *
 * Map SIZE bytes of DEV, a device of the dax_client test module that maps
 * a DAX file, and write the pattern of SEED through the mapping (write:
 * MAP_SHARED; sync-write: MAP_SHARED_VALIDATE | MAP_SYNC, no msync()) or
 * check it through the mapping (verify).
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

#include "map_flags.h"

int main(int argc, char **argv)
{
	uint64_t size, seed, off;
	int fd, flags = MAP_SHARED;
	const char *mode;
	uint8_t *p;

	if (argc != 5) {
		fprintf(stderr, "usage: client_map write|sync-write|verify DEV SIZE SEED\n");
		return 2;
	}
	mode = argv[1];
	size = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	if (!strcmp(mode, "sync-write"))
		flags = MAP_SHARED_VALIDATE | MAP_SYNC;
	else if (strcmp(mode, "write") && strcmp(mode, "verify"))
		return 2;
	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		perror(argv[2]);
		return 2;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	close(fd);
	if (!strcmp(mode, "verify")) {
		for (off = 0; off < size; off++) {
			if (p[off] != pattern(off, seed)) {
				fprintf(stderr, "mismatch at %llu\n",
					(unsigned long long)off);
				return 1;
			}
		}
	} else {
		for (off = 0; off < size; off++)
			p[off] = pattern(off, seed);
	}
	if (munmap(p, size)) {
		perror("munmap");
		return 2;
	}
	return 0;
}
