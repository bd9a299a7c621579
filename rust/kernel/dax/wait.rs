// SPDX-License-Identifier: GPL-2.0

//! The wait queues of DAX mapping entries, shared with `fs/dax.c`.
//!
//! A DAX entry in an address space's `i_pages` is locked with the `DAX_LOCKED` bit of the value
//! entry. Whoever finds it locked sleeps on one of a table of hashed wait queues owned by
//! `fs/dax.c`, keyed by the XArray and the index of the entry's first page (PMD entries are
//! keyed by their PMD-aligned index); whoever unlocks it wakes the waiters of that key. The C
//! code keeps using this protocol for writeback, truncation, hole punching, layout breaking and
//! entry deletion, so Rust code that locks entries must sleep on and wake the same queues with
//! the same keys: [`entry_waitqueue`] gives both, and [`wake_entry`] wakes them, exactly as
//! `dax_entry_waitqueue()` and `dax_wake_entry()` do for C.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::{
    bindings,
    dax::entry::DaxEntry,
    sync::wait::{WaitEntry, WaitQueueHead, WakeKey, WakeMode},
    xarray::state::ValueXArray,
};

/// The key of a wait for a DAX entry (`struct dax_entry_key`).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct EntryKey(bindings::dax_entry_key);

// SAFETY: The key holds the address of an XArray, only compared, and an index.
unsafe impl Sync for EntryKey {}
// SAFETY: As above.
unsafe impl Send for EntryKey {}

impl EntryKey {
    /// The index of the first page of the entry waited for.
    #[inline]
    pub fn entry_start(&self) -> usize {
        self.0.entry_start
    }
}

// SAFETY: `EntryKey` is a transparent wrapper of `struct dax_entry_key`, which is what every
// wake-up on the DAX entry wait queues passes (`dax_wake_entry()` and [`wake_entry`]).
unsafe impl WakeKey for EntryKey {
    #[inline]
    fn matches(&self, key: &Self) -> bool {
        // The same comparison as `dax_entry_wake_function()`.
        self.0.xa == key.0.xa && self.0.entry_start == key.0.entry_start
    }
}

/// A wait entry for a DAX entry, made by [`WaitEntry::with`]; the DAX wait queues are
/// `'static`.
pub type EntryWait<'q> = WaitEntry<'q, EntryKey>;

/// How a task waits for a locked entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WaitKind {
    /// Exclusively: the unlock wakes one exclusive waiter, which must wake the next when it is
    /// done (`WAKE_NEXT`); for a task that will lock the entry itself.
    Exclusive,
    /// Not exclusively (`prepare_to_wait()`): for a task that may never get to wake the next
    /// waiter, because the inode may die first (`wait_entry_unlocked()`).
    Shared,
}

/// The wait queue and the key for a wait on `entry`, found at `index` of `xa`
/// (`dax_entry_waitqueue()`).
///
/// `entry` need not be the entry at `index` any more: what matters is whether it was a PMD
/// entry, whose waiters are keyed by the PMD-aligned index.
#[inline]
pub fn entry_waitqueue(
    xa: &ValueXArray,
    index: usize,
    entry: DaxEntry,
) -> (&'static WaitQueueHead<EntryKey>, EntryKey) {
    waitqueue_of(xa.as_ptr(), index, entry)
}

/// [`entry_waitqueue`] for the XArray at `xa`, which is only used as an address: it need not
/// be valid any more.
#[inline]
fn waitqueue_of(
    xa: *mut bindings::xarray,
    index: usize,
    entry: DaxEntry,
) -> (&'static WaitQueueHead<EntryKey>, EntryKey) {
    let mut key = core::mem::MaybeUninit::<bindings::dax_entry_key>::uninit();
    // SAFETY: `dax_entry_waitqueue()` only uses the address `xa` (and `entry`'s bits) to compute
    // the key and pick a queue, and writes `key`.
    let wq = unsafe {
        bindings::dax_entry_waitqueue(xa, index, entry.to_xa().as_ptr(), key.as_mut_ptr())
    };
    // SAFETY: `wq` is one of the wait queues of `fs/dax.c`'s static table, initialised at boot
    // and never freed, and every keyed wake-up on it passes a `struct dax_entry_key`.
    let wq = unsafe { WaitQueueHead::from_raw(wq) };
    // SAFETY: `dax_entry_waitqueue()` sets both fields of the key.
    (wq, EntryKey(unsafe { key.assume_init() }))
}

/// Wakes the waiters for `entry` at `index` of `xa` (`dax_wake_entry()`): the next exclusive
/// waiter, or all of them.
///
/// As in C, call it after storing the unlocked entry (or removing it) under the XArray lock:
/// every task that saw the entry locked queued itself under that lock, so it is on the queue.
#[inline]
pub fn wake_entry(xa: &ValueXArray, index: usize, entry: DaxEntry, mode: WakeMode) {
    wake_entry_at(xa.as_ptr(), index, entry, mode)
}

