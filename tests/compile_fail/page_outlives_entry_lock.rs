// SPDX-License-Identifier: GPL-2.0
//! Hole 3: `DaxEntry::page()` took its lifetime from any `DaxEntries`. The page of a locked
//! entry borrows the lock. Reopened by giving `page()` a lifetime that is not `&self`'s.
// expect: E0505

use kernel::dax::locked::LockedEntry;

pub fn page_after_unlock(e: LockedEntry<'_>) {
    let page = e.page();
    e.unlock();
    drop(page);
}
