// SPDX-License-Identifier: GPL-2.0
/*
 * hwpoison FILE
 *	Poison one page of a shared mapping of FILE (a file on a DAX
 *	filesystem) with madvise(MADV_HWPOISON) and check what the process
 *	sees: SIGBUS with BUS_MCEERR_AR, si_addr at the page and si_addr_lsb
 *	12, delivered during the madvise() call; the other pages still hold
 *	their data; touching the poisoned page again reads its old data with
 *	no signal (software poison marks no bad blocks); unmapping and
 *	removing the file work.
 * hwpoison early FILE
 *	The same with two more processes mapping the page: one set to early
 *	kill (PR_MCE_KILL_EARLY) gets SIGBUS with BUS_MCEERR_AO at its own
 *	address of the page, lsb 12, while the poisoning process gets
 *	BUS_MCEERR_AR; one set to late kill (PR_MCE_KILL_LATE) gets no signal
 *	and reads the old data when it touches the page again.
 * hwpoison race FILE N
 *	N times, poison a page while another thread truncates the file
 *	through that page and writes it again.  Each poisoning ends either in
 *	SIGBUS (BUS_MCEERR_AR, lsb 12, at the page) or, the page being gone
 *	or unmapped, in madvise() failing with EFAULT or EBUSY or returning 0
 *	with no signal; afterwards the whole file
 *	holds its data, through the mapping and through read(2).
 *
 * Prints what happened.  Exit 0 on success, 1 on a wrong result, 2 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#endif
#ifndef BUS_MCEERR_AO
#define BUS_MCEERR_AO 5
#endif
#ifndef PR_MCE_KILL
#define PR_MCE_KILL 33
#define PR_MCE_KILL_SET 1
#define PR_MCE_KILL_LATE 0
#define PR_MCE_KILL_EARLY 1
#endif

#define PAGES 4
#define VICTIM 1
#define SEED 21

static long ps;
static sigjmp_buf env;
static volatile sig_atomic_t got;
static volatile int code, lsb;
static void *volatile addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got = 1;
	code = si->si_code;
	addr = si->si_addr;
	lsb = si->si_addr_lsb;
	siglongjmp(env, 1);
}

static void catch_sigbus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
}

/* Map FILE (PAGES pages) shared; create and fill it first if asked. */
static uint8_t *map_file(const char *path, int create, int *fdp)
{
	uint8_t *p;
	size_t off;
	int fd;

	fd = open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0644);
	if (fd < 0 || (create && ftruncate(fd, PAGES * ps))) {
		perror(path);
		exit(2);
	}
	p = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	if (create)
		for (off = 0; off < (size_t)(PAGES * ps); off++)
			p[off] = pattern(off, SEED);
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return p;
}

/*
 * Check PAGES pages at p (all, or all but VICTIM) against the pattern,
 * catching any SIGBUS.  Returns 0 if they match with no signal.
 */
static int check_pages(const char *who, uint8_t *p, int skip_victim)
{
	size_t off;

	got = 0;
	catch_sigbus();
	if (sigsetjmp(env, 1)) {
		fprintf(stderr, "%s: SIGBUS code %d reading the file\n", who, code);
		return 1;
	}
	for (off = 0; off < (size_t)(PAGES * ps); off++) {
		if (skip_victim && off / ps == VICTIM)
			continue;
		if (p[off] != pattern(off, SEED)) {
			fprintf(stderr, "%s: page %zu changed at %zu\n", who,
				off / ps, off);
			return 1;
		}
	}
	return 0;
}

