// SPDX-License-Identifier: GPL-2.0

//! Exporting the DAX fault API of a module: `__dax_fault()` and `dax_fault()`.
//!
//! A module that serves the DAX fault paths can offer, to filesystems and other modules that
//! map DAX files with their own `vm_operations_struct`, two functions:
//!
//! ```c
//! vm_fault_t __dax_fault(struct vm_fault *vmf, unsigned int order,
//!                        unsigned long *pfnp, int *iomap_errp,
//!                        const struct iomap_ops *ops);
//! vm_fault_t dax_fault(struct vm_fault *vmf, unsigned int order,
//!                      int *iomap_errp, const struct iomap_ops *ops);
//! ```
//!
//! It implements them with [`FaultApi`] and defines and exports them (GPL-only) with
//! [`dax_fault_api!`](crate::dax_fault_api), which turns the raw arguments of the C callers
//! into a [`DaxFault`] and checks the definitions against the module's bindings of the header
//! that declares them for C. [`iomap_fault`] and [`iomap_fault_pfn`] hand a fault to
//! `dax_iomap_fault()` of `fs/dax.c`, which serves it with the registered fault paths (see
//! [`Registration`](super::fault::Registration)) or its own.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use super::{
    fault::{DaxFault, IomapErrOut},
    pfn::PfnOut,
};
use crate::{
    bindings,
    fs::{
        address_space::{AddressSpace, InvalidateLockShared},
        iomap::IomapOps,
    },
    mm::fault::{VmFault, VmFaultResult},
};
use core::marker::PhantomData;

/// The implementation of `__dax_fault()` and `dax_fault()`.
pub trait FaultApi: 'static {
    /// `__dax_fault()`: handles `fault`, of `order` (0 or `PMD_ORDER`), for a caller that did
    /// the locking around it.
    ///
    /// The caller holds what protects the file's blocks against truncation and hole punching,
    /// and does the freeze protection and time update of a write fault itself. A write fault of
    /// a `MAP_SYNC` mapping whose extent must be made durable first returns
    /// [`VmFaultResult::NEEDDSYNC`] with the pfn to map in `pfnp`, for the caller to complete
    /// with `dax_finish_sync_fault()`.
    fn fault_locked(
        fault: &DaxFault<'_>,
        order: u32,
        pfnp: PfnOut<'_>,
        iomap_errp: IomapErrOut<'_>,
    ) -> VmFaultResult;

    /// `dax_fault()`: handles `fault`, of `order` (0 or `PMD_ORDER`), with the freeze
    /// protection and time update of a write fault and the invalidate lock of the mapping
    /// ([`UnlockedDaxFault::lock`]), and completes a synchronous fault, so that it never returns
    /// [`VmFaultResult::NEEDDSYNC`].
    ///
    /// The caller holds the mmap or VMA lock and no lock of the filesystem.
    fn fault(fault: UnlockedDaxFault<'_>, order: u32, iomap_errp: IomapErrOut<'_>)
        -> VmFaultResult;
}

/// A page fault on a DAX file, before the lock that protects the file's blocks against
/// truncation and hole punching is taken: what `dax_fault()` is given.
///
/// [`UnlockedDaxFault::lock`] gives the [`DaxFault`], once the invalidate lock of the mapping is
/// held, which is what the filesystems that call `dax_fault()` take against truncation.
///
/// # Invariants
///
/// `vmf` is a fault of a mapping of a file whose address space is `mapping`, handled by this
/// thread with the mmap lock or the VMA lock held, for `'a`; `ops` are the iomap operations of
/// the file's filesystem, valid for `'a`, which need the invalidate lock of `mapping` held (and
/// nothing else) against truncation and hole punching. If `vmf` is a copy-on-write fault, its
/// page has not been taken.
pub struct UnlockedDaxFault<'a> {
    vmf: &'a VmFault,
    mapping: &'a AddressSpace,
    ops: &'a IomapOps,
}

