// SPDX-License-Identifier: GPL-2.0

//! The page of a copy-on-write fault: filled once ([`CowPage`]), then mapped
//! ([`FilledCowPage`]).
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)

use super::{VmFault, VmFaultResult};
use crate::bindings;

/// The page of a copy-on-write fault, still to be filled.
///
/// The page must be filled before it may be mapped: [`CowPage::clear`] and
/// [`CowPage::copy_from_kernel`] return a [`FilledCowPage`], which can be mapped with
/// [`FilledCowPage::finish_fault`].
///
/// # Invariants
///
/// `vmf` is a copy-on-write fault: `vmf->cow_page` is not null. The page is not visible to
/// anything else yet, and only this `CowPage` fills it.
pub struct CowPage<'a> {
    vmf: &'a VmFault,
}

impl<'a> CowPage<'a> {
    /// Creates the page to fill of the copy-on-write fault `vmf`.
    ///
    /// # Safety
    ///
    /// `vmf->cow_page` must not be null, and no other `CowPage` of the fault may ever be created:
    /// the page can only be filled and mapped once, before it is visible to anything else.
    #[inline]
    pub(super) unsafe fn new(vmf: &'a VmFault) -> Self {
        // INVARIANT: The caller guarantees that this is a copy-on-write fault and that no other
        // `CowPage` of it is made; the core allocated the page for the fault and maps it only in
        // `finish_fault()`.
        Self { vmf }
    }

    #[inline]
    fn cow_page_ptr(&self) -> *mut bindings::page {
        // SAFETY: By the type invariants of `VmFault` the `vm_fault` is valid.
        unsafe { (*self.vmf.as_ptr()).cow_page }
    }

    /// Fills the page with zeroes (`clear_user_highpage(vmf->cow_page, vmf->address)`).
    #[inline]
    pub fn clear(self) -> FilledCowPage<'a> {
        // SAFETY: By the type invariants `cow_page` is a valid page, newly allocated for this
        // fault and not mapped or used by anything else yet, so it may be written.
        unsafe { bindings::clear_user_highpage(self.cow_page_ptr(), self.vmf.address()) };
        // INVARIANT: The page was just filled.
        FilledCowPage { vmf: self.vmf }
    }

    /// Fills the page with a copy of the page at kernel address `src`
    /// (`copy_user_page()` on a `kmap_local_page()` mapping of the page).
    ///
    /// # Safety
    ///
    /// The caller must ensure that `src` is valid for reads of `PAGE_SIZE` bytes for the duration
    /// of the call. See `DaxMapping::copy_to_cow_page()` in `kernel::dax::device` for a safe way
    /// to fill the page from persistent memory.
    #[inline]
    pub unsafe fn copy_from_kernel(self, src: *const u8) -> FilledCowPage<'a> {
        // On x86-64 the page is in the direct map (no `HIGHMEM`), `kmap_local_page()` is
        // `page_address()` and `kunmap_local()` does nothing, and `copy_user_page()` is
        // `copy_page()`: without `CONFIG_RUST_INLINE_HELPERS` only `copy_page()` is called.
        #[cfg(all(
            CONFIG_X86_64,
            CONFIG_SPARSEMEM_VMEMMAP,
            not(CONFIG_RUST_INLINE_HELPERS)
        ))]
        {
            // SAFETY: By the type invariants `cow_page` is a valid page in the direct map.
            let dst = unsafe { crate::mm::memory_model::page_address(self.cow_page_ptr()) };
            // SAFETY: `dst` is valid for writes of `PAGE_SIZE` bytes: the page was newly
            // allocated for this fault and is not used by anything else yet. The caller
            // guarantees that `src` is valid for reads of `PAGE_SIZE` bytes; `copy_page()` does
            // not modify the source despite its signature.
            unsafe { bindings::copy_page(dst, src.cast_mut().cast()) };
        }
        #[cfg(not(all(
            CONFIG_X86_64,
            CONFIG_SPARSEMEM_VMEMMAP,
            not(CONFIG_RUST_INLINE_HELPERS)
        )))]
        {
            // SAFETY: By the type invariants `cow_page` is a valid page, newly allocated for
            // this fault. `kmap_local_page()` maps it; the mapping is released below, in the
            // same context.
            let dst = unsafe { bindings::kmap_local_page(self.cow_page_ptr()) };
            // SAFETY: `dst` is valid for writes of `PAGE_SIZE` bytes, and the page is not used
            // by anything else yet. The caller guarantees that `src` is valid for reads of
            // `PAGE_SIZE` bytes; `copy_user_page()` does not modify the source despite its
            // signature.
            unsafe {
                bindings::copy_user_page(
                    dst,
                    src.cast_mut().cast(),
                    self.vmf.address(),
                    self.cow_page_ptr(),
                )
            };
            // SAFETY: `dst` was returned by `kmap_local_page()` above.
            unsafe { bindings::kunmap_local(dst) };
        }
        // INVARIANT: The page was just filled.
        FilledCowPage { vmf: self.vmf }
    }
}

