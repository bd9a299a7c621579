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

use crate::{alloc::Flags, bindings, error::Error, types::Opaque};
use core::{marker::PhantomData, ptr};

mod entry;
mod lock;

pub use entry::{Entry, Mark, XaOrder};
pub use lock::XaLockIrqGuard;
pub use lock::{xas_lock_irq, xas_unlock_irq};

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
    /// For the `i_pages` of a DAX file, only the DAX abstractions of this crate
    /// ([`crate::dax::entries`]) may call this: they alone may store its entries.
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
    pub fn xarray_ptr(&self) -> *mut bindings::xarray {
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
        // `xas_set_order()` with multi-index entries, in Rust unless the helpers are inlined:
        // through a helper call the divisions by `XA_CHUNK_SHIFT` are made at run time, where C
        // folds them for a constant order. KUnit `rust_xarray_state` compares it with the C
        // function.
        #[cfg(all(CONFIG_XARRAY_MULTI, not(CONFIG_RUST_INLINE_HELPERS)))]
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
        #[cfg(all(CONFIG_XARRAY_MULTI, CONFIG_RUST_INLINE_HELPERS))]
        // SAFETY: `self.xas` is a valid state (type invariant), and `order` is one it accepts
        // (type invariant of `XaOrder`).
        unsafe {
            bindings::xas_set_order(&mut self.xas, index, order)
        };
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

    /// `set_order()` moves the state as `xas_set_order()` does.
    #[test]
    fn set_order_is_c() -> Result {
        let xa = TestXArray::new()?;
        for order in (0..usize::BITS).filter_map(XaOrder::new) {
            for index in [0, 1, 0x1ff, 0x200, 0x1234_5678, usize::MAX] {
                let mut ours = XaState::new(xa.xa(), 7);
                let mut c = XaState::new(xa.xa(), 7);
                ours.set_order(index, order);
                // SAFETY: `c` is a valid state, and `order` one that `xas_set_order()`
                // accepts (type invariant of `XaOrder`).
                unsafe { bindings::xas_set_order(c.as_raw(), index, order.get()) };
                let (a, b) = (ours.as_raw(), c.as_raw());
                // SAFETY: Both point to the states above, which live until the end of the loop.
                let (a, b) = unsafe { (&*a, &*b) };
                assert_eq!(
                    (a.xa_index, a.xa_shift, a.xa_sibs, a.xa_node),
                    (b.xa_index, b.xa_shift, b.xa_sibs, b.xa_node)
                );
            }
        }
        Ok(())
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