impl<'a> UnlockedDaxFault<'a> {
    /// The fault.
    #[inline]
    pub fn vmf(&self) -> &'a VmFault {
        self.vmf
    }

    /// The address space of the faulting file.
    #[inline]
    pub fn mapping(&self) -> &'a AddressSpace {
        self.mapping
    }

    /// The fault, served under `lock`, the invalidate lock of its mapping held shared
    /// ([`AddressSpace::invalidate_lock_shared`]). `None`, with a warning, if `lock` is the lock
    /// of another mapping.
    #[inline]
    pub fn lock<'g>(self, lock: &'g InvalidateLockShared<'_>) -> Option<DaxFault<'g>>
    where
        'a: 'g,
    {
        if crate::warn_on_once!(!core::ptr::eq(lock.mapping(), self.mapping)) {
            return None;
        }
        // SAFETY: `vmf` is the fault this thread handles with the locks `VmFault::from_raw`
        // requires, and `ops` the iomap operations of its file, valid for `'a` (type
        // invariants), which outlives `'g`; the invalidate lock of the mapping, all they need,
        // is held by `lock` for `'g`. The page of a copy-on-write fault has not been taken
        // (type invariant), and `self` is consumed: it is only taken through the result.
        unsafe { DaxFault::from_raw(self.vmf.as_ptr(), self.ops.as_ptr()) }
    }
}

/// Serves `fault` with `dax_iomap_fault()`, for a caller that completes a synchronous fault
/// with `dax_finish_sync_fault()` itself, given the pfn stored in `pfnp`.
///
/// Without `pfnp`, a fault that needs the synchronous completion fails with
/// [`VmFaultResult::SIGBUS`] (and a warning).
///
/// `dax_iomap_fault()` fills and maps the page of a copy-on-write fault: a copy-on-write
/// `fault` is served once; served again, it fails with [`VmFaultResult::SIGBUS`] (and a
/// warning).
///
/// This is for the fault API, not for the fault paths: `dax_iomap_fault()` dispatches to the
/// registered [`FaultOps`](super::fault::FaultOps), which would be called again. They hand a
/// fault back to `fs/dax.c` with [`builtin::iomap_fault`](super::fault::builtin::iomap_fault).
#[inline]
pub fn iomap_fault_pfn(
    fault: &DaxFault<'_>,
    order: u32,
    mut pfnp: PfnOut<'_>,
    iomap_errp: IomapErrOut<'_>,
) -> VmFaultResult {
    if !fault.hand_over_cow_page() {
        return VmFaultResult::SIGBUS;
    }
    let pfnp = pfnp.as_ptr();
    let errp = iomap_errp.map_or(core::ptr::null_mut(), core::ptr::from_mut);
    // SAFETY: `fault` is a fault of a file with its filesystem's iomap operations, whose locks
    // are held while it exists (type invariant of `DaxFault`), as `dax_iomap_fault()` requires;
    // `hand_over_cow_page()` recorded that the page of a copy-on-write fault, which nobody had
    // taken, goes to `dax_iomap_fault()`; the out-pointers are null or valid.
    VmFaultResult::from_raw(unsafe {
        bindings::dax_iomap_fault(
            fault.vmf().as_ptr(),
            order,
            pfnp,
            errp,
            fault.iomap_ops().as_ptr(),
        )
    })
}

/// Serves `fault` with `dax_iomap_fault()`.
///
/// A write fault of a `MAP_SYNC` mapping whose extent must be made durable before it is mapped
/// returns [`Faulted::NeedsSync`], to be completed with [`SyncFault::finish`].
#[inline]
pub fn iomap_fault<'a>(
    fault: &DaxFault<'a>,
    order: u32,
    iomap_errp: IomapErrOut<'_>,
) -> Faulted<'a> {
    let mut pfn = 0;
    let pfnp = PfnOut::new(Some(&mut pfn), fault.vmf(), order);
    let ret = iomap_fault_pfn(fault, order, pfnp, iomap_errp);
    if ret.contains(VmFaultResult::NEEDDSYNC) {
        // INVARIANT: `dax_iomap_fault()` returned `VM_FAULT_NEEDDSYNC` for this fault and order,
        // with `pfn`.
        Faulted::NeedsSync(SyncFault {
            vmf: fault.vmf(),
            order,
            pfn,
        })
    } else {
        Faulted::Done(ret)
    }
}

