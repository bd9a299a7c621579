// SPDX-License-Identifier: GPL-2.0

//! The XArray lock, taken with interrupts disabled ([`XaLockIrqGuard`]), and the operations of
//! an [`XaState`] that need it.
//!
//! C header: [`include/linux/xarray.h`](srctree/include/linux/xarray.h)

use super::{Entry, Mark, XaState};
use crate::{bindings, error::Error, ffi::c_void};

impl<'a> XaState<'a> {
    /// Takes the XArray lock with interrupts disabled (`xas_lock_irq`).
    ///
    /// A walk of the state made under an earlier hold of the lock is restarted (`xas_reset`):
    /// the node it stopped at may have been freed while the lock was not held. An error the
    /// state recorded is kept.
    #[inline]
    pub fn lock_irq(&mut self) -> XaLockIrqGuard<'_, 'a> {
        // `xas_invalid()` is false for a node or the head (`NULL`): restart the walk.
        if self.xas.xa_node.addr() & 3 == 0 {
            self.reset();
        }
        // SAFETY: `self.xas.xa` is valid by the type invariant, and its lock is not held: a guard
        // would borrow `self` mutably.
        unsafe { xas_lock_irq(&mut self.xas) };
        // INVARIANT: The lock was just taken.
        XaLockIrqGuard { xas: self }
    }
}

/// The XArray lock, held with interrupts disabled, and the operation state that uses it.
///
/// # Invariants
///
/// The lock of `self.xas`'s XArray is held, taken with `xa_lock_irq`.
#[must_use = "the lock is dropped at once if the guard is not used"]
pub struct XaLockIrqGuard<'s, 'a> {
    xas: &'s mut XaState<'a>,
}

impl<'s, 'a> XaLockIrqGuard<'s, 'a> {
    #[inline]
    fn raw(&mut self) -> *mut bindings::xa_state {
        &mut self.xas.xas
    }

    /// The raw operation state, for unsafe code that drops and retakes the lock itself (and
    /// restores the guard's invariant before the guard is used again).
    #[inline]
    pub fn state_ptr(&mut self) -> *mut bindings::xa_state {
        self.raw()
    }

