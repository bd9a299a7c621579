// SPDX-License-Identifier: GPL-2.0
//! Hole 6: the huge zero folio could be inserted writable (`insert_folio_pmd(&zero, true)`).
//! It can only be inserted read-only now. Reopened by a method that maps any folio with a
//! `write` flag.
// expect: E0599

use kernel::mm::fault::VmFault;

pub fn write_zeroes(vmf: &VmFault) {
    if let Some(zero) = vmf.huge_zero_folio() {
        let _ = vmf.insert_folio_pmd(&zero, true);
    }
}
