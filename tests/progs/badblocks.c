// SPDX-License-Identifier: GPL-2.0
/*
 * Media errors on a DAX file: a page of the file whose blocks are in the
 * pmem device's bad-block list.  pmem's direct_access fails with
 * -EHWPOISON for such a range, and a fault that meets it must end as C's
 * vmf_error() ends it: VM_FAULT_HWPOISON, so SIGBUS with BUS_MCEERR_AR at
 * the faulting address, si_addr_lsb 12 (not BUS_ADRERR).
 *
 * badblocks prepare FILE BADBLOCKS
 *	Make FILE (4 MiB, two 2 MiB chunks, written with the pattern and
 *	synced), find with FIEMAP the device sectors of its page VICTIM and
 *	add them to BADBLOCKS (/sys/block/pmemN/badblocks of the device the
 *	file system is on: "<sector> <count>", sector = physical offset /
 *	512).  Says on stderr whether the first chunk lies in one extent
 *	aligned to 2 MiB on the device (a PMD fault can then be tried).
 * badblocks fault FILE KIND
 *	Fault on the bad page through one kind of fault (KIND):
 *	  shared-read, shared-write, private-read
 *	      on a mapping one page off 2 MiB alignment: the PMD fault falls
 *	      back at once (the colours differ), the PTE fault meets the
 *	      error;
 *	  private-write
 *	      copy on write, on such a mapping;
 *	  pmd-read, pmd-write
 *	      shared, on a 2 MiB aligned mapping: the PMD fault meets the
 *	      error in direct access of the chunk and falls back, then the
 *	      PTE fault meets it;
 *	  sync-write
 *	      a MAP_SYNC mapping one page off alignment.
 *	The bad page must give SIGBUS BUS_MCEERR_AR at the address touched,
 *	lsb 12, twice in a row; the neighbouring pages (for the PMD kinds,
 *	every other page of the file) must keep their data and take writes.
 * badblocks read FILE
 *	read(2) of the bad page, and of a range around it, must fail with
 *	EIO; read(2) of a good page must work.
 * badblocks clear FILE BADBLOCKS
 *	Write the bad page again with pwrite(2), a page-aligned whole page:
 *	DAX writes it through the driver's recovery path, which clears the
 *	poison and the bad blocks.  BADBLOCKS must then be empty, and the
 *	whole file hold its data, through read(2) and a mapping.
 *
 * Prints what happened, in lines that do not depend on where the file or
 * the mapping is, so that the runs on the C and on the Rust path can be
 * compared line for line.  Exit 0 on success, 1 on a wrong result, 2 on an
 * error (said on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map_flags.h"
#include "pattern.h"

#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#endif

#define PAGE 4096UL
#define PMD (2UL << 20)
#define SIZE (2 * PMD)
#define PAGES (SIZE / PAGE)
/* In the first chunk, not at its edges. */
#define VICTIM 300UL
/* Where in the page the faults touch: si_addr must be this byte. */
#define TOUCH 123UL
#define SEED 53
#define WSEED 59

static sigjmp_buf env;
static volatile int sig_code, sig_lsb;
static void *volatile sig_addr;
static int failed;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sig_code = si->si_code;
	sig_addr = si->si_addr;
	sig_lsb = si->si_addr_lsb;
	siglongjmp(env, 1);
}

static void catch_sigbus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGBUS, &sa, NULL)) {
		perror("sigaction");
		exit(2);
	}
}

static const char *code_name(int code)
{
	switch (code) {
	case BUS_ADRALN: return "BUS_ADRALN";
	case BUS_ADRERR: return "BUS_ADRERR";
	case BUS_OBJERR: return "BUS_OBJERR";
	case BUS_MCEERR_AR: return "BUS_MCEERR_AR";
	default: return "?";
	}
}

/*
 * Touch the byte at @a: read it, or write @val if @write.  Returns 1 and
 * fills sig_* if that raised SIGBUS, else 0 (and the byte read in *@got).
 */
static int touch(uint8_t *a, int write, uint8_t val, uint8_t *got)
{
	if (sigsetjmp(env, 1))
		return 1;
	if (write)
		*(volatile uint8_t *)a = val;
	else
		*got = *(volatile uint8_t *)a;
	return 0;
}

