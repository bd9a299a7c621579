// SPDX-License-Identifier: GPL-2.0
/*
 * map_sync write FILE SIZE SEED [DEV]
 *	Create FILE of SIZE bytes, map it MAP_SHARED_VALIDATE | MAP_SYNC and
 *	write the pattern of SEED through the mapping, with no msync().  With
 *	DEV, the block device the file is on, then check that the data is on
 *	the media: find the blocks with FIEMAP (without FIEMAP_FLAG_SYNC, which
 *	would write back) and read them from DEV with O_DIRECT, bypassing the
 *	mapping and every cache, while the mapping is still in place.
 * map_sync refused FILE
 *	Exit 0 if MAP_SYNC on FILE fails with EOPNOTSUPP (a file without DAX).
 *
 * Exit 0 on success, 1 on a wrong result, 2 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pattern.h"

#include "map_flags.h"

/* Check the blocks of [0, size) of @fd on @dev hold the pattern of @seed. */
static int on_media(int fd, const char *dev, uint64_t size, uint64_t seed)
{
	const size_t step = 1 << 16;
	unsigned int n = 256, i;
	uint64_t off, done = 0, bad = 0;
	struct fiemap *fm;
	uint8_t *buf;
	int dfd;

	fm = calloc(1, sizeof(*fm) + n * sizeof(struct fiemap_extent));
	if (!fm || posix_memalign((void **)&buf, 4096, step))
		return 2;
	fm->fm_length = size;
	fm->fm_extent_count = n;
	if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
		perror("FIEMAP");
		return 2;
	}
	dfd = open(dev, O_RDONLY | O_DIRECT);
	if (dfd < 0) {
		perror(dev);
		return 2;
	}
	for (i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];

		if (e->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
				   FIEMAP_EXTENT_UNWRITTEN)) {
			fprintf(stderr, "extent at %llu: flags %#x\n",
				(unsigned long long)e->fe_logical, e->fe_flags);
			return 1;
		}
		for (off = 0; off < e->fe_length && e->fe_logical + off < size;
		     off += step) {
			uint64_t len = e->fe_length - off, j;

			if (len > step)
				len = step;
			if (pread(dfd, buf, len, e->fe_physical + off) != (ssize_t)len) {
				perror("pread");
				return 2;
			}
			for (j = 0; j < len && e->fe_logical + off + j < size; j++) {
				uint64_t lo = e->fe_logical + off + j;

				if (buf[j] != pattern(lo, seed) && bad++ < 5)
					fprintf(stderr, "offset %llu on %s: %#x, want %#x\n",
						(unsigned long long)lo, dev, buf[j],
						pattern(lo, seed));
				done++;
			}
		}
	}
	close(dfd);
	printf("%llu bytes read from %s in %u extents, %llu wrong\n",
	       (unsigned long long)done, dev, fm->fm_mapped_extents,
	       (unsigned long long)bad);
	free(fm);
	free(buf);
	return bad || done != size;
}

int main(int argc, char **argv)
{
	int ret = 0;
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
	if ((argc != 5 && argc != 6) || strcmp(argv[1], "write")) {
		fprintf(stderr, "usage: map_sync write FILE SIZE SEED [DEV] | map_sync refused FILE\n");
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
	if (argc == 6)
		ret = on_media(fd, argv[5], size, seed);
	munmap(p, size);
	close(fd);
	return ret;
}
