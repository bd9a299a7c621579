// SPDX-License-Identifier: GPL-2.0

//! The XArray advanced API: an operation state ([`XaState`]) over an XArray that the caller
//! does not own, such as the `i_pages` of an address space.
//!
//! The C advanced API lets the caller walk the tree once and then load, store and mark entries
//! at the position it reached, under the XArray's spinlock taken with interrupts disabled. Here
//! the operations that need the lock are methods of [`XaLockIrqGuard`], which exists only while
//! the lock is held; the ones that must run without it (allocating memory with
//! [`XaState::nomem`]) are methods of [`XaState`], which the guard borrows mutably.
//!
//! Only value entries (and `NULL`) can be stored through this API, and [`ValueXArray::from_raw`]
//! requires an array whose entries are all value entries, so storing or erasing an entry never
//! leaks or frees anything the array owned.
//!
//! C header: [`include/linux/xarray.h`](srctree/include/linux/xarray.h)

use crate::{alloc::Flags, bindings, error::Error, ffi::c_void, types::Opaque};
use core::{marker::PhantomData, ptr};

/// An XArray owned elsewhere whose entries are all value entries.
///
/// # Invariants
///
/// `self.0` is a valid, initialised `struct xarray` whose entries are value entries (or empty),
/// for as long as a reference to `ValueXArray` exists.
#[repr(transparent)]
pub struct ValueXArray(Opaque<bindings::xarray>);

// SAFETY: The XArray serialises all modifications through its spinlock, and value entries own
// nothing, so it can be used from any thread.
unsafe impl Send for ValueXArray {}
// SAFETY: As above: concurrent access from several threads is serialised by the XArray's lock.
unsafe impl Sync for ValueXArray {}

impl ValueXArray {
    /// Creates a reference to an XArray owned elsewhere.
    ///
    /// # Safety
    ///
    /// `xa` must point to an initialised `struct xarray` that stays valid for `'a`, and every
    /// entry stored in it during `'a` must be a value entry: nothing else may store pointers in it.
    pub unsafe fn from_raw<'a>(xa: *mut bindings::xarray) -> &'a Self {
        // SAFETY: `ValueXArray` is a transparent wrapper of `struct xarray`, and the caller
        // guarantees validity for `'a`.
        unsafe { &*xa.cast() }
    }

    /// Returns the raw `struct xarray` pointer.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::xarray {
        self.0.get()
    }
}

/// An entry read from an XArray: `NULL`, a value entry, or an internal entry (such as a retry
/// entry or an encoded error). Pointer entries never occur in a [`ValueXArray`].
///
/// An `Entry` is only a value: it does not keep anything alive.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Entry(*mut c_void);

impl Entry {
    /// The empty entry.
    pub const NULL: Entry = Entry(ptr::null_mut());

    /// The largest value a value entry can hold.
    pub const MAX_VALUE: usize = (isize::MAX) as usize;

    /// Makes a value entry holding `v` (`xa_mk_value`). Returns `None` if `v` exceeds
    /// [`Entry::MAX_VALUE`].
    #[inline]
    pub const fn from_value(v: usize) -> Option<Entry> {
        if v > Self::MAX_VALUE {
            return None;
        }
        Some(Entry(((v << 1) | 1) as *mut c_void))
    }

    /// Makes an internal entry holding `v` (`xa_mk_internal`). Internal entries are never stored
    /// through this API; they carry results such as a retry or an error code to the caller.
    #[inline]
    pub const fn internal(v: usize) -> Entry {
        Entry(((v << 2) | 2) as *mut c_void)
    }

    /// The retry entry (`XA_RETRY_ENTRY`).
    pub const RETRY: Entry = Entry::internal(256);

    /// The entry whose raw bits are `bits`, as C code passes entries around in integers (such
    /// as the `dax_entry_t` cookies of `fs/dax.c`). Only value entries are ever stored.
    #[inline]
    pub fn from_raw_value_bits(bits: usize) -> Entry {
        Entry(bits as *mut c_void)
    }

