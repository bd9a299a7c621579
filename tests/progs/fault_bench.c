// SPDX-License-Identifier: GPL-2.0
/*
 * fault_bench WORKLOAD FILE MIB [THREADS]: time the page faults of one
 * workload on FILE (on a DAX filesystem) and print "faults=N secs=S rate=R"
 * (faults per second).  Workloads:
 *
 *   read-hole    first touch, reads of a sparse file (zero page)
 *   write-alloc  first touch, writes of a sparse file (allocating)
 *   refault      reads of allocated blocks, after munmap()/mmap()
 *   cow          writes to a MAP_PRIVATE mapping of allocated blocks
 *   sync-write   first touch, writes through a MAP_SYNC mapping
 *   pmd-read     reads of allocated blocks through a 2 MiB aligned mapping,
 *                PMD_PASSES times, the mapping zapped (MADV_DONTNEED) between
 *                passes outside the timing; the file is kept and reused while
 *                its size is MIB, so that runs fault on the same extents
 *                (whether PMDs can map them depends on the layout of each new
 *                file, allocated in one go)
 *   threads-diff refault from THREADS threads, on different pages
 *   threads-same refault from THREADS threads, on the same pages
 *   anon-read    first touch, reads of private anonymous memory (FILE unused):
 *                the lower bound of read-hole
 *   anon-write   first touch, writes of private anonymous memory: the lower
 *                bound of write-alloc
 *
 * Every workload touches one byte a page (a PMD for pmd-read).  The
 * mappings of the page workloads start one page after a 2 MiB boundary, so
 * that their faults are page faults (a PMD fault needs the same PMD colour
 * of address and offset) and count one a page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "map_flags.h"

#define PAGE 4096UL
#define PMD (2UL << 20)

static size_t size;
static int fd, nthreads;
static volatile uint8_t *map;
static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* Map the file at 2 MiB alignment plus @skew bytes. */
static void *map_file(int flags, int prot, size_t skew)
{
	uint8_t *p, *a;

	/* Reserve, then map at the address wanted within the reservation. */
	p = mmap(NULL, size + 2 * PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	a = (uint8_t *)(((uintptr_t)p + PMD - 1) & ~(PMD - 1)) + skew;
	return mmap(a, size, prot, flags | MAP_FIXED, fd, 0);
}

/*
 * Fill the file.  With @whole its blocks are allocated first in one go, as
 * tests/progs/pmd_faults.c does, so that xfs (made with su=2m) places them
 * aligned: written piecemeal, its extents were not, and every PMD fault of
 * pmd-read fell back to a page.
 */
static void fill(int whole)
{
	static char buf[1 << 16];
	size_t off;

	if (whole && fallocate(fd, 0, 0, size)) {
		perror("fallocate");
		exit(2);
	}
	memset(buf, 0x5a, sizeof(buf));
	for (off = 0; off < size; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			exit(2);
	fsync(fd);
}

/* A thread of threads-diff (its own part of the file) or threads-same (all). */
static void *reader(void *arg)
{
	long id = (long)arg;
	size_t off, start = 0, end = size;
	uint64_t s = 0;

	if (id >= 0) {
		start = size / nthreads * id;
		end = start + size / nthreads;
	}
	for (off = start; off < end; off += PAGE)
		s += map[off];
	sink += s;
	return NULL;
}

/*
 * One pass of pmd-read is 512 faults on 1 GiB, a few milliseconds of a TCG
 * guest: a timer tick or a worker in one run moved its rate by 5% or more.
 */
#define PMD_PASSES 32

int main(int argc, char **argv)
{
	const char *w;
	double t0, secs = 0;
	long f0, f1;
	size_t off, step = PAGE;
	int i, anon, keep;
	struct stat st;

	if (argc < 4) {
		fprintf(stderr, "usage: fault_bench WORKLOAD FILE MIB [THREADS]\n");
		return 2;
	}
	w = argv[1];
	size = strtoul(argv[3], NULL, 0) << 20;
	nthreads = argc > 4 ? atoi(argv[4]) : 2;
	anon = !strncmp(w, "anon-", 5);
	keep = !strcmp(w, "pmd-read");
	fd = anon ? -1 : open(argv[2], O_RDWR | O_CREAT | (keep ? 0 : O_TRUNC), 0644);
	if (!anon && (fd < 0 || fstat(fd, &st))) {
		perror(argv[2]);
		return 2;
	}
	if (keep && (size_t)st.st_size == size)
		;	/* Filled by an earlier run. */
	else if (!anon && (ftruncate(fd, 0) || ftruncate(fd, size))) {
		perror(argv[2]);
		return 2;
	} else if (!anon && strcmp(w, "read-hole") && strcmp(w, "write-alloc") &&
		   strcmp(w, "sync-write")) {
		fill(keep);
	}
	/*
	 * Commit the set-up, the freeing of the last run's blocks included:
	 * until then xfs and ext4 hold freed blocks back from allocation, and
	 * an allocating run would be timed against what the run before it
	 * left (the same run took 41,380 to 43,830 faults/s on xfs by its
	 * place in a sequence of runs).
	 */
	if (!anon && fsync(fd)) {
		perror("fsync");
		return 2;
	}

	if (anon) {
		/* Page faults like the file workloads: no transparent huge pages. */
		map = map_file(MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ | PROT_WRITE, PAGE);
		if (map != MAP_FAILED && madvise((void *)map, size, MADV_NOHUGEPAGE)) {
			perror("madvise");
			return 2;
		}
	} else if (!strcmp(w, "sync-write"))
		map = map_file(MAP_SHARED_VALIDATE | MAP_SYNC, PROT_READ | PROT_WRITE, PAGE);
	else if (!strcmp(w, "cow"))
		map = map_file(MAP_PRIVATE, PROT_READ | PROT_WRITE, PAGE);
	else if (!strcmp(w, "pmd-read"))
		map = map_file(MAP_SHARED, PROT_READ, 0);
	else
		map = map_file(MAP_SHARED, PROT_READ | PROT_WRITE, PAGE);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	if (!strcmp(w, "pmd-read"))
		step = PMD;

	f0 = faults();
	t0 = now();
	if (!strcmp(w, "pmd-read")) {
		uint64_t s = 0;

		/* Time the passes only. */
		for (i = 0; i < PMD_PASSES; i++) {
			if (i && madvise((void *)map, size, MADV_DONTNEED)) {
				perror("madvise");
				return 2;
			}
			t0 = now();
			for (off = 0; off < size; off += step)
				s += map[off];
			secs += now() - t0;
		}
		sink = s;
	} else if (!strcmp(w, "read-hole") || !strcmp(w, "refault") ||
		   !strcmp(w, "anon-read")) {
		uint64_t s = 0;

		for (off = 0; off < size; off += step)
			s += map[off];
		sink = s;
	} else if (!strcmp(w, "write-alloc") || !strcmp(w, "cow") || !strcmp(w, "sync-write") ||
		   !strcmp(w, "anon-write")) {
		for (off = 0; off < size; off += step)
			map[off] = (uint8_t)off;
	} else if (!strcmp(w, "threads-diff") || !strcmp(w, "threads-same")) {
		pthread_t th[64];

		if (nthreads < 1 || nthreads > 64)
			return 2;
		for (i = 0; i < nthreads; i++)
			pthread_create(&th[i], NULL, reader,
				       (void *)(long)(!strcmp(w, "threads-same") ? -1 : i));
		for (i = 0; i < nthreads; i++)
			pthread_join(th[i], NULL);
	} else {
		fprintf(stderr, "unknown workload %s\n", w);
		return 2;
	}
	if (strcmp(w, "pmd-read"))
		secs = now() - t0;
	f1 = faults();
	printf("faults=%ld secs=%.6f rate=%.0f\n", f1 - f0, secs, (f1 - f0) / secs);
	munmap((void *)map, size);
	if (!anon) {
		close(fd);
		if (!keep)
			unlink(argv[2]);
	}
	return 0;
}
