// SPDX-License-Identifier: GPL-2.0
/*
 * dax_faults: page-fault tests on files made in RUST_DAX_TEST_DIR (default:
 * the working directory), a directory of a file system mounted with -o dax.
 * A kselftest_harness.h program: "dax_faults -l" lists the tests,
 * "dax_faults -t hole" runs one, no option runs all.  large_rw_verify checks
 * the file large_rw left (the caller may remount in between).  KTAP on
 * stdout; exit status 0 if every test run passed.
 *
 * Every test checks the data it reads byte for byte against what it wrote
 * (deterministic patterns).  Failures and setup errors say why in a "#"
 * line; both fail the test.  Every test is skipped if the directory is not
 * on a DAX file system.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dax_dir.h"
#include "dax_fixture.h"

#define PG 4096UL

static char path_buf[4096];

/*
 * A test body reports a failure (1) or a setup error (2) in a KTAP
 * diagnostic line and returns it.
 */
#define FAIL(...) \
	({ fprintf(stderr, "# FAIL: " __VA_ARGS__); fputc('\n', stderr); 1; })
#define SETUP(...) \
	({ fprintf(stderr, "# setup: " __VA_ARGS__); \
	   fprintf(stderr, ": %s\n", strerror(errno)); 2; })

static const char *file_path(const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dax_dir(), name);
	return path_buf;
}

/* The byte at file offset off of the pattern with seed. */
static uint8_t pattern(uint64_t off, uint64_t seed)
{
	uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ULL + seed * 0xbf58476d1ce4e5b9ULL;

	x ^= x >> 29;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 32;
	return (uint8_t)(x >> (8 * (off & 7)));
}

static void fill(uint8_t *p, uint64_t off, uint64_t len, uint64_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern(off + i, seed);
}

/*
 * check: len bytes at p, which hold file offset off, must be the pattern of
 * seed (or zeroes for seed 0).  Reports the first mismatch.
 */
static int check(const char *what, const uint8_t *p, uint64_t off,
		 uint64_t len, uint64_t seed)
{
	uint64_t i;
	uint8_t want;

	for (i = 0; i < len; i++) {
		want = seed ? pattern(off + i, seed) : 0;
		if (p[i] != want)
			return FAIL("%s: byte at file offset %llu is %#x, expected %#x (%s)",
				    what, (unsigned long long)(off + i), p[i], want,
				    seed ? "pattern" : "zero");
	}
	return 0;
}

static int pread_check(const char *what, int fd, uint64_t off, uint64_t len,
		       uint64_t seed)
{
	uint8_t *buf = malloc(len);
	ssize_t n;
	int ret;

	if (!buf)
		return SETUP("malloc");
	n = pread(fd, buf, len, off);
	if (n != (ssize_t)len) {
		free(buf);
		return n < 0 ? SETUP("pread") :
			FAIL("%s: pread at %llu returned %zd of %llu bytes", what,
			     (unsigned long long)off, n, (unsigned long long)len);
	}
	ret = check(what, buf, off, len, seed);
	free(buf);
	return ret;
}

static int pwrite_pattern(int fd, uint64_t off, uint64_t len, uint64_t seed)
{
	uint8_t *buf = malloc(len);
	ssize_t n;

	if (!buf)
		return SETUP("malloc");
	fill(buf, off, len, seed);
	n = pwrite(fd, buf, len, off);
	free(buf);
	if (n != (ssize_t)len)
		return SETUP("pwrite");
	return 0;
}

static int create(const char *name, uint64_t size)
{
	int fd = open(file_path(name), O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *map(int fd, uint64_t len, int prot, int flags)
{
	return mmap(NULL, len, prot, flags, fd, 0);
}

/* SIGBUS: a thread arms a jump buffer around an access that may fault. */
static __thread sigjmp_buf *volatile bus_jmp;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!bus_jmp) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(*bus_jmp, 1);
}

static int catch_sigbus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL);
}

/* Read one byte; -1 on SIGBUS. */
static int probe_read(const volatile uint8_t *p, uint8_t *v)
{
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		return -1;
	}
	bus_jmp = &jb;
	*v = *p;
	bus_jmp = NULL;
	return 0;
}

