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

use super::{
    entries::DaxEntries,
    entry::EntryOrder,
    memory_failure::EntryLock,
    pfn::{PfnOut, SyncFaultPfn},
};
use crate::{
    bindings,
    error::{to_result, Result},
    fs::{
        address_space::AddressSpace, iomap::IomapFlags, iomap::IomapIter, iomap::IomapOps, Inode,
    },
    mm::{
        fault::{CowPage, VmFault, VmFaultResult},
        folio::Folio,
    },
};
use core::{cell::Cell, marker::PhantomData};

/// A page fault on a DAX file, as passed to `dax_iomap_fault()`.
///
/// # Invariants
///
/// `ops` are the iomap operations of the filesystem of `mapping`'s host, passed by that
/// filesystem to `dax_iomap_fault()` for this fault, and the filesystem holds the locks they
/// need (against truncation and hole punching, as `dax_iomap_fault()` requires) until the fault
/// handler returns. Until `cow_taken` is set, nobody has taken the page of a copy-on-write
/// fault `vmf`; it is set once the page is handed out, or handed to C code that takes it.
pub struct DaxFault<'a> {
    vmf: &'a VmFault,
    mapping: &'a AddressSpace,
    ops: &'a IomapOps,
    cow_taken: Cell<bool>,
}

impl<'a> DaxFault<'a> {
    /// Describes the fault `vmf` of a DAX file, to be served with the iomap operations `ops`.
    ///
    /// Returns `None` if the faulting VMA maps no file.
    ///
    /// # Safety
    ///
    /// `vmf` is the fault being handled by the caller, in a fault handler of a file mapping with
    /// the mmap lock or the VMA lock held, and not used by anyone else, for `'a` (as
    /// [`VmFault::from_raw`] requires). `ops` are the iomap operations of the filesystem of the
    /// faulting file, valid for `'a`, and the caller holds the locks they need (against
    /// truncation and hole punching, as `dax_iomap_fault()` requires) for `'a`. If `vmf` is a
    /// copy-on-write fault, its page has not been taken, and is only taken through the returned
    /// value.
    #[inline]
    pub unsafe fn from_raw(
        vmf: *mut bindings::vm_fault,
        ops: *const bindings::iomap_ops,
    ) -> Option<Self> {
        // SAFETY: The caller guarantees that `vmf` is the fault it handles, with the locks
        // `VmFault::from_raw` requires held, for `'a`.
        let vmf = unsafe { VmFault::from_raw(vmf) };
        let mapping = vmf.mapping()?;
        // SAFETY: The caller guarantees that `ops` are valid for `'a`.
        let ops = unsafe { IomapOps::from_raw(ops) };
        // INVARIANT: The caller guarantees that `ops` are the operations of the filesystem of
        // `mapping`'s host, that the locks they need are held for `'a`, and that the page of a
        // copy-on-write fault has not been taken.
        Some(DaxFault {
            vmf,
            mapping,
            ops,
            cow_taken: Cell::new(false),
        })
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

    /// Takes the page of a copy-on-write fault, to fill and map it; `None` if this is not one,
    /// or if the page was taken already.
    #[inline]
    pub fn take_cow_page(&self) -> Option<CowPage<'a>> {
        if self.cow_taken.replace(true) {
            return None;
        }
        // SAFETY: `cow_taken` was not set, so nobody has taken the page (type invariant); it
        // is set now.
        unsafe { self.vmf.cow_page() }
    }

    /// Records that the fault is handed to C code that takes the page of a copy-on-write
    /// fault (`dax_iomap_fault()`). Returns `false`, and warns once, if the page was taken
    /// already: the caller must not hand the fault over then.
    #[inline]
    #[must_use]
    pub(crate) fn hand_over_cow_page(&self) -> bool {
        !crate::warn_on_once!(self.vmf.is_cow() && self.cow_taken.replace(true))
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
    fn finish_sync_fault(vmf: &VmFault, pfn: SyncFaultPfn<'_>) -> VmFaultResult {
        builtin::finish_sync_fault(vmf, pfn)
    }

    /// `dax_lock_folio()`: locks the DAX entry of `folio`, for [`FaultOps::unlock_folio`]
    /// ([`super::memory_failure::lock_folio`] does it in Rust).
    ///
    /// What it returns is checked: a lock of another entry, or [`EntryLock::NotNeeded`] for a
    /// folio that is not device DAX, is warned about, unlocked, and reported as
    /// [`EntryLock::Failed`].
    fn lock_folio(folio: &Folio) -> EntryLock<'_> {
        builtin::lock_folio(folio)
    }

