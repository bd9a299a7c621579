// SPDX-License-Identifier: GPL-2.0

//! Folios.
//!
//! A folio is a physically, virtually and logically contiguous set of pages, described by a
//! `struct folio`. This module provides a borrowed [`Folio`] type with the operations the DAX
//! code performs on the folios of `ZONE_DEVICE` memory, and [`DaxFolio`], the view of such a folio
//! that may change its DAX ownership information.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)

use crate::{
    bindings,
    fs::address_space::AddressSpace,
    mm::memory_model::pfn_to_page,
    sync::{aref::AlwaysRefCounted, rcu},
    types::Opaque,
};
use core::ptr::NonNull;

/// Returns the folio `page` belongs to (`page_folio()`).
///
/// This is `_compound_head()` of `include/linux/page-flags.h`, a small inline function that
/// Rust code could only call through a helper (without `CONFIG_RUST_INLINE_HELPERS`): the page
/// faults of DAX ask it for every page they map.
///
/// # Safety
///
/// The caller must ensure that `page` is a valid `struct page`.
#[inline]
pub unsafe fn page_folio(page: *const bindings::page) -> *mut bindings::folio {
    // SAFETY: The caller guarantees that `page` is valid. `compound_info` is read once
    // (`READ_ONCE()`), as `_compound_head()` does: the page may be made a tail page or stop
    // being one concurrently.
    let info: usize = unsafe {
        core::ptr::addr_of!((*page).__bindgen_anon_1.__bindgen_anon_3.compound_info).read_volatile()
    };
    let page = page as usize;
    // `compound_info_has_mask()`.
    let head = if cfg!(CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP)
        && core::mem::size_of::<bindings::page>().is_power_of_two()
    {
        // A tail page's info is the mask that turns its address into its head page's (bit 0,
        // `PageTail()`, set); for any other page the mask is all ones.
        let mask = (info & 1).wrapping_sub(1) | info;
        page & mask
    } else if info & 1 != 0 {
        // A tail page's info is its head page's address with bit 0 set.
        info - 1
    } else {
        page
    };
    head as *mut bindings::folio
}

/// A borrowed reference to a `struct folio`.
///
/// # Invariants
///
/// For the lifetime of a `&Folio`, the folio is valid: its `struct folio` (and the `struct page`s
/// of its pages) may be accessed. For ordinary memory this requires holding a reference on the
/// folio. `ZONE_DEVICE` memory, such as the persistent memory used by DAX, has `struct page`s for
/// as long as its `struct dev_pagemap` is live, whatever the reference count of the folio; a DAX
/// mapping entry referring to the folio, locked or protected by the `i_pages` lock, keeps the
/// device from being torn down.
///
/// The reference count, mapcount and order of a `ZONE_DEVICE` folio are atomic or only changed
/// under the locks the DAX code holds; the accessors below read them with `READ_ONCE()`
/// semantics.
#[repr(transparent)]
pub struct Folio {
    inner: Opaque<bindings::folio>,
}

// SAFETY: All methods of `Folio` can be called from several threads in parallel: they read with
// `READ_ONCE()` semantics or atomics, or call C functions that synchronise internally.
unsafe impl Sync for Folio {}

// SAFETY: A reference to a folio may be dropped (`folio_put()`) on any thread.
unsafe impl Send for Folio {}

// SAFETY: The reference count of a folio is `_refcount`. `folio_ref_inc()` takes a reference
// without the sanity checks of `folio_get()`, which would reject the zero reference count that
// idle `ZONE_DEVICE` folios have; `folio_put()` drops it and frees (or, for `ZONE_DEVICE`
// memory, hands back to the device driver) the folio when it was the last one.
unsafe impl AlwaysRefCounted for Folio {
    #[inline]
    fn inc_ref(&self) {
        // SAFETY: By the type invariants the folio is valid.
        unsafe { bindings::folio_ref_inc(self.as_ptr()) };
    }

    #[inline]
    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference on the folio, which it gives up here.
        unsafe { bindings::folio_put(obj.cast().as_ptr()) };
    }
}

