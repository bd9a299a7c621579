// SPDX-License-Identifier: GPL-2.0
//! Hole 1: `associate()`, `disassociate()`, `erase()` and `replace_locked()` were safe
//! methods of the `i_pages` guard, which only claimed the entry lock. Changing an entry in
//! place is only possible through a `LockedEntry` (`insert()`). Reopened by an `insert` (or
//! `replace`, `associate`, `erase`) on `DaxXaGuard`.
// expect: E0599

use kernel::dax::{entries::DaxEntries, entry::NewEntry};

pub fn insert_unlocked(entries: DaxEntries<'_>) {
    let mut xas = entries.state(0);
    let mut g = xas.lock_irq();
    g.insert(NewEntry::zero_page(0), false, false);
}
