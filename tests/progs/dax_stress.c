// SPDX-License-Identifier: GPL-2.0
/*
 * dax_stress [-t SECS] [-w WORKERS] [-m MODULE.ko] [-s SEED] DIR...: many
 * processes on shared DAX files, checked against a model.
 *
 * In every DIR two files are shared by all workers.  Each worker owns a
 * region of PAGES_PER_WORKER pages in every file, and one worker per file
 * also owns the tail of it (TAIL_PAGES pages past the regions).  The model
 * (in shared memory) knows what every page holds: nothing (zeroes) or the
 * pattern of (file, page, version) up to a length.  Workers, until the time
 * is up, pick at random: a write or read through their shared mapping
 * (2 MiB aligned, so that PMD faults happen too), pwrite(2), pread(2),
 * fallocate punch-hole and zero-range, fsync/fdatasync/msync, a private
 * mapping written (copy-on-write; the file must not change), fork (the
 * child checks and writes pages through the inherited mapping), remapping
 * the file; the tail owner also truncates to byte sizes, extends with
 * pwrite(2) and faults past the end of the file (SIGBUS expected).  Every
 * read is checked against the model.
 *
 * With -m, a controller flips the C/Rust switch of rust_dax
 * (debugfs rust_dax/rust_path) every 20-200 ms and unloads and reloads the
 * module every eighth flip, and counts the faults of each path from the
 * module's counters; with -p c or -p rust it keeps that path (no flips,
 * the reloads still).  At the end every page of every file is compared with
 * the model through pread(2) and through a new mapping (on both paths).
 *
 * A watchdog fails the run if the workers have not finished 120 s after
 * the time is up.  Before it kills them it prints what each was doing and
 * the kernel stack of each worker and of the controller, the DAX entries of
 * every file (when the test module dax_probe is loaded: index, flags, pfn,
 * and the folio's reference and map counts), and has the kernel log the
 * stacks of all blocked tasks and then of all tasks (sysrq w and t).
 *
 * With -P FILE, a line of progress (seconds, operations, flips, reloads)
 * is appended to FILE every PROGRESS_EVERY seconds, for a person following
 * the run; nothing else is written there.
 *
 * Exit status 0 only if everything matched, 3 after a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#define PAGE 4096UL
#define PMD_SIZE (2UL << 20)
#define MAX_WORKERS 32
#define MAX_FILES 8
#define FILES_PER_DIR 2
#define PAGES_PER_WORKER 64
#define TAIL_PAGES 32
#define MAX_PAGES (MAX_WORKERS * PAGES_PER_WORKER + TAIL_PAGES)
#define WATCHDOG_GRACE 120
#define PROGRESS_EVERY 5
#define SWITCH "/sys/kernel/debug/rust_dax/rust_path"
#define STATS "/sys/kernel/debug/rust_dax/stats"
#define ENTRIES "/sys/kernel/debug/dax_probe/entries"

enum op {
	OP_MWRITE, OP_MREAD, OP_PWRITE, OP_PREAD, OP_PUNCH, OP_ZERO, OP_SYNC,
	OP_PRIVATE, OP_FORK, OP_REMAP, OP_TRUNC, OP_TAIL_PWRITE, OP_TAIL_MREAD,
	OP_TAIL_MWRITE, OP_TAIL_SIGBUS, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"mmap-write", "mmap-read", "pwrite", "pread", "punch-hole", "zero-range",
	"sync", "private-cow", "fork", "remap", "truncate", "tail-pwrite",
	"tail-mmap-read", "tail-mmap-write", "tail-sigbus",
};

static const char *op_name(unsigned int op)
{
	return op < NR_OPS ? op_names[op] : "-";
}

/* The counters of rust_dax summed per path by the controller. */
static const char *const stat_names[] = {
	"pte_fault", "pmd_fault", "pte_read", "pte_write", "zero_page",
	"pmd_served", "huge_zero_page", "cow", "nopage", "sigbus", "fallback",
};
#define NR_STATS (sizeof(stat_names) / sizeof(stat_names[0]))

struct page_model {
	uint32_t ver;	/* 0: zeroes */
	uint32_t len;	/* bytes of pattern, the rest zeroes */
	uint8_t hist[4];	/* the last operations that changed it, latest first */
};

