// SPDX-License-Identifier: GPL-2.0
/*
 * layout_refault DIR: a page remapped while a layout break waits for it.
 *
 * Before a file system punches a hole or truncates a DAX file, it breaks
 * the layout (dax_break_layout()): it unmaps the file, waits for every
 * page of it that still has a reference to become idle, and only then
 * frees blocks.  While it waits it drops its lock against page faults
 * (xfs's MMAPLOCK, ext4's invalidate_lock), so that the task holding the
 * reference can fault and finish.
 *
 * Here, in DIR (mounted -o dax), page 0 of a two-page file is mapped
 * shared and a reference to it is held by a pipe (vmsplice(2), as any
 * get_user_pages() user holds one); a child punches page 1 and waits in
 * the layout break for page 0.  The parent then reads page 0 through its
 * mapping (a fault maps it again) and drains the pipe: the last reference
 * besides the mapping goes away.  The punch must then complete.  A layout
 * break that waits for the page's reference count to reach zero waits
 * forever: the new mapping holds one.  After 10 s the child is killed
 * (the wait is interruptible) and the test fails ("HANG", exit 1), with
 * the child's kernel stack.  Exit 0 if the punch completed, 2 on an error
 * or if the child never waited.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether the kernel stack of PID shows it in a layout break. */
static int in_layout_break(pid_t pid, int print)
{
	char path[64], buf[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (print)
		fprintf(stderr, "%s", buf);
	return strstr(buf, "dax_break_layout") != NULL;
}

/* Waits up to SECS for CHILD; returns its status, or -1 if it is still running. */
static int wait_for(pid_t child, double secs)
{
	double limit = now() + secs;
	int status;

	do {
		pid_t r = waitpid(child, &status, WNOHANG);

		if (r == child)
			return status;
		if (r < 0)
			return -2;
		usleep(10000);
	} while (now() < limit);
	return -1;
}

int main(int argc, char **argv)
{
	char path[4096], buf[2 * PAGE];
	struct iovec iov;
	int fd, pipefd[2], status;
	volatile char sink;
	pid_t child;
	double limit;
	char *map;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/layout-refault", argv[1]);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 0x5a, sizeof(buf));
	if (fd < 0 || pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) || fsync(fd)) {
		perror(path);
		return 2;
	}
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || pipe(pipefd)) {
		perror("mmap/pipe");
		return 2;
	}
	sink = map[0];		/* page 0 mapped */
	iov.iov_base = map;
	iov.iov_len = PAGE;
	if (vmsplice(pipefd[1], &iov, 1, 0) != (ssize_t)PAGE) {
		perror("vmsplice");
		return 2;
	}

	child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (child == 0) {
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE, PAGE)) {
			perror("punch");
			_exit(1);
		}
		_exit(0);
	}

	/* The child must be waiting for page 0 in the layout break. */
	limit = now() + 10;
	while (!in_layout_break(child, 0)) {
		if (now() > limit || waitpid(child, &status, WNOHANG) == child) {
			fprintf(stderr, "layout_refault: the punch never waited for the page\n");
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			return 2;
		}
		usleep(10000);
	}
	usleep(100000);

	sink = map[0];		/* the fault maps page 0 again */
	(void)sink;
	if (read(pipefd[0], buf, PAGE) != (ssize_t)PAGE) {	/* the reference goes */
		perror("read pipe");
		return 2;
	}
	status = wait_for(child, 10);
	if (status == -1) {
		printf("layout_refault: HANG: the punch still waits 10 s after the page's last "
		       "reference besides its new mapping went away; its stack:\n");
		fflush(stdout);
		in_layout_break(child, 1);
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return 1;
	}
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "layout_refault: the punch failed\n");
		return 2;
	}
	printf("layout_refault: the punch completed\n");
	munmap(map, 2 * PAGE);
	close(fd);
	unlink(path);
	return 0;
}
