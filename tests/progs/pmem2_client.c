// SPDX-License-Identifier: GPL-2.0
/*
 * pmem2_client write FILE SIZE SEED
 *	A real client of MAP_SYNC: create FILE of SIZE bytes on a DAX
 *	filesystem, map it with libpmem2 (PMDK) requiring a cache-line store
 *	granularity, which libpmem2 grants on a file system only through a
 *	MAP_SYNC mapping, check the mapping is one (the VmFlags of its VMA in
 *	/proc/self/smaps have "sf", VM_SYNC), then write the pattern of SEED
 *	through libpmem2's memcpy function in pieces and its persist
 *	function, no msync() or fsync().
 * pmem2_client read FILE SIZE SEED
 *	Map FILE with libpmem2 again and check the pattern.
 *
 * Exit 0 on success, 1 on a wrong result, 2 on error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libpmem2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pattern.h"

static const char *granularity_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "byte";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "cache line";
	case PMEM2_GRANULARITY_PAGE:
		return "page";
	}
	return "?";
}

/* Whether the VMA at @addr has VM_SYNC ("sf" in its VmFlags). */
static int vma_is_sync(void *addr)
{
	char line[512];
	unsigned long start, end, a = (unsigned long)addr;
	int in = 0, sync = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = a >= start && a < end;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			printf("VmFlags of the mapping:%s", line + 8);
			sync = strstr(line, " sf") != NULL;
			break;
		}
	}
	fclose(f);
	return sync;
}

static struct pmem2_map *map_file(int fd)
{
	struct pmem2_config *cfg;
	struct pmem2_source *src;
	struct pmem2_map *map = NULL;

	if (pmem2_config_new(&cfg) || pmem2_source_from_fd(&src, fd) ||
	    pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_CACHE_LINE) ||
	    pmem2_map_new(&map, cfg, src)) {
		pmem2_perror("pmem2");
		return NULL;
	}
	pmem2_source_delete(&src);
	pmem2_config_delete(&cfg);
	return map;
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	enum pmem2_granularity g;
	struct pmem2_map *map;
	uint64_t size, seed, off, i, bad = 0;
	int fd, write;
	uint8_t *p;

	if (argc != 5 || (strcmp(argv[1], "write") && strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: pmem2_client write|read FILE SIZE SEED\n");
		return 2;
	}
	write = !strcmp(argv[1], "write");
	size = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	fd = open(argv[2], write ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0644);
	if (fd < 0 || (write && ftruncate(fd, size))) {
		perror(argv[2]);
		return 2;
	}
	map = map_file(fd);
	if (!map)
		return 2;
	p = pmem2_map_get_address(map);
	g = pmem2_map_get_store_granularity(map);
	printf("mapped %zu bytes, store granularity %s\n", pmem2_map_get_size(map),
	       granularity_name(g));
	if (g != PMEM2_GRANULARITY_CACHE_LINE && g != PMEM2_GRANULARITY_BYTE)
		return 1;
	if (vma_is_sync(p) != 1) {
		fprintf(stderr, "the mapping is not MAP_SYNC\n");
		return 1;
	}
	if (pmem2_map_get_size(map) < size)
		return 1;

	if (write) {
		pmem2_memcpy_fn memcpy_fn = pmem2_get_memcpy_fn(map);
		pmem2_persist_fn persist = pmem2_get_persist_fn(map);

		/* Half with the memcpy function (it persists), half by stores and persist. */
		for (off = 0; off < size; off += sizeof(buf)) {
			uint64_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

			for (i = 0; i < n; i++)
				buf[i] = pattern(off + i, seed);
			if ((off / sizeof(buf)) & 1) {
				memcpy_fn(p + off, buf, n, 0);
			} else {
				memcpy(p + off, buf, n);
				persist(p + off, n);
			}
		}
	} else {
		for (off = 0; off < size; off++)
			if (p[off] != pattern(off, seed) && bad++ < 5)
				fprintf(stderr, "offset %llu: %#x, want %#x\n",
					(unsigned long long)off, p[off],
					pattern(off, seed));
		printf("%llu bytes wrong\n", (unsigned long long)bad);
	}
	pmem2_map_delete(&map);
	close(fd);
	return !!bad;
}
