// SPDX-License-Identifier: GPL-2.0

//! Direct access (DAX) to persistent memory.
//!
//! [`device`] gives access to the persistent memory of a DAX device, and [`pfn`] to its page
//! frames. The DAX entries of a file's `i_pages` ([`entry`]) are looked up and locked with
//! [`entries`]; a locked entry ([`locked`]) is the only way to change an entry or map its
//! memory, and whoever finds an entry locked sleeps on the queues of [`wait`], which are shared
//! with `fs/dax.c`. [`memory_failure`] has the entry locks of memory-failure handling.
//! [`fault`] lets a module provide the fault paths of `fs/dax.c`, [`fault_api`] export
//! `__dax_fault()` and `dax_fault()`, and [`trace`] fire the fault paths' events.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

pub mod device;
pub mod entries;
pub mod entry;
pub mod fault;
pub mod fault_api;
pub mod locked;
pub mod memory_failure;
pub mod pfn;
pub mod trace;
pub mod wait;