/* Map the whole file at a 2 MiB aligned address plus @skew. */
static uint8_t *map_at(int fd, size_t skew, int prot, int flags)
{
	uint8_t *p, *a;

	p = mmap(NULL, SIZE + 2 * PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	a = (uint8_t *)(((uintptr_t)p + PMD - 1) & ~(PMD - 1)) + skew;
	a = mmap(a, SIZE, prot, flags | MAP_FIXED, fd, 0);
	if (a == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return a;
}

static int open_file(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0) {
		perror(path);
		exit(2);
	}
	return fd;
}

/*
 * The device offset of file offset @off, and whether [0, PMD) lies in one
 * extent starting 2 MiB aligned on the device.
 */
static int fiemap(int fd, uint64_t off, uint64_t *phys, int *aligned)
{
	struct fiemap *fm;
	unsigned int n = 64, i;
	int ret = -1;

	fm = calloc(1, sizeof(*fm) + n * sizeof(struct fiemap_extent));
	if (!fm)
		return -1;
	fm->fm_length = SIZE;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = n;
	if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
		perror("FIEMAP");
		goto out;
	}
	*aligned = 0;
	for (i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];

		if (e->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_ENCODED |
				   FIEMAP_EXTENT_UNWRITTEN |
				   FIEMAP_EXTENT_DATA_INLINE))
			continue;
		if (e->fe_logical == 0 && e->fe_length >= PMD &&
		    e->fe_physical % PMD == 0)
			*aligned = 1;
		if (off >= e->fe_logical && off < e->fe_logical + e->fe_length) {
			*phys = e->fe_physical + (off - e->fe_logical);
			ret = 0;
		}
	}
	if (ret)
		fprintf(stderr, "FIEMAP: no written extent at %llu\n",
			(unsigned long long)off);
out:
	free(fm);
	return ret;
}

static int prepare(const char *path, const char *badblocks)
{
	static uint8_t buf[1 << 16];
	uint64_t phys;
	int fd, bb, aligned, len;
	char line[64];
	size_t off, i;

	fd = open_file(path, O_RDWR | O_CREAT | O_TRUNC);
	/* Allocated in one go, so that the chunks can be aligned. */
	if (fallocate(fd, 0, 0, SIZE)) {
		perror("fallocate");
		return 2;
	}
	for (off = 0; off < SIZE; off += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(off + i, SEED);
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf)) {
			perror("pwrite");
			return 2;
		}
	}
	if (fsync(fd) || fiemap(fd, VICTIM * PAGE, &phys, &aligned))
		return 2;
	len = snprintf(line, sizeof(line), "%llu %lu\n",
		       (unsigned long long)(phys / 512), PAGE / 512);
	bb = open_file(badblocks, O_WRONLY);
	if (write(bb, line, len) != len) {
		fprintf(stderr, "%s: %s\n", badblocks, strerror(errno));
		return 2;
	}
	close(bb);
	close(fd);
	fprintf(stderr, "page %lu at sector %llu marked bad; first chunk %s\n",
		VICTIM, (unsigned long long)(phys / 512),
		aligned ? "aligned: PMD faults are tried" : "not aligned");
	return 0;
}

/* Touch the bad page twice: SIGBUS BUS_MCEERR_AR at the byte, lsb 12. */
static void expect_poison(const char *kind, uint8_t *map, int write)
{
	uint8_t *a = map + VICTIM * PAGE + TOUCH, got;
	int round;

	for (round = 1; round <= 2; round++) {
		if (!touch(a, write, pattern(VICTIM * PAGE + TOUCH, WSEED), &got)) {
			printf("%s: bad page %s %d: no signal\n", kind,
			       write ? "write" : "read", round);
			failed = 1;
			continue;
		}
		printf("%s: bad page %s %d: SIGBUS %s si_addr %+ld lsb %d\n",
		       kind, write ? "write" : "read", round,
		       code_name(sig_code), (long)((uint8_t *)sig_addr - a),
		       sig_lsb);
		if (sig_code != BUS_MCEERR_AR || sig_addr != a || sig_lsb != 12)
			failed = 1;
	}
}

/*
 * Pages [first, last] but the bad one: read each through @map (its data,
 * @cow pages their new data) and, if @write, write each: the file's data
 * again for a shared mapping, new data for a private one (copy on write).
 */
static void neighbours(const char *kind, uint8_t *map, unsigned long first,
		       unsigned long last, int write, int cow)
{
	unsigned long pg, n = 0;
	size_t off, i;
	uint8_t got;

	for (pg = first; pg <= last; pg++) {
		if (pg == VICTIM)
			continue;
		off = pg * PAGE;
		if (write) {
			uint8_t val = pattern(off, cow ? WSEED : SEED);

			if (touch(map + off, 1, val, &got))
				goto sigbus;
		}
		for (i = 0; i < PAGE; i++) {
			uint8_t want = pattern(off + i, cow && !i ? WSEED : SEED);

			if (touch(map + off + i, 0, 0, &got))
				goto sigbus;
			if (got != want) {
				printf("%s: page %lu differs at %zu\n", kind, pg, i);
				failed = 1;
				return;
			}
		}
		n++;
	}
	printf("%s: %lu other pages %s\n", kind, n,
	       write ? (cow ? "copied on write" : "written") : "read");
	return;
sigbus:
	printf("%s: page %lu: SIGBUS %s\n", kind, pg, code_name(sig_code));
	failed = 1;
}

