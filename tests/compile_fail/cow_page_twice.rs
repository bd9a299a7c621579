// SPDX-License-Identifier: GPL-2.0
//! Hole 5: `VmFault::cow_page()` could be called twice, giving two `finish_fault()` calls and
//! a non-atomic flag update on a mapped page. Only `DaxFault::take_cow_page()` hands the page
//! out, once; the `VmFault` accessor is `unsafe`. Reopened by making it safe again.
// expect: E0133

use kernel::mm::fault::VmFault;

pub fn fill_twice(vmf: &VmFault) {
    if let (Some(a), Some(b)) = (vmf.cow_page(), vmf.cow_page()) {
        let _ = a.clear().finish_fault();
        let _ = b.clear().finish_fault();
    }
}