impl Folio {
    /// Creates a reference to a [`Folio`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points at a valid folio that stays valid (see the type
    /// invariants) for the duration of `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::folio) -> &'a Folio {
        // SAFETY: The caller guarantees that the pointer is valid for `'a`. `Folio` is
        // `repr(transparent)` over `Opaque<bindings::folio>`.
        unsafe { &*ptr.cast() }
    }

    /// Returns the folio containing the page frame `pfn` (`pfn_folio()`).
    ///
    /// # Safety
    ///
    /// The caller must ensure that `pfn` is a valid page frame number, i.e. that it has a
    /// `struct page`, and that the folio containing it stays valid for the duration of `'a`.
    /// For DAX this holds for a pfn returned by `dax_direct_access()` (and stored in a DAX
    /// mapping entry) while the DAX mapping entry referring to it is locked or the `i_pages`
    /// lock of its mapping is held: the entry pins the `dev_pagemap` of the pfn.
    #[inline]
    pub unsafe fn from_pfn<'a>(pfn: usize) -> &'a Folio {
        // SAFETY: The caller guarantees that `pfn` has a `struct page`, which is valid while
        // its folio is.
        let folio = unsafe { page_folio(pfn_to_page(pfn)) };
        // SAFETY: The caller guarantees that the folio stays valid for `'a`.
        unsafe { Self::from_raw(folio) }
    }

    /// Returns a raw pointer to the folio.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::folio {
        self.inner.get()
    }

    /// Returns a raw pointer to the first page of the folio (`&folio->page`).
    #[inline]
    pub fn as_page_ptr(&self) -> *mut bindings::page {
        self.as_ptr().cast()
    }

    /// Returns the page frame number of the first page of the folio (`folio_pfn()`).
    #[inline]
    pub fn pfn(&self) -> usize {
        // SAFETY: By the type invariants the folio is valid.
        unsafe { bindings::folio_pfn(self.as_ptr()) }
    }

    /// Returns the order of the folio (`folio_order()`): it has `1 << order` pages.
    #[inline]
    pub fn order(&self) -> u32 {
        // SAFETY: By the type invariants the folio is valid.
        unsafe { bindings::folio_order(self.as_ptr()) }
    }

    /// Returns the reference count of the folio (`folio_ref_count()`).
    #[inline]
    pub fn ref_count(&self) -> i32 {
        // SAFETY: By the type invariants the folio is valid. The count is read atomically.
        unsafe { bindings::folio_ref_count(self.as_ptr()) }
    }

    /// Returns the number of page table entries mapping the folio (`folio_mapcount()`).
    #[inline]
    pub fn mapcount(&self) -> i32 {
        // SAFETY: By the type invariants the folio is valid. The count is read atomically.
        unsafe { bindings::folio_mapcount(self.as_ptr()) }
    }

    /// Returns the raw `folio->mapping` pointer, read with `READ_ONCE()`.
    ///
    /// For a DAX folio this is the address space the folio belongs to, or null if it belongs to
    /// none or is shared between several files (see [`DaxFolio::is_shared`]). Without a lock or
    /// an RCU read-side critical section nothing guarantees the address space is still alive, so
    /// only use the value for comparisons; see [`Folio::mapping_rcu`] to dereference it.
    #[inline]
    pub fn mapping_ptr(&self) -> *mut bindings::address_space {
        // SAFETY: By the type invariants the folio is valid; this only computes the address of
        // a field.
        let ptr = unsafe { &raw const (*self.as_ptr()).__bindgen_anon_1.__bindgen_anon_1.mapping };
        // SAFETY: `ptr` is valid. The field may be written concurrently (under the `i_pages`
        // lock of the mapping), so it is read with a volatile read, like `READ_ONCE()`.
        unsafe { ptr.read_volatile() }
    }

    /// Returns the address space of the folio, as long as the RCU read-side lock is held.
    ///
    /// The returned reference cannot outlive `guard`: `folio->mapping` may be cleared or
    /// changed at any time, and the inode embedding the address space may be evicted and freed
    /// once the last reference to it is gone. Inodes are only freed after an RCU grace period,
    /// though, so the address space found in `folio->mapping` stays valid memory until the end
    /// of the RCU read-side critical section. To rely on it beyond that, the caller must take a
    /// lock that keeps the folio associated with the mapping, e.g. lock the DAX entry of the
    /// folio, and check that `folio->mapping` still is that address space.
    ///
    /// Returns `None` if `folio->mapping` is null.
    #[inline]
    pub fn mapping_rcu<'g>(&self, guard: &'g rcu::Guard) -> Option<&'g AddressSpace> {
        let _ = guard;
        let mapping = NonNull::new(self.mapping_ptr())?;
        // SAFETY: `guard` proves that the RCU read-side lock is held for `'g`. The address space
        // was the mapping of the folio when it was read, so it was embedded in a live inode then,
        // and inodes are freed only after an RCU grace period (`i_callback()`), which cannot
        // elapse before `guard` is dropped. The host of an address space that was ever assigned
        // to a folio is set.
        Some(unsafe { AddressSpace::from_raw(mapping.as_ptr()) })
    }

    /// Returns `folio->index`, read with `READ_ONCE()`.
    ///
    /// For a folio in the page cache, this is the index in the file of its first page. For a
    /// shared DAX folio (null `mapping`) the field holds the share count instead (the `share`
    /// member of the same union).
    #[inline]
    pub fn index(&self) -> usize {
        // SAFETY: By the type invariants the folio is valid; this only computes the address of
        // a field.
        let ptr = unsafe {
            &raw const (*self.as_ptr())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_2
                .index
        };
        // SAFETY: `ptr` is valid. The field may be written concurrently, so it is read with a
        // volatile read, like `READ_ONCE()`.
        unsafe { ptr.read_volatile() }
    }
}

