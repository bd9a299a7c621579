// SPDX-License-Identifier: GPL-2.0

//! The entry locks of memory-failure handling.
//!
//! `mm/memory-failure.c` locks the DAX entry of a poisoned folio with `dax_lock_folio()`, or
//! the entry at an index of a file with `dax_lock_mapping_entry()`, so that the folio keeps its
//! owner while the processes mapping it are found and signalled; it keeps the locked entry as a
//! cookie (`dax_entry_t`) and passes it back to the unlock. [`EntryLock`] is the result of such
//! a lock, and converts to and from the cookie.
//!
//! [`lock_folio`] is `dax_lock_folio()`: the folio's mapping can only be read under RCU, and
//! what keeps it alive once the RCU read lock is dropped is the lock of the folio's entry. That
//! hand-over is this module's: a mapping found under RCU never becomes
//! [`DaxEntries`] that could outlive the read-side section.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::{
    dax::{
        entries::DaxEntries,
        entry::{DaxEntry, EntryOrder, Lookup},
        locked::LockedEntry,
        wait::{EntryWait, WaitKind},
    },
    fs::address_space::AddressSpace,
    mm::folio::Folio,
    sync::{rcu, wait::schedule},
    xarray::state::Entry,
};
use core::ptr::NonNull;

/// The result of a lock of the entry of a folio or of a file index for memory-failure handling
/// (`dax_lock_folio()`, `dax_lock_mapping_entry()`), as their callers see it in the
/// `dax_entry_t` cookie.
#[must_use = "a locked entry must be unlocked"]
pub enum EntryLock<'a> {
    /// The entry is locked: the cookie is the entry.
    Locked(LockedEntry<'a>),
    /// There is nothing to lock, and nothing to unlock (`~0`): a device-DAX inode, or no entry
    /// with memory at the index.
    NotNeeded,
    /// The entry could not be locked (0).
    Failed,
}

impl<'a> EntryLock<'a> {
    /// The cookie C code keeps until the unlock; a locked entry stays locked.
    #[inline]
    pub(crate) fn into_cookie(self) -> usize {
        match self {
            EntryLock::Locked(e) => e.into_cookie(),
            EntryLock::NotNeeded => !0,
            EntryLock::Failed => 0,
        }
    }

    /// Takes back the lock of the entry of `folio` that `cookie` stands for, as
    /// `dax_unlock_folio()` does.
    ///
    /// # Safety
    ///
    /// `cookie` was returned by `dax_lock_folio(folio)` (of any implementation) and not yet
    /// passed to an unlock.
    pub unsafe fn from_folio_cookie(folio: &'a Folio, cookie: usize) -> Self {
        match cookie {
            0 => return EntryLock::Failed,
            c if c == !0 => return EntryLock::NotNeeded,
            _ => (),
        }
        let Some(mapping) = NonNull::new(folio.mapping_ptr()) else {
            return EntryLock::Failed;
        };
        // SAFETY: The folio's entry is locked (the caller's guarantee): its mapping cannot
        // change, and the lock keeps the address space valid until the unlock, within `'a`.
        let mapping = unsafe { AddressSpace::from_raw(mapping.as_ptr()) };
        // SAFETY: As above, and the cookie stands for the locked entry at `folio->index`.
        unsafe { Self::from_cookie(mapping, folio.index(), cookie) }
    }

    /// Takes back the lock of the entry at `index` of `mapping` that `cookie` stands for, as
    /// `dax_unlock_mapping_entry()` does.
    ///
    /// # Safety
    ///
    /// `cookie` was returned by `dax_lock_mapping_entry(mapping, index)` (of any
    /// implementation) and not yet passed to an unlock.
    pub unsafe fn from_mapping_cookie(
        mapping: &'a AddressSpace,
        index: usize,
        cookie: usize,
    ) -> Self {
        match cookie {
            0 => EntryLock::Failed,
            c if c == !0 => EntryLock::NotNeeded,
            // SAFETY: The caller's guarantee.
            _ => unsafe { Self::from_cookie(mapping, index, cookie) },
        }
    }

