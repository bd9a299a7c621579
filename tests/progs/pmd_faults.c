// SPDX-License-Identifier: GPL-2.0
/*
 * pmd_faults: PMD faults on files made in RUST_DAX_TEST_DIR (default: the
 * working directory), on a file system mounted with -o dax.  A
 * kselftest_harness.h program: "pmd_faults -l" lists the tests,
 * "pmd_faults -t hole" runs one; KTAP on stdout, with the faults the
 * process took in "#" lines.  Where a test expects PMDs, it asks FIEMAP
 * first which 2 MiB chunks of the file lie in one extent that starts 2 MiB
 * aligned on the device ("aligned" chunks): those must take one fault for
 * the whole chunk, the others one fault per page.  mapped and write print
 * "# aligned N", for the caller to compare with the module's counters.
 * Every test makes its own file, named after it.
 *
 *   mapped        16 MiB written with pwrite, mapped 2 MiB aligned: every
 *                 page of every chunk reads right
 *   write         the same file written through the mapping, every page;
 *                 pread sees the data
 *   misaligned    the same file mapped one page off: PMDs cannot be used,
 *                 every page read takes a fault
 *   hole          a sparse file mapped aligned: reads see zeros with one
 *                 fault per 2 MiB (huge zero folio); then writes replace it,
 *                 and pread sees the data
 *   small_vma     a 1 MiB mapping of the file: the PMD would not fit in the
 *                 VMA, every page takes a fault
 *   eof           a 3 MiB file mapped 4 MiB: the PMD of the second chunk
 *                 would extend beyond the end of the file, every page takes
 *                 a fault; the page at the end gives SIGBUS
 *   private_write a private mapping written: copy on write at PTE size,
 *                 every page takes a fault, the file is unchanged
 *   pte_present   a page read through a misaligned mapping leaves a PTE
 *                 entry in the file; an aligned mapping of its chunk then
 *                 falls back to pages
 *   short         a page of every chunk punched out: the extents are
 *                 shorter than a PMD, every page takes a fault, the punched
 *                 pages read zeros
 *
 * A test body returns 0 on success, 1 on a wrong result and 2 on an error
 * (said on stderr); both fail the test.
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
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dax_dir.h"
#include "dax_fixture.h"
#include "pattern.h"

#define PAGE 4096UL
#define PMD (2UL << 20)
#define CHUNKS 8
#define SIZE (CHUNKS * PMD)
#define SEED 31
#define WSEED 47
#define PUNCH_PAGE 100

static long faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/*
 * Map @len bytes of @fd from 0 at a 2 MiB aligned address plus @skew; NULL
 * (said on stderr) if it cannot.
 */
