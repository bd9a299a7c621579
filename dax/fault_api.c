// SPDX-License-Identifier: GPL-2.0
/*
 * The fault API of rust_dax: __dax_fault() and dax_fault().
 *
 * This is the C part of the composite module rust_dax.ko (the crate root is
 * rust_dax_main.rs).  It only forwards to dax_iomap_fault() and
 * dax_finish_sync_fault(); fs/dax.c dispatches those to the fault paths
 * that rust_dax_main.rs registered when the module was loaded.  Exporting
 * them from here makes every caller a user of rust_dax: the module loader
 * refuses a caller while rust_dax is not loaded and holds a reference on
 * rust_dax while the caller is.
 */

#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "../include/rust_dax.h"

/**
 * __dax_fault - handle a page fault on a DAX file, caller-locked
 * @vmf: The description of the fault
 * @order: Order of the page to fault in (0 or PMD_ORDER)
 * @pfnp: Where to store the pfn to insert when the fault returns
 *	VM_FAULT_NEEDDSYNC
 * @iomap_errp: Where to store the error of the iomap operations, or NULL
 * @ops: The iomap operations of the file
 *
 * For callers with locking constraints: __dax_fault() assumes the caller
 * holds what protects the file's blocks against truncate and hole punching
 * for the duration of the fault, and that it did the freeze protection and
 * the time update of a write fault if it wants them; it does neither.
 *
 * A write fault on a MAP_SYNC mapping (VM_SYNC) of an extent that
 * @ops reports with IOMAP_F_DIRTY maps nothing and returns
 * VM_FAULT_NEEDDSYNC with the pfn in @pfnp; the caller then completes the
 * fault with dax_finish_sync_fault(), which makes the metadata durable
 * first.
 *
 * Context: Process context, may sleep.  Called from a ->fault,
 * ->huge_fault, ->page_mkwrite or ->pfn_mkwrite handler with the mmap lock
 * or the VMA lock held.
 * Return: A VM_FAULT_* code, as dax_iomap_fault() returns it.
 */
vm_fault_t __dax_fault(struct vm_fault *vmf, unsigned int order,
		       unsigned long *pfnp, int *iomap_errp,
		       const struct iomap_ops *ops)
{
	return dax_iomap_fault(vmf, order, pfnp, iomap_errp, ops);
}
EXPORT_SYMBOL_GPL(__dax_fault);

/**
 * dax_fault - handle a page fault on a DAX file
 * @vmf: The description of the fault
 * @order: Order of the page to fault in (0 or PMD_ORDER)
 * @iomap_errp: Where to store the error of the iomap operations, or NULL
 * @ops: The iomap operations of the file
 *
 * For callers without special locking constraints.  A write fault of a
 * shared mapping is done under freeze protection (sb_start_pagefault()) and
 * updates the file's times first; a copy-on-write fault of a private
 * mapping does neither, since it does not change the file.  The fault
 * itself is __dax_fault(); if that returns VM_FAULT_NEEDDSYNC, dax_fault()
 * completes it with dax_finish_sync_fault() before ending the freeze
 * protection, so the caller never sees VM_FAULT_NEEDDSYNC.
 *
 * The caller still has to hold what the filesystem needs against truncate
 * (for example the invalidate lock of the mapping, shared).
 *
 * Context: Process context, may sleep; as for __dax_fault().
 * Return: A VM_FAULT_* code.
 */
vm_fault_t dax_fault(struct vm_fault *vmf, unsigned int order,
		     int *iomap_errp, const struct iomap_ops *ops)
{
	struct file *file = vmf->vma->vm_file;
	struct super_block *sb = file_inode(file)->i_sb;
	bool write = (vmf->flags & FAULT_FLAG_WRITE) &&
		     (vmf->vma->vm_flags & VM_SHARED);
	unsigned long pfn = 0;
	vm_fault_t ret;

	if (write) {
		sb_start_pagefault(sb);
		file_update_time(file);
	}
	ret = __dax_fault(vmf, order, &pfn, iomap_errp, ops);
	if (ret & VM_FAULT_NEEDDSYNC)
		ret = dax_finish_sync_fault(vmf, order, pfn);
	if (write)
		sb_end_pagefault(sb);
	return ret;
}
EXPORT_SYMBOL_GPL(dax_fault);