/// The outcome of [`iomap_fault`].
#[must_use = "a fault that needs the synchronous completion is not done"]
pub enum Faulted<'a> {
    /// The fault is done, or failed: the `VM_FAULT_*` code to return.
    Done(VmFaultResult),
    /// The fault needs the synchronous completion (`VM_FAULT_NEEDDSYNC`).
    NeedsSync(SyncFault<'a>),
}

/// A write fault of a `MAP_SYNC` mapping that `dax_iomap_fault()` left to complete once the
/// file's metadata for the faulting range is durable (`VM_FAULT_NEEDDSYNC`).
///
/// # Invariants
///
/// `dax_iomap_fault()` returned `VM_FAULT_NEEDDSYNC` for `vmf` at `order` and stored `pfn`, the
/// DAX memory to map.
#[must_use = "the fault is not done until it is finished"]
pub struct SyncFault<'a> {
    vmf: &'a VmFault,
    order: u32,
    pfn: usize,
}

impl SyncFault<'_> {
    /// Completes the fault with `dax_finish_sync_fault()`: writes back the file's metadata for
    /// the faulting range, then maps the DAX memory writable.
    ///
    /// Fails with [`VmFaultResult::SIGBUS`] if the write-back fails. May sleep.
    #[inline]
    pub fn finish(self) -> VmFaultResult {
        // SAFETY: `vmf` is the fault being handled, and `pfn` what `dax_iomap_fault()` returned
        // for it with `VM_FAULT_NEEDDSYNC` at `order` (type invariants).
        VmFaultResult::from_raw(unsafe {
            bindings::dax_finish_sync_fault(self.vmf.as_ptr(), self.order, self.pfn)
        })
    }
}

/// The C entry points of a [`FaultApi`] implementation, called by the functions that
/// [`dax_fault_api!`](crate::dax_fault_api) defines.
#[doc(hidden)]
pub struct Adapter<T: FaultApi>(PhantomData<T>);

impl<T: FaultApi> Adapter<T> {
    /// `__dax_fault()`.
    ///
    /// # Safety
    ///
    /// `vmf` is the fault being handled by the caller, in a fault handler of a file mapping with
    /// the mmap lock or the VMA lock held; `ops` are the iomap operations of the filesystem of
    /// the faulting file, and the caller holds the locks they need for the call; the fault was
    /// not handed to `dax_iomap_fault()`, `__dax_fault()` or `dax_fault()` before; `pfnp` and
    /// `iomap_errp` are null or valid for writes and not aliased for the call.
    #[inline]
    pub unsafe fn fault_locked(
        vmf: *mut bindings::vm_fault,
        order: u32,
        pfnp: *mut usize,
        iomap_errp: *mut i32,
        ops: *const bindings::iomap_ops,
    ) -> bindings::vm_fault_t {
        // SAFETY: The caller passes the fault it handles and iomap operations valid for the
        // call, with the locks they need held; the page of a copy-on-write fault was not taken,
        // since the fault was not handed over before.
        let Some(fault) = (unsafe { DaxFault::from_raw(vmf, ops) }) else {
            return VmFaultResult::SIGBUS.as_raw();
        };
        // SAFETY: The out-pointers are null or valid and not aliased for the call.
        let (pfnp, iomap_errp) = unsafe { (pfnp.as_mut(), iomap_errp.as_mut()) };
        let pfnp = PfnOut::new(pfnp, fault.vmf(), order);
        T::fault_locked(&fault, order, pfnp, iomap_errp).as_raw()
    }