struct shared {
	struct page_model page[MAX_FILES][MAX_PAGES];
	uint64_t size[MAX_FILES];
	uint64_t ops[MAX_WORKERS][NR_OPS];
	uint64_t errors[MAX_WORKERS];
	uint64_t path_stats[2][NR_STATS];	/* [0]: C, [1]: Rust */
	uint64_t flips, unloads, unload_busy, reloads, ctl_errors;
	/* What each worker is doing (for the watchdog): op, file, page. */
	volatile int cur_op[MAX_WORKERS], cur_file[MAX_WORKERS];
	volatile unsigned int cur_page[MAX_WORKERS];
	volatile int stop;
};

static struct shared *sh;
static int nfiles, nworkers = 8;
static char *paths[MAX_FILES];
static int fds[MAX_FILES];
static char *maps[MAX_FILES];
static uint64_t rng;
static int me;
static int pin = -1;	/* -p: the path the controller keeps (no flips) */

static sigjmp_buf env;
static volatile sig_atomic_t armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (armed)
		siglongjmp(env, 1);
	static const char msg[] = "dax_stress: unexpected SIGBUS\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(10);
	_exit(10);
}

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int below(unsigned int n)
{
	return rnd() % n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t file_bytes(void)
{
	return (size_t)(nworkers * PAGES_PER_WORKER + TAIL_PAGES) * PAGE;
}

static int tail_owner(int f)
{
	return f % nworkers;
}

/* The expected content of page P of file F for model M. */
static void expect(char *buf, int f, unsigned int p, struct page_model m)
{
	uint64_t base = ((uint64_t)f << 40) + (uint64_t)p * PAGE;
	uint32_t i;

	for (i = 0; i < m.len; i++)
		buf[i] = pattern(base + i, m.ver);
	memset(buf + m.len, 0, PAGE - m.len);
}

static void fail(const char *fmt, int f, unsigned int p, const char *what)
{
	fprintf(stderr, "worker %d: %s: file %s page %u: %s\n", me, fmt,
		paths[f], p, what);
	sh->errors[me]++;
}

/* Compares BUF with the model of page P of file F. */
static void check(const char *buf, int f, unsigned int p, const char *how)
{
	char want[PAGE];
	struct page_model m = sh->page[f][p];
	size_t i;

	expect(want, f, p, m);
	if (!memcmp(buf, want, PAGE))
		return;
	for (i = 0; i < PAGE && buf[i] == want[i]; i++)
		;
	size_t nz = 0, j;

	for (j = 0; j < PAGE; j++)
		nz += buf[j] != 0;
	fprintf(stderr, "worker %d: %s: file %s page %u: mismatch at byte %zu "
		"(model version %#x length %u, then %s, %s, %s; read %zu non-zero bytes)\n",
		me, how, paths[f], p, i, m.ver, m.len, op_name(m.hist[0]),
		op_name(m.hist[1]), op_name(m.hist[2]), nz);
	sh->errors[me]++;
}

static void map_file(int f)
{
	size_t len = file_bytes();
	char *p;

	/* 2 MiB aligned, so that the first 2 MiB can be mapped by a PMD. */
	p = mmap(NULL, len + PMD_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	char *a = (char *)(((uintptr_t)p + PMD_SIZE - 1) & ~(PMD_SIZE - 1));

	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + len + PMD_SIZE - (a + len));
	maps[f] = mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fds[f], 0);
	if (maps[f] == MAP_FAILED) {
		perror("mmap file");
		exit(2);
	}
}

/* Copies with SIGBUS caught; returns 1 on SIGBUS. */
static int copy_caught(void *dst, const void *src, size_t n)
{
	if (sigsetjmp(env, 1)) {
		armed = 0;
		return 1;
	}
	armed = 1;
	memcpy(dst, src, n);
	armed = 0;
	return 0;
}

static uint32_t next_ver(void)
{
	static uint32_t v;

	return (uint32_t)me << 24 | (++v & 0xffffff);
}

static void history(int f, unsigned int p, enum op op)
{
	uint8_t *h = sh->page[f][p].hist;

	memmove(h + 1, h, 3);
	h[0] = op;
}

static void write_page_model(int f, unsigned int p, uint32_t ver, enum op op)
{
	sh->page[f][p].ver = ver;
	sh->page[f][p].len = PAGE;
	history(f, p, op);
}