    /// The operation state (index, order, error).
    #[inline]
    pub fn state(&self) -> &XaState<'a> {
        self.xas
    }

    /// The index the state operates on.
    #[inline]
    pub fn index(&self) -> usize {
        self.xas.index()
    }

    /// Moves the state to `index` (`xas_set`).
    #[inline]
    pub fn set(&mut self, index: usize) {
        self.xas.set(index)
    }

    /// Restarts the walk (`xas_reset`).
    #[inline]
    pub fn reset(&mut self) {
        self.xas.reset()
    }

    /// Loads the entry at the state's index (`xas_load`).
    #[inline]
    pub fn load(&mut self) -> Entry {
        // SAFETY: The lock is held (type invariant) and the state is valid.
        Entry::from_raw(unsafe { bindings::xas_load(self.raw()) })
    }

    /// Stores `entry` (a value entry or [`Entry::NULL`]) at the state's index and order, and
    /// returns the entry that was there (`xas_store`). On failure the state records the error
    /// (see [`XaState::error`]) and the caller may retry after [`XaState::nomem`].
    ///
    /// Returns `None`, storing nothing, if `entry` is neither a value entry nor `NULL`.
    #[inline]
    pub fn store(&mut self, entry: Entry) -> Option<Entry> {
        if !entry.is_null() && !entry.is_value() {
            return None;
        }
        // SAFETY: The lock is held (type invariant). Only value entries or `NULL` are stored, so
        // the array still holds only value entries; the entry replaced owns nothing.
        Some(Entry::from_raw(unsafe {
            bindings::xas_store(self.raw(), entry.as_ptr())
        }))
    }

    /// Replaces the value entry `old`, which the last walk of the state found at its position
    /// (with [`load`](Self::load) or [`find_conflict`](Self::find_conflict)), with the value
    /// entry `new`, in place: what [`store`](Self::store) does then, without the work that
    /// has no effect then.
    ///
    /// `xas_store()` of a value entry over a value entry counts no entries and no values,
    /// frees no node and changes no mark; for a state whose order spans several slots of the
    /// node, it writes their sibling entries again, which they already are (an entry of that
    /// order was stored there by such a state), and squashes their marks onto the first slot,
    /// where they already are. So it only changes the slot of the entry, and so does this.
    ///
    /// Returns `false`, changing nothing, if the state is not at an entry, the entry there is
    /// not `old`, or `old` or `new` is not a value entry: the caller then stores `new` with
    /// [`store`](Self::store).
    #[inline]
    pub fn replace_value(&mut self, old: Entry, new: Entry) -> bool {
        if !old.is_value() || !new.is_value() {
            return false;
        }
        let xas = &self.xas.xas;
        let node = xas.xa_node;
        // `xas_invalid()`: the state is restarted, out of bounds or in error.
        if node.addr() & 3 != 0 {
            return false;
        }
        let slot: *mut *mut c_void = if node.is_null() {
            // SAFETY: `xa` is valid (type invariants of `XaState`); this only computes the
            // address of a field.
            unsafe { &raw mut (*xas.xa).xa_head }
        } else {
            let offset = usize::from(xas.xa_offset);
            // SAFETY: A valid state's node is a node of the array, alive while its lock is held
            // (type invariant of `Self`), and `xa_offset` is below `XA_CHUNK_SIZE`; this only
            // computes the address of a slot.
            unsafe { (&raw mut (*node).slots).cast::<*mut c_void>().add(offset) }
        };
        // SAFETY: `slot` is a slot of the array, which is valid and only changed under the
        // lock, which we hold; readers read it with `READ_ONCE()`/`rcu_dereference()`, so it
        // is accessed atomically.
        let slot = unsafe { core::sync::atomic::AtomicPtr::from_ptr(slot) };
        if slot.load(core::sync::atomic::Ordering::Relaxed) != old.as_ptr() {
            return false;
        }
        // `rcu_assign_pointer()`: lockless readers that see `new` see what was written before.
        slot.store(new.as_ptr(), core::sync::atomic::Ordering::Release);
        true
    }

    /// Finds an entry that conflicts with storing an entry of the state's order
    /// (`xas_find_conflict`): returns the first present entry in the range, or
    /// [`Entry::NULL`] if there is none.
    #[inline]
    pub fn find_conflict(&mut self) -> Entry {
        // SAFETY: The lock is held (type invariant) and the state is valid.
        Entry::from_raw(unsafe { bindings::xas_find_conflict(self.raw()) })
    }

    /// Whether the entry at the state's position has `mark` (`xas_get_mark`).
    #[inline]
    pub fn get_mark(&mut self, mark: Mark) -> bool {
        // SAFETY: The lock is held (type invariant) and the state is valid.
        unsafe { bindings::xas_get_mark(self.raw(), mark.raw()) }
    }

    /// Sets `mark` on the entry at the state's position (`xas_set_mark`).
    #[inline]
    pub fn set_mark(&mut self, mark: Mark) {
        // SAFETY: The lock is held (type invariant) and the state is valid.
        unsafe { bindings::xas_set_mark(self.raw(), mark.raw()) }
    }

    /// Clears `mark` on the entry at the state's position (`xas_clear_mark`).
    #[inline]
    pub fn clear_mark(&mut self, mark: Mark) {
        // SAFETY: The lock is held (type invariant) and the state is valid.
        unsafe { bindings::xas_clear_mark(self.raw(), mark.raw()) }
    }

    /// Records `err` in the state (`xas_set_err`); later operations do nothing until reset.
    #[inline]
    pub fn set_err(&mut self, err: Error) {
        // SAFETY: The state is valid; `xas_set_err` only writes it.
        unsafe { bindings::xas_set_err(self.raw(), err.to_errno() as isize) }
    }

    /// Whether `entry`, just loaded, asks for the walk to be retried (`xas_retry`); if so, the
    /// state is reset.
    #[inline]
    pub fn retry(&mut self, entry: Entry) -> bool {
        // SAFETY: The state is valid; `xas_retry` only inspects `entry` and resets the state.
        unsafe { bindings::xas_retry(self.raw(), entry.as_ptr()) }
    }

    /// Makes the state safe to keep across dropping the lock in the middle of an iteration
    /// (`xas_pause`).
    #[inline]
    pub fn pause(&mut self) {
        // SAFETY: The lock is held (type invariant) and the state is valid.
        unsafe { bindings::xas_pause(self.raw()) }
    }

    /// Drops the lock. The operation state stays usable, but must be [reset](XaState::reset)
    /// before the next walk, since the tree may change while the lock is not held.
    #[inline]
    pub fn unlock(self) {}
}

impl Drop for XaLockIrqGuard<'_, '_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: The lock is held (type invariant).
        unsafe { xas_unlock_irq(&mut self.xas.xas) };
    }
}

