// SPDX-License-Identifier: GPL-2.0

//! The DAX entries of a file and the operations on them under the `i_pages` lock.
//!
//! [`DaxEntries`] are the entries of one DAX file. Under the `i_pages` lock ([`DaxXaGuard`])
//! entries can be looked up, marked, and locked, which gives a [`LockedEntry`];
//! [`DaxEntries::grab`] is `fs/dax.c`'s `grab_mapping_entry()`, which the fault paths start
//! with. Whoever finds an entry locked waits for it on the queues of [`super::wait`].
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::{
    bindings,
    dax::{
        entry::{DaxEntry, EntryOrder, Lookup, PG_PMD_COLOUR, PG_PMD_NR},
        fault::DaxFault,
        locked::LockedEntry,
        wait::{entry_waitqueue, wake_entry, EntryWait, WaitKind},
    },
    error::{code::*, Error},
    fs::address_space::AddressSpace,
    mm::{
        fault::{VmFault, VmFaultResult},
        folio::Folio,
    },
    sync::wait::{TaskState, WakeMode},
    xarray::state::{Entry, Mark, ValueXArray, XaLockIrqGuard, XaState},
};
use core::pin::Pin;

/// The DAX entries of a file: the `i_pages` of its address space.
///
/// # Invariants
///
/// `xa` is the `i_pages` of `mapping`, which is the address space of a live DAX file (not being
/// evicted), valid for `'a`; as `fs/dax.c` assumes, the DAX device of the file stays bound while
/// the file has entries.
#[derive(Clone, Copy)]
pub struct DaxEntries<'a> {
    mapping: &'a AddressSpace,
    xa: &'a ValueXArray,
}

impl<'a> DaxEntries<'a> {
    /// The entries of the faulting file, if it is a DAX file, for the duration of the fault.
    #[inline]
    pub fn of_fault(fault: &DaxFault<'a>) -> Option<Self> {
        // The fault keeps the mapping valid and the filesystem its DAX device bound.
        Self::of_mapping(fault.mapping())
    }

    /// The entries of `mapping`, if it is the address space of a DAX file.
    ///
    /// Only for an address space whose inode is not being evicted for `'a`, as the caller of a
    /// fault or of `dax_lock_mapping_entry()` keeps it: an address space found under RCU may
    /// be past the removal of its entries, and must not get new ones ([`DaxEntries::grab`]).
    #[inline]
    pub(crate) fn of_mapping(mapping: &'a AddressSpace) -> Option<Self> {
        if !mapping.is_dax() {
            return None;
        }
        // Every entry of the `i_pages` of a DAX mapping is an XArray value entry: a DAX file has
        // no page cache, only the DAX entries of `fs/dax.c`. Only the DAX abstractions of this
        // crate store in it: an entry stored with the plain XArray API would bypass the DAX
        // entry lock and could refer to memory that is not the file's.
        // SAFETY: By the type invariants of `AddressSpace` the address space, and so its
        // `i_pages`, is valid for `'a`; only DAX value entries are stored in the `i_pages` of a
        // DAX mapping (above).
        let xa = unsafe { ValueXArray::from_raw(&raw mut (*mapping.as_ptr()).i_pages) };
        // INVARIANT: `xa` is the `i_pages` of `mapping`, a DAX mapping.
        Some(Self { mapping, xa })
    }

    /// The entries of the file of `vmf`, if it is a DAX file, for the duration of the fault.
    #[inline]
    pub fn of_vmf(vmf: &'a VmFault) -> Option<Self> {
        Self::of_mapping(vmf.mapping()?)
    }

