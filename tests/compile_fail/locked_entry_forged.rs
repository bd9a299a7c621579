// SPDX-License-Identifier: GPL-2.0
//! Hole 1: safe code could claim the lock of an entry it never locked. Only the kernel crate
//! makes a `LockedEntry`, when it has stored the lock bit. Reopened by a public constructor.
// expect: E0624

use kernel::dax::{entries::DaxEntries, entry::DaxEntry, locked::LockedEntry};

pub fn forge<'a>(entries: DaxEntries<'a>, e: DaxEntry) -> LockedEntry<'a> {
    LockedEntry::new(entries.state(0), e)
}