    /// # Safety
    ///
    /// `cookie` is a locked entry at `index` of `mapping`, locked by an order-0 state, that
    /// the caller owns.
    unsafe fn from_cookie(mapping: &'a AddressSpace, index: usize, cookie: usize) -> Self {
        let Some(entries) = DaxEntries::of_mapping(mapping) else {
            return EntryLock::Failed;
        };
        let Some(entry) = DaxEntry::from_xa(Entry::from_raw_value_bits(cookie)) else {
            return EntryLock::Failed;
        };
        // SAFETY: The caller owns the lock of `entry` at `index`, taken by an order-0 state.
        EntryLock::Locked(unsafe { LockedEntry::new(entries.state(index), entry) })
    }

    /// The lock, if it is what `dax_lock_folio(folio)` may return: the entry of the folio, or
    /// nothing to lock for a device-DAX folio. Otherwise warns, unlocks what was locked, and
    /// gives [`EntryLock::Failed`]: memory-failure handling then leaves the folio alone.
    pub(crate) fn of_folio(self, folio: &Folio) -> Self {
        let ok = match &self {
            EntryLock::Locked(e) => {
                e.order() == EntryOrder::Pte
                    && e.index() == folio.index()
                    && core::ptr::eq(e.mapping().as_ptr(), folio.mapping_ptr())
            }
            EntryLock::NotNeeded => {
                let rcu = rcu::read_lock();
                folio
                    .mapping_rcu(&rcu)
                    .is_some_and(|m| m.is_dax() && m.host().is_chr())
            }
            EntryLock::Failed => true,
        };
        if crate::warn_on_once!(!ok) {
            return EntryLock::Failed;
        }
        self
    }

    /// The lock, if it is what `dax_lock_mapping_entry(mapping, index)` may return: the entry
    /// at `index` of `mapping`. Otherwise warns, unlocks what was locked, and gives
    /// [`EntryLock::Failed`].
    pub(crate) fn of_mapping_index(self, mapping: &AddressSpace, index: usize) -> Self {
        if let EntryLock::Locked(e) = &self {
            if crate::warn_on_once!(
                e.order() != EntryOrder::Pte
                    || e.index() != index
                    || !core::ptr::eq(e.mapping(), mapping)
            ) {
                return EntryLock::Failed;
            }
        }
        self
    }
}

/// `dax_lock_folio()`: locks the DAX entry of `folio`, whose mapping is found under RCU.
///
/// Returns [`EntryLock::NotNeeded`] for a folio of device DAX, which has no entries to lock (a
/// `dev_pagemap` pin keeps the inode alive, and the caller has one, or there would be no
/// `pfn_to_page()` translation); [`EntryLock::Failed`] if the folio has no DAX mapping. May
/// sleep.
pub fn lock_folio(folio: &Folio) -> EntryLock<'_> {
    // Ensure folio->mapping is not freed while we look at it.
    let mut rcu = rcu::read_lock();
    EntryWait::with(|w| loop {
        let Some(mapping) = folio.mapping_rcu(&rcu) else {
            return EntryLock::Failed;
        };
        let Some(entries) = DaxEntries::of_mapping(mapping) else {
            return EntryLock::Failed;
        };
        if mapping.host().is_chr() {
            return EntryLock::NotNeeded;
        }
        let mut xas = entries.state(0);
        let mut g = xas.lock_irq();
        if !core::ptr::eq(mapping.as_ptr(), folio.mapping_ptr()) {
            continue;
        }
        g.set(folio.index());
        match g.load() {
            Lookup::Entry(e) if e.is_locked() => {
                // Not exclusive: the inode may die before we get to wake the next waiter.
                g.wait_unlocked(w, WaitKind::Shared);
                drop(xas);
                rcu.unlocked(|| {
                    schedule();
                    w.finish();
                });
            }
            Lookup::Entry(_) => {
                return match g.lock_folio_entry(folio) {
                    Some(entry) => EntryLock::Locked(entry),
                    None => EntryLock::Failed,
                }
            }
            // A folio of a DAX mapping always has an entry; C would lock a bogus one here.
            _ => return EntryLock::Failed,
        }
    })
}
