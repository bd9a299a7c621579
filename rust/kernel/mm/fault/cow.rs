// SPDX-License-Identifier: GPL-2.0

//! The page of a copy-on-write fault: filled once ([`CowPage`]), then mapped
//! ([`FilledCowPage`]).
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)

use super::{VmFault, VmFaultResult};
use crate::{bindings, mm::memory_model};

/// The page of a copy-on-write fault, still to be filled.
///
/// The page must be filled before it may be mapped: [`CowPage::clear`] and
/// [`CowPage::copy_from_kernel`] return a [`FilledCowPage`], which can be mapped with
/// [`FilledCowPage::finish_fault`].
///
/// # Invariants
///
/// `vmf` is a copy-on-write fault: `vmf->cow_page` is not null.
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
        // INVARIANT: The caller guarantees that this is a copy-on-write fault.
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
        // `copy_page()`: only `copy_page()` is called.
        #[cfg(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP))]
        {
            // SAFETY: By the type invariants `cow_page` is a valid page in the direct map.
            let dst = unsafe { memory_model::page_address(self.cow_page_ptr()) };
            // SAFETY: `dst` is valid for writes of `PAGE_SIZE` bytes: the page was newly
            // allocated for this fault and is not used by anything else yet. The caller
            // guarantees that `src` is valid for reads of `PAGE_SIZE` bytes; `copy_page()` does
            // not modify the source despite its signature.
            unsafe { bindings::copy_page(dst, src.cast_mut().cast()) };
        }
        #[cfg(not(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP)))]
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
        // On x86 `__folio_mark_uptodate()` is a compiler barrier (`smp_wmb()`) and a non-atomic
        // `__set_bit()` of `PG_uptodate` in the flags of the folio's first page: do that here
        // rather than through the helper.
        #[cfg(CONFIG_X86)]
        {
            crate::sync::barrier::barrier();
            // SAFETY: By the type invariants of `Self` `cow_page` is a valid page that was
            // filled, and is not mapped or visible to anything else yet, so its flags may be
            // written non-atomically, as `__folio_mark_uptodate()` (which `__SetPageUptodate()`
            // is) does. It is the first page of the order-0 folio the core allocated for the
            // fault, so these are that folio's flags.
            unsafe { (*page).flags.f |= 1 << bindings::pageflags_PG_uptodate };
        }
        #[cfg(not(CONFIG_X86))]
        // SAFETY: By the type invariants of `Self` `cow_page` is a valid page that was filled,
        // and is not mapped yet, so it may be marked up to date with the non-atomic
        // `__folio_mark_uptodate()` (which `__SetPageUptodate()` is). The page is the first page
        // of the order-0 folio allocated by the core for the fault, so it is also that folio.
        unsafe {
            bindings::__folio_mark_uptodate(page.cast())
        };
        // SAFETY: By the type invariants this is a copy-on-write fault (a write fault on a
        // private mapping), so `finish_fault()` maps `vmf->cow_page`, which is filled and up to
        // date. The VMA is locked by the fault handler, and `finish_fault()` takes the page
        // table lock.
        VmFaultResult::from_raw(unsafe { bindings::finish_fault(self.vmf.as_ptr()) })
    }
}