    /// Whether this is the empty entry.
    #[inline]
    pub fn is_null(self) -> bool {
        self.0.is_null()
    }

    /// Whether this is a value entry (`xa_is_value`).
    #[inline]
    pub fn is_value(self) -> bool {
        (self.0 as usize) & 1 != 0
    }

    /// The value held by a value entry (`xa_to_value`), or `None` for other entries.
    #[inline]
    pub fn value(self) -> Option<usize> {
        if self.is_value() {
            Some((self.0 as usize) >> 1)
        } else {
            None
        }
    }

    /// Whether this is an internal entry (`xa_is_internal`).
    #[inline]
    pub fn is_internal(self) -> bool {
        (self.0 as usize) & 3 == 2
    }

    /// The value held by an internal entry (`xa_to_internal`), or `None` for other entries.
    #[inline]
    pub fn internal_value(self) -> Option<usize> {
        if self.is_internal() {
            Some((self.0 as usize) >> 2)
        } else {
            None
        }
    }

    /// Whether this is the retry entry (`xa_is_retry`).
    #[inline]
    pub fn is_retry(self) -> bool {
        self == Self::RETRY
    }

    /// The raw entry.
    #[inline]
    pub fn as_ptr(self) -> *mut c_void {
        self.0
    }

    /// Makes an `Entry` from a raw entry.
    #[inline]
    fn from_raw(p: *mut c_void) -> Entry {
        Entry(p)
    }
}

impl core::fmt::Debug for Entry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let Some(v) = self.value() {
            write!(f, "Entry::value({v:#x})")
        } else if let Some(v) = self.internal_value() {
            write!(f, "Entry::internal({v})")
        } else if self.is_null() {
            write!(f, "Entry::NULL")
        } else {
            write!(f, "Entry({:p})", self.0)
        }
    }
}

/// One of the three marks an XArray keeps per entry (`XA_MARK_0` to `XA_MARK_2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Mark {
    /// `XA_MARK_0`; the page cache calls it `PAGECACHE_TAG_DIRTY`.
    Mark0 = 0,
    /// `XA_MARK_1`; the page cache calls it `PAGECACHE_TAG_WRITEBACK`.
    Mark1 = 1,
    /// `XA_MARK_2`; the page cache calls it `PAGECACHE_TAG_TOWRITE`.
    Mark2 = 2,
}

impl Mark {
    /// `PAGECACHE_TAG_DIRTY`.
    pub const PAGECACHE_DIRTY: Mark = Mark::Mark0;
    /// `PAGECACHE_TAG_TOWRITE`.
    pub const PAGECACHE_TOWRITE: Mark = Mark::Mark2;

    fn raw(self) -> bindings::xa_mark_t {
        self as bindings::xa_mark_t
    }
}

/// The order of a multi-index entry: it covers `1 << order` indices.
///
/// # Invariants
///
/// The order is below `BITS_PER_LONG`, and 0 unless the kernel has multi-index entries
/// (`CONFIG_XARRAY_MULTI`): the orders `xas_set_order()` accepts.
///
/// # Examples
///
/// ```
/// use kernel::xarray::state::XaOrder;
///
/// assert_eq!(XaOrder::new(0), Some(XaOrder::ZERO));
/// assert_eq!(XaOrder::new(usize::BITS), None);
/// # #[cfg(CONFIG_XARRAY_MULTI)]
/// assert_eq!(XaOrder::new(9).map(XaOrder::get), Some(9));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XaOrder(u32);

impl XaOrder {
    /// Order 0: a single index.
    pub const ZERO: XaOrder = XaOrder(0);

    /// The order `order`, if the XArray can hold entries of that order.
    #[inline]
    pub const fn new(order: u32) -> Option<XaOrder> {
        if order >= usize::BITS || (order > 0 && !cfg!(CONFIG_XARRAY_MULTI)) {
            return None;
        }
        // INVARIANT: Checked above.
        Some(XaOrder(order))
    }

