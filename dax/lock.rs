// SPDX-License-Identifier: GPL-2.0

//! The entry locks of memory-failure handling (`dax_lock_folio()`, `dax_unlock_folio()`,
//! `dax_lock_mapping_entry()` and `dax_unlock_mapping_entry()` of `fs/dax.c`), in Rust.
//!
//! The folio's mapping is read under RCU, which keeps the inode from being freed; the mapping
//! is revalidated under the `i_pages` lock, and a task that finds the entry locked drops the
//! RCU read lock to sleep and starts again from the folio when woken. The RCU guard's
//! [`unlocked`](kernel::sync::rcu::Guard::unlocked) takes the guard mutably, so that the
//! mapping, borrowed from the guard, cannot be used across the sleep: this does not compile.

use kernel::{
    dax::entry::{DaxEntries, EntryCookie, EntryKey, Lookup, WaitKind},
    fs::address_space::AddressSpace,
    mm::folio::Folio,
    page::BorrowedPage,
    sync::{rcu, wait::schedule, wait::WaitEntry},
};

/// `dax_lock_folio()`.
pub(crate) fn lock_folio(folio: &Folio) -> EntryCookie {
    // Ensure folio->mapping is not freed while we look at it.
    let mut rcu = rcu::read_lock();
    loop {
        let Some(mapping) = folio.mapping_rcu(&rcu) else {
            return EntryCookie::FAILED;
        };
        let Some(entries) = DaxEntries::of_mapping(mapping) else {
            return EntryCookie::FAILED;
        };
        // In the device-DAX case there is no need to lock: a dev_pagemap pin keeps the inode
        // alive, and we have one, or there would be no valid pfn_to_page() translation.
        if mapping.host().is_chr() {
            return EntryCookie::NONE_NEEDED;
        }
        let mut xas = entries.state(0, 0);
        let mut g = xas.lock_irq();
        if !core::ptr::eq(mapping.as_ptr(), folio.mapping_ptr()) {
            continue;
        }
        g.set(folio.index());
        match g.load() {
            Lookup::Entry(e) if e.is_locked() => {
                pin_init::stack_pin_init!(let w = WaitEntry::<EntryKey>::new());
                // Not exclusive: the inode may die before we get to wake the next waiter.
                g.prepare_wait(w.as_ref(), e, WaitKind::Shared);
                drop(xas);
                rcu.unlocked(schedule);
                w.as_ref().finish();
            }
            Lookup::Entry(e) => return g.lock_entry_cookie(e),
            // A folio of a DAX mapping always has an entry; C would lock a bogus one here.
            _ => return EntryCookie::FAILED,
        }
    }
}

/// `dax_unlock_folio()`.
pub(crate) fn unlock_folio(folio: &Folio, cookie: EntryCookie) {
    if let Some((entries, index)) = DaxEntries::of_locked_folio(folio, cookie) {
        entries.state(index, 0).unlock_cookie(cookie);
    }
}

/// `dax_lock_mapping_entry()`: locks the entry at `index` of `mapping` and returns its cookie
/// and its page; there may be no entry yet, or a zero-page or empty one, which is not an error:
/// then nothing is locked and [`EntryCookie::NONE_NEEDED`] is returned, without a page.
pub(crate) fn lock_mapping_entry(
    mapping: &AddressSpace,
    index: usize,
) -> (EntryCookie, Option<BorrowedPage<'_>>) {
    let mut rcu = rcu::read_lock();
    loop {
        let Some(entries) = DaxEntries::of_mapping(mapping) else {
            return (EntryCookie::FAILED, None);
        };
        let mut xas = entries.state(index, 0);
        let mut g = xas.lock_irq();
        match g.load() {
            Lookup::Entry(e) if e.is_locked() => {
                pin_init::stack_pin_init!(let w = WaitEntry::<EntryKey>::new());
                g.prepare_wait(w.as_ref(), e, WaitKind::Shared);
                drop(xas);
                rcu.unlocked(schedule);
                w.as_ref().finish();
            }
            Lookup::Entry(e) => {
                if let Some(page) = e.page(&entries) {
                    return (g.lock_entry_cookie(e), Some(page));
                }
                return (EntryCookie::NONE_NEEDED, None);
            }
            _ => return (EntryCookie::NONE_NEEDED, None),
        }
    }
}

/// `dax_unlock_mapping_entry()`.
pub(crate) fn unlock_mapping_entry(mapping: &AddressSpace, index: usize, cookie: EntryCookie) {
    if let Some(entries) = DaxEntries::of_mapping(mapping) {
        entries.state(index, 0).unlock_cookie(cookie);
    }
}
