// SPDX-License-Identifier: GPL-2.0
/*
 * sync_race FILE ROUNDS: synchronous faults racing truncate of the same
 * range.  FILE (4 MiB) is mapped MAP_SHARED_VALIDATE | MAP_SYNC at a 2 MiB
 * aligned address; writer threads store into every page of the mapping
 * over and over while the main thread, ROUNDS times, truncates the file to
 * 0 and back to its size, so that the blocks are freed under the writers
 * and every next store is a new synchronous fault that may meet the
 * truncation (in the fault, or between VM_FAULT_NEEDDSYNC and
 * dax_finish_sync_fault()).  A store beyond the end of the file while it
 * is short gives SIGBUS, which the writer counts and goes on.
 *
 * Prints the stores and SIGBUSes; exit 0 if every thread finished, 2 on
 * error.  A hang or a kernel warning is the failure this looks for: the
 * caller bounds the time and the harness scans the kernel log.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map_flags.h"

#define PAGE 4096UL
#define PMD (2UL << 20)
#define SIZE (2 * PMD)
#define WRITERS 2

static uint8_t *map;
static atomic_int stop;
static atomic_long stores, sigbus;
static __thread sigjmp_buf *volatile bus_jmp;

static void on_sigbus(int sig)
{
	if (!bus_jmp) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(*bus_jmp, 1);
}

static void *writer(void *arg)
{
	volatile uint8_t *p = map;
	volatile size_t off = (uintptr_t)arg * PAGE;
	sigjmp_buf jb;

	while (!atomic_load(&stop)) {
		off = (off + WRITERS * PAGE + 64) % SIZE;
		if (sigsetjmp(jb, 1)) {
			bus_jmp = NULL;
			atomic_fetch_add(&sigbus, 1);
			continue;
		}
		bus_jmp = &jb;
		p[off] = (uint8_t)off;
		bus_jmp = NULL;
		atomic_fetch_add(&stores, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[WRITERS];
	struct sigaction sa;
	long rounds, r;
	uint8_t *p;
	int fd, i;

	if (argc != 3) {
		fprintf(stderr, "usage: sync_race FILE ROUNDS\n");
		return 2;
	}
	rounds = strtol(argv[2], NULL, 0);
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, SIZE)) {
		perror(argv[1]);
		return 2;
	}
	p = mmap(NULL, SIZE + PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	p = (uint8_t *)(((uintptr_t)p + PMD - 1) & ~(PMD - 1));
	map = mmap(p, SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED_VALIDATE | MAP_SYNC | MAP_FIXED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap MAP_SYNC");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);

	for (i = 0; i < WRITERS; i++) {
		if (pthread_create(&th[i], NULL, writer, (void *)(uintptr_t)i)) {
			perror("pthread_create");
			return 2;
		}
	}
	for (r = 0; r < rounds; r++) {
		/* Let the writers fault some pages in, then take them away. */
		long s = atomic_load(&stores) + atomic_load(&sigbus);

		while (atomic_load(&stores) + atomic_load(&sigbus) < s + 64)
			sched_yield();
		if (ftruncate(fd, r & 1 ? PMD / 2 : 0) || ftruncate(fd, SIZE)) {
			perror("ftruncate");
			atomic_store(&stop, 1);
			return 2;
		}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	printf("%ld rounds: %ld stores, %ld SIGBUS\n", rounds,
	       atomic_load(&stores), atomic_load(&sigbus));
	munmap(map, SIZE);
	close(fd);
	return 0;
}