    /// The order as a number.
    #[inline]
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// An XArray operation state (`struct xa_state`, the C `XA_STATE()`).
///
/// It remembers an index (and an order, for multi-index entries) and where the last operation
/// left off in the tree. Operations that need the XArray lock are on [`XaLockIrqGuard`], made by
/// [`XaState::lock_irq`].
///
/// # Examples
///
/// Store a value entry, allocating the tree's nodes outside the lock as `fs/dax.c` does:
///
/// ```
/// use kernel::prelude::*;
/// use kernel::xarray::state::{Entry, ValueXArray, XaState};
///
/// fn store_value(xa: &ValueXArray, index: usize, v: usize) -> Result<Entry> {
///     let entry = Entry::from_value(v).ok_or(EINVAL)?;
///     let mut xas = XaState::new(xa, index);
///     loop {
///         let mut guard = xas.lock_irq();
///         let old = guard.store(entry).ok_or(EINVAL)?;
///         guard.unlock();
///         if !xas.nomem(GFP_KERNEL) {
///             xas.error()?;
///             return Ok(old);
///         }
///     }
/// }
/// ```
///
/// # Invariants
///
/// `self.xas.xa` points to the `struct xarray` of the [`ValueXArray`] borrowed for `'a`.
/// `self.xas.xa_alloc` is `NULL` or a node allocated by `xas_nomem()`.
pub struct XaState<'a> {
    xas: bindings::xa_state,
    _xa: PhantomData<&'a ValueXArray>,
}

/// `XAS_RESTART`: the state has not walked the tree yet.
const XAS_RESTART: *mut bindings::xa_node = ptr::without_provenance_mut(3);

impl<'a> XaState<'a> {
    /// Creates an operation state for `index` of `xa` (`XA_STATE()`).
    #[inline]
    pub fn new(xa: &'a ValueXArray, index: usize) -> Self {
        // INVARIANT: `xa` is borrowed for `'a`, and no node is allocated.
        Self {
            xas: bindings::xa_state {
                xa: xa.as_ptr(),
                xa_index: index,
                xa_shift: 0,
                xa_sibs: 0,
                xa_offset: 0,
                xa_pad: 0,
                xa_node: XAS_RESTART,
                xa_alloc: ptr::null_mut(),
                xa_update: None,
                xa_lru: ptr::null_mut(),
            },
            _xa: PhantomData,
        }
    }

    /// Creates an operation state for the multi-index entry of `order` that covers `index`
    /// (`XA_STATE_ORDER()`): the index is rounded down to a multiple of `1 << order`.
    #[inline]
    pub fn new_order(xa: &'a ValueXArray, index: usize, order: XaOrder) -> Self {
        let mut xas = Self::new(xa, index);
        // Order 0 is what `new` set up; only larger orders need `xas_set_order`.
        if order != XaOrder::ZERO {
            xas.set_order(index, order);
        }
        xas
    }

    /// The index this state operates on.
    #[inline]
    pub fn index(&self) -> usize {
        self.xas.xa_index
    }

