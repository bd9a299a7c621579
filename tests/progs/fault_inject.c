// SPDX-License-Identifier: GPL-2.0
/*
 * fault_inject DIR nth|plain [KNOB]: DAX page faults under injected failures.
 * fault_inject cases: the names of the cases.
 *
 * For every case (a read or write fault of a hole or of written data in a
 * shared mapping, a copy-on-write fault of a private mapping) the file is
 * set up afresh, so that the mapping has no entry and the xarray node for
 * the faulting index must be allocated again.
 *
 * nth:   systematic allocation failures.  For N = 1, 2, ... the N-th
 *        failable allocation (failslab, fail_page_alloc) of this thread
 *        after /proc/thread-self/fail-nth was written fails, until the
 *        fault makes fewer than N allocations.  One line per N:
 *          CASE nth=N injected=y|n result=ok|sigbus
 *        The failure of the GFP_NOWAIT node allocation of the entry store
 *        in grab_mapping_entry() is retried through xas_nomem().
 * plain: each case once, no allocation failures: CASE result=ok|sigbus.
 *        With KNOB (e.g. an xfs errortag file), "1" is written to it just
 *        before the fault and "0" just after, so that only the fault sees
 *        the filesystem's injected errors.
 *
 * FAULT_INJECT_CASE=NAME in the environment runs only that case;
 * "fault_inject cases" lists the cases.
 *
 * The data seen after a fault that succeeded is checked; a mismatch is an
 * error.  Exit status 0 unless something unexpected happened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define NPAGES 16
#define IDX 5		/* a non-zero index needs an xarray node */
#define MAX_NTH 400
/*
 * Far from everything else, so that every fault allocates the same page
 * tables whatever the address space layout of the run (and munmap frees
 * them again): the N-th allocation is the same one on both paths.
 */
#define MAP_AT ((void *)0x200000000000UL)

/* <linux/ext4.h> is not in every libc's headers. */
#ifndef EXT4_IOC_CHECKPOINT
#define EXT4_IOC_CHECKPOINT _IOW('f', 43, __u32)
#endif

static sigjmp_buf env;
static volatile sig_atomic_t armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (armed)
		siglongjmp(env, 1);
	_exit(3);
}

struct tcase {
	const char *name;
	int data;	/* the page holds written data (else a hole) */
	int write;	/* a write fault (else a read fault) */
	int private;	/* MAP_PRIVATE */
};

static const struct tcase cases[] = {
	{ "read-hole", 0, 0, 0 },
	{ "read-data", 1, 0, 0 },
	{ "write-hole", 0, 1, 0 },
	{ "write-data", 1, 1, 0 },
	{ "cow-data", 1, 1, 1 },
	{ "cow-hole", 0, 1, 1 },
};

static int nth_fd = -1;

static void set_nth(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len) {
		perror("write fail-nth");
		exit(2);
	}
}

/* The remaining count (0: a failure was injected); disarms. */
static unsigned int get_nth(void)
{
	char buf[16] = { 0 };
	unsigned int n;

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0) {
		perror("read fail-nth");
		exit(2);
	}
	n = strtoul(buf, NULL, 10);
	set_nth(0);
	return n;
}

static const char *knob;

static void set_knob(const char *val)
{
	int fd;

	if (!knob)
		return;
	fd = open(knob, O_WRONLY);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val)) {
		perror(knob);
		exit(2);
	}
	close(fd);
}

static void fill(char *buf, int version)
{
	memset(buf, 'A' + version % 26, PAGE);
}

