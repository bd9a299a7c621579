// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_pattern write|verify|read FILE SIZE SEED
 *
 * write:  create FILE of SIZE bytes and fill it through a shared mapping
 *         with a pattern derived from SEED, touching every page.
 * verify: map FILE and check the pattern byte for byte.
 * read:   check the pattern through read(2), not through a mapping.
 *
 * Prints the minor and major faults taken.  Exit 0 on success, 1 on a
 * mismatch, 2 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pattern.h"


static int read_check(const char *path, uint64_t size, uint64_t seed)
{
	static uint8_t buf[1 << 16];
	uint64_t off = 0, i;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return 2;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < (uint64_t)n; i++, off++) {
			if (buf[i] != pattern(off, seed)) {
				fprintf(stderr, "read mismatch at %llu\n",
					(unsigned long long)off);
				return 1;
			}
		}
	}
	if (n < 0 || off != size) {
		fprintf(stderr, "read %llu of %llu bytes: %s\n",
			(unsigned long long)off, (unsigned long long)size,
			n < 0 ? strerror(errno) : "short file");
		return n < 0 ? 2 : 1;
	}
	close(fd);
	return 0;
}

static void faults(const char *what)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("%s: minflt=%ld majflt=%ld\n", what, ru.ru_minflt, ru.ru_majflt);
}

int main(int argc, char **argv)
{
	uint64_t size, seed, off;
	int write_mode, fd;
	uint8_t *p;

	if (argc != 5 || (strcmp(argv[1], "write") && strcmp(argv[1], "verify") &&
			  strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: mmap_pattern write|verify|read FILE SIZE SEED\n");
		return 2;
	}
	write_mode = !strcmp(argv[1], "write");
	size = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	if (!size) {
		fprintf(stderr, "SIZE must be positive\n");
		return 2;
	}
	if (!strcmp(argv[1], "read"))
		return read_check(argv[2], size, seed);

	fd = open(argv[2], write_mode ? O_RDWR | O_CREAT | O_TRUNC : O_RDONLY, 0644);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	if (write_mode && ftruncate(fd, size)) {
		fprintf(stderr, "ftruncate: %s\n", strerror(errno));
		return 2;
	}
	p = mmap(NULL, size, write_mode ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap: %s\n", strerror(errno));
		return 2;
	}
	if (write_mode) {
		for (off = 0; off < size; off++)
			p[off] = pattern(off, seed);
		faults("write");
	} else {
		for (off = 0; off < size; off++) {
			if (p[off] != pattern(off, seed)) {
				fprintf(stderr, "mismatch at %llu: %#x, expected %#x\n",
					(unsigned long long)off, p[off],
					pattern(off, seed));
				return 1;
			}
		}
		faults("verify");
	}
	if (munmap(p, size) || close(fd)) {
		fprintf(stderr, "munmap/close: %s\n", strerror(errno));
		return 2;
	}
	return 0;
}