static void zero_page_model(int f, unsigned int p, enum op op)
{
	sh->page[f][p].ver = 0;
	sh->page[f][p].len = 0;
	history(f, p, op);
}

/* One operation on page P (one of this worker's) of file F. */
static void own_op(enum op op, int f, unsigned int p)
{
	char buf[PAGE];
	struct page_model m;
	off_t off = (off_t)p * PAGE;

	switch (op) {
	case OP_MWRITE:
		m.ver = next_ver();
		m.len = PAGE;
		expect(buf, f, p, m);
		if (copy_caught(maps[f] + off, buf, PAGE))
			fail("mmap write", f, p, "SIGBUS");
		write_page_model(f, p, m.ver, op);
		break;
	case OP_MREAD:
		if (copy_caught(buf, maps[f] + off, PAGE))
			fail("mmap read", f, p, "SIGBUS");
		else
			check(buf, f, p, "mmap read");
		break;
	case OP_PWRITE:
		m.ver = next_ver();
		m.len = PAGE;
		expect(buf, f, p, m);
		if (pwrite(fds[f], buf, PAGE, off) != (ssize_t)PAGE)
			fail("pwrite", f, p, strerror(errno));
		write_page_model(f, p, m.ver, op);
		break;
	case OP_PREAD:
		if (pread(fds[f], buf, PAGE, off) != (ssize_t)PAGE)
			fail("pread", f, p, strerror(errno));
		else
			check(buf, f, p, "pread");
		break;
	case OP_PUNCH:
	case OP_ZERO:
		if (fallocate(fds[f], op == OP_PUNCH ?
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : FALLOC_FL_ZERO_RANGE,
			      off, PAGE))
			fail(op_names[op], f, p, strerror(errno));
		zero_page_model(f, p, op);
		break;
	case OP_SYNC:
		switch (below(3)) {
		case 0:
			if (fsync(fds[f]))
				fail("fsync", f, p, strerror(errno));
			break;
		case 1:
			if (fdatasync(fds[f]))
				fail("fdatasync", f, p, strerror(errno));
			break;
		default:
			if (msync(maps[f] + off, PAGE, MS_SYNC))
				fail("msync", f, p, strerror(errno));
		}
		break;
	case OP_PRIVATE: {
		char *pm = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fds[f], off);

		if (pm == MAP_FAILED) {
			fail("mmap private", f, p, strerror(errno));
			break;
		}
		/* Read first (the copy is made by the write-protect fault) or
		 * write first (by the DAX fault: a copy-on-write fault). */
		if (below(2)) {
			if (copy_caught(buf, pm, PAGE))
				fail("private read", f, p, "SIGBUS");
			else
				check(buf, f, p, "private read");
		}
		m.ver = 0xffffffu;	/* never in the model */
		m.len = PAGE;
		expect(buf, f, p, m);
		if (copy_caught(pm, buf, PAGE))
			fail("private write", f, p, "SIGBUS");
		else if (memcmp(pm, buf, PAGE))
			fail("private write", f, p, "the copy lost the write");
		munmap(pm, PAGE);
		if (pread(fds[f], buf, PAGE, off) != (ssize_t)PAGE)
			fail("pread", f, p, strerror(errno));
		else
			check(buf, f, p, "pread after private write");
		break;
	}
	case OP_FORK: {
		unsigned int first = me * PAGES_PER_WORKER;
		uint32_t ver = next_ver();
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			fail("fork", f, p, strerror(errno));
			break;
		}
		if (pid == 0) {
			unsigned int i;

			/* Child: reads its parent's pages, writes page P. */
			for (i = 0; i < 8; i++) {
				unsigned int q = first + (p - first + i) % PAGES_PER_WORKER;

				if (copy_caught(buf, maps[f] + (off_t)q * PAGE, PAGE))
					fail("child read", f, q, "SIGBUS");
				else
					check(buf, f, q, "child mmap read");
			}
			m.ver = ver;
			m.len = PAGE;
			expect(buf, f, p, m);
			if (copy_caught(maps[f] + off, buf, PAGE))
				_exit(1);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fail("fork", f, p, "the child failed");
			break;
		}
		write_page_model(f, p, ver, op);
		break;
	}
	case OP_REMAP:
		munmap(maps[f], file_bytes());
		map_file(f);
		break;
	default:
		break;
	}
}

