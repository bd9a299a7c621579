// SPDX-License-Identifier: GPL-2.0

//! Page frames of DAX memory, and their insertion into page tables.
//!
//! A page fault of a DAX file maps the persistent memory that the filesystem's iomap gives for
//! the faulting index: [`DaxPfn`] is the page frame of that memory, found with
//! [`LockedEntry::direct_access`](super::locked::LockedEntry::direct_access) while the entry of
//! the index is locked, and valid for as long as the DAX read lock under which it was found.
//! A synchronous fault hands its pfn to the filesystem, which passes it back to
//! `dax_finish_sync_fault()`: [`SyncFaultPfn`].
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::{
    bindings,
    dax::entry::EntryOrder,
    fs::address_space::AddressSpace,
    mm::{
        fault::{VmFault, VmFaultResult},
        folio::{page_folio, Folio},
        memory_model::pfn_to_page,
    },
    sync::aref::ARef,
};
use core::marker::PhantomData;

/// The first page frame of a page or a PMD of DAX memory of a file, found for the locked entry
/// of an index of the file.
///
/// It may only be stored in the entry it was found for: [`DaxPfn::is_for`] says which, and
/// [`LockedEntry::insert`](super::locked::LockedEntry::insert) refuses a pfn found for
/// another file or index.
///
/// # Invariants
///
/// `pfn` is the first of `1 << order` pages of DAX memory, aligned to that many pages, which
/// have `struct page`s for `'g`; the filesystem maps them at `index` of the file of `mapping`,
/// in an extent shared with other files if `shared` is set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DaxPfn<'g> {
    pfn: usize,
    order: EntryOrder,
    shared: bool,
    mapping: *const AddressSpace,
    index: usize,
    _valid: PhantomData<&'g ()>,
}

impl<'g> DaxPfn<'g> {
    /// Creates a [`DaxPfn`] for the entry at `index` of `mapping`.
    ///
    /// # Safety
    ///
    /// `pfn` is the first of `1 << order` pages of DAX memory, aligned to that many pages, which
    /// have `struct page`s for `'g`, and which the filesystem maps at `index` of the file of
    /// `mapping`, in an extent shared with other files if `shared` is set. For a PMD, `index`
    /// is the first index of the PMD.
    #[inline]
    pub unsafe fn new(
        pfn: usize,
        order: EntryOrder,
        shared: bool,
        mapping: &AddressSpace,
        index: usize,
    ) -> Self {
        // INVARIANT: Guaranteed by the caller.
        DaxPfn {
            pfn,
            order,
            shared,
            mapping,
            index,
            _valid: PhantomData,
        }
    }

    /// The page frame number.
    #[inline]
    pub fn pfn(self) -> usize {
        self.pfn
    }

    /// The order of the memory: a page or a PMD.
    #[inline]
    pub fn order(self) -> EntryOrder {
        self.order
    }

    /// Whether the memory is an extent shared with other files (`IOMAP_F_SHARED`).
    #[inline]
    pub fn is_shared(self) -> bool {
        self.shared
    }

    /// Whether this is the memory of the entry at `index` of `mapping`: the entry it was found
    /// for.
    #[inline]
    pub fn is_for(self, mapping: &AddressSpace, index: usize) -> bool {
        core::ptr::eq(self.mapping, mapping) && self.index == index
    }
}

// By hand, so that the address of the address space, a kernel pointer, is not printed.
impl core::fmt::Debug for DaxPfn<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DaxPfn")
            .field("pfn", &self.pfn)
            .field("order", &self.order)
            .field("shared", &self.shared)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// The pfn that a synchronous fault returned with `VM_FAULT_NEEDDSYNC` and that the filesystem
/// passes back to `dax_finish_sync_fault()` once the metadata is durable, with its order.
///
/// Safe code cannot make one ([`SyncFaultPfn::new`] is unsafe): the `dax_finish_sync_fault()`
/// entry of the [`FaultOps`](super::fault::FaultOps) adapter makes it from the filesystem's
/// arguments. Mapping it checks it against the entry of the faulting index
/// ([`LockedEntry::insert_mkwrite`](super::locked::LockedEntry::insert_mkwrite)).
///
/// # Invariants
///
/// `pfn` is the first of `1 << order` pages of DAX memory, aligned to that many pages, with
/// `struct page`s for `'a`, which the filesystem maps at the faulting index of the fault it was
/// made for.
pub struct SyncFaultPfn<'a> {
    pfn: usize,
    order: EntryOrder,
    _valid: PhantomData<&'a ()>,
}

impl<'a> SyncFaultPfn<'a> {
    /// Creates a [`SyncFaultPfn`].
    ///
    /// # Safety
    ///
    /// `pfn` and `order` are what the filesystem passed to `dax_finish_sync_fault()` for the
    /// fault being handled, which lasts for `'a`: the pfn that a fault of the same `vm_fault`
    /// returned with `VM_FAULT_NEEDDSYNC`, first of `1 << order` aligned pages of DAX memory
    /// with `struct page`s that the filesystem maps at the faulting index.
    #[inline]
    pub unsafe fn new(pfn: usize, order: EntryOrder) -> Self {
        // INVARIANT: Guaranteed by the caller.
        SyncFaultPfn {
            pfn,
            order,
            _valid: PhantomData,
        }
    }

    /// The page frame number.
    #[inline]
    pub fn pfn(&self) -> usize {
        self.pfn
    }

    /// The order of the memory: a page or a PMD.
    #[inline]
    pub fn order(&self) -> EntryOrder {
        self.order
    }
}

