// SPDX-License-Identifier: GPL-2.0
//! Hole 2: `DaxEntries::of_locked_folio()` trusted any cookie and built an address space from
//! it. A cookie only becomes a lock again through an `unsafe` conversion, whose contract is
//! the C caller's. Reopened by making the conversion safe.
// expect: E0133

use kernel::{dax::memory_failure::EntryLock, mm::folio::Folio};

pub fn unlock_any(folio: &Folio, cookie: usize) {
    let _ = EntryLock::from_folio_cookie(folio, cookie);
}