/* One operation on the tail of file F (this worker owns it). */
static void tail_op(enum op op, int f)
{
	unsigned int base = nworkers * PAGES_PER_WORKER;
	unsigned int p = base + below(TAIL_PAGES);
	uint64_t size = sh->size[f];
	off_t off = (off_t)p * PAGE;
	char buf[PAGE];
	struct page_model m;

	switch (op) {
	case OP_TRUNC: {
		uint64_t s = (uint64_t)base * PAGE + rnd() % (TAIL_PAGES * PAGE + 1);
		unsigned int q;

		if (ftruncate(fds[f], s)) {
			fail("ftruncate", f, p, strerror(errno));
			break;
		}
		for (q = base; q < base + TAIL_PAGES; q++) {
			uint64_t start = (uint64_t)q * PAGE;

			if (start >= s)
				zero_page_model(f, q, op);
			else if (start + PAGE > s && sh->page[f][q].len > s - start)
				sh->page[f][q].len = s - start;
		}
		sh->size[f] = s;
		break;
	}
	case OP_TAIL_PWRITE:
		m.ver = next_ver();
		m.len = PAGE;
		expect(buf, f, p, m);
		if (pwrite(fds[f], buf, PAGE, off) != (ssize_t)PAGE) {
			fail("tail pwrite", f, p, strerror(errno));
			break;
		}
		write_page_model(f, p, m.ver, op);
		if (sh->size[f] < (uint64_t)off + PAGE)
			sh->size[f] = off + PAGE;
		break;
	case OP_TAIL_MREAD:
	case OP_TAIL_SIGBUS: {
		int sigbus = copy_caught(buf, maps[f] + off, PAGE);

		if ((uint64_t)off >= size) {
			if (!sigbus)
				fail("mmap read past EOF", f, p, "no SIGBUS");
		} else if (sigbus) {
			fail("tail mmap read", f, p, "SIGBUS");
		} else {
			check(buf, f, p, "tail mmap read");
		}
		break;
	}
	case OP_TAIL_MWRITE:
		m.ver = next_ver();
		m.len = PAGE;
		expect(buf, f, p, m);
		if ((uint64_t)off + PAGE <= size) {
			if (copy_caught(maps[f] + off, buf, PAGE))
				fail("tail mmap write", f, p, "SIGBUS");
			write_page_model(f, p, m.ver, op);
		} else if ((uint64_t)off >= size) {
			if (!copy_caught(maps[f] + off, buf, PAGE))
				fail("mmap write past EOF", f, p, "no SIGBUS");
		}
		break;
	default:
		break;
	}
}

static void worker(double deadline)
{
	static const enum op own_mix[] = {
		OP_MWRITE, OP_MWRITE, OP_MWRITE, OP_MREAD, OP_MREAD, OP_MREAD,
		OP_PWRITE, OP_PWRITE, OP_PREAD, OP_PREAD, OP_PUNCH, OP_ZERO,
		OP_SYNC, OP_PRIVATE, OP_FORK, OP_REMAP,
	};
	static const enum op tail_mix[] = {
		OP_TRUNC, OP_TRUNC, OP_TAIL_PWRITE, OP_TAIL_PWRITE, OP_TAIL_MREAD,
		OP_TAIL_MWRITE, OP_TAIL_SIGBUS,
	};
	int f;

	for (f = 0; f < nfiles; f++) {
		fds[f] = open(paths[f], O_RDWR);
		if (fds[f] < 0) {
			perror(paths[f]);
			exit(2);
		}
		map_file(f);
	}
	while (!sh->stop && now() < deadline) {
		enum op op;

		f = below(nfiles);
		sh->cur_file[me] = f;
		if (tail_owner(f) == me && below(4) == 0) {
			op = tail_mix[below(sizeof(tail_mix) / sizeof(tail_mix[0]))];
			sh->cur_op[me] = op;
			sh->cur_page[me] = 0;
			tail_op(op, f);
		} else {
			unsigned int p = me * PAGES_PER_WORKER + below(PAGES_PER_WORKER);

			op = own_mix[below(sizeof(own_mix) / sizeof(own_mix[0]))];
			sh->cur_op[me] = op;
			sh->cur_page[me] = p;
			own_op(op, f, p);
		}
		sh->cur_op[me] = -1;
		sh->ops[me][op]++;
	}
	exit(sh->errors[me] ? 1 : 0);
}