    /// The XArray this state operates on.
    #[inline]
    pub fn xarray(&self) -> &'a ValueXArray {
        // SAFETY: By the type invariant `xa` is the array of a `ValueXArray` borrowed for `'a`.
        unsafe { ValueXArray::from_raw(self.xas.xa) }
    }

    /// The address of the XArray this state operates on, for code that must not keep a
    /// reference to it (because the lock it releases was what kept the array alive).
    #[inline]
    pub(crate) fn xarray_ptr(&self) -> *mut bindings::xarray {
        self.xas.xa
    }

    /// Moves the state to `index` and restarts the walk (`xas_set`).
    #[inline]
    pub fn set(&mut self, index: usize) {
        self.xas.xa_index = index;
        self.xas.xa_node = XAS_RESTART;
    }

    /// Moves the state to the entry of `order` covering `index` (`xas_set_order`).
    #[inline]
    pub fn set_order(&mut self, index: usize, order: XaOrder) {
        let order = order.get();
        // `xas_set_order()` with multi-index entries, in Rust: through its helper the divisions
        // by `XA_CHUNK_SHIFT` were made at run time, where C folds them for a constant order.
        #[cfg(CONFIG_XARRAY_MULTI)]
        {
            // `XA_CHUNK_SHIFT` of `<linux/xarray.h>`.
            const XA_CHUNK_SHIFT: u32 = if cfg!(CONFIG_BASE_SMALL) { 4 } else { 6 };
            // `order < usize::BITS` (type invariant of `XaOrder`), so neither shift overflows,
            // `order - order % XA_CHUNK_SHIFT` fits a `u8`, and
            // `(1 << (order % XA_CHUNK_SHIFT)) - 1` is below `XA_CHUNK_SIZE`.
            self.xas.xa_index = (index >> order) << order;
            self.xas.xa_shift = (order - order % XA_CHUNK_SHIFT) as u8;
            self.xas.xa_sibs = ((1u32 << (order % XA_CHUNK_SHIFT)) - 1) as u8;
            self.xas.xa_node = XAS_RESTART;
        }
        #[cfg(not(CONFIG_XARRAY_MULTI))]
        {
            // Without multi-index entries `XaOrder` is only ever 0, for which
            // `xas_set_order()` is `xas_set()` (it `BUG()`s for any other order).
            let _ = order;
            self.set(index);
        }
    }

    /// Restarts the walk at the same index (`xas_reset`). Needed after the lock was dropped,
    /// because the tree may have changed.
    #[inline]
    pub fn reset(&mut self) {
        self.xas.xa_node = XAS_RESTART;
    }

    /// The error recorded in the state, if any (`xas_error`).
    #[inline]
    pub fn error(&self) -> Result<(), Error> {
        // `xa_err(xas->xa_node)`, open-coded because it is on every fault path: an error is an
        // internal entry (low bits `10`) at or above `xa_mk_internal(-MAX_ERRNO)`.
        let node = self.xas.xa_node.addr();
        let first_err = ((-(bindings::MAX_ERRNO as isize)) << 2 | 2) as usize;
        if node & 3 == 2 && node >= first_err {
            Err(Error::from_errno(((node as isize) >> 2) as i32))
        } else {
            Ok(())
        }
    }

    /// Whether the last operation failed for lack of memory.
    #[inline]
    pub fn is_nomem(&self) -> bool {
        self.error() == Err(crate::error::code::ENOMEM)
    }

    /// Allocates the memory the last store lacked, without the lock (`xas_nomem`).
    ///
    /// Returns `true` if the caller should retry the operation: the last one failed with
    /// `-ENOMEM` and memory was allocated with `gfp`. Otherwise frees any memory the state held
    /// and returns `false`.
    #[inline]
    pub fn nomem(&mut self, gfp: Flags) -> bool {
        // SAFETY: `self.xas` is a valid state, and the lock is not held: a guard would borrow
        // `self` mutably.
        unsafe { bindings::xas_nomem(&mut self.xas, gfp.as_raw()) }
    }

    /// Takes the XArray lock with interrupts disabled (`xas_lock_irq`).
    #[inline]
    pub fn lock_irq(&mut self) -> XaLockIrqGuard<'_, 'a> {
        // SAFETY: `self.xas.xa` is valid by the type invariant, and its lock is not held: a guard
        // would borrow `self` mutably.
        unsafe { xas_lock_irq(&mut self.xas) };
        // INVARIANT: The lock was just taken.
        XaLockIrqGuard { xas: self }
    }

    /// The raw `struct xa_state`, for C functions that take one.
    #[inline]
    pub fn as_raw(&mut self) -> *mut bindings::xa_state {
        &mut self.xas
    }
}