/// [`wake_entry`] for the XArray at `xa`, which is only used as an address: after an entry is
/// unlocked nothing keeps its address space alive any more.
#[inline]
pub(crate) fn wake_entry_at(
    xa: *mut bindings::xarray,
    index: usize,
    entry: DaxEntry,
    mode: WakeMode,
) {
    let (wq, key) = waitqueue_of(xa, index, entry);
    if wq.is_active() {
        wq.wake_up(&key, mode);
    }
}

#[macros::kunit_tests(rust_dax_entry_wait)]
mod tests {
    use super::*;
    use crate::{
        alloc::KBox, prelude::*, sync::wait::TaskState, types::Opaque, xarray::state::TestXArray,
    };

    fn pte(v: usize) -> Result<DaxEntry> {
        let e = crate::xarray::state::Entry::from_value(v << bindings::DAX_SHIFT).ok_or(EINVAL)?;
        DaxEntry::from_xa(e).ok_or(EINVAL)
    }

    fn pmd(v: usize) -> Result<DaxEntry> {
        let e =
            crate::xarray::state::Entry::from_value((v << bindings::DAX_SHIFT) | bindings::DAX_PMD)
                .ok_or(EINVAL)?;
        DaxEntry::from_xa(e).ok_or(EINVAL)
    }

    /// A Rust waiter is woken by the C wake-up of its entry, and only by that.
    #[test]
    fn rust_waiter_woken_by_c_unlock() -> Result {
        let xa = TestXArray::new()?;
        let e = pte(0x100)?;
        let (wq, key) = entry_waitqueue(xa.xa(), 7, e);
        assert_eq!(key.entry_start(), 7);
        EntryWait::with(|w| {
            w.prepare(wq, key, TaskState::Uninterruptible, true);

            // C unlocks another entry of the same array: not for us.
            // SAFETY: The array is valid; `dax_wake_entry()` only computes the key and wakes.
            unsafe {
                bindings::dax_wake_entry(
                    xa.xa().as_ptr(),
                    8,
                    e.to_xa().as_ptr(),
                    bindings::dax_wake_mode_DAX_WAKE_ALL,
                )
            };
            assert!(w.is_queued());

            // C unlocks our entry.
            // SAFETY: As above.
            unsafe {
                bindings::dax_wake_entry(
                    xa.xa().as_ptr(),
                    7,
                    e.to_xa().as_ptr(),
                    bindings::dax_wake_mode_DAX_WAKE_NEXT,
                )
            };
            assert!(!w.is_queued());
            w.finish();
        });
        Ok(())
    }

    /// A waiter on a PMD entry is woken by a wake-up at any index the PMD covers.
    #[test]
    fn pmd_entries_are_keyed_by_their_start() -> Result {
        let xa = TestXArray::new()?;
        let e = pmd(0x200)?;
        let (wq, key) = entry_waitqueue(xa.xa(), 512 + 17, e);
        assert_eq!(key.entry_start(), 512);
        EntryWait::with(|w| {
            w.prepare(wq, key, TaskState::Uninterruptible, true);
            wake_entry(xa.xa(), 512 + 300, e, WakeMode::Next);
            assert!(!w.is_queued());
            w.finish();
        });
        Ok(())
    }

    /// A C waiter (`struct dax_entry_waiter` with `dax_entry_wake_function()`, as in `fs/dax.c`)
    /// is woken by the Rust wake-up of its entry, and only by that.
    #[test]
    fn c_waiter_woken_by_rust_unlock() -> Result {
        let xa = TestXArray::new()?;
        let e = pte(0x300)?;
        let waiter = KBox::new(Opaque::<bindings::dax_entry_waiter>::uninit(), GFP_KERNEL)?;
        let w = waiter.get();
        // SAFETY: `w` is a valid allocation for a `struct dax_entry_waiter`: initialise it as
        // `get_next_unlocked_entry()` does, compute its key and queue it.
        let wq = unsafe {
            bindings::init_wait(&raw mut (*w).wait);
            (*w).wait.func = Some(bindings::dax_entry_wake_function);
            let wq = bindings::dax_entry_waitqueue(
                xa.xa().as_ptr(),
                3,
                e.to_xa().as_ptr(),
                &raw mut (*w).key,
            );
            bindings::prepare_to_wait_exclusive(
                wq,
                &raw mut (*w).wait,
                bindings::TASK_UNINTERRUPTIBLE as i32,
            );
            wq
        };
        // SAFETY: The entry is initialised; `list_empty_careful` may run without the queue lock.
        let queued = |w: *mut bindings::dax_entry_waiter| unsafe {
            !bindings::list_empty_careful(&raw const (*w).wait.entry)
        };
        assert!(queued(w));
        wake_entry(xa.xa(), 4, e, WakeMode::All);
        assert!(queued(w));
        wake_entry(xa.xa(), 3, e, WakeMode::Next);
        assert!(!queued(w));
        // SAFETY: `wq` is the queue the entry was put on.
        unsafe { bindings::finish_wait(wq, &raw mut (*w).wait) };
        Ok(())
    }
}