/* Runs one fault of CASE in FILE with fail-nth N (0: none). */
static int one(const char *file, const struct tcase *c, unsigned int n)
{
	char want[PAGE], got[PAGE];
	volatile char *p;
	char *map;
	volatile int sigbus = 0, bad = 0, injected = 0;
	__u32 checkpoint = 0;	/* flags: just checkpoint */
	int fd;

	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, NPAGES * PAGE)) {
		perror(file);
		exit(2);
	}
	fill(want, 1);
	if (c->data && pwrite(fd, want, PAGE, IDX * PAGE) != PAGE) {
		perror("pwrite");
		exit(2);
	}
	if (!c->data)
		memset(want, 0, PAGE);
	map = mmap(MAP_AT, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		   (c->private ? MAP_PRIVATE : MAP_SHARED) | MAP_FIXED_NOREPLACE, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	p = map + IDX * PAGE;
	/*
	 * Whether a fault allocates must not depend on timing.  Commit the
	 * set-up (ext4 starts a new transaction, xfs has nothing in flight)
	 * and let the coarse clock move past the file's times, so that the
	 * fault always updates them (file_update_time()).  On ext4, also
	 * checkpoint the journal: a buffer the fault's transaction modifies
	 * then never still has the journal head of an earlier transaction,
	 * and the fault allocates one for each, every time.
	 */
	if (syncfs(fd)) {
		perror("syncfs");
		exit(2);
	}
	if (ioctl(fd, EXT4_IOC_CHECKPOINT, &checkpoint) &&
	    errno != ENOTTY && errno != EOPNOTSUPP) {
		perror("EXT4_IOC_CHECKPOINT");
		exit(2);
	}
	usleep(20 * 1000);

	if (sigsetjmp(env, 1) == 0) {
		set_knob("1");
		armed = 1;
		if (n)
			set_nth(n);
		if (c->write)
			p[0] = 'w';
		else
			(void)p[0];
		armed = 0;
		if (n)
			injected = get_nth() == 0;
		set_knob("0");
	} else {
		armed = 0;
		if (n)
			injected = get_nth() == 0;
		set_knob("0");
		sigbus = 1;
	}

	if (!sigbus) {
		/* The mapping shows the data, the file what it should. */
		if (c->write)
			want[0] = 'w';
		memcpy(got, (char *)map + IDX * PAGE, PAGE);
		if (memcmp(got, want, PAGE)) {
			fprintf(stderr, "%s nth=%u: wrong data in the mapping\n", c->name, n);
			bad = 1;
		}
		if (c->private)
			want[0] = c->data ? 'A' + 1 : 0;
		if (pread(fd, got, PAGE, IDX * PAGE) != PAGE || memcmp(got, want, PAGE)) {
			fprintf(stderr, "%s nth=%u: wrong data in the file\n", c->name, n);
			bad = 1;
		}
	}
	munmap(map, NPAGES * PAGE);
	close(fd);

	if (n)
		printf("%s nth=%u injected=%s result=%s\n", c->name, n,
		       injected ? "y" : "n", sigbus ? "sigbus" : "ok");
	else
		printf("%s result=%s\n", c->name, sigbus ? "sigbus" : "ok");
	fflush(stdout);
	if (bad)
		return -1;
	return injected;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	char file[4096];
	const char *only;
	unsigned int i, n;
	int nth, ret = 0;

	if (argc == 2 && !strcmp(argv[1], "cases")) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc < 3 || argc > 4 || (strcmp(argv[2], "nth") && strcmp(argv[2], "plain"))) {
		fprintf(stderr, "usage: %s DIR nth|plain [KNOB] | %s cases\n", argv[0], argv[0]);
		return 2;
	}
	if (argc == 4)
		knob = argv[3];
	nth = !strcmp(argv[2], "nth");
	only = getenv("FAULT_INJECT_CASE");
	if (only && !*only)
		only = NULL;
	sigaction(SIGBUS, &sa, NULL);
	if (nth) {
		nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
		if (nth_fd < 0) {
			perror("/proc/thread-self/fail-nth");
			return 2;
		}
	}

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (only && strcmp(only, cases[i].name))
			continue;
		snprintf(file, sizeof(file), "%s/inject-%s", argv[1], cases[i].name);
		if (!nth) {
			if (one(file, &cases[i], 0) < 0)
				ret = 1;
			continue;
		}
		for (n = 1; n <= MAX_NTH; n++) {
			int r = one(file, &cases[i], n);

			if (r < 0)
				ret = 1;
			if (r == 0)
				break;
		}
		if (n > MAX_NTH) {
			fprintf(stderr, "%s: still injecting after %d\n", cases[i].name, MAX_NTH);
			ret = 1;
		}
		unlink(file);
	}
	return ret;
}
