// SPDX-License-Identifier: GPL-2.0

//! The wait protocol of DAX mapping entries, shared with `fs/dax.c`.
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
    sync::wait::{WaitQueueHead, WakeKey, WakeMode},
    xarray::state::{Entry, ValueXArray},
};

/// The key of a wait for a DAX entry (`struct dax_entry_key`).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct EntryKey(bindings::dax_entry_key);

impl EntryKey {
    /// The index of the first page of the entry waited for.
    pub fn entry_start(&self) -> usize {
        self.0.entry_start
    }
}

// SAFETY: `EntryKey` is a transparent wrapper of `struct dax_entry_key`, which is what every
// wake-up on the DAX entry wait queues passes (`dax_wake_entry()` and [`wake_entry`]).
unsafe impl WakeKey for EntryKey {
    fn matches(&self, key: &Self) -> bool {
        // The same comparison as `dax_entry_wake_function()`.
        self.0.xa == key.0.xa && self.0.entry_start == key.0.entry_start
    }
}

/// The wait queue and the key for a wait on `entry`, found at `index` of `xa`
/// (`dax_entry_waitqueue()`).
///
/// `entry` need not be the entry at `index` any more: what matters is whether it was a PMD
/// entry, whose waiters are keyed by the PMD-aligned index.
pub fn entry_waitqueue(
    xa: &ValueXArray,
    index: usize,
    entry: Entry,
) -> (&'static WaitQueueHead<EntryKey>, EntryKey) {
    let mut key = bindings::dax_entry_key {
        xa: core::ptr::null_mut(),
        entry_start: 0,
    };
    // SAFETY: `xa` is a valid XArray; `dax_entry_waitqueue()` only uses its address (and
    // `entry`'s bits) to compute the key and pick a queue, and writes `key`.
    let wq = unsafe { bindings::dax_entry_waitqueue(xa.as_ptr(), index, entry.as_ptr(), &mut key) };
    // SAFETY: `wq` is one of the wait queues of `fs/dax.c`'s static table, initialised at boot
    // and never freed, and every keyed wake-up on it passes a `struct dax_entry_key`.
    let wq = unsafe { WaitQueueHead::from_raw(wq) };
    (wq, EntryKey(key))
}

/// Wakes the waiters for `entry` at `index` of `xa` (`dax_wake_entry()`): the next exclusive
/// waiter, or all of them.
///
/// As in C, call it after storing the unlocked entry (or removing it) under the XArray lock:
/// every task that saw the entry locked queued itself under that lock, so it is on the queue.
pub fn wake_entry(xa: &ValueXArray, index: usize, entry: Entry, mode: WakeMode) {
    let (wq, key) = entry_waitqueue(xa, index, entry);
    if wq.is_active() {
        wq.wake_up(&key, mode);
    }
}

#[macros::kunit_tests(rust_dax_entry_wait)]
mod tests {
    use super::*;
    use crate::{
        alloc::KBox,
        prelude::*,
        sync::wait::{TaskState, WaitEntry},
        types::Opaque,
    };

    /// An empty XArray owned by a test: only its address matters for the keys.
    struct TestXArray(KBox<Opaque<bindings::xarray>>);

    impl TestXArray {
        fn new() -> Result<Self> {
            let xa = KBox::new(Opaque::uninit(), GFP_KERNEL)?;
            // SAFETY: `xa` is a valid allocation for a `struct xarray`, initialised here.
            unsafe { bindings::xa_init_flags(xa.get(), 0) };
            Ok(Self(xa))
        }

        fn xa(&self) -> &ValueXArray {
            // SAFETY: The array is initialised, lives as long as `self` and stays empty.
            unsafe { ValueXArray::from_raw(self.0.get()) }
        }
    }

    fn pte(v: usize) -> Result<Entry> {
        Entry::from_value(v << bindings::DAX_SHIFT).ok_or(EINVAL)
    }

    fn pmd(v: usize) -> Result<Entry> {
        Entry::from_value((v << bindings::DAX_SHIFT) | bindings::DAX_PMD).ok_or(EINVAL)
    }

    /// A Rust waiter is woken by the C wake-up of its entry, and only by that.
    #[test]
    fn rust_waiter_woken_by_c_unlock() -> Result {
        let xa = TestXArray::new()?;
        let e = pte(0x100)?;
        let w = KBox::pin_init(WaitEntry::<EntryKey>::new(), GFP_KERNEL)?;
        let (wq, key) = entry_waitqueue(xa.xa(), 7, e);
        assert_eq!(key.entry_start(), 7);
        w.as_ref()
            .prepare(wq, key, TaskState::Uninterruptible, true);

        // C unlocks another entry of the same array: not for us.
        // SAFETY: The array is valid; `dax_wake_entry()` only computes the key and wakes.
        unsafe {
            bindings::dax_wake_entry(
                xa.xa().as_ptr(),
                8,
                e.as_ptr(),
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
                e.as_ptr(),
                bindings::dax_wake_mode_DAX_WAKE_NEXT,
            )
        };
        assert!(!w.is_queued());
        w.as_ref().finish();
        Ok(())
    }

    /// A waiter on a PMD entry is woken by a wake-up at any index the PMD covers.
    #[test]
    fn pmd_entries_are_keyed_by_their_start() -> Result {
        let xa = TestXArray::new()?;
        let e = pmd(0x200)?;
        let w = KBox::pin_init(WaitEntry::<EntryKey>::new(), GFP_KERNEL)?;
        let (wq, key) = entry_waitqueue(xa.xa(), 512 + 17, e);
        assert_eq!(key.entry_start(), 512);
        w.as_ref()
            .prepare(wq, key, TaskState::Uninterruptible, true);
        wake_entry(xa.xa(), 512 + 300, e, WakeMode::Next);
        assert!(!w.is_queued());
        w.as_ref().finish();
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
            let wq =
                bindings::dax_entry_waitqueue(xa.xa().as_ptr(), 3, e.as_ptr(), &raw mut (*w).key);
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
