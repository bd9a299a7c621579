// SPDX-License-Identifier: GPL-2.0

//! The memory model: page frame numbers, their `struct page`s and their kernel addresses.
//!
//! On x86-64 the `struct page`s of all memory lie in one virtually contiguous array at
//! `vmemmap_base` (`SPARSEMEM_VMEMMAP`, which x86-64 enables by default) and all memory is in the
//! direct map at `page_offset_base`, so a pfn, its `struct page` and its kernel address convert
//! into one another by arithmetic, which the C macros inline. Rust code cannot inline the C
//! helpers without `CONFIG_RUST_INLINE_HELPERS`, so this module does that arithmetic itself
//! there, as the macros do, rather than calling a helper on paths such as page faults. With
//! inlined helpers (or on other architectures) `pfn_to_page()` calls the C helper; `page_to_pfn()`
//! and `page_address()` are only provided on x86-64 with `SPARSEMEM_VMEMMAP`, where they are
//! arithmetic, for the code that restates C there.
//!
//! C headers: [`include/asm-generic/memory_model.h`](srctree/include/asm-generic/memory_model.h),
//! [`arch/x86/include/asm/page.h`](srctree/arch/x86/include/asm/page.h)

use crate::bindings;

/// The start of the `struct page` array (`vmemmap`).
#[cfg(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP))]
#[inline]
fn vmemmap() -> *mut bindings::page {
    // SAFETY: `vmemmap_base` is set during early boot and read-only after init.
    (unsafe { bindings::vmemmap_base }) as *mut bindings::page
}

/// Returns the `struct page` of the page frame `pfn` (`pfn_to_page()`).
///
/// # Safety
///
/// The caller must ensure that `pfn` has a `struct page` (memory the kernel manages, or
/// `ZONE_DEVICE` memory whose `struct dev_pagemap` is live).
#[inline]
pub unsafe fn pfn_to_page(pfn: usize) -> *mut bindings::page {
    #[cfg(all(
        CONFIG_X86_64,
        CONFIG_SPARSEMEM_VMEMMAP,
        not(CONFIG_RUST_INLINE_HELPERS)
    ))]
    {
        // `vmemmap + pfn`: the caller guarantees that the page is in the array.
        vmemmap().wrapping_add(pfn)
    }
    #[cfg(not(all(
        CONFIG_X86_64,
        CONFIG_SPARSEMEM_VMEMMAP,
        not(CONFIG_RUST_INLINE_HELPERS)
    )))]
    // SAFETY: The caller guarantees that `pfn` has a `struct page`.
    unsafe {
        bindings::pfn_to_page(pfn)
    }
}

/// Returns the page frame number of `page` (`page_to_pfn()`).
///
/// Only where the conversion is arithmetic (x86-64 with `SPARSEMEM_VMEMMAP`); elsewhere it is
/// the C macro's.
///
/// # Safety
///
/// The caller must ensure that `page` is a valid `struct page`.
#[cfg(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP))]
#[inline]
pub unsafe fn page_to_pfn(page: *const bindings::page) -> usize {
    // `page - vmemmap`: the caller guarantees that the page is in the array.
    (page as usize).wrapping_sub(vmemmap() as usize) / core::mem::size_of::<bindings::page>()
}

/// Returns the kernel address of `page` in the direct map (`page_address()`).
///
/// Only where the conversion is arithmetic (x86-64 with `SPARSEMEM_VMEMMAP`, which has no
/// `HIGHMEM`); elsewhere `kmap_local_page()` gives a kernel address of a page.
///
/// # Safety
///
/// The caller must ensure that `page` is a valid `struct page` of memory in the direct map.
#[cfg(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP))]
#[inline]
pub unsafe fn page_address(page: *const bindings::page) -> *mut core::ffi::c_void {
    // SAFETY: The caller guarantees that `page` is a valid `struct page`.
    let pfn = unsafe { page_to_pfn(page) };
    // SAFETY: `page_offset_base` is set during early boot and read-only after init.
    let page_offset: usize = unsafe { bindings::page_offset_base };
    // `__va(PFN_PHYS(pfn))`.
    page_offset.wrapping_add(pfn << crate::page::PAGE_SHIFT) as *mut core::ffi::c_void
}

#[macros::kunit_tests(rust_mm_memory_model)]
mod tests {
    use super::*;
    use crate::{mm::folio::page_folio, prelude::*};

    /// The pages of a folio of four pages: their `struct page`s, pfns, folio and kernel
    /// addresses, as the C functions give them.
    #[test]
    fn pages_of_a_folio() -> Result {
        const ORDER: u32 = 2;
        // SAFETY: Allocates a folio (a compound page) of `1 << ORDER` pages on node 0, which
        // always exists, and returns it with a reference we own, or null.
        let folio = unsafe {
            bindings::__folio_alloc_noprof(bindings::GFP_KERNEL, ORDER, 0, core::ptr::null_mut())
        };
        if folio.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `folio` is a valid folio we hold a reference to.
        let first = unsafe { bindings::folio_pfn(folio) };
        for i in 0..1usize << ORDER {
            // SAFETY: The page is in the folio we hold a reference to.
            let page = unsafe { bindings::folio_page(folio, i) };
            // SAFETY: The pfn is that of a page of the folio.
            assert_eq!(unsafe { pfn_to_page(first + i) }, page);
            // SAFETY: As above.
            assert_eq!(unsafe { bindings::pfn_to_page(first + i) }, page);
            // SAFETY: `page` is a valid page.
            assert_eq!(unsafe { page_folio(page) }, folio);
            // SAFETY: As above.
            assert_eq!(unsafe { bindings::pfn_folio(first + i) }, folio);
            #[cfg(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP))]
            {
                // SAFETY: `page` is a valid page, of memory in the direct map.
                assert_eq!(unsafe { page_to_pfn(page) }, first + i);
                // SAFETY: `page` is a valid page; the mapping is released below.
                let mapped = unsafe { bindings::kmap_local_page(page) };
                // SAFETY: As above.
                assert_eq!(unsafe { page_address(page) }, mapped);
                // SAFETY: `mapped` was returned by `kmap_local_page()` above.
                unsafe { bindings::kunmap_local(mapped) };
            }
        }
        // SAFETY: We own a reference to the folio, dropped here.
        unsafe { bindings::folio_put(folio) };
        Ok(())
    }

    /// The zero page's pfn, as `zero_pfn()` gives it.
    #[cfg(CONFIG_MMU)]
    #[test]
    fn zero_pfn() {
        for address in [0, 0x7f00_0000_1000] {
            // SAFETY: `zero_pfn()` only computes a pfn.
            let c = unsafe { bindings::zero_pfn(address) };
            assert_eq!(crate::mm::fault::zero_pfn(address), c);
        }
    }
}
