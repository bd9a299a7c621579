/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault API exported by rust_dax.ko.
 *
 * A filesystem (or any module that maps DAX files with its own
 * vm_operations_struct) serves a page fault of a DAX file with one of:
 *
 *  - dax_fault(): for callers without special locking constraints.  It does
 *    the freeze protection and the time update of a write fault, takes the
 *    mapping's invalidate lock shared, and completes a synchronous fault.
 *    The caller holds the mmap or VMA lock and no filesystem lock.
 *  - __dax_fault(): for callers that take their own locks.  The caller
 *    holds what is needed against truncate and does freeze protection, time
 *    update and the completion of a synchronous fault itself.
 *
 * A fault is handed to one of them once: the page of a copy-on-write fault
 * is filled and mapped by the first call.
 *
 * Both end in dax_iomap_fault() of fs/dax.c, which the seam hands to the
 * Rust fault paths of rust_dax while they are registered (fs/dax.c serves it
 * when they are switched off in debugfs rust_dax/rust_path).  Using either symbol makes the caller
 * depend on rust_dax: it cannot be loaded without it, and rust_dax cannot be
 * unloaded while the caller is.  See Documentation/fault_api.md.
 */
#ifndef _RUST_DAX_H
#define _RUST_DAX_H

#include <linux/mm_types.h>

struct iomap_ops;

vm_fault_t __dax_fault(struct vm_fault *vmf, unsigned int order,
		       unsigned long *pfnp, int *iomap_errp,
		       const struct iomap_ops *ops);
vm_fault_t dax_fault(struct vm_fault *vmf, unsigned int order,
		     int *iomap_errp, const struct iomap_ops *ops);

#endif /* _RUST_DAX_H */
