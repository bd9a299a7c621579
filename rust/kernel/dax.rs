// SPDX-License-Identifier: GPL-2.0

//! Direct access (DAX) to persistent memory.
//!
//! [`device`] gives access to the persistent memory of a DAX device; [`entry`] is the lock
//! protocol of the DAX entries of an address space, shared with `fs/dax.c`; [`fault`] lets a
//! module provide the DAX fault paths, and [`fault_api`] export `__dax_fault()` and
//! `dax_fault()`.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

pub mod device;
pub mod entry;
pub mod fault;
pub mod fault_api;
pub mod trace;
