// SPDX-License-Identifier: GPL-2.0

//! DAX page-fault paths in Rust.
//!
//! This module will serve the DAX faults of fs/dax.c (`dax_iomap_fault()`,
//! `dax_finish_sync_fault()`, the entry locks for memory-failure handling)
//! through the registration seam added by `patches/`.  For now it only
//! loads and unloads.

use kernel::prelude::*;

module! {
    type: RustDax,
    name: "rust_dax",
    authors: ["rust_dax developers"],
    description: "DAX page-fault paths in Rust",
    license: "GPL",
}

struct RustDax;

impl kernel::Module for RustDax {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("loaded\n");
        Ok(RustDax)
    }
}

impl Drop for RustDax {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