/* The controller: flips the C/Rust switch, unloads and reloads rust_dax. */
static int read_stats(uint64_t *v)
{
	char buf[4096], name[64];
	unsigned long long val;
	size_t i;
	ssize_t n;
	int fd = open(STATS, O_RDONLY);
	char *line;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	memset(v, 0, NR_STATS * sizeof(*v));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "%63s %llu", name, &val) != 2)
			continue;
		for (i = 0; i < NR_STATS; i++)
			if (!strcmp(name, stat_names[i]))
				v[i] = val;
	}
	return 0;
}

static int read_switch(void)
{
	char c = '1';
	int fd = open(SWITCH, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = '1';
	close(fd);
	return c == '0' ? 0 : 1;
}

static int write_switch(int path)
{
	int fd = open(SWITCH, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, path ? "1" : "0", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

/* Adds what the counters moved since LAST to the current PATH's sums. */
static void account(uint64_t *last, int path)
{
	uint64_t cur[NR_STATS];
	size_t i;

	if (read_stats(cur))
		return;
	for (i = 0; i < NR_STATS; i++) {
		sh->path_stats[path][i] += cur[i] - last[i];
		last[i] = cur[i];
	}
}

static void controller(const char *module, double deadline)
{
	uint64_t last[NR_STATS];
	int path, mfd, loaded = 1;
	unsigned int i;

	rng ^= 0x5eed;
	if (pin >= 0)
		write_switch(pin);
	path = read_switch();
	if (path < 0 || read_stats(last)) {
		fprintf(stderr, "controller: rust_dax is not loaded\n");
		exit(2);
	}
	for (i = 1; now() < deadline && !sh->stop; i++) {
		usleep(20000 + below(180000));
		if (i % 8) {
			if (pin >= 0)
				continue;
			account(last, path);
			path = !path;
			if (write_switch(path)) {
				sh->ctl_errors++;
				continue;
			}
			sh->flips++;
			continue;
		}
		account(last, path);
		if (syscall(SYS_delete_module, "rust_dax", O_NONBLOCK)) {
			sh->unload_busy++;
			continue;
		}
		sh->unloads++;
		loaded = 0;
		usleep(20000 + below(180000));
		mfd = open(module, O_RDONLY | O_CLOEXEC);
		if (mfd < 0 || syscall(SYS_finit_module, mfd, "", 0)) {
			perror("controller: finit_module");
			sh->ctl_errors++;
			if (mfd >= 0)
				close(mfd);
			break;
		}
		close(mfd);
		loaded = 1;
		sh->reloads++;
		if (pin >= 0)
			write_switch(pin);
		path = read_switch();
		if (path < 0 || read_stats(last)) {
			sh->ctl_errors++;
			break;
		}
	}
	if (loaded) {
		account(last, path);
		write_switch(1);
	}
	exit(sh->ctl_errors || !loaded ? 1 : 0);
}

/* The final check of every page against the model, through pread(2) and
 * through a new mapping; returns the number of mismatches. */
static uint64_t verify(const char *how)
{
	char buf[PAGE];
	unsigned int p;
	uint64_t before = sh->errors[me];
	int f;

	for (f = 0; f < nfiles; f++) {
		struct stat st;
		unsigned int npages;
		char *m;

		if (fstat(fds[f], &st) || (uint64_t)st.st_size != sh->size[f]) {
			fprintf(stderr, "%s: %s: size %lld, model %llu\n", how, paths[f],
				(long long)st.st_size, (unsigned long long)sh->size[f]);
			sh->errors[me]++;
		}
		npages = (sh->size[f] + PAGE - 1) / PAGE;
		m = mmap(NULL, file_bytes(), PROT_READ, MAP_SHARED, fds[f], 0);
		if (m == MAP_FAILED) {
			perror("mmap");
			sh->errors[me]++;
			continue;
		}
		for (p = 0; p < npages; p++) {
			size_t n = p + 1 < npages || sh->size[f] % PAGE == 0 ?
				PAGE : sh->size[f] % PAGE;

			memset(buf, 0, PAGE);
			if (pread(fds[f], buf, n, (off_t)p * PAGE) != (ssize_t)n)
				fail(how, f, p, "short pread");
			else
				check(buf, f, p, "final pread");
			if (copy_caught(buf, m + (off_t)p * PAGE, PAGE))
				fail(how, f, p, "SIGBUS");
			else
				check(buf, f, p, "final mmap read");
		}
		munmap(m, file_bytes());
	}
	return sh->errors[me] - before;
}

/* The mismatches found so far by all workers. */
static uint64_t errors_so_far(void)
{
	uint64_t n = 0;
	int w;

	for (w = 0; w < nworkers; w++)
		n += sh->errors[w];
	return n;
}

/* Copies the file PATH to stderr. */
static void cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, n, stderr) != (size_t)n)
			break;
	close(fd);
}