    /// `dax_fault()`.
    ///
    /// # Safety
    ///
    /// `vmf` is the fault being handled by the caller, in a fault handler of a file mapping with
    /// the mmap lock or the VMA lock held and no lock of the filesystem; `ops` are the iomap
    /// operations of the filesystem of the faulting file, which need the invalidate lock of the
    /// file's mapping against truncation; the fault was not handed to `dax_iomap_fault()`,
    /// `__dax_fault()` or `dax_fault()` before; `iomap_errp` is null or valid for writes and not
    /// aliased for the call.
    #[inline]
    pub unsafe fn fault(
        vmf: *mut bindings::vm_fault,
        order: u32,
        iomap_errp: *mut i32,
        ops: *const bindings::iomap_ops,
    ) -> bindings::vm_fault_t {
        // SAFETY: The caller passes the fault it handles, with the locks `VmFault::from_raw`
        // requires held, for the call.
        let vmf = unsafe { VmFault::from_raw(vmf) };
        let Some(mapping) = vmf.mapping() else {
            return VmFaultResult::SIGBUS.as_raw();
        };
        // SAFETY: The caller passes the iomap operations of the file's filesystem, valid for
        // the call.
        let ops = unsafe { IomapOps::from_raw(ops) };
        // INVARIANT: The caller handles `vmf`, a fault of a mapping of the file of `mapping`,
        // with `ops`, which need the invalidate lock; the fault was not handed over before, so
        // the page of a copy-on-write fault was not taken.
        let fault = UnlockedDaxFault { vmf, mapping, ops };
        // SAFETY: The out-pointer is null or valid and not aliased for the call.
        let iomap_errp = unsafe { iomap_errp.as_mut() };
        T::fault(fault, order, iomap_errp).as_raw()
    }
}

/// Defines `__dax_fault()` and `dax_fault()` with the [`FaultApi`] implementation `api` and
/// exports them GPL-only, checked against their declarations in `bindings`, the module's
/// bindings of its C header (see `scripts/Makefile.bindgen`).
///
/// ```ignore
/// struct MyFaultApi;
///
/// impl kernel::dax::fault_api::FaultApi for MyFaultApi {
///     // ...
/// }
///
/// kernel::dax_fault_api!(MyFaultApi, bindings = crate::bindings);
/// ```
#[macro_export]
macro_rules! dax_fault_api {
    ($api:ty, bindings = $($bindings:ident)::+ $(,)?) => {
        /// Handles a page fault on a DAX file for a caller with its own locking (see
        /// `FaultApi::fault_locked`).
        ///
        /// # Safety
        ///
        /// Called from a fault handler of a DAX file mapping with the mmap or VMA lock held,
        /// with its fault, not handed to `dax_iomap_fault()`, `__dax_fault()` or `dax_fault()`
        /// before, the filesystem's iomap operations and the locks they need held, and
        /// out-pointers that are null or valid.
        #[$crate::prelude::export(bindings = $($bindings)::+)]
        pub unsafe extern "C" fn __dax_fault(
            vmf: *mut $crate::bindings::vm_fault,
            order: u32,
            pfnp: *mut usize,
            iomap_errp: *mut i32,
            ops: *const $crate::bindings::iomap_ops,
        ) -> $crate::bindings::vm_fault_t {
            // SAFETY: The caller follows the contract of `__dax_fault()`.
            unsafe {
                $crate::dax::fault_api::Adapter::<$api>::fault_locked(
                    vmf, order, pfnp, iomap_errp, ops,
                )
            }
        }
        $crate::export_symbol_gpl!(__dax_fault, bindings = $($bindings)::+);

        /// Handles a page fault on a DAX file (see `FaultApi::fault`).
        ///
        /// # Safety
        ///
        /// As for `__dax_fault()`, but the caller holds no lock of the filesystem:
        /// `dax_fault()` takes the invalidate lock of the mapping, which the iomap operations
        /// need.
        #[$crate::prelude::export(bindings = $($bindings)::+)]
        pub unsafe extern "C" fn dax_fault(
            vmf: *mut $crate::bindings::vm_fault,
            order: u32,
            iomap_errp: *mut i32,
            ops: *const $crate::bindings::iomap_ops,
        ) -> $crate::bindings::vm_fault_t {
            // SAFETY: The caller follows the contract of `dax_fault()`.
            unsafe { $crate::dax::fault_api::Adapter::<$api>::fault(vmf, order, iomap_errp, ops) }
        }
        $crate::export_symbol_gpl!(dax_fault, bindings = $($bindings)::+);
    };
}
