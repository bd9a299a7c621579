/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The directory the rust_dax kselftest_harness.h tests work in, shared by
 * this target and the programs of the project's tests/progs/:
 * RUST_DAX_TEST_DIR, or the working directory, on a file system mounted
 * with -o dax; and a reader of counter files.  Include kselftest_harness.h
 * first.
 */
#ifndef RUST_DAX_DAX_DIR_H
#define RUST_DAX_DAX_DIR_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

static inline const char *dax_dir(void)
{
	return getenv("RUST_DAX_TEST_DIR") ?: ".";
}

/* Whether FD is a DAX file (STATX_ATTR_DAX): 1 if it is, 0 if not, -1 on error. */
static inline int fd_is_dax(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
		return -1;
	return (stx.stx_attributes_mask & STATX_ATTR_DAX) &&
	       (stx.stx_attributes & STATX_ATTR_DAX);
}

/* Whether a file made in dax_dir() is a DAX file: 1, 0, or -1 if none can be made. */
static inline int dax_dir_is_dax(void)
{
	char probe[4096];
	int fd, ret;

	snprintf(probe, sizeof(probe), "%s/.dax-probe", dax_dir());
	fd = open(probe, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ret = fd_is_dax(fd);
	close(fd);
	unlink(probe);
	return ret;
}

/*
 * The counter NAME of PATH, a file of "name value" lines (/proc/vmstat,
 * rust_dax's debugfs stats); MISSING if the file or the name is not there.
 */
static inline long counter_of(const char *path, const char *name, long missing)
{
	char key[64];
	long val, ret = missing;
	FILE *f = fopen(path, "r");

	if (!f)
		return missing;
	while (fscanf(f, "%63s %ld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			ret = val;
			break;
		}
	}
	fclose(f);
	return ret;
}

#endif /* RUST_DAX_DAX_DIR_H */
