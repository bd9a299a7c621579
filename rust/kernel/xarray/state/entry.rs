// SPDX-License-Identifier: GPL-2.0

//! XArray entries ([`Entry`]), marks ([`Mark`]) and the orders of multi-index entries
//! ([`XaOrder`]).
//!
//! C header: [`include/linux/xarray.h`](srctree/include/linux/xarray.h)

use crate::{bindings, ffi::c_void};
use core::ptr;

/// An entry read from an XArray: `NULL`, a value entry, or an internal entry (such as a retry
/// entry or an encoded error). Pointer entries never occur in a
/// [`ValueXArray`](super::ValueXArray).
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
    pub(super) fn from_raw(p: *mut c_void) -> Entry {
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

    pub(super) fn raw(self) -> bindings::xa_mark_t {
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
