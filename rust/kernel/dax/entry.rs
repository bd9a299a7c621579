// SPDX-License-Identifier: GPL-2.0

//! DAX mapping entries: the values `fs/dax.c` keeps in the `i_pages` of a DAX file.
//!
//! A DAX file has no page cache. Each entry of its `i_pages` is an XArray value entry that
//! records the pfn of the persistent memory mapped at that index of the file (or a zero page,
//! or nothing yet) and four flags: `DAX_LOCKED`, `DAX_PMD`, `DAX_ZERO_PAGE` and `DAX_EMPTY`.
//! [`DaxEntry`] is such a value as read: bits, which refer to no memory by themselves. An
//! entry that is stored in place of another one is a [`NewEntry`], which can only be made from
//! memory that may be mapped at the file's index.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::{
    bindings,
    dax::pfn::DaxPfn,
    fs::address_space::AddressSpace,
    mm::fault::HugeZeroFolio,
    xarray::state::{Entry, XaOrder},
};

/// The order of a PMD entry.
pub const PMD_ORDER: u32 = bindings::PMD_ORDER;

/// The number of pages of a PMD entry.
pub const PG_PMD_NR: usize = 1 << PMD_ORDER;

/// The 'colour' of a page offset within a PMD: its low bits (`PG_PMD_COLOUR`).
pub const PG_PMD_COLOUR: usize = PG_PMD_NR - 1;

const SHIFT: u32 = bindings::DAX_SHIFT;
const LOCKED: usize = bindings::DAX_LOCKED;
const PMD: usize = bindings::DAX_PMD;
const ZERO_PAGE: usize = bindings::DAX_ZERO_PAGE;
const EMPTY: usize = bindings::DAX_EMPTY;

/// The order of an entry: a page (0) or a PMD ([`PMD_ORDER`]).
///
/// These are the only orders `fs/dax.c` stores, and they are orders the XArray can hold
/// whenever `CONFIG_FS_DAX_PMD` is set (it selects multi-index entries).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum EntryOrder {
    /// A page (`PAGE_SIZE`).
    Pte,
    /// A PMD (`PMD_SIZE`).
    Pmd,
}

impl EntryOrder {
    /// The order of a fault of `order` pages, if it is one DAX entries have.
    #[inline]
    pub fn new(order: u32) -> Option<Self> {
        match order {
            0 => Some(EntryOrder::Pte),
            PMD_ORDER => Some(EntryOrder::Pmd),
            _ => None,
        }
    }

    /// The order as a number.
    #[inline]
    pub const fn get(self) -> u32 {
        match self {
            EntryOrder::Pte => 0,
            EntryOrder::Pmd => PMD_ORDER,
        }
    }

    /// The order of a state over `i_pages` for an entry of this order, or `None` if the XArray
    /// cannot hold it (a PMD order without multi-index entries).
    #[inline]
    pub fn xa_order(self) -> Option<XaOrder> {
        XaOrder::new(self.get())
    }
}

/// A DAX mapping entry: the value of an `i_pages` entry of a DAX file (`fs/dax.c`'s encoding:
/// the pfn shifted by `DAX_SHIFT`, and the flags `DAX_LOCKED`, `DAX_PMD`, `DAX_ZERO_PAGE` and
/// `DAX_EMPTY`).
///
/// A `DaxEntry` is only a value: its pfn is a number, not a reference to memory. What may be
/// done with the memory of an entry is done through the entry's lock
/// ([`LockedEntry`](super::locked::LockedEntry)).
///
/// # Examples
///
/// ```
/// use kernel::dax::entry::{DaxEntry, EntryOrder};
///
/// let e = DaxEntry::empty(EntryOrder::Pmd);
/// assert!(e.is_empty() && e.is_pmd() && !e.is_locked());
/// assert_eq!(e.size(), 0);
/// assert!(e.locked().is_locked());
/// assert_eq!(e.locked().unlocked(), e);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DaxEntry(usize);

