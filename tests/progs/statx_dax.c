// SPDX-License-Identifier: GPL-2.0
/*
 * statx_dax FILE: exit 0 if statx() reports STATX_ATTR_DAX for FILE,
 * 1 if it does not, 2 on error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

int main(int argc, char **argv)
{
	struct statx stx;

	if (argc != 2) {
		fprintf(stderr, "usage: statx_dax FILE\n");
		return 2;
	}
	if (statx(AT_FDCWD, argv[1], 0, STATX_BASIC_STATS, &stx)) {
		fprintf(stderr, "statx %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX)) {
		fprintf(stderr, "%s: STATX_ATTR_DAX not supported\n", argv[1]);
		return 1;
	}
	if (!(stx.stx_attributes & STATX_ATTR_DAX)) {
		fprintf(stderr, "%s: not DAX\n", argv[1]);
		return 1;
	}
	return 0;
}
