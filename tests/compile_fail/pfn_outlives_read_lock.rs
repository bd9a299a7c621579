// SPDX-License-Identifier: GPL-2.0
//! Hole 3: a `DaxPfn` carried no lifetime and could outlive the DAX read lock (and the
//! device). It borrows the lock now. Reopened by dropping the lifetime of `DaxPfn`, or by a
//! `direct_access()` whose pfn does not borrow the guard.
// expect: E0515

use kernel::{
    dax::{device::DaxReadGuard, locked::LockedEntry, pfn::DaxPfn},
    fs::iomap::IomapIter,
    prelude::*,
};

pub fn escape<'i>(entry: &LockedEntry<'_>, iter: &'i IomapIter<'_>) -> Result<DaxPfn<'i>> {
    let guard = DaxReadGuard::new();
    let (_m, pfn) = entry.direct_access(iter, &guard)?;
    Ok(pfn)
}