    /// The address space.
    #[inline]
    pub fn mapping(&self) -> &'a AddressSpace {
        self.mapping
    }

    /// An operation state at `index`, for an entry of order 0 (`XA_STATE()`).
    #[inline]
    pub fn state(&self, index: usize) -> DaxXaState<'a> {
        // INVARIANT: A state of `self.xa` for entries of order 0.
        DaxXaState {
            xas: XaState::new(self.xa, index),
            entries: *self,
            order: EntryOrder::Pte,
        }
    }

    /// An operation state for the entry of `order` covering `index` (`XA_STATE_ORDER()`), or
    /// `None` if the XArray cannot hold entries of that order.
    #[inline]
    pub fn state_order(&self, index: usize, order: EntryOrder) -> Option<DaxXaState<'a>> {
        // INVARIANT: A state of `self.xa` for entries of `order`.
        Some(DaxXaState {
            xas: XaState::new_order(self.xa, index, order.xa_order()?),
            entries: *self,
            order,
        })
    }

    /// Finds the entry of `order` at `index` and locks it, or, if there is none, stores a
    /// locked empty entry of `order` (`grab_mapping_entry()`).
    ///
    /// PTE entries are favoured over PMD entries: an empty or zero-page PMD entry is removed
    /// (and the zero page unmapped) for a PTE fault, which then gets an entry of its own. A
    /// PMD entry with memory is locked and returned for a PTE fault too. For a PMD fault, a PTE
    /// entry in the range gives [`VmFaultResult::FALLBACK`].
    ///
    /// Fails with [`VmFaultResult::OOM`] if the XArray could not allocate, or
    /// [`VmFaultResult::SIGBUS`] if something else than a DAX entry was found. May sleep.
    pub fn grab(&self, index: usize, order: EntryOrder) -> Result<LockedEntry<'a>, VmFaultResult> {
        debug_might_sleep();
        let mut xas = self
            .state_order(index, order)
            .ok_or(VmFaultResult::FALLBACK)?;
        let index = xas.index();
        loop {
            let mut g = xas.lock_irq();
            let mut entry = match g.get_next_unlocked_entry(order) {
                Lookup::Conflict => return Err(VmFaultResult::FALLBACK),
                Lookup::Invalid => {
                    g.set_err(EIO);
                    None
                }
                Lookup::None => None,
                Lookup::Entry(e) => Some(e),
            };
            let invalid = g.error().is_err();

            if let Some(e) = entry {
                if order == EntryOrder::Pte && e.is_pmd() && !e.has_memory() {
                    // Make sure `e` remains valid while we drop the `i_pages` lock.
                    g.lock_found(e);
                    // Besides huge zero pages the only other thing that gets downgraded are
                    // empty entries which don't need to be unmapped.
                    if e.is_zero() {
                        drop(g);
                        self.mapping
                            .unmap_pages(index & !PG_PMD_COLOUR, PG_PMD_NR, false);
                        xas.reset();
                        g = xas.lock_irq();
                    }
                    // SAFETY: `e` is locked by us (just above) at this index; the `i_pages`
                    // lock is held.
                    unsafe { g.disassociate(e) };
                    g.erase(); // Undo the PMD join.
                    g.wake(e, WakeMode::All);
                    g.nrpages_add(-(PG_PMD_NR as isize));
                    entry = None;
                    g.set(index);
                }
            }

            let locked = match entry {
                Some(e) => {
                    g.lock_found(e);
                    Some(e)
                }
                None if !invalid => {
                    let e = DaxEntry::empty(order);
                    g.store_locked(e);
                    if g.error().is_err() {
                        None
                    } else {
                        g.nrpages_add(1 << order.get());
                        Some(e)
                    }
                }
                None => None,
            };
            drop(g);

            if xas.nomem() {
                continue;
            }
            return match (xas.error(), locked) {
                (Err(e), _) if e == ENOMEM => Err(VmFaultResult::OOM),
                (Err(_), _) | (Ok(()), None) => Err(VmFaultResult::SIGBUS),
                // SAFETY: `e` was stored locked at the state's index, and the store succeeded.
                (Ok(()), Some(e)) => Ok(unsafe { LockedEntry::new(xas, e) }),
            };
        }
    }
}

/// An XArray operation state over the [`DaxEntries`] of a file, for entries of one order.
///
/// # Invariants
///
/// `xas` is a state of `entries.xa` for entries of `order`.
pub struct DaxXaState<'a> {
    xas: XaState<'a>,
    entries: DaxEntries<'a>,
    order: EntryOrder,
}