impl Drop for XaState<'_> {
    #[inline]
    fn drop(&mut self) {
        if !self.xas.xa_alloc.is_null() {
            // SAFETY: `xa_alloc` is a node allocated by `xas_nomem()` (type invariant), which
            // `xas_destroy` frees.
            unsafe { bindings::xas_destroy(&mut self.xas) };
        }
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

    /// The raw operation state, for code of the kernel crate that drops and retakes the lock
    /// itself (and restores the guard's invariant before the guard is used again).
    #[inline]
    pub(crate) fn state_ptr(&mut self) -> *mut bindings::xa_state {
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
/// (`PREEMPT_RT`): that call is made here directly, saving the helper's frame on the fault
/// paths, which take and drop the lock three times a fault.
///
/// # Safety
///
/// `xas` is a valid state of a valid XArray whose lock the caller does not hold.
#[inline]
pub(crate) unsafe fn xas_lock_irq(xas: *mut bindings::xa_state) {
    #[cfg(not(any(CONFIG_PREEMPT_RT, CONFIG_INLINE_SPIN_LOCK_IRQ)))]
    // SAFETY: `(*xas).xa` is valid (the caller's guarantee); `spin_lock_irq(lock)` is
    // `_raw_spin_lock_irq(&lock->rlock)` in this configuration (see `xa_raw_lock()`).
    unsafe {
        bindings::_raw_spin_lock_irq(xa_raw_lock((*xas).xa))
    };
    #[cfg(any(CONFIG_PREEMPT_RT, CONFIG_INLINE_SPIN_LOCK_IRQ))]
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
/// [`xas_lock_irq`] or `xas_lock_irq()`.
#[inline]
pub(crate) unsafe fn xas_unlock_irq(xas: *mut bindings::xa_state) {
    #[cfg(not(any(CONFIG_PREEMPT_RT, CONFIG_INLINE_SPIN_UNLOCK_IRQ)))]
    // SAFETY: `(*xas).xa` is valid and its lock held (the caller's guarantee); as in
    // `xas_lock_irq()`.
    unsafe {
        bindings::_raw_spin_unlock_irq(xa_raw_lock((*xas).xa))
    };
    #[cfg(any(CONFIG_PREEMPT_RT, CONFIG_INLINE_SPIN_UNLOCK_IRQ))]
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
    all(CONFIG_INLINE_SPIN_LOCK_IRQ, CONFIG_INLINE_SPIN_UNLOCK_IRQ)
)))]
#[inline]
unsafe fn xa_raw_lock(xa: *mut bindings::xarray) -> *mut bindings::raw_spinlock_t {
    // SAFETY: `xa` is valid (the caller's guarantee); no memory is accessed.
    unsafe { (&raw mut (*xa).xa_lock).cast() }
}

/// An XArray owned by a KUnit test, holding value entries only.
#[cfg(CONFIG_KUNIT)]
pub(crate) struct TestXArray(crate::alloc::KBox<Opaque<bindings::xarray>>);

#[cfg(CONFIG_KUNIT)]
impl TestXArray {
    /// An empty XArray.
    pub(crate) fn new() -> crate::error::Result<Self> {
        let xa = crate::alloc::KBox::new(Opaque::uninit(), crate::alloc::flags::GFP_KERNEL)?;
        // SAFETY: `xa` is a valid allocation for a `struct xarray`, initialised here.
        unsafe { bindings::xa_init_flags(xa.get(), 0) };
        Ok(Self(xa))
    }

    /// The array; tests store only value entries in it.
    pub(crate) fn xa(&self) -> &ValueXArray {
        // SAFETY: The array is initialised, lives as long as `self`, and the tests store only
        // value entries in it.
        unsafe { ValueXArray::from_raw(self.0.get()) }
    }
}