impl DaxEntry {
    /// An empty entry of `order`, only used for locking (`DAX_EMPTY`).
    #[inline]
    pub const fn empty(order: EntryOrder) -> Self {
        DaxEntry(
            EMPTY
                | match order {
                    EntryOrder::Pte => 0,
                    EntryOrder::Pmd => PMD,
                },
        )
    }

    /// The entry stored in `e`, if it is a value entry.
    #[inline]
    pub fn from_xa(e: Entry) -> Option<Self> {
        e.value().map(DaxEntry)
    }

    /// The XArray value entry that holds this entry.
    #[inline]
    pub(crate) fn to_xa(self) -> Entry {
        // The value fits: pfns are far below `isize::MAX >> DAX_SHIFT`.
        Entry::from_value(self.0 & Entry::MAX_VALUE).unwrap_or(Entry::NULL)
    }

    /// The page frame number (`dax_to_pfn()`): a number, meaningful for entries of DAX memory.
    #[inline]
    pub fn pfn(self) -> usize {
        self.0 >> SHIFT
    }

    /// Whether the entry is locked (`dax_is_locked()`).
    #[inline]
    pub fn is_locked(self) -> bool {
        self.0 & LOCKED != 0
    }

    /// Whether this is a PMD entry (`dax_is_pmd_entry()`).
    #[inline]
    pub fn is_pmd(self) -> bool {
        self.0 & PMD != 0
    }

    /// Whether this is a PTE entry (`dax_is_pte_entry()`).
    #[inline]
    pub fn is_pte(self) -> bool {
        !self.is_pmd()
    }

    /// Whether this is a zero-page entry (`dax_is_zero_entry()`).
    #[inline]
    pub fn is_zero(self) -> bool {
        self.0 & ZERO_PAGE != 0
    }

    /// Whether this is an empty entry (`dax_is_empty_entry()`).
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 & EMPTY != 0
    }

    /// Whether the entry maps DAX memory: neither a zero-page nor an empty entry.
    #[inline]
    pub fn has_memory(self) -> bool {
        !self.is_zero() && !self.is_empty()
    }

    /// The order of the entry (`dax_entry_order()`).
    #[inline]
    pub fn order(self) -> EntryOrder {
        if self.is_pmd() {
            EntryOrder::Pmd
        } else {
            EntryOrder::Pte
        }
    }

    /// The size of the memory the entry maps: 0 for zero-page and empty entries
    /// (`dax_entry_size()`).
    #[inline]
    pub fn size(self) -> usize {
        if self.has_memory() {
            crate::page::PAGE_SIZE << self.order().get()
        } else {
            0
        }
    }

    /// The raw XArray entry, as the trace events record it.
    #[inline]
    pub fn as_raw_entry(self) -> *mut crate::ffi::c_void {
        self.to_xa().as_ptr()
    }

    /// The same entry, locked.
    #[inline]
    pub fn locked(self) -> Self {
        DaxEntry(self.0 | LOCKED)
    }

    /// The same entry, unlocked.
    #[inline]
    pub fn unlocked(self) -> Self {
        DaxEntry(self.0 & !LOCKED)
    }
}

/// What a lookup in the DAX entries found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lookup {
    /// No entry.
    None,
    /// A DAX entry.
    Entry(DaxEntry),
    /// An entry of a smaller order than asked for (`dax_is_conflict()`).
    Conflict,
    /// Something that is not a DAX entry (a bug, warned about).
    Invalid,
}

/// An entry to store in place of a locked entry: DAX memory of the file, the zero page or the
/// huge zero folio.
///
/// The lifetime is that of what keeps the memory valid: the DAX read lock under which the pfn
/// was found, or the reference to the huge zero folio.
///
/// # Invariants
///
/// `entry` is unlocked and not empty. If it has memory, `memory` is its pfn, of its order (see
/// the invariants of [`DaxPfn`]). If it is a zero-page entry, its pfn is a zero page (order 0)
/// or the huge zero folio (PMD order), and `memory` is `None`.
#[derive(Clone, Copy, Debug)]
pub struct NewEntry<'g> {
    entry: DaxEntry,
    memory: Option<DaxPfn<'g>>,
}

