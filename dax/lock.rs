// SPDX-License-Identifier: GPL-2.0

//! The entry locks of memory-failure handling (`dax_lock_folio()`, `dax_unlock_folio()`,
//! `dax_lock_mapping_entry()` and `dax_unlock_mapping_entry()` of `fs/dax.c`), in Rust.
//!
//! `dax_lock_folio()` finds the folio's mapping under RCU and hands it over to the lock of the
//! folio's entry: that hand-over, and so the whole function, is the kernel crate's
//! ([`kernel::dax::memory_failure::lock_folio`]). `dax_lock_mapping_entry()` is given a mapping
//! its caller keeps alive, and is here.

use kernel::{
    dax::{
        entries::DaxEntries,
        entry::Lookup,
        memory_failure::{self, EntryLock},
        wait::{EntryWait, WaitKind},
    },
    mm::folio::Folio,
    sync::{rcu, wait::schedule},
};

/// `dax_lock_folio()`.
pub(crate) fn lock_folio(folio: &Folio) -> EntryLock<'_> {
    memory_failure::lock_folio(folio)
}

/// `dax_unlock_folio()`.
pub(crate) fn unlock_folio<'a>(_folio: &'a Folio, lock: EntryLock<'a>) {
    if let EntryLock::Locked(entry) = lock {
        entry.unlock();
    }
}

/// `dax_lock_mapping_entry()`: locks the entry at `index` of `entries`; there may be no entry
/// yet, or a zero-page or empty one, which is not an error: then nothing is locked and
/// [`EntryLock::NotNeeded`] is returned.
pub(crate) fn lock_mapping_entry(entries: DaxEntries<'_>, index: usize) -> EntryLock<'_> {
    let mut rcu = rcu::read_lock();
    EntryWait::with(|w| loop {
        let mut xas = entries.state(index);
        let mut g = xas.lock_irq();
        match g.load() {
            Lookup::Entry(e) if e.is_locked() => {
                if g.wait_unlocked(w, WaitKind::Shared) {
                    rcu.unlocked(|| {
                        schedule();
                        w.finish();
                    });
                }
            }
            Lookup::Entry(e) if e.has_memory() => {
                return match g.lock_entry() {
                    Some(entry) => EntryLock::Locked(entry),
                    None => EntryLock::Failed,
                }
            }
            _ => return EntryLock::NotNeeded,
        }
    })
}

/// `dax_unlock_mapping_entry()`.
pub(crate) fn unlock_mapping_entry<'a>(
    _entries: DaxEntries<'a>,
    _index: usize,
    lock: EntryLock<'a>,
) {
    if let EntryLock::Locked(entry) = lock {
        entry.unlock();
    }
}