impl<'a> DaxXaState<'a> {
    /// The index.
    #[inline]
    pub fn index(&self) -> usize {
        self.xas.index()
    }

    /// The order of the entries this state is for.
    #[inline]
    pub fn order(&self) -> EntryOrder {
        self.order
    }

    /// Restarts the walk (`xas_reset()`).
    #[inline]
    pub fn reset(&mut self) {
        self.xas.reset()
    }

    /// The entries this state works on.
    #[inline]
    pub fn entries(&self) -> DaxEntries<'a> {
        self.entries
    }

    /// The error recorded by the last operation.
    #[inline]
    pub fn error(&self) -> Result<(), Error> {
        self.xas.error()
    }

    /// Allocates what the last store lacked, with the mapping's allocation flags minus
    /// `__GFP_HIGHMEM`, without the lock (`xas_nomem()`); returns whether to retry. May sleep.
    #[inline]
    pub fn nomem(&mut self) -> bool {
        debug_might_sleep();
        let gfp = self.entries.mapping.gfp_mask() & !bindings::__GFP_HIGHMEM;
        // SAFETY: The state is valid and the lock is not held (a guard would borrow `self`).
        unsafe { bindings::xas_nomem(self.xas.as_raw(), gfp) }
    }

    /// Takes the `i_pages` lock with interrupts disabled.
    #[inline]
    pub fn lock_irq(&mut self) -> DaxXaGuard<'_, 'a> {
        let entries = self.entries;
        let order = self.order;
        // INVARIANT: The lock of the state's XArray, which is `entries`', for entries of
        // `order` (type invariants of `Self`).
        DaxXaGuard {
            g: self.xas.lock_irq(),
            entries,
            order,
        }
    }

    /// Gives the state to a [`LockedEntry`].
    #[inline]
    pub(crate) fn into_parts(self) -> (XaState<'a>, &'a AddressSpace) {
        (self.xas, self.entries.mapping)
    }
}

/// The `i_pages` lock of a DAX file, held with interrupts disabled, and an operation state.
///
/// # Invariants
///
/// `g` is the lock of `entries`' XArray, with a state for entries of `order`.
#[must_use = "the lock is dropped at once if the guard is not used"]
pub struct DaxXaGuard<'s, 'a> {
    g: XaLockIrqGuard<'s, 'a>,
    entries: DaxEntries<'a>,
    order: EntryOrder,
}

impl<'s, 'a> DaxXaGuard<'s, 'a> {
    /// The index.
    #[inline]
    pub fn index(&self) -> usize {
        self.g.index()
    }

    /// Moves to `index` (`xas_set()`).
    #[inline]
    pub fn set(&mut self, index: usize) {
        self.g.set(index)
    }

    #[inline]
    fn classify(e: Entry) -> Lookup {
        if e.is_null() {
            Lookup::None
        } else if let Some(d) = DaxEntry::from_xa(e) {
            Lookup::Entry(d)
        } else {
            crate::warn_on_once!(true);
            Lookup::Invalid
        }
    }

    /// Loads the entry at the index (`xas_load()`).
    #[inline]
    pub fn load(&mut self) -> Lookup {
        Self::classify(self.g.load())
    }

    /// Removes the entry at the index (`xas_store(xas, NULL)`).
    #[inline]
    fn erase(&mut self) {
        self.g.store(Entry::NULL);
    }

    /// Adds `delta` to the number of pages of the mapping, which the lock protects.
    #[inline]
    fn nrpages_add(&mut self, delta: isize) {
        self.entries.mapping.nrpages_add(&self.g, delta)
    }

    /// Locks `entry`, which the last walk found at the state's position: stores it with
    /// `DAX_LOCKED` in its place (`dax_lock_entry()`), with
    /// [`replace_value`](XaLockIrqGuard::replace_value), which leaves the array as
    /// `xas_store()` does in that case, and with `xas_store()` if it cannot.
    #[inline]
    fn lock_found(&mut self, entry: DaxEntry) {
        if !self.g.replace_value(entry.to_xa(), entry.locked().to_xa()) {
            self.store_locked(entry);
        }
    }

