// SPDX-License-Identifier: GPL-2.0

//! Providing the DAX fault paths from a module.
//!
//! `fs/dax.c` dispatches `dax_iomap_fault()`, `dax_finish_sync_fault()`, `dax_lock_folio()`,
//! `dax_unlock_folio()`, `dax_lock_mapping_entry()` and `dax_unlock_mapping_entry()` to the
//! `struct dax_fault_ops` registered with `dax_register_fault_ops()`, if any. A module implements
//! [`FaultOps`] and keeps a [`Registration`] for as long as it serves those calls; dropping the
//! registration waits for the calls in flight, so the module can then go away. The C
//! implementations stay available in [`builtin`], so that an implementation can hand any call
//! back to them.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

pub use super::entry::{DaxPfn, EntryCookie};
use crate::{
    bindings,
    error::{to_result, Result},
    fs::{
        address_space::AddressSpace, iomap::IomapFlags, iomap::IomapIter, iomap::IomapOps, Inode,
    },
    mm::{fault::VmFault, fault::VmFaultResult, folio::Folio},
    page::BorrowedPage,
};
use core::marker::PhantomData;

/// A page fault on a DAX file, as passed to `dax_iomap_fault()`.
///
/// # Invariants
///
/// `ops` are the iomap operations of the filesystem of `mapping`'s host, passed by that
/// filesystem to `dax_iomap_fault()` for this fault, and the filesystem holds the locks they
/// need (against truncation and hole punching, as `dax_iomap_fault()` requires) until the fault
/// handler returns.
pub struct DaxFault<'a> {
    vmf: &'a VmFault,
    mapping: &'a AddressSpace,
    ops: &'a IomapOps,
}

impl<'a> DaxFault<'a> {
    /// Describes the fault `vmf` of a DAX file, to be served with the iomap operations `ops`.
    ///
    /// Returns `None` if the faulting VMA maps no file.
    ///
    /// # Safety
    ///
    /// `vmf` is the fault being handled by the caller, valid for `'a`. `ops` are the iomap
    /// operations of the filesystem of the faulting file, valid for `'a`, and the caller holds
    /// the locks they need (against truncation and hole punching, as `dax_iomap_fault()`
    /// requires) for `'a`.
    #[inline]
    pub unsafe fn from_raw(
        vmf: *mut bindings::vm_fault,
        ops: *const bindings::iomap_ops,
    ) -> Option<Self> {
        // SAFETY: The caller guarantees that `vmf` is valid for `'a`.
        let vmf = unsafe { VmFault::from_raw(vmf) };
        let mapping = vmf.mapping()?;
        // SAFETY: The caller guarantees that `ops` are valid for `'a`.
        let ops = unsafe { IomapOps::from_raw(ops) };
        // INVARIANT: The caller guarantees that `ops` are the operations of the filesystem of
        // `mapping`'s host and that the locks they need are held for `'a`.
        Some(DaxFault { vmf, mapping, ops })
    }

    /// The fault.
    #[inline]
    pub fn vmf(&self) -> &'a VmFault {
        self.vmf
    }

    /// The address space of the faulting file (`vmf->vma->vm_file->f_mapping`).
    #[inline]
    pub fn mapping(&self) -> &'a AddressSpace {
        self.mapping
    }

    /// The inode of the faulting file.
    #[inline]
    pub fn inode(&self) -> &'a Inode {
        self.mapping.host()
    }

    /// The filesystem's iomap operations.
    #[inline]
    pub fn iomap_ops(&self) -> &'a IomapOps {
        self.ops
    }

    /// Starts an iteration over the file's extents in `pos..pos + len` with the filesystem's
    /// iomap operations.
    #[inline]
    pub fn iomap_iter(&self, pos: i64, len: u64, flags: IomapFlags) -> IomapIter<'a> {
        // SAFETY: By the type invariants, `ops` are the operations of the filesystem of the
        // inode, for this fault, and the locks they need are held while `self` exists.
        unsafe { IomapIter::new(self.inode(), pos, len, flags, self.ops) }
    }
}

/// Where a synchronous fault stores the pfn to insert after `fsync` (`pfnp`).
pub type PfnOut<'a> = Option<&'a mut usize>;

/// Where a fault stores the error of the iomap iteration (`iomap_errp`).
pub type IomapErrOut<'a> = Option<&'a mut i32>;