/* Poison the victim page of p; expect SIGBUS BUS_MCEERR_AR during madvise. */
static int poison_expect_ar(uint8_t *p)
{
	got = 0;
	catch_sigbus();
	if (!sigsetjmp(env, 1)) {
		if (madvise(p + VICTIM * ps, ps, MADV_HWPOISON)) {
			fprintf(stderr, "madvise(MADV_HWPOISON): %s\n",
				strerror(errno));
			return 2;
		}
	}
	signal(SIGBUS, SIG_DFL);
	if (!got) {
		fprintf(stderr, "no SIGBUS\n");
		return 1;
	}
	printf("poisoner: SIGBUS code %d addr offset %ld lsb %d\n", code,
	       (long)((uint8_t *)addr - p), lsb);
	if (code != BUS_MCEERR_AR || addr != p + VICTIM * ps || lsb != 12) {
		fprintf(stderr, "expected code %d at page %d with lsb 12\n",
			BUS_MCEERR_AR, VICTIM);
		return 1;
	}
	return 0;
}

static int finish(uint8_t *p, int fd, const char *path)
{
	if (munmap(p, PAGES * ps) || close(fd) || unlink(path)) {
		perror("munmap/close/unlink");
		return 1;
	}
	return 0;
}

static int simple(const char *path)
{
	uint8_t *p;
	int fd, ret;

	p = map_file(path, 1, &fd);
	ret = poison_expect_ar(p);
	if (ret)
		return ret;
	if (check_pages("poisoner", p, 1))
		return 1;
	/* Software poison: the page is mapped again and holds its data. */
	if (check_pages("poisoner, poisoned page again", p, 0))
		return 1;
	printf("poisoner: poisoned page reads its old data, no signal\n");
	return finish(p, fd, path);
}

/*
 * A process that maps the file, touches the victim page, says so on
 * ready, and reports what it sees on its exit status.
 */
static int watcher(const char *path, int early, int ready, int done)
{
	struct timespec timeout = { .tv_sec = 120 };
	volatile uint8_t *v;
	siginfo_t si;
	sigset_t set;
	uint8_t *p;
	char c = 0;

	if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET,
		  early ? PR_MCE_KILL_EARLY : PR_MCE_KILL_LATE, 0, 0)) {
		perror("prctl(PR_MCE_KILL)");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGBUS);
	sigprocmask(SIG_BLOCK, &set, NULL);
	p = map_file(path, 0, NULL);
	v = p + VICTIM * ps;
	if (*v != pattern(VICTIM * ps, SEED))
		return 1;
	if (write(ready, &c, 1) != 1)
		return 2;
	if (early) {
		/* Bounded wait, so that a missing signal fails, not hangs. */
		if (sigtimedwait(&set, &si, &timeout) != SIGBUS) {
			fprintf(stderr, "early: no SIGBUS\n");
			return 1;
		}
		printf("early: SIGBUS code %d addr offset %ld lsb %d\n",
		       si.si_code, (long)((uint8_t *)si.si_addr - p),
		       si.si_addr_lsb);
		fflush(stdout);
		if (si.si_code != BUS_MCEERR_AO ||
		    si.si_addr != p + VICTIM * ps || si.si_addr_lsb != 12)
			return 1;
	} else {
		if (read(done, &c, 1) != 1)
			return 2;
		sigpending(&set);
		if (sigismember(&set, SIGBUS)) {
			fprintf(stderr, "late: SIGBUS pending\n");
			return 1;
		}
		printf("late: no signal\n");
		fflush(stdout);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGBUS);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (check_pages(early ? "early" : "late", p, 0))
		return 1;
	printf("%s: poisoned page reads its old data, no signal\n",
	       early ? "early" : "late");
	return 0;
}

static int early_kill(const char *path)
{
	int ready[2], done[2], status, ret = 0, i;
	pid_t pid[2];
	uint8_t *p;
	char c;
	int fd;

	p = map_file(path, 1, &fd);
	if (pipe(ready) || pipe(done))
		return 2;
	fflush(stdout);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			return 2;
		if (!pid[i])
			_exit(watcher(path, i == 0, ready[1], done[0]));
	}
	for (i = 0; i < 2; i++)
		if (read(ready[0], &c, 1) != 1)
			return 2;
	ret = poison_expect_ar(p);
	if (write(done[1], &c, 1) != 1)
		return 2;
	for (i = 0; i < 2; i++) {
		if (waitpid(pid[i], &status, 0) != pid[i])
			return 2;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "%s watcher failed (status %#x)\n",
				i ? "late" : "early", status);
			ret = ret ? ret : 1;
		}
	}
	if (ret)
		return ret;
	if (check_pages("poisoner", p, 0))
		return 1;
	return finish(p, fd, path);
}