static uint8_t *map_at(int fd, size_t len, size_t skew, int prot, int flags)
{
	uint8_t *p, *a;

	p = mmap(NULL, len + 2 * PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	a = (uint8_t *)(((uintptr_t)p + PMD - 1) & ~(PMD - 1)) + skew;
	a = mmap(a, len, prot, flags | MAP_FIXED, fd, 0);
	if (a == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	return a;
}

/*
 * Fill [0, size) with the pattern.  The blocks are allocated first in one
 * go, so that the filesystem can place them aligned (written piecemeal, xfs
 * and ext4 allocate as they go, and their extents rarely are).
 */
static int write_file(int fd, size_t size)
{
	static uint8_t buf[1 << 16];
	size_t off, i;

	if (fallocate(fd, 0, 0, size))
		return -1;
	for (off = 0; off < size; off += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(off + i, SEED);
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			return -1;
	}
	return fsync(fd);
}

/* Check [0, size) of the file with pread against @want(off). */
static int pread_check(int fd, size_t size, uint8_t (*want)(size_t))
{
	static uint8_t buf[1 << 16];
	size_t off, i;

	for (off = 0; off < size; off += sizeof(buf)) {
		if (pread(fd, buf, sizeof(buf), off) != sizeof(buf))
			return -1;
		for (i = 0; i < sizeof(buf); i++) {
			if (buf[i] != want(off + i)) {
				fprintf(stderr, "pread: offset %zu: %#x, want %#x\n",
					off + i, buf[i], want(off + i));
				return -1;
			}
		}
	}
	return 0;
}

static uint8_t want_written(size_t off) { return pattern(off, SEED); }
/* The write test stores the WSEED pattern into the first byte of each page. */
static uint8_t want_rewritten(size_t off)
{
	return pattern(off, off % PAGE ? SEED : WSEED);
}

static uint8_t want_punched(size_t off)
{
	return (off % PMD) / PAGE == PUNCH_PAGE ? 0 : pattern(off, SEED);
}

/*
 * FIEMAP: which 2 MiB chunks of the file lie in one extent (physically
 * contiguous records merged) whose device offset is 2 MiB aligned.
 */
static int aligned_chunks(int fd, int aligned[CHUNKS])
{
	const __u32 bad = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
			  FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_NOT_ALIGNED |
			  FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_SHARED;
	struct fiemap *fm;
	unsigned int n = 512, i, c;
	__u64 log = 0, phys = 0, len = 0;

	fm = calloc(1, sizeof(*fm) + n * sizeof(struct fiemap_extent));
	if (!fm)
		return -1;
	fm->fm_length = SIZE;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = n;
	if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
		perror("FIEMAP");
		free(fm);
		return -1;
	}
	memset(aligned, 0, CHUNKS * sizeof(int));
	for (i = 0; i <= fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];
		int last = i == fm->fm_mapped_extents;

		/* Extend the run [log, log + len) at phys, or close it. */
		if (!last && !(e->fe_flags & bad) && len &&
		    e->fe_logical == log + len && e->fe_physical == phys + len) {
			len += e->fe_length;
			continue;
		}
		for (c = 0; c < CHUNKS && len; c++) {
			__u64 s = c * PMD;

			if (s >= log && s + PMD <= log + len &&
			    (phys + (s - log)) % PMD == 0)
				aligned[c] = 1;
		}
		if (last)
			break;
		if (e->fe_flags & bad) {
			len = 0;
			continue;
		}
		log = e->fe_logical;
		phys = e->fe_physical;
		len = e->fe_length;
	}
	for (c = 0; c < CHUNKS; c++)
		printf("# chunk %u: %s\n", c, aligned[c] ? "aligned" : "not aligned");
	free(fm);
	return 0;
}

/*
 * Touch every page of every chunk (read, or write the WSEED pattern), and
 * check aligned chunks take one fault, the others one per page.
 */
static int chunk_faults(uint8_t *p, const int aligned[CHUNKS], int write)
{
	volatile uint8_t *v = p;
	int c, bad = 0, n = 0;
	size_t off;
	long f;

	for (c = 0; c < CHUNKS; c++) {
		f = faults();
		for (off = c * PMD; off < (c + 1) * PMD; off += PAGE) {
			if (write) {
				v[off] = pattern(off, WSEED);
			} else if (v[off] != pattern(off, SEED)) {
				fprintf(stderr, "offset %zu reads wrong\n", off);
				bad = 1;
			}
		}
		f = faults() - f;
		printf("# chunk %d: %ld faults\n", c, f);
		if (aligned[c] ? f != 1 : f < (long)(PMD / PAGE)) {
			fprintf(stderr, "chunk %d: %ld faults, want %s\n", c, f,
				aligned[c] ? "1" : "one per page");
			bad = 1;
		}
		n += aligned[c];
	}
	printf("# aligned %d\n", n);
	return bad;
}