/// A DAX folio whose ownership information may be changed.
///
/// The DAX code records which file a folio of persistent memory belongs to in `folio->mapping`
/// and `folio->index`, or, for a folio shared by several files (reflinked extents), clears
/// `mapping` and counts the files in `folio->share`. It also makes the folio of a PMD entry a
/// compound folio while it is mapped, and splits it again when it is released. This type gives
/// access to these operations, mirroring `dax_folio_is_shared()`, `dax_folio_make_shared()`,
/// `dax_folio_put()`, `dax_folio_init()` and the association done by `dax_associate_entry()` in
/// `fs/dax.c`.
///
/// # Invariants
///
/// For the lifetime `'a`:
///
/// - `pfn` is the first page frame of a range of `1 << order` pages of `ZONE_DEVICE` DAX memory
///   of one `dev_pagemap`, aligned to `1 << order` pages, as returned by `dax_direct_access()`
///   for a DAX mapping entry of order `order`;
/// - the caller holds the `i_pages` lock of the address space of a DAX file and a locked DAX
///   mapping entry of that file covering the index the pages are being (or were) mapped at; in
///   `fs/dax.c` these locks serialise all changes of the DAX ownership information of a folio.
#[cfg(CONFIG_FS_DAX)]
pub struct DaxFolio<'a> {
    folio: &'a Folio,
    order: u32,
}

#[cfg(CONFIG_FS_DAX)]
impl<'a> DaxFolio<'a> {
    /// Creates a [`DaxFolio`] for the folio at `pfn` of a DAX mapping entry of order `order`.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `pfn` and `order` come from a DAX mapping entry (its pfn and
    /// order, `0` or `PMD_ORDER`), and that the locks described in the type invariants are held
    /// for the duration of `'a`.
    #[inline]
    pub unsafe fn from_entry_pfn(pfn: usize, order: u32) -> Self {
        // SAFETY: The caller guarantees that `pfn` is DAX memory pinned by a locked entry.
        let folio = unsafe { Folio::from_pfn(pfn) };
        // INVARIANT: Guaranteed by the caller.
        Self { folio, order }
    }