struct kind {
	const char *name;
	int prot, flags, write, pmd;
};

static const struct kind kinds[] = {
	{ "shared-read", PROT_READ, MAP_SHARED, 0, 0 },
	{ "shared-write", PROT_READ | PROT_WRITE, MAP_SHARED, 1, 0 },
	{ "private-read", PROT_READ, MAP_PRIVATE, 0, 0 },
	{ "private-write", PROT_READ | PROT_WRITE, MAP_PRIVATE, 1, 0 },
	{ "pmd-read", PROT_READ, MAP_SHARED, 0, 1 },
	{ "pmd-write", PROT_READ | PROT_WRITE, MAP_SHARED, 1, 1 },
	{ "sync-write", PROT_READ | PROT_WRITE,
	  MAP_SHARED_VALIDATE | MAP_SYNC, 1, 0 },
};

/* pread(2) of @len bytes at page @pg: print what it returned. */
static void read_range(int fd, unsigned long pg, size_t len, int want_errno)
{
	static uint8_t buf[4 * PAGE];
	ssize_t ret;

	errno = 0;
	ret = pread(fd, buf, len, pg * PAGE);
	printf("read(2) of %zu bytes at page %lu: %zd (%s)\n", len, pg, ret,
	       ret < 0 ? strerror(errno) : "ok");
	if (want_errno ? ret != -1 || errno != want_errno :
			 ret != (ssize_t)len)
		failed = 1;
}

static int fault(const char *path, const char *name)
{
	const struct kind *k;
	uint8_t *map;
	int fd;

	for (k = kinds; k < kinds + sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(k->name, name))
			break;
	if (k == kinds + sizeof(kinds) / sizeof(kinds[0])) {
		fprintf(stderr, "no fault kind %s\n", name);
		return 2;
	}
	fd = open_file(path, O_RDWR);
	catch_sigbus();
	/* PTE kinds: one page off 2 MiB alignment, so no PMD is mapped. */
	map = map_at(fd, k->pmd ? 0 : PAGE, k->prot, k->flags);
	expect_poison(k->name, map, k->write);
	if (k->pmd)
		neighbours(k->name, map, 0, PAGES - 1, k->write, 0);
	else
		neighbours(k->name, map, VICTIM - 1, VICTIM + 1, k->write,
			   k->write && k->flags == MAP_PRIVATE);
	if (munmap(map, SIZE) || close(fd)) {
		perror("munmap/close");
		return 2;
	}
	return failed;
}

static int read_file(const char *path)
{
	int fd = open_file(path, O_RDONLY);

	read_range(fd, VICTIM, PAGE, EIO);
	read_range(fd, VICTIM - 1, 3 * PAGE, EIO);
	read_range(fd, VICTIM - 1, PAGE, 0);
	close(fd);
	return failed;
}

static int clear(const char *path, const char *badblocks)
{
	static uint8_t buf[SIZE];
	char line[256];
	uint8_t *map;
	size_t i;
	FILE *f;
	int fd;

	fd = open_file(path, O_RDWR);
	for (i = 0; i < PAGE; i++)
		buf[i] = pattern(VICTIM * PAGE + i, SEED);
	if (pwrite(fd, buf, PAGE, VICTIM * PAGE) != (ssize_t)PAGE) {
		fprintf(stderr, "pwrite of the bad page: %s\n", strerror(errno));
		return 1;
	}
	f = fopen(badblocks, "r");
	if (!f) {
		perror(badblocks);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		fprintf(stderr, "still bad: %s", line);
		failed = 1;
	}
	fclose(f);
	printf("bad page written again: %s\n", failed ? "still bad" : "cleared");
	if (pread(fd, buf, SIZE, 0) != (ssize_t)SIZE) {
		fprintf(stderr, "pread: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < SIZE; i++)
		if (buf[i] != pattern(i, SEED)) {
			fprintf(stderr, "read(2): offset %zu differs\n", i);
			return 1;
		}
	map = map_at(fd, 0, PROT_READ, MAP_SHARED);
	catch_sigbus();
	neighbours("after clearing", map, 0, PAGES - 1, 0, 0);
	if (!touch(map + VICTIM * PAGE, 0, 0, buf) &&
	    buf[0] == pattern(VICTIM * PAGE, SEED))
		printf("after clearing: the bad page reads its data\n");
	else
		failed = 1;
	munmap(map, SIZE);
	close(fd);
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "prepare"))
		return prepare(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "fault"))
		return fault(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return read_file(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "clear"))
		return clear(argv[2], argv[3]);
	fprintf(stderr, "usage: badblocks prepare FILE BADBLOCKS | fault FILE KIND | read FILE |\n"
		"       clear FILE BADBLOCKS\n");
	return 2;
}
