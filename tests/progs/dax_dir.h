/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The directory the kselftest_harness.h tests of this directory work in:
 * RUST_DAX_TEST_DIR, or the working directory.
 */
#ifndef RUST_DAX_TESTS_DAX_DIR_H
#define RUST_DAX_TESTS_DAX_DIR_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

static inline const char *dax_dir(void)
{
	return getenv("RUST_DAX_TEST_DIR") ?: ".";
}

/*
 * Whether a file made in dax_dir() is a DAX file (STATX_ATTR_DAX): 1 if it
 * is, 0 if not, -1 if no file can be made there.
 */
static inline int dax_dir_is_dax(void)
{
	char probe[4096];
	struct statx stx;
	int fd, ret;

	snprintf(probe, sizeof(probe), "%s/.dax-probe", dax_dir());
	fd = open(probe, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ret = statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx);
	close(fd);
	unlink(probe);
	if (ret)
		return -1;
	return !!(stx.stx_attributes & STATX_ATTR_DAX);
}

#endif /* RUST_DAX_TESTS_DAX_DIR_H */
