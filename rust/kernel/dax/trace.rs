// SPDX-License-Identifier: GPL-2.0

//! The events of the DAX fault paths (`include/trace/events/fs_dax.h`).
//!
//! These are the events `fs/dax.c` fires, with the same fields, so that a trace of a fault
//! reads the same whichever implementation served it. The wrappers are inlined, so that a module
//! tests the event's static key where it fires the event, as C code does, and calls into the
//! kernel only when the event is enabled (`fs/dax.c` exports the events for this).
//!
//! C header: [`include/trace/events/fs_dax.h`](srctree/include/trace/events/fs_dax.h)

use crate::{
    bindings,
    dax::entry::DaxEntry,
    ffi::c_int,
    fs::Inode,
    mm::{
        fault::{VmFault, VmFaultResult},
        folio::Folio,
    },
};

// `declare_trace!` expands the arguments inside its `unsafe` block; the callers below are the
// only ones and pass plain pointers.
#[allow(clippy::macro_metavars_in_unsafe)]
mod raw {
    use crate::{bindings, ffi::c_int, ffi::c_ulong, ffi::c_void};

    crate::declare_trace! {
        /// Fires `dax_pte_fault`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_pte_fault(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            result: c_int,
        );
        /// Fires `dax_pte_fault_done`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_pte_fault_done(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            result: c_int,
        );
        /// Fires `dax_load_hole`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_load_hole(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            result: c_int,
        );
        /// Fires `dax_insert_pfn_mkwrite_no_entry`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_insert_pfn_mkwrite_no_entry(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            result: c_int,
        );
        /// Fires `dax_insert_pfn_mkwrite`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_insert_pfn_mkwrite(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            result: c_int,
        );
        /// Fires `dax_pmd_fault`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_pmd_fault(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            max_pgoff: c_ulong,
            result: c_int,
        );
        /// Fires `dax_pmd_fault_done`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_pmd_fault_done(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            max_pgoff: c_ulong,
            result: c_int,
        );
        /// Fires `dax_pmd_load_hole`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_pmd_load_hole(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            zero_folio: *mut bindings::folio,
            radix_entry: *mut c_void,
        );
        /// Fires `dax_pmd_load_hole_fallback`.
        ///
        /// # Safety
        ///
        /// The pointers must be valid for the call (or null where the event accepts it).
        pub(super) unsafe fn dax_pmd_load_hole_fallback(
            inode: *mut bindings::inode,
            vmf: *mut bindings::vm_fault,
            zero_folio: *mut bindings::folio,
            radix_entry: *mut c_void,
        );
    }
}

fn res(result: VmFaultResult) -> c_int {
    // The events record `vm_fault_t` in an `int`, as `fs/dax.c` passes it.
    result.as_raw() as c_int
}

macro_rules! fault_events {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name(inode: &Inode, vmf: &VmFault, result: VmFaultResult) {
            // SAFETY: The event only reads the inode and the fault, which are valid for the
            // call.
            unsafe { raw::$name(inode.as_ptr(), vmf.as_ptr(), res(result)) }
        }
    )*};
}

fault_events! {
    /// `dax_pte_fault`: a PTE fault starts.
    dax_pte_fault;
    /// `dax_pte_fault_done`: a PTE fault ends with `result`.
    dax_pte_fault_done;
    /// `dax_load_hole`: the zero page was mapped for a read of a hole.
    dax_load_hole;
    /// `dax_insert_pfn_mkwrite_no_entry`: a synchronous fault found its entry gone.
    dax_insert_pfn_mkwrite_no_entry;
    /// `dax_insert_pfn_mkwrite`: a synchronous fault mapped its pfn.
    dax_insert_pfn_mkwrite;
}

/// `dax_pmd_fault`: a PMD fault starts; `max_pgoff` is the file size in pages.
#[inline]
pub fn dax_pmd_fault(inode: &Inode, vmf: &VmFault, max_pgoff: usize, result: VmFaultResult) {
    // SAFETY: The event only reads the inode and the fault, valid for the call.
    unsafe { raw::dax_pmd_fault(inode.as_ptr(), vmf.as_ptr(), max_pgoff, res(result)) }
}

/// `dax_pmd_fault_done`: a PMD fault ends with `result`.
#[inline]
pub fn dax_pmd_fault_done(inode: &Inode, vmf: &VmFault, max_pgoff: usize, result: VmFaultResult) {
    // SAFETY: As for `dax_pmd_fault`.
    unsafe { raw::dax_pmd_fault_done(inode.as_ptr(), vmf.as_ptr(), max_pgoff, res(result)) }
}

/// `dax_pmd_load_hole`: the huge zero folio was mapped for a read of a hole; `entry` is the
/// entry now at the index.
#[inline]
pub fn dax_pmd_load_hole(inode: &Inode, vmf: &VmFault, zero_folio: &Folio, entry: DaxEntry) {
    // SAFETY: The event only reads the inode, the fault and the folio, valid for the call, and
    // records the entry's bits.
    unsafe {
        raw::dax_pmd_load_hole(
            inode.as_ptr(),
            vmf.as_ptr(),
            zero_folio.as_ptr(),
            entry.as_raw_entry(),
        )
    }
}

/// `dax_pmd_load_hole_fallback`: there was no huge zero folio; `entry` is the entry at the
/// index.
#[inline]
pub fn dax_pmd_load_hole_fallback(inode: &Inode, vmf: &VmFault, entry: DaxEntry) {
    // SAFETY: As for `dax_pmd_load_hole`; the event accepts a null folio.
    unsafe {
        raw::dax_pmd_load_hole_fallback(
            inode.as_ptr(),
            vmf.as_ptr(),
            core::ptr::null_mut::<bindings::folio>(),
            entry.as_raw_entry(),
        )
    }
}