    /// `dax_unlock_folio()`.
    fn unlock_folio<'a>(folio: &'a Folio, lock: EntryLock<'a>) {
        builtin::unlock_folio(folio, lock)
    }

    /// `dax_lock_mapping_entry()`: locks the DAX entry at `index` of `entries`, if it has
    /// memory, for [`FaultOps::unlock_mapping_entry`]; [`EntryLock::NotNeeded`] if there is no
    /// such entry (none, or a zero-page or empty one), or [`EntryLock::Failed`] if it could not
    /// be locked. The caller gets the first page of a locked entry.
    ///
    /// What it returns is checked: a lock of another entry is warned about, unlocked, and
    /// reported as [`EntryLock::Failed`].
    fn lock_mapping_entry(entries: DaxEntries<'_>, index: usize) -> EntryLock<'_> {
        builtin::lock_mapping_entry(entries, index)
    }

    /// `dax_unlock_mapping_entry()`.
    fn unlock_mapping_entry<'a>(entries: DaxEntries<'a>, index: usize, lock: EntryLock<'a>) {
        builtin::unlock_mapping_entry(entries, index, lock)
    }
}

/// The C implementations of the DAX fault paths (`*_builtin()` in `fs/dax.c`).
pub mod builtin {
    use super::*;

    /// `dax_iomap_fault_builtin()`.
    pub fn iomap_fault(
        fault: &DaxFault<'_>,
        order: u32,
        mut pfnp: PfnOut<'_>,
        iomap_errp: IomapErrOut<'_>,
    ) -> VmFaultResult {
        // The C code fills and maps the page of a copy-on-write fault: once.
        if !fault.hand_over_cow_page() {
            return VmFaultResult::SIGBUS;
        }
        let pfnp = pfnp.as_ptr();
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
    pub fn finish_sync_fault(vmf: &VmFault, pfn: SyncFaultPfn<'_>) -> VmFaultResult {
        // SAFETY: `vmf` is a valid fault (type invariant of `VmFault`); `pfn` is what the
        // filesystem passed to `dax_finish_sync_fault()` for it (type invariant of
        // `SyncFaultPfn`).
        VmFaultResult::from_raw(unsafe {
            bindings::dax_finish_sync_fault_builtin(vmf.as_ptr(), pfn.order().get(), pfn.pfn())
        })
    }

    /// `dax_lock_folio_builtin()`.
    pub fn lock_folio(folio: &Folio) -> EntryLock<'_> {
        // SAFETY: `folio` is a valid folio.
        let cookie = unsafe { bindings::dax_lock_folio_builtin(folio.as_ptr()) };
        // SAFETY: `cookie` was just returned by a lock of the folio's entry.
        unsafe { EntryLock::from_folio_cookie(folio, cookie) }
    }

    /// `dax_unlock_folio_builtin()`.
    pub fn unlock_folio<'a>(folio: &'a Folio, lock: EntryLock<'a>) {
        if let EntryLock::Failed = lock {
            return;
        }
        // SAFETY: `folio` is a valid folio, and the cookie stands for its lock.
        unsafe { bindings::dax_unlock_folio_builtin(folio.as_ptr(), lock.into_cookie()) }
    }

    /// `dax_lock_mapping_entry_builtin()`.
    pub fn lock_mapping_entry(entries: DaxEntries<'_>, index: usize) -> EntryLock<'_> {
        let mapping = entries.mapping();
        let (m, mut page) = (mapping.as_ptr(), core::ptr::null_mut());
        // SAFETY: `m` is a valid address space and `page` a valid out-pointer.
        let cookie = unsafe { bindings::dax_lock_mapping_entry_builtin(m, index, &mut page) };
        // SAFETY: `cookie` was just returned by a lock of the entry at `index` of `mapping`.
        unsafe { EntryLock::from_mapping_cookie(mapping, index, cookie) }
    }

    /// `dax_unlock_mapping_entry_builtin()`.
    pub fn unlock_mapping_entry<'a>(entries: DaxEntries<'a>, index: usize, lock: EntryLock<'a>) {
        if let EntryLock::Failed = lock {
            return;
        }
        // SAFETY: `mapping` is a valid address space; the cookie stands for the lock of the
        // entry at `index`.
        unsafe {
            bindings::dax_unlock_mapping_entry_builtin(
                entries.mapping().as_ptr(),
                index,
                lock.into_cookie(),
            )
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
        // locks `dax_iomap_fault()` requires held. `dax_iomap_fault()` is where the page of a
        // copy-on-write fault is taken: nobody has taken it yet.
        let fault = DaxFault {
            vmf,
            mapping,
            ops,
            cow_taken: Cell::new(false),
        };
        // SAFETY: The out-pointers are null or valid and not aliased for the call.
        let (pfnp, iomap_errp) = unsafe { (pfnp.as_mut(), iomap_errp.as_mut()) };
        let pfnp = PfnOut::new(pfnp, vmf, order);
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
        let Some(order) = EntryOrder::new(order) else {
            // No DAX entry has this order: C's answer, whatever it is.
            // SAFETY: The arguments are those of `dax_finish_sync_fault()`.
            return unsafe { bindings::dax_finish_sync_fault_builtin(vmf.as_ptr(), order, pfn) };
        };
        // SAFETY: The filesystem passes the pfn and order that a fault of `vmf` returned with
        // `VM_FAULT_NEEDDSYNC`, for the fault being handled.
        let pfn = unsafe { SyncFaultPfn::new(pfn, order) };
        T::finish_sync_fault(vmf, pfn).as_raw()
    }

    /// # Safety
    ///
    /// Called by `dax_lock_folio()` with its argument.
    unsafe extern "C" fn lock_folio(folio: *mut bindings::folio) -> usize {
        // SAFETY: `memory_failure()` passes a valid folio that it keeps alive until it unlocks.
        let folio = unsafe { Folio::from_raw(folio) };
        T::lock_folio(folio).of_folio(folio).into_cookie()
    }

    /// # Safety
    ///
    /// Called by `dax_unlock_folio()` with its arguments.
    unsafe extern "C" fn unlock_folio(folio: *mut bindings::folio, cookie: usize) {
        // SAFETY: As for `lock_folio`.
        let folio = unsafe { Folio::from_raw(folio) };
        // SAFETY: `dax_unlock_folio()` is passed the cookie that `dax_lock_folio()` returned
        // for this folio, once.
        let lock = unsafe { EntryLock::from_folio_cookie(folio, cookie) };
        T::unlock_folio(folio, lock)
    }

    /// # Safety
    ///
    /// Called by `dax_lock_mapping_entry()` with its arguments.
    unsafe extern "C" fn lock_mapping_entry(
        mapping: *mut bindings::address_space,
        index: usize,
        page: *mut *mut bindings::page,
    ) -> usize {
        // SAFETY: The caller keeps the address space alive, its inode not being evicted, until
        // it unlocks (the filesystem's notify_failure handler holds a reference to the inode).
        let mapping = unsafe { AddressSpace::from_raw(mapping) };
        // Not a DAX mapping: nothing locked, as `dax_lock_mapping_entry()` answers.
        let Some(entries) = DaxEntries::of_mapping(mapping) else {
            return 0;
        };
        let lock = T::lock_mapping_entry(entries, index).of_mapping_index(mapping, index);
        if let EntryLock::Locked(entry) = &lock {
            if let Some(locked_page) = entry.page() {
                // SAFETY: `page` is a valid out-pointer; it is left alone when no page is
                // returned, as `dax_lock_mapping_entry()` leaves it.
                unsafe { *page = locked_page.as_ptr() };
            }
        }
        lock.into_cookie()
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
        let Some(entries) = DaxEntries::of_mapping(mapping) else {
            return;
        };
        // SAFETY: `dax_unlock_mapping_entry()` is passed the cookie that
        // `dax_lock_mapping_entry()` returned for this index of this mapping, once.
        let lock = unsafe { EntryLock::from_mapping_cookie(mapping, index, cookie) };
        T::unlock_mapping_entry(entries, index, lock)
    }
}

