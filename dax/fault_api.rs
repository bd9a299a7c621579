// SPDX-License-Identifier: GPL-2.0

//! The fault API of `rust_dax`: `__dax_fault()` and `dax_fault()`.
//!
//! Both are exported GPL-only to the modules that serve the page faults of DAX files with their
//! own `vm_operations_struct` (a filesystem, or any module that maps DAX files), and declared
//! for them in `include/rust_dax.h`; the definitions are checked against those declarations
//! ([`crate::bindings`]). Both hand the fault to `dax_iomap_fault()` of `fs/dax.c`, which
//! serves it with the fault paths of this module while they are registered ([`crate::switch`])
//! and with its own otherwise. Using either symbol makes the caller depend on `rust_dax`: it
//! cannot be loaded without it, and `rust_dax` cannot be unloaded while it is.

use kernel::{
    dax::{
        fault::{DaxFault, IomapErrOut},
        fault_api::{self, FaultApi, Faulted, UnlockedDaxFault},
        pfn::PfnOut,
    },
    mm::{fault::VmFaultResult, virt::flags},
};

/// The fault API of the module.
pub(crate) struct RustDaxFaultApi;

impl FaultApi for RustDaxFaultApi {
    /// `__dax_fault()`: handles a page fault on a DAX file, caller-locked.
    ///
    /// - `fault`: the fault, with the iomap operations of the file;
    /// - `order`: the order of the page to fault in (0 or `PMD_ORDER`);
    /// - `pfnp`: where to store the pfn to insert when the fault returns `VM_FAULT_NEEDDSYNC`;
    /// - `iomap_errp`: where to store the error of the iomap operations, if anywhere.
    ///
    /// For callers with locking constraints: `__dax_fault()` assumes the caller holds what
    /// protects the file's blocks against truncation and hole punching for the duration of the
    /// fault, and that it did the freeze protection and the time update of a write fault if it
    /// wants them; it does neither.
    ///
    /// A write fault on a `MAP_SYNC` mapping (`VM_SYNC`) of an extent that the iomap operations
    /// report with `IOMAP_F_DIRTY` maps nothing and returns `VM_FAULT_NEEDDSYNC` with the pfn in
    /// `pfnp`; the caller then completes the fault with `dax_finish_sync_fault()`, which makes
    /// the metadata durable first.
    ///
    /// Context: process context, may sleep. Called from a `->fault`, `->huge_fault`,
    /// `->page_mkwrite` or `->pfn_mkwrite` handler with the mmap lock or the VMA lock held.
    ///
    /// Returns a `VM_FAULT_*` code, as `dax_iomap_fault()` returns it.
    fn fault_locked(
        fault: &DaxFault<'_>,
        order: u32,
        pfnp: PfnOut<'_>,
        iomap_errp: IomapErrOut<'_>,
    ) -> VmFaultResult {
        fault_api::iomap_fault_pfn(fault, order, pfnp, iomap_errp)
    }

    /// `dax_fault()`: handles a page fault on a DAX file.
    ///
    /// - `fault`: the fault, with the iomap operations of the file;
    /// - `order`: the order of the page to fault in (0 or `PMD_ORDER`);
    /// - `iomap_errp`: where to store the error of the iomap operations, if anywhere.
    ///
    /// For callers without special locking constraints, as ext4 and xfs serve their own DAX
    /// faults: a write fault of a shared mapping takes the freeze protection
    /// (`sb_start_pagefault()`) and updates the file's times; then the fault takes the invalidate
    /// lock of the mapping shared, against truncation and hole punching. A copy-on-write fault
    /// of a private mapping takes only the lock, since it does not change the file. The fault
    /// itself is `__dax_fault()`'s; if that returns `VM_FAULT_NEEDDSYNC`, `dax_fault()`
    /// completes it with `dax_finish_sync_fault()` before it drops the lock and the freeze
    /// protection, so the caller never sees `VM_FAULT_NEEDDSYNC`.
    ///
    /// Context: process context, may sleep. Called from a fault handler with the mmap lock or
    /// the VMA lock held, and no lock of the filesystem: those rank below the freeze protection.
    ///
    /// Returns a `VM_FAULT_*` code.
    fn fault(
        fault: UnlockedDaxFault<'_>,
        order: u32,
        iomap_errp: IomapErrOut<'_>,
    ) -> VmFaultResult {
        let vmf = fault.vmf();
        let shared_write = vmf.is_write() && vmf.vma().flags() & flags::SHARED != 0;
        // Held until the fault, and its synchronous completion, are done.
        let _frozen = match vmf.file() {
            Some(file) if shared_write => {
                let frozen = file.inode().super_block().start_pagefault();
                // As in the filesystems' own write faults, the fault goes on when the times
                // cannot be updated.
                let _ = file.update_time(&frozen);
                Some(frozen)
            }
            _ => None,
        };
        let invalidate = fault.mapping().invalidate_lock_shared();
        let Some(fault) = fault.lock(&invalidate) else {
            return VmFaultResult::SIGBUS;
        };
        match fault_api::iomap_fault(&fault, order, iomap_errp) {
            Faulted::Done(ret) => ret,
            Faulted::NeedsSync(sync) => sync.finish(),
        }
    }
}

kernel::dax_fault_api!(RustDaxFaultApi, bindings = crate::bindings);