    /// Stores `entry` with `DAX_LOCKED` at the index (`dax_lock_entry()`), returning the entry
    /// stored before; on failure the state records the error.
    #[inline]
    fn store_locked(&mut self, entry: DaxEntry) -> Option<DaxEntry> {
        self.g
            .store(entry.locked().to_xa())
            .and_then(DaxEntry::from_xa)
    }

    /// Locks the entry at the index, if it is a DAX entry and not locked, and drops the
    /// `i_pages` lock (`dax_lock_entry()`, then `xas_unlock_irq()`).
    ///
    /// Returns `None`, locking nothing, if there is no such entry, or if it is of a smaller
    /// order than the state's (`dax_is_conflict()`).
    #[inline]
    pub fn lock_entry(mut self) -> Option<LockedEntry<'a>> {
        // No warning for what is not a DAX entry: a state of PMD order over PTE entries finds
        // the node that holds them.
        let e = match DaxEntry::from_xa(self.g.load()) {
            Some(e) if !e.is_locked() && e.order() >= self.order => e,
            _ => return None,
        };
        let xas = self.locked_state()?;
        self.lock_found(e);
        self.error().ok()?;
        drop(self);
        // SAFETY: `e` was stored locked at the state's index, and the store succeeded.
        Some(unsafe { LockedEntry::new(xas, e) })
    }

    /// Locks the entry of `folio` for memory-failure handling (`dax_lock_entry()` in
    /// `dax_lock_folio()`), if `folio` still belongs to this file and its entry is a DAX entry
    /// that is not locked, and drops the `i_pages` lock.
    ///
    /// Returns `None`, locking nothing, for a state of another order than 0.
    ///
    /// The locked entry keeps the address space alive: the inode cannot be evicted before its
    /// entries are removed, which waits for the lock. So the entry is locked for as long as the
    /// folio is borrowed, even if this file was only borrowed for an RCU read-side section.
    #[inline]
    pub(crate) fn lock_folio_entry<'f>(mut self, folio: &'f Folio) -> Option<LockedEntry<'f>> {
        if self.order != EntryOrder::Pte
            || !core::ptr::eq(folio.mapping_ptr(), self.entries.mapping.as_ptr())
        {
            return None;
        }
        self.set(folio.index());
        let e = match DaxEntry::from_xa(self.g.load()) {
            Some(e) if !e.is_locked() => e,
            _ => return None,
        };
        self.lock_found(e);
        self.error().ok()?;
        let index = self.index();
        let (mapping, xa) = (self.entries.mapping.as_ptr(), self.entries.xa.as_ptr());
        drop(self);
        // SAFETY: The folio's mapping is this address space, checked under its `i_pages` lock,
        // and the folio's entry is now locked by us: the inode cannot be evicted (eviction
        // removes the entries, waiting for locked ones), so the address space and its
        // `i_pages`, the entries of a DAX file, stay valid until the entry is unlocked, which
        // ends the `LockedEntry`.
        let entries = unsafe {
            DaxEntries {
                mapping: AddressSpace::from_raw(mapping),
                xa: ValueXArray::from_raw(xa),
            }
        };
        // SAFETY: `e` was stored locked at `index` of the XArray, by an order-0 state.
        Some(unsafe { LockedEntry::new(entries.state(index), e) })
    }

    /// A state at the guard's index and order, for a [`LockedEntry`] of the entry there.
    #[inline]
    fn locked_state(&self) -> Option<DaxXaState<'a>> {
        self.entries.state_order(self.index(), self.order)
    }

    /// The error recorded by the last operation (`xas_error()`).
    #[inline]
    pub fn error(&self) -> Result<(), Error> {
        self.g.state().error()
    }

    /// Records an error in the state (`xas_set_err()`).
    #[inline]
    fn set_err(&mut self, err: Error) {
        self.g.set_err(err)
    }

    /// Sets `mark` on the entry at the index.
    #[inline]
    pub fn set_mark(&mut self, mark: Mark) {
        self.g.set_mark(mark)
    }

    /// Wakes the waiters for `entry` at the index (`dax_wake_entry()`).
    #[inline]
    pub fn wake(&mut self, entry: DaxEntry, mode: WakeMode) {
        wake_entry(self.entries.xa, self.index(), entry, mode)
    }

    /// Finds the entry that an entry of `order` would conflict with, waiting for it to be
    /// unlocked if it is locked (`get_next_unlocked_entry()`): the lock is dropped while
    /// waiting.
    #[inline]
    pub fn get_next_unlocked_entry(&mut self, order: EntryOrder) -> Lookup {
        loop {
            let found = Self::classify(self.g.find_conflict());
            let Lookup::Entry(e) = found else {
                return found;
            };
            if e.order() < order {
                return Lookup::Conflict;
            }
            if !e.is_locked() {
                return found;
            }
            self.wait_locked(e);
        }
    }

    /// Sleeps until `entry`, found locked at the index, is unlocked, dropping the lock
    /// meanwhile; the walk restarts. Out of line: most lookups find the entry unlocked.
    #[cold]
    #[inline(never)]
    fn wait_locked(&mut self, entry: DaxEntry) {
        let (wq, key) = entry_waitqueue(self.entries.xa, self.index(), entry);
        EntryWait::with(|w| {
            w.prepare(wq, key, TaskState::Uninterruptible, true);
            let xas = self.g.state_ptr();
            // SAFETY: The lock is held (the guard); it is dropped and taken again before
            // returning, so the guard's invariant holds again when it is next used.
            unsafe { crate::xarray::state::xas_unlock_irq(xas) };
            // SAFETY: `xas` is the valid state of the guard.
            unsafe { bindings::xas_reset(xas) };
            crate::sync::wait::schedule();
            w.finish();
            // SAFETY: As above.
            unsafe { crate::xarray::state::xas_lock_irq(xas) };
        });
    }

    /// If the entry at the index is locked, queues `w` to wait for it to be unlocked, and in
    /// any case drops the lock (the first half of `wait_entry_unlocked()`); returns whether `w`
    /// was queued. The caller then sleeps with [`schedule`](crate::sync::wait::schedule),
    /// outside any RCU read-side section, and calls
    /// [`WaitEntry::finish`](crate::sync::wait::WaitEntry::finish).
    #[inline]
    pub fn wait_unlocked(mut self, w: Pin<&EntryWait<'_>>, kind: WaitKind) -> bool {
        let entry = match DaxEntry::from_xa(self.g.load()) {
            Some(e) if e.is_locked() => e,
            _ => return false,
        };
        let (wq, key) = entry_waitqueue(self.entries.xa, self.index(), entry);
        w.prepare(
            wq,
            key,
            TaskState::Uninterruptible,
            kind == WaitKind::Exclusive,
        );
        true
    }

    /// Drops the DAX ownership of the folio of `entry` (`dax_disassociate_entry()`).
    ///
    /// # Safety
    ///
    /// `entry` is the entry at the index, locked by the caller.
    #[inline]
    pub(crate) unsafe fn disassociate(&mut self, entry: DaxEntry) {
        if entry.has_memory() {
            // SAFETY: The entry is locked by the caller and the `i_pages` lock is held; its pfn
            // is DAX memory with `struct page`s while it is in `i_pages`.
            unsafe { crate::mm::folio::DaxFolio::from_entry_pfn(entry.pfn(), entry.order().get()) }
                .put();
        }
    }

    /// Drops the lock.
    #[inline]
    pub fn unlock(self) {}
}

/// `might_sleep()` where it only reports: in the functions that may sleep without always
/// sleeping, so that the debug kernel catches a call from atomic context or under RCU.
///
/// Without `CONFIG_DEBUG_ATOMIC_SLEEP` it does nothing, as in `fs/dax.c`, which has no
/// `might_sleep()` on its fault paths: the kernel crate's `might_sleep()` would add a
/// voluntary preemption point (`might_resched()`) there.
#[inline(always)]
#[track_caller]
fn debug_might_sleep() {
    #[cfg(CONFIG_DEBUG_ATOMIC_SLEEP)]
    crate::task::might_sleep();
}
