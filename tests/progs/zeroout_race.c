// SPDX-License-Identifier: GPL-2.0
/*
 * zeroout_race fault|pwrite DIR: ext4's conversion of unwritten blocks for
 * a DAX write, with another write entering the window between the
 * conversion and the zeroing of the blocks on purpose, every time: the
 * test module dax_probe (debugfs dax_probe/ext4_convert*) wakes a
 * real-time task on the converting task's CPU as ext4_ext_map_blocks()
 * returns the converted blocks, and that task runs before the converting
 * one goes on.
 *
 * In DIR (ext4 mounted -o dax) a 4 MiB file is fallocated (one unwritten
 * extent) and mapped shared (2 MiB aligned for "fault", a page off that
 * for "pwrite", so that its faults are PTE faults).  Both tasks run on
 * CPU 0.  The converting task writes 8 bytes at the start of one page:
 *
 *   fault   a store into page 0x27 through the mapping: a PMD write fault
 *           converts the first 2 MiB;
 *   pwrite  a pwrite(2) into page 5, which was read through the mapping
 *           first (the zero page is mapped): 6 blocks are converted.
 *
 * The other task (SCHED_FIFO), woken in the window, writes 8 bytes at
 * offset 0xc00 of a page of the converted range: with pwrite(2) for
 * "fault", through the mapping (a write fault) for "pwrite".  Both pages
 * are then read back with pread(2).  If ext4 had published the blocks as
 * written, that write went into them and the zeroing cleared it: its bytes
 * read back as zeroes ("LOST", exit 1).  If not, the write waited for the
 * conversion to end ("zeroed" when it returned) and every byte reads back
 * as written (exit 0).  Exit 2 on an error, 4 without dax_probe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define PMD_SIZE (2UL << 20)
#define FILE_SIZE (4UL << 20)
#define CONVERT "/sys/kernel/debug/dax_probe/ext4_convert"
#define CONVERT_WAIT "/sys/kernel/debug/dax_probe/ext4_convert_wait"

static const char ours[8] = "convert!", theirs[8] = "victim!!";

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void on_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die(path);
	close(fd);
}

/* Reads "STATE LBLK LEN [WAITERS]" from PATH; returns the fields read. */
static int read_window(const char *path, char *state, unsigned int *lblk, unsigned int *len,
		       int *waiters)
{
	char buf[128];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die(path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		die(path);
	buf[n] = 0;
	return sscanf(buf, "%15s %u %u %d", state, lblk, len, waiters);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A shared mapping of FD, 2 MiB aligned (PMD faults), or a page off that
 * (only PTE faults).
 */
static char *map_file(int fd, int aligned)
{
	char *p = mmap(NULL, FILE_SIZE + 2 * PMD_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap");
	a = (char *)(((uintptr_t)p + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	if (!aligned)
		a += PAGE;
	if (mmap(a, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		die("mmap file");
	return a;
}

/* The page the woken task writes: another page of the range if there is one. */
static unsigned int victim_page(unsigned int conv_page, unsigned int lblk, unsigned int len)
{
	if (len < 2)
		return conv_page;
	return conv_page == lblk + len - 1 ? lblk : lblk + len - 1;
}

/* The task woken in the window: writes, says whether the blocks were zeroed by then. */
static void victim(int fault, int fd, char *map, unsigned int conv_page)
{
	struct sched_param sp = { .sched_priority = 10 };
	unsigned int lblk, len, page;
	char state[16];
	int waiters;

	on_cpu0();
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		die("sched_setscheduler");
	if (read_window(CONVERT_WAIT, state, &lblk, &len, &waiters) < 3 ||
	    strcmp(state, "converted")) {
		fprintf(stderr, "zeroout_race: woken with the window %s\n", state);
		_exit(2);
	}
	if (conv_page < lblk || conv_page >= lblk + len) {
		fprintf(stderr, "zeroout_race: converted blocks %u+%u do not hold page %#x\n",
			lblk, len, conv_page);
		_exit(2);
	}
	page = victim_page(conv_page, lblk, len);
	if (fault) {
		if (pwrite(fd, theirs, sizeof(theirs), page * PAGE + 0xc00) != sizeof(theirs))
			die("pwrite");
	} else {
		memcpy(map + page * PAGE + 0xc00, theirs, sizeof(theirs));
	}
	read_window(CONVERT, state, &lblk, &len, &waiters);
	printf("zeroout_race %s: blocks %u+%u converted; the write into page %#x "
	       "returned with the window %s\n", fault ? "fault" : "pwrite", lblk, len, page,
	       state);
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned int lblk, len, conv_page, page;
	char state[16], path[4096], buf[PAGE], ino[32];
	int fault, fd, status, waiters = 0, lost = 0;
	volatile char sink;
	struct stat st;
	double limit;
	pid_t child;
	char *map;

	if (argc != 3 || (strcmp(argv[1], "fault") && strcmp(argv[1], "pwrite"))) {
		fprintf(stderr, "usage: %s fault|pwrite DIR\n", argv[0]);
		return 2;
	}
	fault = !strcmp(argv[1], "fault");
	if (access(CONVERT, W_OK)) {
		fprintf(stderr, "zeroout_race: no %s (dax_probe not loaded)\n", CONVERT);
		return 4;
	}
	conv_page = fault ? 0x27 : 5;
	snprintf(path, sizeof(path), "%s/zeroout-%s", argv[2], argv[1]);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(path);
	if (fallocate(fd, 0, 0, FILE_SIZE) || fsync(fd) || fstat(fd, &st))
		die("fallocate");
	map = map_file(fd, fault);
	if (!fault)
		sink = map[conv_page * PAGE];	/* maps the zero page */
	(void)sink;
	on_cpu0();

	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)st.st_ino);
	write_file(CONVERT, ino);
	fflush(stdout);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0)
		victim(fault, fd, map, conv_page);
	/* The woken task must be waiting before the conversion. */
	limit = now() + 10;
	while (read_window(CONVERT, state, &lblk, &len, &waiters) == 4 && waiters < 1) {
		if (now() > limit) {
			fprintf(stderr, "zeroout_race: the other task never waited\n");
			kill(child, SIGKILL);
			return 2;
		}
		usleep(1000);
	}

	if (fault)
		memcpy(map + conv_page * PAGE, ours, sizeof(ours));
	else if (pwrite(fd, ours, sizeof(ours), conv_page * PAGE) != sizeof(ours))
		die("pwrite");

	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "zeroout_race %s: the woken task failed\n", argv[1]);
		write_file(CONVERT, "0");
		return 2;
	}
	read_window(CONVERT, state, &lblk, &len, &waiters);
	page = victim_page(conv_page, lblk, len);
	if (pread(fd, buf, PAGE, page * PAGE) != (ssize_t)PAGE)
		die("pread");
	if (memcmp(buf + 0xc00, theirs, sizeof(theirs))) {
		printf("zeroout_race %s: LOST: the 8 bytes written at page %#x + 0xc00 read back "
		       "as %s\n", argv[1], page,
		       memchr(buf + 0xc00, 0, sizeof(theirs)) ? "zeroes" : "other data");
		lost = 1;
	}
	if (pread(fd, buf, PAGE, conv_page * PAGE) != (ssize_t)PAGE)
		die("pread");
	if (memcmp(buf, ours, sizeof(ours))) {
		printf("zeroout_race %s: LOST: the converting write at page %#x\n", argv[1],
		       conv_page);
		lost = 1;
	}
	if (!lost)
		printf("zeroout_race %s: nothing lost\n", argv[1]);
	write_file(CONVERT, "0");
	munmap(map, FILE_SIZE);
	close(fd);
	unlink(path);
	return lost;
}