/* The kernel stack of process PID. */
static void dump_stack_of(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	cat(path);
}

/* What worker I (process PID) is doing, and its kernel stack. */
static void dump_worker(int i, pid_t pid)
{
	fprintf(stderr, "stress: watchdog: worker %d pid %d: %s file %d page %u\n", i, pid,
		sh->cur_op[i] >= 0 ? op_names[sh->cur_op[i]] : "-", sh->cur_file[i],
		sh->cur_page[i]);
	dump_stack_of(pid);
}

/* The DAX entries of every file, through the test module dax_probe. */
static void dump_entries(void)
{
	int f, fd;

	for (f = 0; f < nfiles; f++) {
		fd = open(ENTRIES, O_WRONLY);
		if (fd < 0) {
			fprintf(stderr, "stress: watchdog: no %s (dax_probe not loaded)\n", ENTRIES);
			return;
		}
		if (write(fd, paths[f], strlen(paths[f])) < 0)
			perror(ENTRIES);
		close(fd);
		fprintf(stderr, "stress: watchdog: DAX entries of %s:\n", paths[f]);
		cat(ENTRIES);
	}
}

/* Has the kernel log the stacks of the tasks: sysrq KEY. */
static void sysrq(char key)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	if (fd < 0 || write(fd, &key, 1) != 1)
		perror("sysrq");
	if (fd >= 0)
		close(fd);
}