/* Read every page of [from, to) and count the faults. */
static long touch_pages(volatile uint8_t *p, size_t from, size_t to,
			uint8_t (*want)(size_t), int *bad)
{
	long f = faults();
	size_t off;

	for (off = from; off < to; off += PAGE) {
		if (p[off] != want(off)) {
			fprintf(stderr, "offset %zu reads %#x, want %#x\n", off,
				p[off], want(off));
			*bad = 1;
		}
	}
	return faults() - f;
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Whether reading *p gives SIGBUS. */
static int gives_sigbus(volatile uint8_t *p)
{
	struct sigaction sa, old;
	int bus = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = 1;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static int per_page(const char *what, long f, long pages)
{
	printf("# %s: %ld faults for %ld pages\n", what, f, pages);
	return f < pages;
}

/*
 * Map LEN bytes of the file at a 2 MiB aligned address plus SKEW, read
 * every page of [FROM, TO) against WANT, and check that each took a fault.
 */
static int read_per_page(int fd, size_t len, size_t skew, size_t from, size_t to,
			 uint8_t (*want)(size_t), const char *what)
{
	uint8_t *p = map_at(fd, len, skew, PROT_READ, MAP_SHARED);
	int bad = 0;
	long f;

	if (!p)
		return 2;
	f = touch_pages(p, from, to, want, &bad);
	return per_page(what, f, (to - from) / PAGE) || bad;
}

static char file_buf[4096];

/*
 * The file of test NAME in RUST_DAX_TEST_DIR, SIZE bytes, written with the
 * pattern unless WRITE is 0; its descriptor, or -1 (said on stderr).
 */
static int test_file(const char *name, size_t size, int write)
{
	int fd;

	snprintf(file_buf, sizeof(file_buf), "%s/pmd-%s", dax_dir(), name);
	fd = open(file_buf, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, size)) {
		perror(file_buf);
		return -1;
	}
	if (write && write_file(fd, size)) {
		perror("write");
		return -1;
	}
	return fd;
}

/* mapped and write: every chunk read or written through an aligned mapping. */
static int chunks(int fd, int write)
{
	int bad, aligned[CHUNKS];
	uint8_t *p;

	if (aligned_chunks(fd, aligned))
		return 2;
	p = map_at(fd, SIZE, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!p)
		return 2;
	bad = chunk_faults(p, aligned, write);
	munmap(p, SIZE);
	if (write && pread_check(fd, SIZE, want_rewritten))
		bad = 1;
	return bad;
}

static int test_mapped(int fd, size_t size)
{
	(void)size;
	return chunks(fd, 0);
}

static int test_write(int fd, size_t size)
{
	(void)size;
	return chunks(fd, 1);
}

static int test_misaligned(int fd, size_t size)
{
	return read_per_page(fd, size, PAGE, 0, size, want_written, "misaligned");
}

static int test_hole(int fd, size_t size)
{
	int bad = 0;
	size_t off;
	uint8_t *p;
	long f, zf;

	p = map_at(fd, size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!p)
		return 2;
	zf = counter_of("/proc/vmstat", "thp_zero_page_alloc_failed", 0);
	f = faults();
	for (off = 0; off < size; off += PMD)
		if (p[off] || p[off + PMD - 1])
			bad = 1;
	f = faults() - f;
	zf = counter_of("/proc/vmstat", "thp_zero_page_alloc_failed", 0) - zf;
	printf("# faults %ld for %lu PMDs of holes\n", f, size / PMD);
	/*
	 * Either path falls back to pages where the huge zero folio, an
	 * order-9 allocation made on demand and given back under memory
	 * pressure, cannot be had: one fault more for that PMD.
	 */
	if (zf)
		printf("# huge zero folio allocations failed: %ld\n", zf);
	if (bad || f > (long)(size / PMD) + zf)
		return 1;
	for (off = 0; off < size; off += PMD)
		p[off + 7] = 0xa5;
	munmap(p, size);
	for (off = 0; off < size; off += PMD) {
		uint8_t b;

		if (pread(fd, &b, 1, off + 7) != 1 || b != 0xa5)
			return 1;
		if (pread(fd, &b, 1, off + 8) != 1 || b != 0)
			return 1;
	}
	return 0;
}

static int test_small_vma(int fd, size_t size)
{
	(void)size;
	return read_per_page(fd, PMD / 2, 0, 0, PMD / 2, want_written, "1 MiB mapping");
}

static int test_eof(int fd, size_t size)
{
	int bad = 0;
	uint8_t *p;
	long f;

	p = map_at(fd, 2 * PMD, 0, PROT_READ, MAP_SHARED);
	if (!p)
		return 2;
	f = touch_pages(p, PMD, size, want_written, &bad);
	if (per_page("chunk ending at EOF", f, (size - PMD) / PAGE))
		bad = 1;
	if (!gives_sigbus(p + size)) {
		fprintf(stderr, "no SIGBUS reading at EOF\n");
		bad = 1;
	}
	return bad;
}

static int test_private_write(int fd, size_t size)
{
	volatile uint8_t *v;
	int bad = 0;
	size_t off;
	uint8_t *p;
	long f;

	p = map_at(fd, size, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		return 2;
	v = p;
	f = faults();
	for (off = 0; off < PMD; off += PAGE)
		v[off] = pattern(off, WSEED);
	f = faults() - f;
	for (off = 0; off < PMD; off += PAGE)
		if (v[off] != pattern(off, WSEED) ||
		    v[off + 1] != pattern(off + 1, SEED))
			bad = 1;
	munmap(p, size);
	if (pread_check(fd, size, want_written))
		bad = 1;
	return per_page("private writes", f, PMD / PAGE) || bad;
}

static int test_pte_present(int fd, size_t size)
{
	uint8_t *q = map_at(fd, size, PAGE, PROT_READ, MAP_SHARED);
	int bad;

	if (!q)
		return 2;
	/* One page of chunk 0 through PTEs: a PTE entry in the file. */
	bad = q[5 * PAGE] != pattern(5 * PAGE, SEED);
	munmap(q, size);
	return read_per_page(fd, size, 0, 0, PMD, want_written, "chunk with a PTE entry") ||
	       bad;
}

static int test_short(int fd, size_t size)
{
	size_t off;

	for (off = 0; off < size; off += PMD) {
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      off + PUNCH_PAGE * PAGE, PAGE)) {
			perror("punch");
			return 2;
		}
	}
	return read_per_page(fd, size, 0, 0, size, want_punched,
			     "chunks with a page punched out");
}