/// An implementation of the DAX fault paths.
///
/// Each method has the contract of the C function it replaces, documented in `fs/dax.c`;
/// the default implementations call the C ones ([`builtin`]).
pub trait FaultOps: 'static {
    /// `dax_iomap_fault()`: handles a fault of `order` (0 for a PTE, `PMD_ORDER` for a PMD).
    fn iomap_fault(
        fault: &DaxFault<'_>,
        order: u32,
        pfnp: PfnOut<'_>,
        iomap_errp: IomapErrOut<'_>,
    ) -> VmFaultResult {
        builtin::iomap_fault(fault, order, pfnp, iomap_errp)
    }

    /// `dax_finish_sync_fault()`: makes the range of a `VM_FAULT_NEEDDSYNC` fault durable and
    /// maps `pfn` writable.
    fn finish_sync_fault(vmf: &VmFault, order: u32, pfn: DaxPfn) -> VmFaultResult {
        builtin::finish_sync_fault(vmf, order, pfn)
    }

    /// `dax_lock_folio()`: locks the DAX entry of `folio`; returns the cookie for
    /// [`FaultOps::unlock_folio`].
    fn lock_folio(folio: &Folio) -> EntryCookie {
        builtin::lock_folio(folio)
    }

    /// `dax_unlock_folio()`.
    fn unlock_folio(folio: &Folio, cookie: EntryCookie) {
        builtin::unlock_folio(folio, cookie)
    }

    /// `dax_lock_mapping_entry()`: locks the DAX entry at `index` of `mapping`; returns the
    /// cookie for [`FaultOps::unlock_mapping_entry`] and the entry's first page,
    /// [`EntryCookie::NONE_NEEDED`] and no page if there is no entry to lock (none, or a
    /// zero-page or empty one), or [`EntryCookie::FAILED`] and no page if it could not be
    /// locked.
    fn lock_mapping_entry(
        mapping: &AddressSpace,
        index: usize,
    ) -> (EntryCookie, Option<BorrowedPage<'_>>) {
        builtin::lock_mapping_entry(mapping, index)
    }

    /// `dax_unlock_mapping_entry()`.
    fn unlock_mapping_entry(mapping: &AddressSpace, index: usize, cookie: EntryCookie) {
        builtin::unlock_mapping_entry(mapping, index, cookie)
    }
}

/// The C implementations of the DAX fault paths (`*_builtin()` in `fs/dax.c`).
pub mod builtin {
    use super::*;

    /// `dax_iomap_fault_builtin()`.
    pub fn iomap_fault(
        fault: &DaxFault<'_>,
        order: u32,
        pfnp: PfnOut<'_>,
        iomap_errp: IomapErrOut<'_>,
    ) -> VmFaultResult {
        let pfnp = pfnp.map_or(core::ptr::null_mut(), core::ptr::from_mut);
        let errp = iomap_errp.map_or(core::ptr::null_mut(), core::ptr::from_mut);
        // SAFETY: `fault` describes a fault passed to `dax_iomap_fault()` with these iomap
        // operations (type invariant of `DaxFault`); the out-pointers are valid or null.
        VmFaultResult::from_raw(unsafe {
            bindings::dax_iomap_fault_builtin(
                fault.vmf.as_ptr(),
                order,
                pfnp,
                errp,
                fault.ops.as_ptr(),
            )
        })
    }

    /// `dax_finish_sync_fault_builtin()`.
    pub fn finish_sync_fault(vmf: &VmFault, order: u32, pfn: DaxPfn) -> VmFaultResult {
        // SAFETY: `vmf` is a valid fault (type invariant of `VmFault`).
        VmFaultResult::from_raw(unsafe {
            bindings::dax_finish_sync_fault_builtin(vmf.as_ptr(), order, pfn.pfn())
        })
    }

    /// `dax_lock_folio_builtin()`.
    pub fn lock_folio(folio: &Folio) -> EntryCookie {
        // SAFETY: `folio` is a valid folio.
        EntryCookie::from_raw(unsafe { bindings::dax_lock_folio_builtin(folio.as_ptr()) })
    }