/* Appends a line of progress to FD. */
static void progress(int fd, double start, unsigned int duration)
{
	uint64_t ops = 0;
	char line[256];
	int w, o, n;

	for (w = 0; w < nworkers; w++)
		for (o = 0; o < NR_OPS; o++)
			ops += sh->ops[w][o];
	n = snprintf(line, sizeof(line),
		     "stress: %.0f s of %u: %llu operations, %llu flips, %llu reloads, %llu mismatches\n",
		     now() - start, duration, (unsigned long long)ops,
		     (unsigned long long)sh->flips, (unsigned long long)sh->reloads,
		     (unsigned long long)errors_so_far());
	if (write(fd, line, n) != n)
		perror("progress");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	const char *module = NULL, *progress_path = NULL;
	unsigned int duration = 120, seed = 1;
	double next_progress;
	int progress_fd = -1;
	pid_t pids[MAX_WORKERS + 1], ctl = 0;
	double start, deadline;
	int opt, i, f, running, failed = 0, hung = 0;
	uint64_t total = 0, errors = 0;

	while ((opt = getopt(argc, argv, "t:w:m:s:p:P:")) != -1) {
		switch (opt) {
		case 't': duration = atoi(optarg); break;
		case 'w': nworkers = atoi(optarg); break;
		case 'm': module = optarg; break;
		case 's': seed = atoi(optarg); break;
		case 'p': pin = !strcmp(optarg, "rust") ? 1 : !strcmp(optarg, "c") ? 0 : -2; break;
		case 'P': progress_path = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc || pin == -2 || nworkers < 1 || nworkers > MAX_WORKERS ||
	    (argc - optind) * FILES_PER_DIR > MAX_FILES) {
usage:
		fprintf(stderr, "usage: %s [-t SECS] [-w WORKERS] [-m MODULE.ko] [-p c|rust] [-s SEED] [-P FILE] DIR...\n",
			argv[0]);
		return 2;
	}
	sigaction(SIGBUS, &sa, NULL);
	if (progress_path) {
		progress_fd = open(progress_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (progress_fd < 0)
			perror(progress_path);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (i = optind; i < argc; i++) {
		for (f = 0; f < FILES_PER_DIR; f++) {
			if (asprintf(&paths[nfiles], "%s/stress-%d", argv[i], f) < 0)
				return 2;
			fds[nfiles] = open(paths[nfiles], O_RDWR | O_CREAT | O_TRUNC, 0644);
			if (fds[nfiles] < 0 || fallocate(fds[nfiles], 0, 0, file_bytes())) {
				perror(paths[nfiles]);
				return 2;
			}
			sh->size[nfiles] = file_bytes();
			memset(sh->page[nfiles], 0xff, sizeof(sh->page[nfiles]));
			for (unsigned int q = 0; q < MAX_PAGES; q++)
				sh->page[nfiles][q].ver = sh->page[nfiles][q].len = 0;
			nfiles++;
		}
	}
	printf("stress: %d workers, %d files, %u s, seed %u%s\n", nworkers, nfiles,
	       duration, seed, module ? ", switch flips and module reloads" : "");
	fflush(stdout);

	start = now();
	deadline = start + duration;
	for (i = 0; i < nworkers; i++)
		sh->cur_op[i] = -1;
	for (i = 0; i < nworkers; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			me = i;
			rng = 0x9e3779b97f4a7c15ULL * (seed + 1) ^ (uint64_t)(i + 1) << 32;
			for (f = 0; f < nfiles; f++)
				close(fds[f]);
			worker(deadline);
		}
	}
	if (module) {
		ctl = fork();
		if (ctl == 0) {
			rng = 0x2545f4914f6cdd1dULL * (seed + 7);
			controller(module, deadline);
		}
	}

	/* Watchdog: everything must be over WATCHDOG_GRACE s after the end. */
	running = nworkers + (module ? 1 : 0);
	next_progress = start + PROGRESS_EVERY;
	while (running > 0) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "stress: process %d (%s) failed: status %#x\n", pid,
					pid == ctl ? "controller" : "worker", status);
				failed = 1;
			}
			continue;
		}
		if (progress_fd >= 0 && now() >= next_progress) {
			progress(progress_fd, start, duration);
			next_progress += PROGRESS_EVERY;
		}
		if (now() > deadline + WATCHDOG_GRACE) {
			fprintf(stderr, "stress: watchdog: %d processes still running %d s after the end: hang\n",
				running, WATCHDOG_GRACE);
			fprintf(stderr, "stress: watchdog: rust_path %d\n", read_switch());
			for (i = 0; i < nworkers; i++)
				dump_worker(i, pids[i]);
			if (ctl) {
				fprintf(stderr, "stress: watchdog: controller pid %d\n", ctl);
				dump_stack_of(ctl);
			}
			dump_entries();
			/* The blocked tasks, then all tasks, into the kernel log. */
			sysrq('w');
			sysrq('t');
			sh->stop = 1;
			for (i = 0; i < nworkers; i++)
				kill(pids[i], SIGKILL);
			if (ctl)
				kill(ctl, SIGKILL);
			hung = 1;
			break;
		}
		usleep(100000);
	}
	printf("stress: ran %.0f s\n", now() - start);
	for (i = 0; i < NR_OPS; i++) {
		uint64_t n = 0;
		int w;

		for (w = 0; w < nworkers; w++)
			n += sh->ops[w][i];
		total += n;
		printf("stress: op %-16s %llu\n", op_names[i], (unsigned long long)n);
	}
	printf("stress: ops total %llu\n", (unsigned long long)total);
	if (module) {
		printf("stress: controller flips %llu unloads %llu (busy %llu) reloads %llu errors %llu\n",
		       (unsigned long long)sh->flips, (unsigned long long)sh->unloads,
		       (unsigned long long)sh->unload_busy, (unsigned long long)sh->reloads,
		       (unsigned long long)sh->ctl_errors);
		for (f = 0; f < 2; f++) {
			size_t s;

			printf("stress: path %-4s", f ? "rust" : "c");
			for (s = 0; s < NR_STATS; s++)
				printf(" %s=%llu", stat_names[s],
				       (unsigned long long)sh->path_stats[f][s]);
			printf("\n");
		}
	}
	if (progress_fd >= 0)
		progress(progress_fd, start, duration);
	if (hung)
		return 3;

	/* Quiesced: every page against the model, on both paths. */
	me = 0;
	if (module && write_switch(1) == 0) {
		verify("final check (rust)");
		write_switch(0);
		verify("final check (c)");
		write_switch(1);
	} else {
		verify("final check");
	}
	for (i = 0; i < nworkers; i++)
		errors += sh->errors[i];
	printf("stress: model mismatches %llu\n", (unsigned long long)errors);
	return failed || errors ? 1 : 0;
}