/// A registered implementation of the DAX fault paths (`dax_register_fault_ops()`).
///
/// Dropping it unregisters the implementation and waits until no call is running in it. A
/// registration that is leaked instead is unregistered, with a warning, when the module
/// that holds the implementation goes away.
///
/// # Invariants
///
/// `ops` is registered with `dax_register_fault_ops()`, and calls `T`.
pub struct Registration<T: FaultOps> {
    ops: &'static bindings::dax_fault_ops,
    _impl: PhantomData<T>,
}

impl<T: FaultOps> Registration<T> {
    /// Registers `T` as the implementation of the DAX fault paths.
    ///
    /// Fails with `EBUSY` if another implementation is registered.
    pub fn new() -> Result<Self> {
        // A constant promoted to a static; the same address is unregistered on drop, since it
        // is kept here rather than taken again from the constant.
        let ops: &'static bindings::dax_fault_ops = &Adapter::<T>::OPS;
        // SAFETY: `ops` lives as long as the module that contains it and its functions: the
        // registration is unregistered on drop, and if it is leaked (`mem::forget()`), `fs/dax.c`
        // unregisters it when the module goes away, before its memory is freed.
        to_result(unsafe { bindings::dax_register_fault_ops(ops) })?;
        // INVARIANT: `ops`, which calls `T`, was just registered.
        Ok(Self {
            ops,
            _impl: PhantomData,
        })
    }
}

impl<T: FaultOps> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: `self.ops` is registered (type invariant). `dax_unregister_fault_ops()` waits
        // for every call into them to return, so none runs once this returns.
        unsafe { bindings::dax_unregister_fault_ops(self.ops) };
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
        let first = match Registration::<Builtin>::new() {
            Ok(first) => first,
            // Registered already, by a built-in implementation (`CONFIG_FS_DAX_RUST=y`):
            // nothing else can register while it is.
            Err(e) => {
                assert_eq!(e, EBUSY);
                assert_eq!(Registration::<Other>::new().err(), Some(EBUSY));
                return Ok(());
            }
        };
        assert_eq!(Registration::<Other>::new().err(), Some(EBUSY));
        assert_eq!(Registration::<Builtin>::new().err(), Some(EBUSY));
        drop(first);
        // Unregistered: another implementation can register now.
        let other = Registration::<Other>::new()?;
        drop(other);
        Ok(())
    }
}