/// The filled page of a copy-on-write fault, ready to be mapped.
///
/// # Invariants
///
/// `vmf` is a copy-on-write fault whose `cow_page` has been filled.
pub struct FilledCowPage<'a> {
    vmf: &'a VmFault,
}

impl FilledCowPage<'_> {
    /// Marks the page up to date and maps it at the address of the fault
    /// (`__SetPageUptodate(vmf->cow_page)` and `finish_fault()`, as `dax_fault_cow_page()` in
    /// `fs/dax.c` does).
    ///
    /// Returns [`VmFaultResult::NONE`] if the page was mapped; the fault handler then returns
    /// [`VmFaultResult::DONE_COW`].
    #[inline]
    pub fn finish_fault(self) -> VmFaultResult {
        // SAFETY: By the type invariants of `VmFault` the `vm_fault` is valid.
        let page = unsafe { (*self.vmf.as_ptr()).cow_page };
        // SAFETY: By the type invariants of `Self` `cow_page` is a valid page that was filled,
        // and is not mapped or visible to anything else yet. It is the first page of the
        // order-0 folio the core allocated for the fault.
        unsafe { mark_uptodate(page) };
        // SAFETY: By the type invariants this is a copy-on-write fault (a write fault on a
        // private mapping), so `finish_fault()` maps `vmf->cow_page`, which is filled and up to
        // date. The VMA is locked by the fault handler, and `finish_fault()` takes the page
        // table lock.
        VmFaultResult::from_raw(unsafe { bindings::finish_fault(self.vmf.as_ptr()) })
    }
}

/// Marks the order-0 folio of `page` up to date (`__SetPageUptodate(page)`, which is
/// `__folio_mark_uptodate()`).
///
/// On x86 `__folio_mark_uptodate()` is a compiler barrier (`smp_wmb()`) and a non-atomic
/// `__set_bit()` of `PG_uptodate` in the flags of the folio's first page: without
/// `CONFIG_RUST_INLINE_HELPERS` that is done here rather than through the helper, unless KASAN or
/// KCSAN instrument the bit operation. KUnit `rust_mm_cow_page` compares it with the C function.
///
/// # Safety
///
/// `page` is a valid page, the first page of an order-0 folio that is not mapped or visible to
/// anything else yet, so its flags may be written non-atomically.
#[inline]
unsafe fn mark_uptodate(page: *mut bindings::page) {
    #[cfg(all(
        CONFIG_X86,
        not(any(CONFIG_RUST_INLINE_HELPERS, CONFIG_KASAN, CONFIG_KCSAN))
    ))]
    {
        crate::sync::barrier::barrier();
        // SAFETY: The caller guarantees that the page is valid and that its flags may be
        // written non-atomically; they are the flags of its order-0 folio.
        unsafe { (*page).flags.f |= 1 << bindings::pageflags_PG_uptodate };
    }
    #[cfg(not(all(
        CONFIG_X86,
        not(any(CONFIG_RUST_INLINE_HELPERS, CONFIG_KASAN, CONFIG_KCSAN))
    )))]
    // SAFETY: The caller guarantees that the page is valid, the first page of an order-0 folio
    // (so also that folio), and not visible to anything else.
    unsafe {
        bindings::__folio_mark_uptodate(page.cast())
    };
}

#[macros::kunit_tests(rust_mm_cow_page)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// The flags of a page marked up to date, as `__folio_mark_uptodate()` sets them.
    #[test]
    fn mark_uptodate_is_c() -> Result {
        // SAFETY: Allocates two order-0 pages, owned by this test, or null.
        let (a, b) = unsafe {
            (
                bindings::alloc_pages(bindings::GFP_KERNEL, 0),
                bindings::alloc_pages(bindings::GFP_KERNEL, 0),
            )
        };
        let ret = if a.is_null() || b.is_null() {
            Err(ENOMEM)
        } else {
            // SAFETY: `a` and `b` are pages this test allocated, not mapped or visible to
            // anything else; only this test reads or writes their flags.
            let flags = |page: *mut bindings::page| unsafe { (*page).flags.f };
            // The pages' flags may differ where they say where the page is (node, zone):
            // compare what marking them changes.
            let (a0, b0) = (flags(a), flags(b));
            // SAFETY: As above: `a` is the first page of an order-0 folio nothing else uses.
            unsafe { mark_uptodate(a) };
            // SAFETY: As above, for `b`.
            unsafe { bindings::__folio_mark_uptodate(b.cast()) };
            assert_eq!(flags(a) ^ a0, flags(b) ^ b0);
            assert!(flags(a) & (1 << bindings::pageflags_PG_uptodate) != 0);
            Ok(())
        };
        for page in [a, b] {
            if !page.is_null() {
                // SAFETY: The page was allocated above with order 0 and is not used any more.
                unsafe { bindings::__free_pages(page, 0) };
            }
        }
        ret
    }
}
