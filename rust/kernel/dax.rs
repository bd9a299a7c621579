// SPDX-License-Identifier: GPL-2.0

//! Direct access (DAX) to persistent memory.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

pub mod entry;