#[cfg(CONFIG_KUNIT)]
impl Drop for TestXArray {
    fn drop(&mut self) {
        // SAFETY: The array is initialised and no longer used; its entries own nothing.
        unsafe { bindings::xa_destroy(self.0.get()) };
    }
}

#[macros::kunit_tests(rust_xarray_state)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// Stores `entry` at `xas`, allocating outside the lock as needed.
    fn store(xas: &mut XaState<'_>, entry: Entry) -> Result<Entry> {
        loop {
            let mut g = xas.lock_irq();
            let old = g.store(entry).ok_or(EINVAL)?;
            drop(g);
            if !xas.nomem(GFP_KERNEL) {
                xas.error()?;
                return Ok(old);
            }
        }
    }

    #[test]
    fn value_entries() -> Result {
        for v in [0usize, 1, 0x1234, Entry::MAX_VALUE] {
            let e = Entry::from_value(v).ok_or(EINVAL)?;
            assert!(e.is_value());
            assert!(!e.is_internal());
            assert!(!e.is_null());
            assert_eq!(e.value(), Some(v));
        }
        assert!(Entry::from_value(Entry::MAX_VALUE + 1).is_none());
        assert!(Entry::NULL.is_null());
        assert_eq!(Entry::NULL.value(), None);
        assert!(Entry::RETRY.is_internal());
        assert!(Entry::RETRY.is_retry());
        assert_eq!(Entry::RETRY.internal_value(), Some(256));
        assert_eq!(Entry::internal(7).internal_value(), Some(7));
        Ok(())
    }

    #[test]
    fn store_load_and_lock_bit() -> Result {
        const LOCKED: usize = 1;
        let xa = TestXArray::new()?;
        let mut xas = XaState::new(xa.xa(), 42);
        let e = Entry::from_value(0x50).ok_or(EINVAL)?;
        assert_eq!(store(&mut xas, e)?, Entry::NULL);

        // Lock the entry as fs/dax.c does: store it again with the lock bit set.
        xas.reset();
        let mut g = xas.lock_irq();
        let cur = g.load();
        assert_eq!(cur, e);
        let v = cur.value().ok_or(EINVAL)?;
        let locked = Entry::from_value(v | LOCKED).ok_or(EINVAL)?;
        assert_eq!(g.store(locked), Some(e));
        assert_eq!(g.load().value().map(|v| v & LOCKED), Some(LOCKED));
        // Unlock.
        assert_eq!(g.store(e), Some(locked));
        assert_eq!(g.load(), e);
        // A pointer entry cannot be stored.
        assert_eq!(g.store(Entry::RETRY), None);
        drop(g);

        // Other indices are empty; erase the entry.
        xas.set(41);
        let mut g = xas.lock_irq();
        assert!(g.load().is_null());
        g.set(42);
        assert_eq!(g.store(Entry::NULL), Some(e));
        assert!(g.load().is_null());
        Ok(())
    }

    #[test]
    fn marks_and_conflicts() -> Result {
        let xa = TestXArray::new()?;
        let e = Entry::from_value(3).ok_or(EINVAL)?;
        let mut xas = XaState::new(xa.xa(), 513);
        store(&mut xas, e)?;

        xas.reset();
        let mut g = xas.lock_irq();
        g.load();
        assert!(!g.get_mark(Mark::PAGECACHE_DIRTY));
        g.set_mark(Mark::PAGECACHE_DIRTY);
        assert!(g.get_mark(Mark::PAGECACHE_DIRTY));
        assert!(!g.get_mark(Mark::PAGECACHE_TOWRITE));
        g.clear_mark(Mark::PAGECACHE_DIRTY);
        assert!(!g.get_mark(Mark::PAGECACHE_DIRTY));
        drop(g);

        // An order-9 entry covering 513 (512..1023) conflicts with the entry at 513.
        let order = XaOrder::new(9).ok_or(EINVAL)?;
        let mut big = XaState::new_order(xa.xa(), 700, order);
        assert_eq!(big.index(), 512);
        let mut g = big.lock_irq();
        assert_eq!(g.find_conflict(), e);
        drop(g);

        // The order-9 range above it is free.
        let mut free = XaState::new_order(xa.xa(), 1024, order);
        let mut g = free.lock_irq();
        assert!(g.find_conflict().is_null());
        Ok(())
    }

    /// `replace_value()` leaves the array as `store()` does, for entries of order 0 and of a
    /// multi-index order, at the array's head and in nodes, with marks.
    #[test]
    fn replace_value_is_store() -> Result {
        let order = XaOrder::new(9).ok_or(EINVAL)?;
        let v = |x: usize| Entry::from_value(x).ok_or(EINVAL);
        let a = TestXArray::new()?;
        let b = TestXArray::new()?;
        // A single entry at index 0 (the head), an order-0 entry in a node, and an order-9
        // entry (several slots of a node) with a mark.
        for xa in [a.xa(), b.xa()] {
            store(&mut XaState::new(xa, 0), v(1)?)?;
        }
        let (mut sa, mut sb) = (XaState::new(a.xa(), 0), XaState::new(b.xa(), 0));
        let mut ga = sa.lock_irq();
        assert_eq!(ga.load(), v(1)?);
        assert!(ga.replace_value(v(1)?, v(2)?));
        drop(ga);
        let mut gb = sb.lock_irq();
        gb.store(v(2)?);
        drop(gb);
        for xa in [a.xa(), b.xa()] {
            store(&mut XaState::new(xa, 7), v(3)?)?;
            store(&mut XaState::new_order(xa, 1024, order), v(4)?)?;
            let mut xas = XaState::new_order(xa, 1024, order);
            let mut g = xas.lock_irq();
            g.load();
            g.set_mark(Mark::PAGECACHE_DIRTY);
        }
        for (index, old, new, order) in [(7, 3, 5, XaOrder::ZERO), (1024, 4, 6, order)] {
            let mut xas = XaState::new_order(a.xa(), index, order);
            let mut g = xas.lock_irq();
            assert_eq!(g.find_conflict(), v(old)?);
            assert!(g.replace_value(v(old)?, v(new)?));
            // Not at `old` any more: nothing changes.
            assert!(!g.replace_value(v(old)?, v(new + 100)?));
            drop(g);
            let mut xas = XaState::new_order(b.xa(), index, order);
            let mut g = xas.lock_irq();
            g.find_conflict();
            g.store(v(new)?);
        }
        // An order-0 state inside the order-9 entry replaces the whole entry, as `store()`.
        for (xa, replace) in [(a.xa(), true), (b.xa(), false)] {
            let mut xas = XaState::new(xa, 1024 + 100);
            let mut g = xas.lock_irq();
            assert_eq!(g.load(), v(6)?);
            if replace {
                assert!(g.replace_value(v(6)?, v(8)?));
            } else {
                g.store(v(8)?);
            }
        }
        let at = |xa: &ValueXArray, index| {
            let mut xas = XaState::new(xa, index);
            let mut g = xas.lock_irq();
            (g.load(), g.get_mark(Mark::PAGECACHE_DIRTY))
        };
        for index in [0, 1, 7, 8, 1023, 1024, 1025, 1124, 1535, 1536] {
            assert_eq!(at(a.xa(), index), at(b.xa(), index));
        }
        Ok(())
    }

    #[test]
    fn errors_are_recorded() -> Result {
        let xa = TestXArray::new()?;
        let mut xas = XaState::new(xa.xa(), 0);
        assert!(xas.error().is_ok());
        let mut g = xas.lock_irq();
        g.set_err(EIO);
        drop(g);
        assert_eq!(xas.error(), Err(EIO));
        assert!(!xas.is_nomem());
        // No memory was lacking, so there is nothing to retry.
        assert!(!xas.nomem(GFP_KERNEL));
        Ok(())
    }
}
