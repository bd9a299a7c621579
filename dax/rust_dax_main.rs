// SPDX-License-Identifier: GPL-2.0

//! DAX page-fault paths in Rust.
//!
//! On load the module registers with the seam of `fs/dax.c` (`dax_register_fault_ops()`), so
//! that `dax_iomap_fault()`, `dax_finish_sync_fault()` and the entry locks of memory-failure
//! handling, called by ext2, ext4, xfs and `mm/memory-failure.c`, are served here: PTE and PMD
//! faults and synchronous faults in [`fault`], the entry locks in [`lock`]. `rust_dax/stats` in
//! debugfs counts what happened; writing `0` to `rust_dax/rust_path` unregisters the paths, so
//! that `fs/dax.c` serves everything as without the module, and `1` registers them again
//! ([`switch`]), so that one boot can compare both.

use kernel::{
    dax::{
        entries::DaxEntries,
        fault::{DaxFault, FaultOps, IomapErrOut},
        memory_failure::EntryLock,
        pfn::{PfnOut, SyncFaultPfn},
    },
    mm::{fault::VmFault, fault::VmFaultResult, folio::Folio},
    prelude::*,
};

mod bindings;
mod fault;
mod fault_api;
mod lock;
mod stats;
mod switch;

use stats::{Stats, STATS};

module! {
    type: RustDax,
    name: "rust_dax",
    authors: ["rust_dax developers"],
    description: "DAX page-fault paths in Rust",
    license: "GPL",
    params: {
        rust_path: bool {
            default: true,
            description: "Serve DAX faults in Rust at load (debugfs rust_dax/rust_path switches)",
        },
    },
}

use kernel::dax::entry::PMD_ORDER;

/// The fault paths of the module.
pub(crate) struct RustDaxOps;

impl FaultOps for RustDaxOps {
    fn iomap_fault(
        fault: &DaxFault<'_>,
        order: u32,
        pfnp: PfnOut<'_>,
        iomap_errp: IomapErrOut<'_>,
    ) -> VmFaultResult {
        let ret = match order {
            0 => {
                Stats::inc(&STATS.pte_fault);
                fault::iomap_pte_fault(fault, pfnp, iomap_errp)
            }
            // Without `CONFIG_FS_DAX_PMD`, `dax_iomap_pmd_fault()` is `VM_FAULT_FALLBACK`.
            PMD_ORDER if cfg!(CONFIG_FS_DAX_PMD) => {
                Stats::inc(&STATS.pmd_fault);
                fault::iomap_pmd_fault(fault, pfnp)
            }
            _ => {
                Stats::inc(&STATS.other_fault);
                VmFaultResult::FALLBACK
            }
        };
        STATS.count_result(ret);
        ret
    }

    fn finish_sync_fault(vmf: &VmFault, pfn: SyncFaultPfn<'_>) -> VmFaultResult {
        Stats::inc(&STATS.finish_sync_fault);
        fault::finish_sync_fault(vmf, pfn)
    }

    fn lock_folio(folio: &Folio) -> EntryLock<'_> {
        Stats::inc(&STATS.entry_lock);
        lock::lock_folio(folio)
    }

    fn unlock_folio<'a>(folio: &'a Folio, lock: EntryLock<'a>) {
        Stats::inc(&STATS.entry_unlock);
        lock::unlock_folio(folio, lock)
    }

    fn lock_mapping_entry(entries: DaxEntries<'_>, index: usize) -> EntryLock<'_> {
        Stats::inc(&STATS.entry_lock);
        lock::lock_mapping_entry(entries, index)
    }

    fn unlock_mapping_entry<'a>(entries: DaxEntries<'a>, index: usize, lock: EntryLock<'a>) {
        Stats::inc(&STATS.entry_unlock);
        lock::unlock_mapping_entry(entries, index, lock)
    }
}

struct RustDax {
    // Owns the registration: dropping it unregisters, waiting for the calls in flight.
    _debugfs: stats::DebugFs,
}

impl kernel::Module for RustDax {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let debugfs = stats::DebugFs::new(module_parameters::rust_path.value())?;
        pr_info!("loaded\n");
        Ok(RustDax { _debugfs: debugfs })
    }
}

impl Drop for RustDax {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