/* Write one byte; -1 on SIGBUS. */
static int probe_write(volatile uint8_t *p, uint8_t v)
{
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		return -1;
	}
	bus_jmp = &jb;
	*p = v;
	bus_jmp = NULL;
	return 0;
}

/* ------------------------------------------------------------------ */

#define LARGE_SIZE (5 * 1024 * 1024 + 5 * PG + 123)
#define LARGE_SEED 31

static int large_verify(int fd)
{
	struct stat st;
	uint8_t *p;
	int ret;

	if (fstat(fd, &st))
		return SETUP("fstat");
	if (st.st_size != LARGE_SIZE)
		return FAIL("large: size %lld, expected %lu", (long long)st.st_size,
			    (unsigned long)LARGE_SIZE);
	p = map(fd, LARGE_SIZE, PROT_READ, MAP_SHARED);
	if (p == MAP_FAILED)
		return SETUP("mmap");
	ret = check("large: mapping", p, 0, LARGE_SIZE, LARGE_SEED);
	munmap(p, LARGE_SIZE);
	return ret ?: pread_check("large: pread", fd, 0, LARGE_SIZE, LARGE_SEED);
}

static int test_large_rw(void)
{
	int fd = create("large", LARGE_SIZE), ret;
	uint8_t *p;

	if (fd < 0)
		return SETUP("create large");
	p = map(fd, LARGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == MAP_FAILED)
		return SETUP("mmap");
	fill(p, 0, LARGE_SIZE, LARGE_SEED);
	ret = check("large: same mapping", p, 0, LARGE_SIZE, LARGE_SEED);
	munmap(p, LARGE_SIZE);
	ret = ret ?: large_verify(fd);
	close(fd);
	return ret;
}

