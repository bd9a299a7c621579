// SPDX-License-Identifier: GPL-2.0
/*
 * DAX page faults on a file of a file system mounted with -o dax, as
 * fs/dax.c serves them (on the C path or, with rust_dax loaded and
 * /sys/kernel/debug/rust_dax/rust_path set to 1, in Rust): holes read as
 * zeroes, shared stores reach the file, MAP_SYNC is accepted, private
 * mappings copy on write, and a mapping beyond the end of the file raises
 * SIGBUS.
 *
 * The file is created in RUST_DAX_TEST_DIR (default: the working
 * directory); every test is skipped when it is not a DAX file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "dax_dir.h"

#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif

#define NPAGES 4
#define RUST_PATH "/sys/kernel/debug/rust_dax/rust_path"
#define STATS "/sys/kernel/debug/rust_dax/stats"

/* A counter of /sys/kernel/debug/rust_dax/stats, -1 if there is none. */
static long rust_dax_stat(const char *name)
{
	return counter_of(STATS, name, -1);
}

/*
 * 1 if rust_dax serves faults in Rust, 0 if it hands them to C, -1 if it
 * is not loaded.
 */
static int rust_path(void)
{
	char c = '0';
	int fd = open(RUST_PATH, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

static void fill(unsigned char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + seed);
}

FIXTURE(dax_file) {
	char path[PATH_MAX];
	int fd;
	size_t page;
	size_t len;
	unsigned char *buf;
};

FIXTURE_SETUP(dax_file)
{
	int dax;

	self->fd = -1;
	self->buf = NULL;
	self->page = sysconf(_SC_PAGESIZE);
	self->len = NPAGES * self->page;
	snprintf(self->path, sizeof(self->path), "%s/dax_fault.XXXXXX",
		 dax_dir());
	self->fd = mkstemp(self->path);
	ASSERT_GE(self->fd, 0)
		TH_LOG("mkstemp %s: %s", self->path, strerror(errno));
	ASSERT_EQ(0, ftruncate(self->fd, self->len));
	dax = fd_is_dax(self->fd);
	ASSERT_LE(0, dax);
	if (!dax)
		SKIP(return, "%.200s is not a DAX file (mount -o dax)",
		     self->path);
	self->buf = malloc(self->len);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(dax_file)
{
	free(self->buf);
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
}

/* Read faults of a file without blocks map zeroes. */
TEST_F(dax_file, hole_reads_zero)
{
	unsigned char *p;
	size_t i;

	p = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < self->len; i++)
		ASSERT_EQ(0, p[i]) TH_LOG("byte %zu", i);
	ASSERT_EQ(0, munmap(p, self->len));
}

/* Stores through a shared mapping are what read(2) returns. */
TEST_F(dax_file, shared_store_reaches_file)
{
	unsigned char *p, *back;

	p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* Read fault of the hole first, then the write fault upgrades it. */
	ASSERT_EQ(0, p[self->page]);
	fill(self->buf, self->len, 1);
	memcpy(p, self->buf, self->len);
	ASSERT_EQ(0, msync(p, self->len, MS_SYNC));
	back = malloc(self->len);
	ASSERT_NE(NULL, back);
	ASSERT_EQ((ssize_t)self->len, pread(self->fd, back, self->len, 0));
	EXPECT_EQ(0, memcmp(back, self->buf, self->len));
	free(back);
	ASSERT_EQ(0, munmap(p, self->len));
}

/* write(2) into a mapped file is seen by the mapping. */
TEST_F(dax_file, write_seen_by_mapping)
{
	unsigned char *p;

	p = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[0]);
	fill(self->buf, self->len, 2);
	ASSERT_EQ((ssize_t)self->len, pwrite(self->fd, self->buf, self->len, 0));
	EXPECT_EQ(0, memcmp(p, self->buf, self->len));
	ASSERT_EQ(0, munmap(p, self->len));
}

/* MAP_SYNC is accepted on DAX files, and its stores reach the file. */
TEST_F(dax_file, map_sync)
{
	unsigned char *p, *back;

	p = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
		 MAP_SHARED_VALIDATE | MAP_SYNC, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("MAP_SYNC: %s", strerror(errno));
	fill(self->buf, self->len, 3);
	memcpy(p, self->buf, self->len);
	back = malloc(self->len);
	ASSERT_NE(NULL, back);
	ASSERT_EQ((ssize_t)self->len, pread(self->fd, back, self->len, 0));
	EXPECT_EQ(0, memcmp(back, self->buf, self->len));
	free(back);
	ASSERT_EQ(0, munmap(p, self->len));
}

/* Stores to a private mapping are copies: the file keeps its data. */
TEST_F(dax_file, private_copy_on_write)
{
	unsigned char *p, *back;

	fill(self->buf, self->len, 4);
	ASSERT_EQ((ssize_t)self->len, pwrite(self->fd, self->buf, self->len, 0));
	p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, self->buf, self->len));
	memset(p, 0xa5, self->page);
	back = malloc(self->len);
	ASSERT_NE(NULL, back);
	ASSERT_EQ((ssize_t)self->len, pread(self->fd, back, self->len, 0));
	EXPECT_EQ(0, memcmp(back, self->buf, self->len));
	EXPECT_EQ(0xa5, p[self->page - 1]);
	EXPECT_EQ(self->buf[self->page], p[self->page]);
	free(back);
	ASSERT_EQ(0, munmap(p, self->len));
}

/* A page of the mapping beyond the end of the file raises SIGBUS. */
TEST_F(dax_file, sigbus_beyond_eof)
{
	unsigned char *p;
	pid_t pid;
	int status;

	p = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, ftruncate(self->fd, self->page));
	pid = fork();
	ASSERT_GE(pid, 0);
	/* The bytes read are the exit status: the loads cannot be elided. */
	if (pid == 0)
		_exit(p[0] + p[2 * self->page]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	if (WIFSIGNALED(status))
		EXPECT_EQ(SIGBUS, WTERMSIG(status));
	ASSERT_EQ(0, munmap(p, self->len));
}

/*
 * With rust_dax loaded, these faults were served in Rust on the Rust path
 * and not in Rust on the C path.
 */
TEST_F(dax_file, served_on_selected_path)
{
	unsigned char *p;
	long rd, wr;
	size_t i;
	int rust = rust_path();

	if (rust < 0)
		SKIP(return, "rust_dax is not loaded");
	rd = rust_dax_stat("pte_read");
	wr = rust_dax_stat("pte_write");
	ASSERT_GE(rd, 0);
	ASSERT_GE(wr, 0);
	p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(self->buf, self->len, 5);
	ASSERT_EQ((ssize_t)self->len, pwrite(self->fd, self->buf, self->len, 0));
	for (i = 0; i < NPAGES; i++)
		EXPECT_EQ(self->buf[i * self->page], p[i * self->page]);
	ASSERT_EQ(0, munmap(p, self->len));
	p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < NPAGES; i++)
		p[i * self->page] = 0x5a;
	ASSERT_EQ(0, munmap(p, self->len));
	if (rust) {
		EXPECT_GE(rust_dax_stat("pte_read"), rd + NPAGES);
		EXPECT_GE(rust_dax_stat("pte_write"), wr + NPAGES);
	} else {
		EXPECT_EQ(rd, rust_dax_stat("pte_read"));
		EXPECT_EQ(wr, rust_dax_stat("pte_write"));
	}
}

TEST_HARNESS_MAIN
