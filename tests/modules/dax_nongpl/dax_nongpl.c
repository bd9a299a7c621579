// SPDX-License-Identifier: GPL-2.0
/*
 * dax_nongpl: a module that claims a licence other than the GPL and uses
 * the fault API of rust_dax.ko, for the tests.
 *
 * __dax_fault() and dax_fault() are exported GPL-only, so modpost refuses
 * to build this module against rust_dax's Module.symvers ("dax_nongpl.ko:
 * GPL-incompatible module uses GPL-only symbol"), and the module loader
 * refuses to load a copy built without it ("Unknown symbol").  If it ever
 * loads, its init says so.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/printk.h>

#include <rust_dax.h>

static int __init dax_nongpl_init(void)
{
	pr_info("loaded with __dax_fault at %ps and dax_fault at %ps\n",
		__dax_fault, dax_fault);
	return 0;
}

static void __exit dax_nongpl_exit(void)
{
}

module_init(dax_nongpl_init);
module_exit(dax_nongpl_exit);
MODULE_DESCRIPTION("A non-GPL user of the GPL-only rust_dax fault API, for the tests");
/* Deliberately not GPL-compatible: the symbols must be refused to it. */
MODULE_LICENSE("Proprietary");
