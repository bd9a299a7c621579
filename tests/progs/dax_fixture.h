/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the kselftest_harness.h programs of tests/progs/ (not of
 * the kselftest target, which has its own).  Include dax_dir.h first.
 */
#ifndef RUST_DAX_DAX_FIXTURE_H
#define RUST_DAX_DAX_FIXTURE_H

/*
 * DAX_DIR_FIXTURE(NAME): a fixture without data whose tests are skipped
 * unless dax_dir() is on a DAX file system.
 */
#define DAX_DIR_FIXTURE(name) \
	FIXTURE(name) {}; \
	FIXTURE_SETUP(name) \
	{ \
		int dax = dax_dir_is_dax(); \
		\
		ASSERT_LE(0, dax) TH_LOG("cannot make a file in %s", dax_dir()); \
		if (!dax) \
			SKIP(return, "%s is not on a file system mounted with -o dax", \
			     dax_dir()); \
	} \
	FIXTURE_TEARDOWN(name) {}

#endif /* RUST_DAX_DAX_FIXTURE_H */