impl<'g> NewEntry<'g> {
    /// An entry for the DAX memory at `pfn`, of the order `pfn` covers
    /// (`dax_make_entry(pfn, pmd ? DAX_PMD : 0)`).
    #[inline]
    pub fn memory(pfn: DaxPfn<'g>) -> Self {
        let flags = match pfn.order() {
            EntryOrder::Pte => 0,
            EntryOrder::Pmd => PMD,
        };
        // INVARIANT: An entry of `pfn`, of its order.
        NewEntry {
            entry: DaxEntry((pfn.pfn() << SHIFT) | flags),
            memory: Some(pfn),
        }
    }

    /// A zero-page entry for a read fault at user address `address` (`DAX_ZERO_PAGE`).
    #[inline]
    pub fn zero_page(address: usize) -> NewEntry<'static> {
        // INVARIANT: `zero_pfn()` is a zero page.
        NewEntry {
            entry: DaxEntry((crate::mm::fault::zero_pfn(address) << SHIFT) | ZERO_PAGE),
            memory: None,
        }
    }

    /// A huge zero-page entry for the huge zero folio (`DAX_PMD | DAX_ZERO_PAGE`).
    #[inline]
    pub fn huge_zero_page(folio: &'g HugeZeroFolio) -> Self {
        // INVARIANT: `folio` is the huge zero folio.
        NewEntry {
            entry: DaxEntry((folio.pfn() << SHIFT) | PMD | ZERO_PAGE),
            memory: None,
        }
    }

    /// The entry.
    #[inline]
    pub fn entry(&self) -> DaxEntry {
        self.entry
    }

    /// Whether the entry is memory of an extent shared with other files (`IOMAP_F_SHARED`).
    #[inline]
    pub fn is_shared(&self) -> bool {
        self.memory.is_some_and(DaxPfn::is_shared)
    }

    /// Whether the entry may be stored at `index` of `mapping`: a zero-page entry anywhere,
    /// memory only in the entry it was found for ([`DaxPfn::is_for`]).
    #[inline]
    pub fn is_for(&self, mapping: &AddressSpace, index: usize) -> bool {
        self.memory.is_none_or(|pfn| pfn.is_for(mapping, index))
    }
}

#[macros::kunit_tests(rust_dax_new_entry)]
mod tests {
    use super::*;
    use crate::{alloc::KBox, prelude::*, types::Opaque};

    /// Memory found for an entry may be stored only in that entry; a zero page anywhere.
    #[test]
    fn memory_is_only_for_its_entry() -> Result {
        let space_a = KBox::new(Opaque::<bindings::address_space>::zeroed(), GFP_KERNEL)?;
        let space_b = KBox::new(Opaque::<bindings::address_space>::zeroed(), GFP_KERNEL)?;
        // SAFETY: Two allocations that live until the end of the test: `is_for()` only compares
        // their addresses, and nothing reads them.
        let (a, b) = unsafe {
            (
                AddressSpace::from_raw(space_a.get()),
                AddressSpace::from_raw(space_b.get()),
            )
        };
        for (order, index) in [(EntryOrder::Pte, 5), (EntryOrder::Pmd, 2 * PG_PMD_NR)] {
            let nr = 1 << order.get();
            // SAFETY: The entry made of this pfn is never stored or mapped, and its memory never
            // accessed: the test only asks where it may be stored.
            let pfn = unsafe { DaxPfn::new(0x1000, order, false, a, index) };
            let new = NewEntry::memory(pfn);
            assert!(new.is_for(a, index));
            assert!(!new.is_for(a, index + nr));
            assert!(!new.is_for(a, index - nr));
            assert!(!new.is_for(b, index));
        }
        let zero = NewEntry::zero_page(0);
        assert!(zero.is_for(a, 5) && zero.is_for(b, 6));
        Ok(())
    }
}