static int test_large_rw_verify(void)
{
	int fd = open(file_path("large"), O_RDONLY), ret;

	if (fd < 0)
		return SETUP("open large");
	ret = large_verify(fd);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */

#define HOLE_PAGES 16

static int test_hole(void)
{
	uint64_t size = HOLE_PAGES * PG, i;
	int fd = create("hole", size), ret;
	uint8_t *p;

	if (fd < 0)
		return SETUP("create hole");
	p = map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == MAP_FAILED)
		return SETUP("mmap");
	/* Read faults on holes: zeroes. */
	ret = check("hole: page 3 read through the mapping", p + 3 * PG, 3 * PG, PG, 0);
	ret = ret ?: check("hole: page 5 read through the mapping", p + 5 * PG, 5 * PG, PG, 0);
	if (ret)
		return ret;
	/* A write to a page read as a hole allocates it. */
	fill(p + 3 * PG, 3 * PG, PG, 7);
	/* And a write fault on a page never read. */
	fill(p + 9 * PG, 9 * PG, PG, 8);
	ret = check("hole: page 3 after write, same mapping", p + 3 * PG, 3 * PG, PG, 7);
	ret = ret ?: check("hole: page 5 still a hole", p + 5 * PG, 5 * PG, PG, 0);
	if (munmap(p, size))
		return SETUP("munmap");
	if (ret)
		return ret;
	for (i = 0; i < HOLE_PAGES && !ret; i++) {
		char what[64];

		snprintf(what, sizeof(what), "hole: pread of page %llu",
			 (unsigned long long)i);
		ret = pread_check(what, fd, i * PG, PG, i == 3 ? 7 : i == 9 ? 8 : 0);
	}
	if (ret)
		return ret;
	/* A new mapping sees the same. */
	p = map(fd, size, PROT_READ, MAP_SHARED);
	if (p == MAP_FAILED)
		return SETUP("mmap");
	for (i = 0; i < HOLE_PAGES && !ret; i++) {
		char what[64];

		snprintf(what, sizeof(what), "hole: new mapping, page %llu",
			 (unsigned long long)i);
		ret = check(what, p + i * PG, i * PG, PG, i == 3 ? 7 : i == 9 ? 8 : 0);
	}
	munmap(p, size);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */

#define PRIV_PAGES 8
#define PRIV_DATA_PAGES 6	/* pages 6 and 7 are a hole */

static int test_private(void)
{
	uint64_t size = PRIV_PAGES * PG;
	int fd = create("private", size), ret;
	uint8_t *priv, *shr;

	if (fd < 0)
		return SETUP("create private");
	ret = pwrite_pattern(fd, 0, PRIV_DATA_PAGES * PG, 1);
	if (ret)
		return ret;
	priv = map(fd, size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	shr = map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (priv == MAP_FAILED || shr == MAP_FAILED)
		return SETUP("mmap");

	/* Page 0: written through the private mapping (copy on write). */
	fill(priv, 0, PG, 2);
	ret = check("private: page 0 through the private mapping after a private write",
		    priv, 0, PG, 2);
	ret = ret ?: check("private: page 0 through the shared mapping after a private write",
			   shr, 0, PG, 1);
	ret = ret ?: pread_check("private: pread of page 0 after a private write",
				 fd, 0, PG, 1);
	if (ret)
		return ret;
	/* Written through the shared mapping: the private copy stays. */
	fill(shr, 0, PG, 3);
	ret = check("private: page 0 through the private mapping after a shared write",
		    priv, 0, PG, 2);
	ret = ret ?: pread_check("private: pread of page 0 after a shared write", fd, 0, PG, 3);

	/* Page 1: only read through the private mapping, then written shared. */
	ret = ret ?: check("private: page 1 read through the private mapping",
			   priv + PG, PG, PG, 1);
	if (ret)
		return ret;
	fill(shr + PG, PG, PG, 4);
	ret = check("private: page 1 through the private mapping (read only) after a shared write",
		    priv + PG, PG, PG, 4);

	/* Page 2: read, then written privately: the copy is of the file. */
	ret = ret ?: check("private: page 2 read", priv + 2 * PG, 2 * PG, PG, 1);
	if (ret)
		return ret;
	fill(priv + 2 * PG, 2 * PG, PG / 2, 5);
	ret = check("private: page 2 first half after a private write",
		    priv + 2 * PG, 2 * PG, PG / 2, 5);
	ret = ret ?: check("private: page 2 second half after a private write",
			   priv + 2 * PG + PG / 2, 2 * PG + PG / 2, PG / 2, 1);
	ret = ret ?: pread_check("private: pread of page 2", fd, 2 * PG, PG, 1);

	/* Page 6: a hole written privately: zeroes around, the file stays a hole. */
	if (ret)
		return ret;
	fill(priv + 6 * PG, 6 * PG, 100, 6);
	ret = check("private: page 6 (hole) written privately", priv + 6 * PG, 6 * PG, 100, 6);
	ret = ret ?: check("private: page 6 (hole) rest", priv + 6 * PG + 100, 6 * PG + 100,
			   PG - 100, 0);
	ret = ret ?: check("private: page 6 (hole) through the shared mapping",
			   shr + 6 * PG, 6 * PG, PG, 0);
	ret = ret ?: pread_check("private: pread of page 6 (hole)", fd, 6 * PG, PG, 0);

	/* Page 7: a hole read privately, then written shared. */
	ret = ret ?: check("private: page 7 (hole) read privately", priv + 7 * PG, 7 * PG, PG, 0);
	if (ret)
		return ret;
	fill(shr + 7 * PG, 7 * PG, PG, 9);
	ret = check("private: page 7 (hole, read privately) after a shared write",
		    priv + 7 * PG, 7 * PG, PG, 9);
	ret = ret ?: pread_check("private: pread of page 7", fd, 7 * PG, PG, 9);

	/* The other pages were never touched privately: the file. */
	ret = ret ?: check("private: page 3 through the private mapping", priv + 3 * PG,
			   3 * PG, PG, 1);
	munmap(priv, size);
	munmap(shr, size);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */

static int test_sigbus_eof(void)
{
	int fd = create("eof", PG), ret;
	uint8_t *p, *q, v;

	if (fd < 0)
		return SETUP("create eof");
	ret = pwrite_pattern(fd, 0, PG, 11);
	if (ret)
		return ret;
	if (catch_sigbus())
		return SETUP("sigaction");
	p = map(fd, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
	q = map(fd, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (p == MAP_FAILED || q == MAP_FAILED)
		return SETUP("mmap");
	ret = check("eof: page 0, shared", p, 0, PG, 11);
	if (ret)
		return ret;
	if (!probe_read(p + PG, &v))
		return FAIL("eof: read of page 1 (beyond EOF), shared: no SIGBUS, read %#x", v);
	if (!probe_write(p + PG + 17, 0x5a))
		return FAIL("eof: write to page 1 (beyond EOF), shared: no SIGBUS");
	if (!probe_read(q + PG, &v))
		return FAIL("eof: read of page 1 (beyond EOF), private: no SIGBUS, read %#x", v);
	if (!probe_write(q + PG, 0x5a))
		return FAIL("eof: write to page 1 (beyond EOF), private: no SIGBUS");
	ret = check("eof: page 0, shared, after the SIGBUS", p, 0, PG, 11);
	ret = ret ?: check("eof: page 0, private, after the SIGBUS", q, 0, PG, 11);
	ret = ret ?: pread_check("eof: pread of page 0", fd, 0, PG, 11);
	munmap(p, 2 * PG);
	munmap(q, 2 * PG);
	close(fd);
	return ret;
}

static int test_truncate_sigbus(void)
{
	int fd = create("trunc", 3 * PG), ret;
	uint8_t *p, v;
	struct stat st;

	if (fd < 0)
		return SETUP("create trunc");
	if (catch_sigbus())
		return SETUP("sigaction");
	p = map(fd, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == MAP_FAILED)
		return SETUP("mmap");
	fill(p, 0, 3 * PG, 12);
	ret = check("trunc: 3 pages before truncate", p, 0, 3 * PG, 12);
	if (ret)
		return ret;
	if (ftruncate(fd, PG))
		return SETUP("ftruncate");
	if (!probe_read(p + 2 * PG, &v))
		return FAIL("trunc: read of page 2 after truncate to 1 page: no SIGBUS, read %#x", v);
	if (!probe_read(p + PG + 5, &v))
		return FAIL("trunc: read of page 1 after truncate to 1 page: no SIGBUS, read %#x", v);
	if (!probe_write(p + 2 * PG, 1))
		return FAIL("trunc: write to page 2 after truncate to 1 page: no SIGBUS");
	ret = check("trunc: page 0 after truncate", p, 0, PG, 12);
	ret = ret ?: pread_check("trunc: pread of page 0 after truncate", fd, 0, PG, 12);
	if (ret)
		return ret;
	if (fstat(fd, &st))
		return SETUP("fstat");
	if (st.st_size != (off_t)PG)
		return FAIL("trunc: size %lld after truncate", (long long)st.st_size);
	/* Extended again: the truncated pages read zeroes, not the old data. */
	if (ftruncate(fd, 3 * PG))
		return SETUP("ftruncate");
	ret = check("trunc: page 1 after extending again", p + PG, PG, PG, 0);
	ret = ret ?: check("trunc: page 2 after extending again", p + 2 * PG, 2 * PG, PG, 0);
	ret = ret ?: check("trunc: page 0 after extending again", p, 0, PG, 12);
	ret = ret ?: pread_check("trunc: pread of pages 1-2 after extending", fd, PG, 2 * PG, 0);
	munmap(p, 3 * PG);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */

#define FORK_PAGES 16

static int test_fork(void)
{
	uint64_t size = FORK_PAGES * PG;
	int fd = create("fork", size), ret, status;
	uint8_t *p;
	pid_t pid;

	if (fd < 0)
		return SETUP("create fork");
	ret = pwrite_pattern(fd, 0, size, 13);
	if (ret)
		return ret;
	p = map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == MAP_FAILED)
		return SETUP("mmap");
	/* Fault in the first half only in the parent. */
	ret = check("fork: parent before fork", p, 0, size / 2, 13);
	if (ret)
		return ret;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return SETUP("fork");
	if (!pid) {
		ret = check("fork: child reads the parent's data", p, 0, size, 13);
		if (!ret)
			fill(p, 0, size, 14);
		_exit(ret);
	}
	if (waitpid(pid, &status, 0) != pid)
		return SETUP("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return FAIL("fork: child failed (status %#x)", status);
	ret = check("fork: parent sees the child's writes", p, 0, size, 14);
	ret = ret ?: pread_check("fork: pread of the child's writes", fd, 0, size, 14);
	/* And the child sees the parent's, in a second child. */
	if (ret)
		return ret;
	fill(p, 0, size, 15);
	pid = fork();
	if (pid < 0)
		return SETUP("fork");
	if (!pid)
		_exit(check("fork: second child sees the parent's writes", p, 0, size, 15));
	if (waitpid(pid, &status, 0) != pid)
		return SETUP("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return FAIL("fork: second child failed (status %#x)", status);
	munmap(p, size);
	close(fd);
	return 0;
}

/* ------------------------------------------------------------------ */

#define MREMAP_OLD (8 * PG)
#define MREMAP_NEW (24 * PG)

static int test_mremap(void)
{
	int fd = create("mremap", MREMAP_OLD), ret;
	uint8_t *p, *q;

	if (fd < 0)
		return SETUP("create mremap");
	p = map(fd, MREMAP_OLD, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == MAP_FAILED)
		return SETUP("mmap");
	fill(p, 0, MREMAP_OLD, 16);
	if (ftruncate(fd, MREMAP_NEW))
		return SETUP("ftruncate");
	q = mremap(p, MREMAP_OLD, MREMAP_NEW, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return SETUP("mremap");
	ret = check("mremap: old part after mremap", q, 0, MREMAP_OLD, 16);
	ret = ret ?: check("mremap: new part reads zeroes", q + MREMAP_OLD, MREMAP_OLD,
			   MREMAP_NEW - MREMAP_OLD, 0);
	if (ret)
		return ret;
	fill(q + MREMAP_OLD, MREMAP_OLD, MREMAP_NEW - MREMAP_OLD, 16);
	ret = check("mremap: whole mapping", q, 0, MREMAP_NEW, 16);
	munmap(q, MREMAP_NEW);
	ret = ret ?: pread_check("mremap: pread", fd, 0, MREMAP_NEW, 16);
	/* Moved explicitly elsewhere, still the file. */
	p = map(fd, MREMAP_NEW, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == MAP_FAILED)
		return SETUP("mmap");
	ret = ret ?: check("mremap: new mapping", p, 0, MREMAP_NEW, 16);
	q = mremap(p, MREMAP_NEW, MREMAP_NEW / 2, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return SETUP("mremap shrink");
	ret = ret ?: check("mremap: shrunk mapping", q, 0, MREMAP_NEW / 2, 16);
	munmap(q, MREMAP_NEW / 2);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */

/*
 * concurrent: faulting threads against hole punching and truncation.  The
 * file is read and written in aligned 64-bit words, each
 *	MAGIC << 48 | generation << 24 | word index
 * so that a word read back is either zero (a hole, a punched or truncated
 * range) or a word some thread wrote at that offset; data at the wrong
 * offset (a freed block reused) or of another file fails.
 */
#define CC_PAGES 192
#define CC_SIZE (CC_PAGES * PG)
#define CC_WORDS_PER_PAGE (PG / 8)
#define CC_HOT 8		/* pages every thread works on */
#define CC_THREADS 4
#define CC_MAGIC 0xda7aULL
#define CC_SECONDS 2
#define CC_ALARM 120

static int cc_fd;
static volatile uint64_t *cc_map;
static volatile int cc_stop;
static pthread_mutex_t cc_lock = PTHREAD_MUTEX_INITIALIZER;
static char cc_error[512];

struct cc_thread {
	pthread_t tid;
	unsigned int id;
	uint64_t rnd;
	uint64_t gen;
	unsigned long writes, reads, sigbus;
};

static uint64_t cc_word(uint64_t gen, uint64_t index)
{
	return CC_MAGIC << 48 | (gen & 0xffffff) << 24 | (index & 0xffffff);
}

static int cc_valid(uint64_t w, uint64_t index)
{
	return !w || (w >> 48 == CC_MAGIC && (w & 0xffffff) == index &&
		      ((w >> 24) & 0xffffff) != 0);
}

static void cc_fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&cc_lock);
	if (!cc_error[0]) {
		va_start(ap, fmt);
		vsnprintf(cc_error, sizeof(cc_error), fmt, ap);
		va_end(ap);
	}
	cc_stop = 1;
	pthread_mutex_unlock(&cc_lock);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Write (or check) one page through the mapping; -1 on SIGBUS. */
static int cc_page(struct cc_thread *t, uint64_t page, int write)
{
	volatile uint64_t *w = cc_map + page * CC_WORDS_PER_PAGE;
	uint64_t base = page * CC_WORDS_PER_PAGE, i, v;
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		t->sigbus++;
		return -1;
	}
	bus_jmp = &jb;
	if (write) {
		/* gen is 24 bits, never 0: the thread in the top 4 bits. */
		t->gen = (t->gen + 1) & 0xfffff;
		if (!t->gen)
			t->gen = 1;
		for (i = 0; i < CC_WORDS_PER_PAGE; i++)
			w[i] = cc_word((uint64_t)(t->id + 1) << 20 | t->gen, base + i);
		t->writes++;
	} else {
		for (i = 0; i < CC_WORDS_PER_PAGE; i++) {
			v = w[i];
			if (!cc_valid(v, base + i)) {
				bus_jmp = NULL;
				cc_fail("thread %u read %#llx at file offset %llu",
					t->id, (unsigned long long)v,
					(unsigned long long)((base + i) * 8));
				return 0;
			}
		}
		t->reads++;
	}
	bus_jmp = NULL;
	return 0;
}

static void *cc_faulter(void *arg)
{
	struct cc_thread *t = arg;
	uint64_t r, page;

	while (!cc_stop) {
		r = rnd(&t->rnd);
		/* Half the time a hot page shared by all, else one of the thread's own. */
		if (r & 1) {
			page = (r >> 8) % CC_HOT;
		} else {
			page = CC_HOT + (r >> 8) % ((CC_PAGES - CC_HOT) / CC_THREADS);
			page = CC_HOT + (page - CC_HOT) * CC_THREADS + t->id;
			if (page >= CC_PAGES)
				page = CC_HOT + t->id;
		}
		cc_page(t, page, (r >> 4) & 1);
	}
	return NULL;
}

static unsigned long cc_punches, cc_truncates;

static void *cc_chaos(void *arg)
{
	uint64_t s = 0x1234567, r, page, len;

	(void)arg;
	while (!cc_stop) {
		r = rnd(&s);
		page = (r >> 8) % CC_PAGES;
		len = 1 + (r >> 20) % 8;
		if (page + len > CC_PAGES)
			len = CC_PAGES - page;
		if ((r & 7) == 0) {
			/* Truncate to a page boundary, then extend again. */
			if (ftruncate(cc_fd, page * PG) || ftruncate(cc_fd, CC_SIZE)) {
				cc_fail("ftruncate: %s", strerror(errno));
				break;
			}
			cc_truncates++;
		} else {
			if (fallocate(cc_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      page * PG, len * PG)) {
				cc_fail("punch hole: %s", strerror(errno));
				break;
			}
			cc_punches++;
		}
		usleep(500);
	}
	return NULL;
}

static int cc_verify(const char *what, const uint64_t *w, uint64_t words)
{
	uint64_t i;

	for (i = 0; i < words; i++)
		if (!cc_valid(w[i], i))
			return FAIL("concurrent: %s: word %#llx at file offset %llu",
				    what, (unsigned long long)w[i],
				    (unsigned long long)(i * 8));
	return 0;
}

static int test_concurrent(void)
{
	struct cc_thread t[CC_THREADS];
	pthread_t chaos;
	uint64_t *buf, i, nonzero = 0;
	struct stat st;
	int ret;
	unsigned int n;

	alarm(CC_ALARM);	/* a hang fails: SIGALRM kills the process */
	cc_fd = create("concurrent", CC_SIZE);
	if (cc_fd < 0)
		return SETUP("create concurrent");
	if (catch_sigbus())
		return SETUP("sigaction");
	cc_map = map(cc_fd, CC_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (cc_map == MAP_FAILED)
		return SETUP("mmap");
	for (n = 0; n < CC_THREADS; n++) {
		memset(&t[n], 0, sizeof(t[n]));
		t[n].id = n;
		t[n].rnd = 0x9e3779b97f4a7c15ULL * (n + 1);
		if (pthread_create(&t[n].tid, NULL, cc_faulter, &t[n]))
			return SETUP("pthread_create");
	}
	if (pthread_create(&chaos, NULL, cc_chaos, NULL))
		return SETUP("pthread_create");
	sleep(CC_SECONDS);
	cc_stop = 1;
	for (n = 0; n < CC_THREADS; n++)
		pthread_join(t[n].tid, NULL);
	pthread_join(chaos, NULL);
	for (n = 0; n < CC_THREADS; n++)
		printf("# thread %u: %lu page writes, %lu page reads, %lu SIGBUS\n",
		       n, t[n].writes, t[n].reads, t[n].sigbus);
	printf("# chaos: %lu hole punches, %lu truncations\n", cc_punches, cc_truncates);
	if (cc_error[0])
		return FAIL("concurrent: %s", cc_error);

	if (fstat(cc_fd, &st))
		return SETUP("fstat");
	if (st.st_size != (off_t)CC_SIZE)
		return FAIL("concurrent: size %lld, expected %lu", (long long)st.st_size,
			    (unsigned long)CC_SIZE);
	ret = cc_verify("mapping after the run", (const uint64_t *)cc_map, CC_SIZE / 8);
	if (ret)
		return ret;
	buf = malloc(CC_SIZE);
	if (!buf)
		return SETUP("malloc");
	if (pread(cc_fd, buf, CC_SIZE, 0) != (ssize_t)CC_SIZE)
		return SETUP("pread");
	ret = cc_verify("pread after the run", buf, CC_SIZE / 8);
	if (ret)
		return ret;
	for (i = 0; i < CC_SIZE / 8; i++)
		nonzero += !!buf[i];
	printf("# after the run: %llu of %lu words written\n",
	       (unsigned long long)nonzero, (unsigned long)(CC_SIZE / 8));
	for (i = 0; i < CC_SIZE / 8; i++)
		if (buf[i] != ((const uint64_t *)cc_map)[i])
			return FAIL("concurrent: mapping and pread differ at offset %llu",
				    (unsigned long long)(i * 8));

	/* A final full write through the mapping, checked both ways. */
	for (i = 0; i < CC_SIZE / 8; i++)
		cc_map[i] = cc_word(0xfffff, i);
	for (i = 0; i < CC_SIZE / 8; i++)
		if (cc_map[i] != cc_word(0xfffff, i))
			return FAIL("concurrent: final write: mapping word at %llu is %#llx",
				    (unsigned long long)(i * 8),
				    (unsigned long long)cc_map[i]);
	munmap((void *)cc_map, CC_SIZE);
	if (pread(cc_fd, buf, CC_SIZE, 0) != (ssize_t)CC_SIZE)
		return SETUP("pread");
	for (i = 0; i < CC_SIZE / 8; i++)
		if (buf[i] != cc_word(0xfffff, i))
			return FAIL("concurrent: final write: pread word at %llu is %#llx",
				    (unsigned long long)(i * 8),
				    (unsigned long long)buf[i]);
	free(buf);
	close(cc_fd);
	alarm(0);
	return 0;
}

/* ------------------------------------------------------------------ */

DAX_DIR_FIXTURE(dax)

/*
 * TEST_F(dax, NAME) runs test_NAME(): 0 passes, a failure or setup error
 * fails.  The harness ends the test's process with _exit(): flush what the
 * test printed first.
 */
#define DAX_TEST(name, timeout) \
	TEST_F_TIMEOUT(dax, name, timeout) \
	{ \
		int ret = test_##name(); \
		\
		fflush(stdout); \
		ASSERT_EQ(0, ret); \
	}

DAX_TEST(large_rw, 120)
/* The file large_rw left: the caller runs it again after a remount. */
DAX_TEST(large_rw_verify, 120)
DAX_TEST(hole, 120)
DAX_TEST(private, 120)
DAX_TEST(sigbus_eof, 120)
DAX_TEST(truncate_sigbus, 120)
DAX_TEST(fork, 120)
DAX_TEST(mremap, 120)
DAX_TEST(concurrent, CC_ALARM + 30)

TEST_HARNESS_MAIN
