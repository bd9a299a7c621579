// SPDX-License-Identifier: GPL-2.0

//! DAX page-fault paths in Rust.
//!
//! On load the module registers with the seam of `fs/dax.c` (`dax_register_fault_ops()`), so
//! that `dax_iomap_fault()`, `dax_finish_sync_fault()` and the entry locks of memory-failure
//! handling, called by ext2, ext4, xfs and `mm/memory-failure.c`, come here; on unload the C
//! code takes over again. PTE faults are served in Rust ([`fault`]); the other paths are handed
//! to the C implementation until they are ported. `rust_dax/stats` in debugfs counts what
//! happened, and writing `0` to `rust_dax/rust_path` hands every call to C without unloading
//! (`1` switches back), so one boot can compare both.

use kernel::{
    bindings,
    dax::fault::{
        builtin, DaxFault, DaxPfn, EntryCookie, FaultOps, IomapErrOut, PfnOut, Registration,
    },
    fs::address_space::AddressSpace,
    mm::{fault::VmFault, fault::VmFaultResult, folio::Folio},
    prelude::*,
};

mod fault;
mod lock;
mod stats;

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
            description: "Serve faults in Rust at load (switch later in debugfs rust_dax/rust_path)",
        },
    },
}

use kernel::dax::entry::PMD_ORDER;

/// The fault paths of the module.
struct RustDaxOps;

impl FaultOps for RustDaxOps {
    fn iomap_fault(
        fault: &DaxFault<'_>,
        order: u32,
        pfnp: PfnOut<'_>,
        iomap_errp: IomapErrOut<'_>,
    ) -> VmFaultResult {
        Stats::inc(match order {
            0 => &STATS.pte_fault,
            PMD_ORDER => &STATS.pmd_fault,
            _ => &STATS.other_fault,
        });
        if STATS.rust_path() {
            let ret = match order {
                0 => fault::iomap_pte_fault(fault, pfnp, iomap_errp),
                PMD_ORDER => fault::iomap_pmd_fault(fault, pfnp),
                _ => VmFaultResult::FALLBACK,
            };
            STATS.count_result(ret);
            return ret;
        }
        Stats::inc(&STATS.handed_to_c);
        let ret = builtin::iomap_fault(fault, order, pfnp, iomap_errp);
        STATS.count_result(ret);
        ret
    }

    fn finish_sync_fault(vmf: &VmFault, order: u32, pfn: DaxPfn) -> VmFaultResult {
        Stats::inc(&STATS.finish_sync_fault);
        if STATS.rust_path() {
            return fault::finish_sync_fault(vmf, order, pfn);
        }
        Stats::inc(&STATS.handed_to_c);
        builtin::finish_sync_fault(vmf, order, pfn)
    }

    fn lock_folio(folio: &Folio) -> EntryCookie {
        Stats::inc(&STATS.entry_lock);
        if STATS.rust_path() {
            return lock::lock_folio(folio);
        }
        Stats::inc(&STATS.handed_to_c);
        builtin::lock_folio(folio)
    }

    fn unlock_folio(folio: &Folio, cookie: EntryCookie) {
        Stats::inc(&STATS.entry_unlock);
        if STATS.rust_path() {
            return lock::unlock_folio(folio, cookie);
        }
        Stats::inc(&STATS.handed_to_c);
        builtin::unlock_folio(folio, cookie)
    }

    fn lock_mapping_entry(
        mapping: &AddressSpace,
        index: usize,
        page: &mut *mut bindings::page,
    ) -> EntryCookie {
        Stats::inc(&STATS.entry_lock);
        if STATS.rust_path() {
            return lock::lock_mapping_entry(mapping, index, page);
        }
        Stats::inc(&STATS.handed_to_c);
        builtin::lock_mapping_entry(mapping, index, page)
    }

    fn unlock_mapping_entry(mapping: &AddressSpace, index: usize, cookie: EntryCookie) {
        Stats::inc(&STATS.entry_unlock);
        if STATS.rust_path() {
            return lock::unlock_mapping_entry(mapping, index, cookie);
        }
        Stats::inc(&STATS.handed_to_c);
        builtin::unlock_mapping_entry(mapping, index, cookie)
    }
}

struct RustDax {
    // Dropped first: unregistration waits for the calls in flight.
    _registration: Registration<RustDaxOps>,
    _debugfs: stats::DebugFs,
}

impl kernel::Module for RustDax {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let debugfs = stats::DebugFs::new(module_parameters::rust_path.value())?;
        let registration = Registration::new().inspect_err(|e| {
            pr_err!("cannot register the DAX fault paths: {e:?}\n");
        })?;
        pr_info!("loaded\n");
        Ok(RustDax {
            _registration: registration,
            _debugfs: debugfs,
        })
    }
}

impl Drop for RustDax {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
