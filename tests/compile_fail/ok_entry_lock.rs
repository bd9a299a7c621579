// SPDX-License-Identifier: GPL-2.0
//! The correct uses of the APIs the other files misuse: this must compile.

use core::pin::Pin;
use kernel::{
    dax::{
        device::{iomap_direct_access, DaxReadGuard},
        entries::DaxEntries,
        entry::{EntryOrder, Lookup, NewEntry},
        fault::DaxFault,
        locked::LockedEntry,
        memory_failure::EntryLock,
        pfn::PfnOut,
        wait::{EntryWait, WaitKind},
    },
    fs::iomap::IomapIter,
    mm::folio::Folio,
    prelude::*,
};

pub fn grab_insert_unlock(
    fault: &DaxFault<'_>,
    iter: &IomapIter<'_>,
    mut pfnp: PfnOut<'_>,
) -> Result {
    let entries = DaxEntries::of_fault(fault).ok_or(EIO)?;
    let mut entry = entries.grab(0, EntryOrder::Pte).map_err(|_| EIO)?;
    let guard = DaxReadGuard::new();
    let (_m, pfn) = entry.direct_access(iter, &guard)?;
    let _copy = iomap_direct_access(iter.iomap(), &guard, iter.pos(), 1)?;
    let _ = pfnp.set(pfn);
    entry.insert(NewEntry::memory(pfn), true, true);
    let _ = entry.insert_pte(fault.vmf(), pfn, true);
    let page = entry.page();
    drop(page);
    entry.unlock();
    Ok(())
}

pub fn lock_unlocked(entries: DaxEntries<'_>) -> bool {
    let mut xas = entries.state(3);
    let mut g = xas.lock_irq();
    match g.load() {
        Lookup::Entry(e) if !e.is_locked() => match g.lock_entry() {
            Some(e) => {
                e.unlock();
                true
            }
            None => false,
        },
        _ => false,
    }
}

pub fn wait(entries: DaxEntries<'_>) {
    EntryWait::with(|w: Pin<&EntryWait<'_>>| {
        let mut xas = entries.state(0);
        let mut g = xas.lock_irq();
        if g.wait_unlocked(w, WaitKind::Shared) {
            kernel::sync::wait::schedule();
            w.finish();
        }
    });
}

pub fn cow(fault: &DaxFault<'_>) -> bool {
    fault.take_cow_page().is_some()
}

pub fn unlock_cookie<'a>(folio: &'a Folio, cookie: usize) {
    // SAFETY: Only type-checked, never run.
    let lock = unsafe { EntryLock::from_folio_cookie(folio, cookie) };
    if let EntryLock::Locked(e) = lock {
        let _: LockedEntry<'_> = e;
    }
}