/// Takes the lock of the XArray of `xas` with interrupts disabled (`xas_lock_irq()`).
///
/// `xas_lock_irq()` is `spin_lock_irq(&xas->xa->xa_lock)`, which is a call of
/// `_raw_spin_lock_irq()` unless the spinlock functions are inline or sleeping locks
/// (`PREEMPT_RT`): without `CONFIG_RUST_INLINE_HELPERS` that call is made here directly, saving
/// the helper's frame on the fault paths, which take and drop the lock three times a fault.
///
/// # Safety
///
/// `xas` is a valid state of a valid XArray whose lock the caller does not hold; interrupts are
/// enabled. The caller drops the lock with [`xas_unlock_irq`]. If `xas` is the state of an
/// [`XaLockIrqGuard`] (its [`state_ptr`](XaLockIrqGuard::state_ptr)), the caller dropped the
/// lock with [`xas_unlock_irq`] before, and resets the state (`xas_reset()`) if it walked the
/// tree before the lock was dropped, so that the guard's invariant holds again.
#[inline]
pub unsafe fn xas_lock_irq(xas: *mut bindings::xa_state) {
    #[cfg(not(any(
        CONFIG_PREEMPT_RT,
        CONFIG_INLINE_SPIN_LOCK_IRQ,
        CONFIG_RUST_INLINE_HELPERS
    )))]
    // SAFETY: `(*xas).xa` is valid (the caller's guarantee); `spin_lock_irq(lock)` is
    // `_raw_spin_lock_irq(&lock->rlock)` in this configuration (see `xa_raw_lock()`).
    unsafe {
        bindings::_raw_spin_lock_irq(xa_raw_lock((*xas).xa))
    };
    #[cfg(any(
        CONFIG_PREEMPT_RT,
        CONFIG_INLINE_SPIN_LOCK_IRQ,
        CONFIG_RUST_INLINE_HELPERS
    ))]
    // SAFETY: As the caller guarantees.
    unsafe {
        bindings::xas_lock_irq(xas)
    };
}

/// Drops the lock of the XArray of `xas` and enables interrupts (`xas_unlock_irq()`), calling
/// `_raw_spin_unlock_irq()` directly where [`xas_lock_irq`] calls `_raw_spin_lock_irq()`.
///
/// # Safety
///
/// `xas` is a valid state of a valid XArray whose lock the caller holds, taken with
/// [`xas_lock_irq`] or `xas_lock_irq()`. If `xas` is the state of an [`XaLockIrqGuard`], the
/// caller takes the lock again with [`xas_lock_irq`] before the guard is used or dropped.
#[inline]
pub unsafe fn xas_unlock_irq(xas: *mut bindings::xa_state) {
    #[cfg(not(any(
        CONFIG_PREEMPT_RT,
        CONFIG_INLINE_SPIN_UNLOCK_IRQ,
        CONFIG_RUST_INLINE_HELPERS
    )))]
    // SAFETY: `(*xas).xa` is valid and its lock held (the caller's guarantee); as in
    // `xas_lock_irq()`.
    unsafe {
        bindings::_raw_spin_unlock_irq(xa_raw_lock((*xas).xa))
    };
    #[cfg(any(
        CONFIG_PREEMPT_RT,
        CONFIG_INLINE_SPIN_UNLOCK_IRQ,
        CONFIG_RUST_INLINE_HELPERS
    ))]
    // SAFETY: As the caller guarantees.
    unsafe {
        bindings::xas_unlock_irq(xas)
    };
}

/// The `raw_spinlock_t` of the `spinlock_t` `xa->xa_lock`.
///
/// Without `PREEMPT_RT` a `spinlock_t` is a union whose member `rlock`, the `raw_spinlock_t`
/// that `spin_lock_irq()` takes, is at offset 0 (bindgen sees the type as opaque, since the
/// union's other member exists only with lockdep).
///
/// # Safety
///
/// `xa` points to a valid XArray.
#[cfg(not(any(
    CONFIG_PREEMPT_RT,
    CONFIG_RUST_INLINE_HELPERS,
    all(CONFIG_INLINE_SPIN_LOCK_IRQ, CONFIG_INLINE_SPIN_UNLOCK_IRQ)
)))]
#[inline]
unsafe fn xa_raw_lock(xa: *mut bindings::xarray) -> *mut bindings::raw_spinlock_t {
    // SAFETY: `xa` is valid (the caller's guarantee); no memory is accessed.
    unsafe { (&raw mut (*xa).xa_lock).cast() }
}
