// SPDX-License-Identifier: GPL-2.0
/*
 * hwpoison FILE: poison one page of a shared mapping of FILE (a file on a
 * DAX filesystem) with madvise(MADV_HWPOISON) and check what the process
 * sees: SIGBUS with BUS_MCEERR_AR, si_addr at the page and si_addr_lsb 12,
 * delivered during the madvise() call; the other pages still hold their
 * data; unmapping and removing the file work.
 *
 * Exit 0 on success, 1 on a wrong result, 2 on error.
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
#include <unistd.h>

#include "pattern.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#endif

#define PAGES 4
#define VICTIM 1

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

int main(int argc, char **argv)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	uint8_t *p;
	size_t off;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: hwpoison FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, PAGES * ps)) {
		perror(argv[1]);
		return 2;
	}
	p = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (off = 0; off < (size_t)(PAGES * ps); off++)
		p[off] = pattern(off, 21);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);

	if (!sigsetjmp(env, 1)) {
		if (madvise(p + VICTIM * ps, ps, MADV_HWPOISON)) {
			fprintf(stderr, "madvise(MADV_HWPOISON): %s\n", strerror(errno));
			return 2;
		}
	}
	if (!got) {
		fprintf(stderr, "no SIGBUS\n");
		return 1;
	}
	printf("SIGBUS code %d addr offset %ld lsb %d\n", code,
	       (long)((uint8_t *)addr - p), lsb);
	if (code != BUS_MCEERR_AR || addr != p + VICTIM * ps || lsb != 12) {
		fprintf(stderr, "expected code %d at page %d with lsb 12\n",
			BUS_MCEERR_AR, VICTIM);
		return 1;
	}
	signal(SIGBUS, SIG_DFL);
	for (off = 0; off < (size_t)(PAGES * ps); off++) {
		if (off / ps == VICTIM)
			continue;
		if (p[off] != pattern(off, 21)) {
			fprintf(stderr, "page %zu changed at %zu\n", off / ps, off);
			return 1;
		}
	}
	if (munmap(p, PAGES * ps) || close(fd) || unlink(argv[1])) {
		perror("munmap/close/unlink");
		return 1;
	}
	return 0;
}