DAX_DIR_FIXTURE(pmd)

/*
 * TEST_F(pmd, NAME): test_NAME() on a new file of SIZE bytes, written with
 * the pattern if WRITE.  The faults counted are the process's: lock what it
 * has mapped so far, so that a page of its own text, stack or heap (faulted
 * in lazily, or shared copy-on-write with the harness's parent) takes no
 * fault among the DAX faults counted.  The harness ends the test's process
 * with _exit(): flush what the test printed first.
 */
#define PMD_TEST(name, size, write) \
	TEST_F_TIMEOUT(pmd, name, 300) \
	{ \
		int fd, ret; \
		\
		ASSERT_EQ(0, mlockall(MCL_CURRENT)) \
			TH_LOG("mlockall: %s", strerror(errno)); \
		fd = test_file(#name, size, write); \
		ASSERT_LE(0, fd); \
		ret = test_##name(fd, size); \
		fflush(stdout); \
		close(fd); \
		ASSERT_EQ(0, ret); \
	}

PMD_TEST(mapped, SIZE, 1)
PMD_TEST(write, SIZE, 1)
PMD_TEST(misaligned, SIZE, 1)
PMD_TEST(hole, SIZE, 0)
PMD_TEST(small_vma, SIZE, 1)
PMD_TEST(eof, PMD + PMD / 2, 1)
PMD_TEST(private_write, SIZE, 1)
PMD_TEST(pte_present, SIZE, 1)
PMD_TEST(short, SIZE, 1)

TEST_HARNESS_MAIN