    /// `dax_unlock_folio_builtin()`.
    pub fn unlock_folio(folio: &Folio, cookie: EntryCookie) {
        // SAFETY: `folio` is a valid folio; `cookie` came from a lock of it (trait contract).
        unsafe { bindings::dax_unlock_folio_builtin(folio.as_ptr(), cookie.as_raw()) }
    }

    /// `dax_lock_mapping_entry_builtin()`.
    pub fn lock_mapping_entry(
        mapping: &AddressSpace,
        index: usize,
    ) -> (EntryCookie, Option<BorrowedPage<'_>>) {
        let mut page = core::ptr::null_mut();
        // SAFETY: `mapping` is a valid address space and `page` a valid out-pointer.
        let cookie = EntryCookie::from_raw(unsafe {
            bindings::dax_lock_mapping_entry_builtin(mapping.as_ptr(), index, &mut page)
        });
        // SAFETY: A page stored by the function is the first page of the DAX memory of the
        // entry it locked, which has a `struct page` while the file's DAX device is bound, as
        // the caller of `dax_lock_mapping_entry()` keeps it for the duration of the call.
        let page = core::ptr::NonNull::new(page).map(|p| unsafe { BorrowedPage::from_raw(p) });
        (cookie, page)
    }

    /// `dax_unlock_mapping_entry_builtin()`.
    pub fn unlock_mapping_entry(mapping: &AddressSpace, index: usize, cookie: EntryCookie) {
        // SAFETY: `mapping` is a valid address space; `cookie` came from a lock of the entry.
        unsafe {
            bindings::dax_unlock_mapping_entry_builtin(mapping.as_ptr(), index, cookie.as_raw())
        }
    }
}

/// The `struct dax_fault_ops` that calls a [`FaultOps`] implementation.
struct Adapter<T: FaultOps>(PhantomData<T>);

impl<T: FaultOps> Adapter<T> {
    const OPS: bindings::dax_fault_ops = bindings::dax_fault_ops {
        iomap_fault: Some(Self::iomap_fault),
        finish_sync_fault: Some(Self::finish_sync_fault),
        lock_folio: Some(Self::lock_folio),
        unlock_folio: Some(Self::unlock_folio),
        lock_mapping_entry: Some(Self::lock_mapping_entry),
        unlock_mapping_entry: Some(Self::unlock_mapping_entry),
    };

    /// # Safety
    ///
    /// Called by `dax_iomap_fault()` with its arguments.
    unsafe extern "C" fn iomap_fault(
        vmf: *mut bindings::vm_fault,
        order: u32,
        pfnp: *mut usize,
        iomap_errp: *mut i32,
        ops: *const bindings::iomap_ops,
    ) -> bindings::vm_fault_t {
        // SAFETY: `dax_iomap_fault()` is called from the fault handler of a DAX file mapping
        // with its `struct vm_fault`, for the duration of this call.
        let vmf = unsafe { VmFault::from_raw(vmf) };
        let Some(mapping) = vmf.mapping() else {
            return VmFaultResult::SIGBUS.as_raw();
        };
        // SAFETY: The filesystem passes its iomap operations, valid for the call.
        let ops = unsafe { IomapOps::from_raw(ops) };
        // INVARIANT: `ops` were passed by the filesystem of `mapping` for this fault, with the
        // locks `dax_iomap_fault()` requires held.
        let fault = DaxFault { vmf, mapping, ops };
        // SAFETY: The out-pointers are null or valid and not aliased for the call.
        let (pfnp, iomap_errp) = unsafe { (pfnp.as_mut(), iomap_errp.as_mut()) };
        T::iomap_fault(&fault, order, pfnp, iomap_errp).as_raw()
    }

    /// # Safety
    ///
    /// Called by `dax_finish_sync_fault()` with its arguments.
    unsafe extern "C" fn finish_sync_fault(
        vmf: *mut bindings::vm_fault,
        order: u32,
        pfn: usize,
    ) -> bindings::vm_fault_t {
        // SAFETY: Called from the fault handler with its `struct vm_fault`.
        let vmf = unsafe { VmFault::from_raw(vmf) };
        // The filesystem passes the pfn a fault returned with `VM_FAULT_NEEDDSYNC`.
        T::finish_sync_fault(vmf, order, DaxPfn::from_sync_fault(pfn)).as_raw()
    }