struct race {
	pthread_barrier_t start, end;
	int fd, rounds, failed;
	uint8_t *buf;
};

/* Truncate through the victim page and write the rest of the file again. */
static void *truncator(void *arg)
{
	struct race *r = arg;
	size_t len = (PAGES - VICTIM) * ps;
	int i;

	for (i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(&r->start);
		if (ftruncate(r->fd, VICTIM * ps) ||
		    pwrite(r->fd, r->buf + VICTIM * ps, len, VICTIM * ps) !=
		    (ssize_t)len) {
			perror("truncate/pwrite");
			r->failed = 1;
		}
		pthread_barrier_wait(&r->end);
	}
	return NULL;
}

static int race(const char *path, int rounds)
{
	volatile int i, sigbus = 0, gone = 0, ret = 0;
	struct race r = { .rounds = rounds };
	pthread_t thread;
	size_t off;
	uint8_t *p;

	p = map_file(path, 1, &r.fd);
	r.buf = malloc(PAGES * ps);
	if (!r.buf)
		return 2;
	for (off = 0; off < (size_t)(PAGES * ps); off++)
		r.buf[off] = pattern(off, SEED);
	pthread_barrier_init(&r.start, NULL, 2);
	pthread_barrier_init(&r.end, NULL, 2);
	if (pthread_create(&thread, NULL, truncator, &r))
		return 2;
	catch_sigbus();
	for (i = 0; i < rounds; i++) {
		got = 0;
		errno = 0;
		pthread_barrier_wait(&r.start);
		if (!sigsetjmp(env, 1))
			ret = madvise(p + VICTIM * ps, ps, MADV_HWPOISON);
		pthread_barrier_wait(&r.end);
		if (got) {
			sigbus++;
			if (code != BUS_MCEERR_AR || addr != p + VICTIM * ps ||
			    lsb != 12) {
				fprintf(stderr, "round %d: SIGBUS code %d offset %ld lsb %d\n",
					i, code, (long)((uint8_t *)addr - p), lsb);
				return 1;
			}
		} else if (!ret || errno == EFAULT || errno == EBUSY) {
			/*
			 * Truncated before: no page to poison (EFAULT), not
			 * in the file any more (EBUSY), or no longer mapped
			 * by the time the processes were collected (0).
			 */
			gone++;
		} else {
			fprintf(stderr, "round %d: madvise returned %d (%s) and no SIGBUS\n",
				i, ret, strerror(errno));
			return 1;
		}
	}
	pthread_join(thread, NULL);
	signal(SIGBUS, SIG_DFL);
	if (r.failed)
		return 2;
	/* Outcomes depend on timing: printed, not compared. */
	fprintf(stderr, "%d rounds: %d SIGBUS, %d page gone\n", rounds, sigbus,
		gone);
	printf("race: %d rounds, each SIGBUS or page gone\n", rounds);
	if (check_pages("after the race", p, 0))
		return 1;
	for (off = 0; off < (size_t)(PAGES * ps); off++) {
		uint8_t b;

		if (pread(r.fd, &b, 1, off) != 1 || b != pattern(off, SEED)) {
			fprintf(stderr, "read(2) differs at %zu\n", off);
			return 1;
		}
	}
	printf("race: file holds its data\n");
	free(r.buf);
	return finish(p, r.fd, path);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ps = sysconf(_SC_PAGESIZE);
	if (argc == 2)
		return simple(argv[1]);
	if (argc == 3 && !strcmp(argv[1], "early"))
		return early_kill(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "race"))
		return race(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: hwpoison FILE | hwpoison early FILE | hwpoison race FILE N\n");
	return 2;
}
