// SPDX-License-Identifier: GPL-2.0

//! Direct access (DAX) to persistent memory.
//!
//! [`device`] gives access to the persistent memory of a DAX device; [`entry`] is the lock
//! protocol of the DAX entries of an address space, shared with `fs/dax.c`.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

pub mod device;
pub mod entry;
pub mod fault;
pub mod trace;