    /// # Safety
    ///
    /// Called by `dax_lock_folio()` with its argument.
    unsafe extern "C" fn lock_folio(folio: *mut bindings::folio) -> usize {
        // SAFETY: `memory_failure()` passes a valid folio that it keeps alive for the call.
        T::lock_folio(unsafe { Folio::from_raw(folio) }).as_raw()
    }

    /// # Safety
    ///
    /// Called by `dax_unlock_folio()` with its arguments.
    unsafe extern "C" fn unlock_folio(folio: *mut bindings::folio, cookie: usize) {
        // SAFETY: As for `lock_folio`.
        let folio = unsafe { Folio::from_raw(folio) };
        // The cookie is the one a lock of this folio returned.
        T::unlock_folio(folio, EntryCookie::from_raw(cookie))
    }

    /// # Safety
    ///
    /// Called by `dax_lock_mapping_entry()` with its arguments.
    unsafe extern "C" fn lock_mapping_entry(
        mapping: *mut bindings::address_space,
        index: usize,
        page: *mut *mut bindings::page,
    ) -> usize {
        // SAFETY: The caller keeps the address space alive for the call (its inode is pinned
        // by the filesystem's notify_failure handler).
        let mapping = unsafe { AddressSpace::from_raw(mapping) };
        let (cookie, locked_page) = T::lock_mapping_entry(mapping, index);
        if let Some(locked_page) = locked_page {
            // SAFETY: `page` is a valid out-pointer; it is left alone when no page is returned,
            // as `dax_lock_mapping_entry()` leaves it.
            unsafe { *page = locked_page.as_ptr() };
        }
        cookie.as_raw()
    }

    /// # Safety
    ///
    /// Called by `dax_unlock_mapping_entry()` with its arguments.
    unsafe extern "C" fn unlock_mapping_entry(
        mapping: *mut bindings::address_space,
        index: usize,
        cookie: usize,
    ) {
        // SAFETY: As for `lock_mapping_entry`.
        let mapping = unsafe { AddressSpace::from_raw(mapping) };
        // The cookie is the one a lock of this entry returned.
        T::unlock_mapping_entry(mapping, index, EntryCookie::from_raw(cookie))
    }
}

/// A registered implementation of the DAX fault paths (`dax_register_fault_ops()`).
///
/// Dropping it unregisters the implementation and waits until no call is running in it.
///
/// # Invariants
///
/// `Adapter::<T>::OPS` is registered with `dax_register_fault_ops()`.
pub struct Registration<T: FaultOps> {
    _ops: PhantomData<T>,
}

impl<T: FaultOps> Registration<T> {
    /// Registers `T` as the implementation of the DAX fault paths.
    ///
    /// Fails with `EBUSY` if another implementation is registered.
    pub fn new() -> Result<Self> {
        // SAFETY: `OPS` is a constant promoted to a static, so it lives forever; its functions
        // are valid for as long as the module that contains them, which the registration does
        // not outlive (it is unregistered on drop).
        to_result(unsafe { bindings::dax_register_fault_ops(&Adapter::<T>::OPS) })?;
        // INVARIANT: The ops were just registered.
        Ok(Self { _ops: PhantomData })
    }
}

impl<T: FaultOps> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: The ops are registered (type invariant). `dax_unregister_fault_ops()` waits
        // for every call into them to return, so none runs once this returns.
        unsafe { bindings::dax_unregister_fault_ops(&Adapter::<T>::OPS) };
    }
}

// SAFETY: A registration only stands for a registered set of functions; it can be dropped from
// any thread.
unsafe impl<T: FaultOps> Send for Registration<T> {}
// SAFETY: A registration has no methods that take `&self`.
unsafe impl<T: FaultOps> Sync for Registration<T> {}

#[macros::kunit_tests(rust_dax_fault_registration)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// An implementation that hands every call to the C code.
    struct Builtin;
    impl FaultOps for Builtin {}

    /// Another one.
    struct Other;
    impl FaultOps for Other {}

    #[test]
    fn one_registration_at_a_time() -> Result {
        let first = Registration::<Builtin>::new()?;
        assert_eq!(Registration::<Other>::new().err(), Some(EBUSY));
        assert_eq!(Registration::<Builtin>::new().err(), Some(EBUSY));
        drop(first);
        // Unregistered: another implementation can register now.
        let other = Registration::<Other>::new()?;
        drop(other);
        Ok(())
    }
}