    /// Returns the folio.
    #[inline]
    pub fn folio(&self) -> &'a Folio {
        self.folio
    }

    /// Returns the order of the DAX mapping entry this folio belongs to.
    #[inline]
    pub fn entry_order(&self) -> u32 {
        self.order
    }

    /// Returns a raw pointer to the union of `folio->index` and `folio->share`.
    #[inline]
    fn index_ptr(&self) -> *mut usize {
        // SAFETY: The folio is valid; this only computes the address of a field.
        unsafe {
            &raw mut (*self.folio.as_ptr())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_2
                .index
        }
    }

    /// Returns a raw pointer to `folio->mapping`.
    #[inline]
    fn mapping_field(&self) -> *mut *mut bindings::address_space {
        // SAFETY: The folio is valid; this only computes the address of a field.
        unsafe {
            &raw mut (*self.folio.as_ptr())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .mapping
        }
    }

    /// Writes `folio->mapping`.
    #[inline]
    fn set_mapping(&self, mapping: *mut bindings::address_space) {
        // SAFETY: The pointer is valid. By the type invariants the caller holds the locks that
        // serialise the writers of the field; lockless readers use `READ_ONCE()`, so it is
        // written with a volatile write, like `WRITE_ONCE()`.
        unsafe { self.mapping_field().write_volatile(mapping) };
    }

    /// Writes the union of `folio->index` and `folio->share`.
    #[inline]
    fn set_index(&self, value: usize) {
        // SAFETY: As for `set_mapping()`.
        unsafe { self.index_ptr().write_volatile(value) };
    }

    /// Returns the share count, `folio->share`.
    ///
    /// Only meaningful if [`DaxFolio::is_shared`] is true; otherwise the field holds the index.
    #[inline]
    pub fn share(&self) -> usize {
        self.folio.index()
    }

    /// Returns whether the folio is shared by several files (`dax_folio_is_shared()`).
    ///
    /// A shared folio has no mapping and a non-zero share count. A folio shared by several files
    /// but only mapped in one address space so far is not considered shared.
    #[inline]
    pub fn is_shared(&self) -> bool {
        self.folio.mapping_ptr().is_null() && self.share() != 0
    }

    /// Marks the folio as shared (`dax_folio_make_shared()`).
    ///
    /// Clears `folio->mapping` and sets the share count to one: the file the folio was
    /// associated with so far.
    #[inline]
    pub fn make_shared(&self) {
        self.set_mapping(core::ptr::null_mut());
        self.set_index(1);
    }

    /// Increments the share count of a shared folio.
    ///
    /// Warns and does nothing if the folio is not shared.
    #[inline]
    pub fn add_share(&self) {
        if crate::warn_on_once!(!self.is_shared()) {
            return;
        }
        self.set_index(self.share().wrapping_add(1));
    }

    /// Associates the folio with `mapping` at page index `index` of the file.
    ///
    /// This is what `dax_associate_entry()` does for a folio that is not shared: it makes the
    /// folio a compound folio of the order of the entry (`dax_folio_init()`) and records the
    /// owner.
    ///
    /// A folio that already has a mapping belongs to a file, and may be mapped: `fs/dax.c` warns
    /// (once) and takes it over anyway; this warns (once) and leaves it alone.
    #[inline]
    pub fn associate(&self, mapping: &AddressSpace, index: usize) {
        if crate::warn_on_once!(!self.folio.mapping_ptr().is_null()) {
            return;
        }
        self.init();
        self.set_mapping(mapping.as_ptr());
        self.set_index(index);
    }

    /// Prepares the folio to be mapped by an entry of order [`DaxFolio::entry_order`]
    /// (`dax_folio_init()`).
    ///
    /// The folio must have been split back into order-0 pages when it was last released
    /// ([`DaxFolio::put`]). For a PMD entry, makes the pages a compound folio
    /// (`prep_compound_page()`). A folio that is still compound may be in use: `fs/dax.c` warns
    /// (once) and makes it compound again; this warns (once) and leaves it alone.
    #[inline]
    fn init(&self) {
        if crate::warn_on_once!(self.folio.order() != 0) {
            return;
        }
        if self.order > 0 {
            // SAFETY: By the type invariants the `1 << order` pages starting at the folio are
            // aligned DAX pages of one `dev_pagemap`, which are not in use by anything else (they
            // are being associated with the locked entry), so they may be made a compound page.
            unsafe { bindings::prep_compound_page(self.folio.as_page_ptr(), self.order) };
            if self.order > 1 {
                // SAFETY: The folio now has at least four pages, so it has a `_deferred_list`,
                // which nothing else uses yet.
                unsafe {
                    bindings::INIT_LIST_HEAD(
                        &raw mut (*self.folio.as_ptr())
                            .__bindgen_anon_3
                            .__bindgen_anon_1
                            ._deferred_list,
                    )
                };
            }
            crate::warn_on_once!(self.folio.ref_count() != 0);
        }
    }

    /// Drops the association of the folio with one file (`dax_folio_put()`).
    ///
    /// For a shared folio, decrements the share count. When no file is left (or the folio was
    /// not shared), clears the mapping and index and splits the folio back into order-0 pages
    /// (`dax_folio_reset_order()`), warning (once) if any of them still has references.
    ///
    /// Returns the number of files still sharing the folio.
    pub fn put(&self) -> usize {
        let remaining = if self.is_shared() {
            let share = self.share().saturating_sub(1);
            self.set_index(share);
            share
        } else {
            0
        };
        if remaining != 0 {
            return remaining;
        }

        // SAFETY: The folio is a valid DAX folio, and the caller holds the locks that serialise
        // changes of its ownership and order.
        let order = unsafe { bindings::dax_folio_reset_order(self.folio.as_ptr()) };
        let nr = u32::try_from(order)
            .ok()
            .and_then(|order| 1usize.checked_shl(order))
            .unwrap_or(0);
        for i in 0..nr {
            let page = {
                // SAFETY: The folio had `1 << order` pages, which are valid DAX pages and are now
                // order-0 folios of their own.
                unsafe { Folio::from_raw(bindings::folio_page(self.folio.as_ptr(), i).cast()) }
            };
            crate::warn_on_once!(page.ref_count() != 0);
        }
        0
    }
}