/// Where a synchronous fault stores the pfn to map once the metadata is durable (`pfnp` of
/// `dax_iomap_fault()`).
///
/// The filesystem hands the pfn back to `dax_finish_sync_fault()`, whose C implementation maps
/// it writable without checking it (`dax_insert_pfn_mkwrite()`): [`PfnOut::set`] stores only
/// the memory found for the entry of the fault it was made for.
///
/// # Invariants
///
/// `pfnp`, if any, is where the filesystem that handles the fault `vmf` of order `order` takes
/// the pfn from.
pub struct PfnOut<'a> {
    pfnp: Option<&'a mut usize>,
    vmf: &'a VmFault,
    order: u32,
}

impl<'a> PfnOut<'a> {
    /// The out-pointer `pfnp` of the fault `vmf` of order `order`.
    #[inline]
    pub(crate) fn new(pfnp: Option<&'a mut usize>, vmf: &'a VmFault, order: u32) -> Self {
        // INVARIANT: The caller passes the filesystem's out-pointer for this fault.
        PfnOut { pfnp, vmf, order }
    }

    /// Stores `pfn` for the filesystem, if it is the memory found for the entry of the fault:
    /// of the fault's order, for the faulting file at the first index of the fault's range
    /// ([`DaxPfn::is_for`]).
    ///
    /// Returns `false`, and stores nothing, if the filesystem gave no place for the pfn, or if
    /// `pfn` is not that memory (a bug, warned about).
    #[inline]
    pub fn set(&mut self, pfn: DaxPfn<'_>) -> bool {
        let Some(pfnp) = self.pfnp.as_deref_mut() else {
            return false;
        };
        let order = pfn.order().get();
        let index = self.vmf.pgoff() & !((1usize << order) - 1);
        let ok = order == self.order && self.vmf.mapping().is_some_and(|m| pfn.is_for(m, index));
        if crate::warn_on_once!(!ok) {
            return false;
        }
        *pfnp = pfn.pfn();
        true
    }

    /// The out-pointer, or null, for C code that stores the pfn of the fault itself.
    #[inline]
    pub(crate) fn as_ptr(&mut self) -> *mut usize {
        self.pfnp
            .as_deref_mut()
            .map_or(core::ptr::null_mut(), core::ptr::from_mut)
    }
}

/// Maps page `pfn` (with a PTE) or the PMD starting at it for `vmf`, holding a reference to the
/// folio at `folio_pfn` meanwhile, as `fs/dax.c` does around `vmf_insert_page_mkwrite()` and
/// `vmf_insert_folio_pmd()` (`folio_ref_inc()`, insert, `folio_put()`).
///
/// # Safety
///
/// - `vmf` is the fault being handled, and for the whole call the caller holds the lock of the
///   DAX entry of its faulting index: an entry with memory of the faulting file, whose pfn is
///   `folio_pfn`;
/// - if `pmd`, the entry is a PMD entry, `vmf` a PMD fault and `pfn` is `folio_pfn`; otherwise
///   `pfn` is the page of the entry's memory at the faulting index.
// Always inlined: LLVM keeps an out-of-line copy otherwise, although `pmd` is a constant at
// every call site once its callers are inlined.
#[inline(always)]
pub unsafe fn insert(
    vmf: &VmFault,
    folio_pfn: usize,
    pfn: usize,
    pmd: bool,
    write: bool,
) -> VmFaultResult {
    let folio: ARef<Folio> = {
        // SAFETY: The caller guarantees that `folio_pfn` is DAX memory of the faulting file,
        // with a `struct page` while its entry is locked.
        unsafe { Folio::from_pfn(folio_pfn) }
    }
    .into();
    // SAFETY: `vmf` is the fault being handled; the page or PMD is DAX memory of the file at the
    // faulting index, in the folio we hold a reference to (the caller's guarantee).
    let ret = unsafe {
        if pmd {
            // `pfn_folio(pfn)` is the folio just taken: `pfn` is the entry's own pfn.
            bindings::vmf_insert_folio_pmd(vmf.as_ptr(), folio.as_ptr(), write)
        } else {
            bindings::vmf_insert_page_mkwrite(vmf.as_ptr(), pfn_to_page(pfn), write)
        }
    };
    drop(folio);
    VmFaultResult::from_raw(ret)
}

/// Maps the memory at `pfn` writable for `vmf`, with a PTE or, for a PMD of memory, a PMD,
/// holding a reference to its folio meanwhile: the insertion of `dax_insert_pfn_mkwrite()`.
///
/// As C does, this maps `&pfn_folio(pfn)->page`: for a PTE, `dax_insert_pfn_mkwrite()` only
/// gets here with a PTE entry, whose folio is the page itself.
///
/// # Safety
///
/// - `vmf` is the fault being handled, and for the whole call the caller holds the lock of the
///   DAX entry of its faulting index: an entry with memory of the faulting file, whose pfn is
///   `pfn`;
/// - if `pmd`, the entry is a PMD entry and `vmf` a PMD fault; otherwise the entry is a PTE
///   entry.
#[inline]
pub unsafe fn insert_mkwrite(vmf: &VmFault, pfn: usize, pmd: bool) -> VmFaultResult {
    // SAFETY: The caller guarantees that `pfn` has a `struct page` while its entry is locked;
    // this only computes its folio, which the entry keeps mapped by the file.
    let folio: ARef<Folio> = unsafe { Folio::from_raw(page_folio(pfn_to_page(pfn))) }.into();
    // SAFETY: `vmf` is the fault being handled; the folio is DAX memory of the file at the
    // faulting index, referenced by `folio` for the call.
    let ret = unsafe {
        if pmd {
            bindings::vmf_insert_folio_pmd(vmf.as_ptr(), folio.as_ptr(), true)
        } else {
            bindings::vmf_insert_page_mkwrite(vmf.as_ptr(), folio.as_page_ptr(), true)
        }
    };
    drop(folio);
    VmFaultResult::from_raw(ret)
}
