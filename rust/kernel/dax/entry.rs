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
    fs::address_space::AddressSpace,
    mm::{
        folio::{page_folio, DaxFolio},
        memory_model::pfn_to_page,
    },
    page::BorrowedPage,
    sync::aref::ARef,
    sync::wait::{WaitQueueHead, WakeKey, WakeMode},
    xarray::state::{Entry, Mark, ValueXArray, XaLockIrqGuard, XaState},
};

/// The key of a wait for a DAX entry (`struct dax_entry_key`).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct EntryKey(bindings::dax_entry_key);

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

/// The wait queue and the key for a wait on `entry`, found at `index` of `xa`
/// (`dax_entry_waitqueue()`).
///
/// `entry` need not be the entry at `index` any more: what matters is whether it was a PMD
/// entry, whose waiters are keyed by the PMD-aligned index.
#[inline]
pub fn entry_waitqueue(
    xa: &ValueXArray,
    index: usize,
    entry: Entry,
) -> (&'static WaitQueueHead<EntryKey>, EntryKey) {
    let mut key = core::mem::MaybeUninit::<bindings::dax_entry_key>::uninit();
    // SAFETY: `xa` is a valid XArray; `dax_entry_waitqueue()` only uses its address (and
    // `entry`'s bits) to compute the key and pick a queue, and writes `key`.
    let wq = unsafe {
        bindings::dax_entry_waitqueue(xa.as_ptr(), index, entry.as_ptr(), key.as_mut_ptr())
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
pub fn wake_entry(xa: &ValueXArray, index: usize, entry: Entry, mode: WakeMode) {
    let (wq, key) = entry_waitqueue(xa, index, entry);
    if wq.is_active() {
        wq.wake_up(&key, mode);
    }
}

// ---------------------------------------------------------------------------------------------
// The DAX entries of an address space.
// ---------------------------------------------------------------------------------------------

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

/// A DAX mapping entry: the value of an `i_pages` entry of a DAX file (`fs/dax.c`'s encoding:
/// the pfn shifted by `DAX_SHIFT`, and the flags `DAX_LOCKED`, `DAX_PMD`, `DAX_ZERO_PAGE` and
/// `DAX_EMPTY`).
///
/// # Invariants
///
/// A `DaxEntry` was read from the `i_pages` of a DAX file, or made by this module from the pfn
/// of DAX memory returned by `dax_direct_access()` ([`DaxPfn`]), from a zero page, or empty: its
/// pfn, if it has one, has a `struct page` for as long as the DAX device of the file is bound,
/// which is the case while a fault or an entry lock on the file is in progress.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DaxEntry(usize);

/// The pfn of DAX memory that a filesystem maps at the faulting offset, from
/// `dax_direct_access()`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DaxPfn(usize);

impl DaxPfn {
    /// The pfn of the first page of `mapping`.
    #[inline]
    pub fn of(mapping: &crate::dax::device::DaxMapping<'_>) -> Self {
        DaxPfn(mapping.pfn())
    }

    /// The page frame number.
    #[inline]
    pub fn pfn(self) -> usize {
        self.0
    }

    /// The pfn a filesystem passes to `dax_finish_sync_fault()`: the one that the fault
    /// returned with `VM_FAULT_NEEDDSYNC`, which came from `dax_direct_access()`.
    #[inline]
    pub(crate) fn from_sync_fault(pfn: usize) -> Self {
        DaxPfn(pfn)
    }

    /// Maps this page writable with a PTE for `vmf` (`dax_insert_pfn_mkwrite()` at order 0).
    #[inline]
    pub fn insert_pte_mkwrite(
        self,
        vmf: &crate::mm::fault::VmFault,
    ) -> crate::mm::fault::VmFaultResult {
        insert(vmf, self, self, false, true)
    }

    /// Maps the PMD of DAX memory starting at this pfn writable for `vmf`
    /// (`dax_insert_pfn_mkwrite()` at PMD order).
    #[inline]
    pub fn insert_pmd_mkwrite(
        self,
        vmf: &crate::mm::fault::VmFault,
    ) -> crate::mm::fault::VmFaultResult {
        insert(vmf, self, self, true, true)
    }
}

/// Maps page `pfn` (with a PTE) or the PMD starting at it for `vmf`, holding a reference to the
/// folio at `folio_pfn` meanwhile, as `fs/dax.c` does around `vmf_insert_page_mkwrite()` and
/// `vmf_insert_folio_pmd()` (`folio_ref_inc()`, insert, `folio_put()`).
// Always inlined: LLVM keeps an out-of-line copy otherwise, although `pmd` is a constant at
// every call site once its callers are inlined.
#[inline(always)]
fn insert(
    vmf: &crate::mm::fault::VmFault,
    folio_pfn: DaxPfn,
    pfn: DaxPfn,
    pmd: bool,
    write: bool,
) -> crate::mm::fault::VmFaultResult {
    let folio: ARef<crate::mm::folio::Folio> = {
        // SAFETY: By the type invariants of `DaxPfn` both pfns are DAX memory of the faulting
        // file, which has a `struct page` while the fault is handled.
        unsafe { crate::mm::folio::Folio::from_pfn(folio_pfn.0) }
    }
    .into();
    // SAFETY: `vmf` is the fault being handled; the page or PMD is DAX memory of the file, in
    // the folio we hold a reference to.
    let ret = unsafe {
        if pmd {
            // `pfn_folio(pfn)` is the folio just taken when `pfn` is the entry's own pfn, as it
            // is unless the extent moved: no second helper call then.
            let folio = if pfn.0 == folio_pfn.0 {
                folio.as_ptr()
            } else {
                page_folio(pfn_to_page(pfn.0))
            };
            bindings::vmf_insert_folio_pmd(vmf.as_ptr(), folio, write)
        } else {
            bindings::vmf_insert_page_mkwrite(vmf.as_ptr(), pfn_to_page(pfn.0), write)
        }
    };
    drop(folio);
    crate::mm::fault::VmFaultResult::from_raw(ret)
}

impl DaxEntry {
    /// An empty entry of `order`, only used for locking (`DAX_EMPTY`).
    #[inline]
    pub fn empty(order: u32) -> Self {
        // INVARIANT: An empty entry has no pfn.
        DaxEntry(EMPTY | if order > 0 { PMD } else { 0 })
    }

    /// An entry for DAX memory (`dax_make_entry(pfn, pmd ? DAX_PMD : 0)`).
    #[inline]
    pub fn new(pfn: DaxPfn, pmd: bool) -> Self {
        // INVARIANT: `pfn` came from `dax_direct_access()`.
        DaxEntry((pfn.0 << SHIFT) | if pmd { PMD } else { 0 })
    }

    /// A zero-page entry for a read fault at `address` (`DAX_ZERO_PAGE`).
    #[inline]
    pub fn zero_page(address: usize) -> Self {
        // INVARIANT: The zero page always has a `struct page`.
        DaxEntry((crate::mm::fault::zero_pfn(address) << SHIFT) | ZERO_PAGE)
    }

    /// A huge zero-page entry for the huge zero folio `folio` (`DAX_PMD | DAX_ZERO_PAGE`).
    #[inline]
    pub fn huge_zero_page(folio: &crate::mm::folio::Folio) -> Self {
        // INVARIANT: The huge zero folio has `struct page`s and is never freed while mapped.
        DaxEntry((folio.pfn() << SHIFT) | PMD | ZERO_PAGE)
    }

    #[inline]
    fn from_xa(e: Entry) -> Option<Self> {
        e.value().map(DaxEntry)
    }

    #[inline]
    fn to_xa(self) -> Entry {
        // The value fits: pfns are far below `isize::MAX >> DAX_SHIFT`.
        Entry::from_value(self.0 & Entry::MAX_VALUE).unwrap_or(Entry::NULL)
    }

    /// The page frame number (`dax_to_pfn()`).
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

    /// The order of the entry (`dax_entry_order()`).
    #[inline]
    pub fn order(self) -> u32 {
        if self.is_pmd() {
            PMD_ORDER
        } else {
            0
        }
    }

    /// The size of the memory the entry maps: 0 for zero-page and empty entries
    /// (`dax_entry_size()`).
    #[inline]
    pub fn size(self) -> usize {
        if self.is_zero() || self.is_empty() {
            0
        } else {
            crate::page::PAGE_SIZE << self.order()
        }
    }

    /// The entry's first page (`pfn_to_page(dax_to_pfn(entry))`), for entries of DAX memory
    /// (not zero-page or empty ones), as `dax_lock_mapping_entry()` gives it to its caller.
    #[inline]
    pub fn page<'a>(self, _entries: &DaxEntries<'a>) -> Option<BorrowedPage<'a>> {
        if self.is_zero() || self.is_empty() {
            return None;
        }
        // SAFETY: By the type invariants the pfn has a `struct page`; this computes its address.
        let page = core::ptr::NonNull::new(unsafe { pfn_to_page(self.pfn()) })?;
        // SAFETY: The pfn is DAX memory, whose `struct page`s stay while the file's DAX device
        // is bound, which `DaxEntries<'a>` guarantees for `'a`.
        Some(unsafe { BorrowedPage::from_raw(page) })
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

    /// The folio of the entry, for entries of DAX memory (not zero-page or empty ones).
    #[inline]
    fn dax_folio<'a>(self, _entries: &DaxEntries<'a>) -> Option<DaxFolio<'a>> {
        if self.is_zero() || self.is_empty() {
            return None;
        }
        // SAFETY: By the type invariants the pfn is DAX memory with `struct page`s while the
        // file's DAX device is bound, which `DaxEntries<'a>` (a fault or entry lock on the file)
        // guarantees for `'a`. The callers hold the `i_pages` lock and the entry lock.
        Some(unsafe { DaxFolio::from_entry_pfn(self.pfn(), self.order()) })
    }
}

/// The cookie of a locked entry that `dax_lock_folio()` and `dax_lock_mapping_entry()` return
/// and their unlocks take back (`dax_entry_t`): 0 for "could not lock", `!0` for "nothing to
/// lock", otherwise the entry as it was before it was locked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EntryCookie(usize);

impl EntryCookie {
    /// Nothing was locked, and nothing needs unlocking: no DAX mapping, or a device-DAX inode
    /// (as a cookie of `dax_lock_folio()`), or no entry to lock (of `dax_lock_mapping_entry()`).
    pub const NONE_NEEDED: EntryCookie = EntryCookie(!0);

    /// The entry could not be locked.
    pub const FAILED: EntryCookie = EntryCookie(0);

    /// The cookie for `entry`, just locked.
    #[inline]
    fn locked(entry: DaxEntry) -> Self {
        EntryCookie(entry.unlocked().to_xa().as_ptr() as usize)
    }

    /// The cookie a caller of the unlock functions passes back, which one of the lock functions
    /// (of this implementation or of the C one) returned.
    #[inline]
    pub(crate) fn from_raw(raw: usize) -> Self {
        EntryCookie(raw)
    }

    /// The raw `dax_entry_t`.
    #[inline]
    pub fn as_raw(self) -> usize {
        self.0
    }

    /// The locked entry, if the cookie stands for one.
    #[inline]
    fn entry(self) -> Option<DaxEntry> {
        if self == Self::NONE_NEEDED || self == Self::FAILED {
            return None;
        }
        DaxEntry::from_xa(Entry::from_raw_value_bits(self.0))
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

/// How [`DaxXaGuard::wait_unlocked`] waits.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WaitKind {
    /// `prepare_to_wait_exclusive()`, for a task that will lock the entry and wake the next one.
    Exclusive,
    /// `prepare_to_wait()`, for a task that may never come back to wake the next one.
    Shared,
}

/// The DAX entries of the address space of a DAX file (its `i_pages`).
///
/// # Invariants
///
/// `xa` is the `i_pages` of `mapping`, which is the address space of a DAX file, valid for `'a`;
/// the DAX device of the file stays bound for `'a`.
#[derive(Clone, Copy)]
pub struct DaxEntries<'a> {
    mapping: &'a AddressSpace,
    xa: &'a ValueXArray,
}

impl<'a> DaxEntries<'a> {
    /// The entries of `mapping`, if it is the address space of a DAX file, for the duration of a
    /// fault on it.
    #[inline]
    pub fn of_fault(fault: &super::fault::DaxFault<'a>) -> Option<Self> {
        // The fault keeps the mapping valid and the filesystem its DAX device bound.
        Self::of_mapping(fault.mapping())
    }

    /// The entries of `mapping`, if it is the address space of a DAX file, while memory-failure
    /// handling looks for the entry of a folio of it (`'a` is at most an RCU read-side section
    /// or the duration of a `dax_lock_mapping_entry()` call, during which the filesystem keeps
    /// the inode and its DAX device).
    #[inline]
    pub fn of_mapping(mapping: &'a AddressSpace) -> Option<Self> {
        let xa = mapping.dax_i_pages()?;
        // INVARIANT: `xa` is the `i_pages` of `mapping`, a DAX mapping.
        Some(Self { mapping, xa })
    }

    /// The entries of the file `folio` belongs to and the folio's index, for unlocking the
    /// entry that `cookie`, returned by a lock of the folio's entry, stands for
    /// (`dax_unlock_folio()`); `None` if there is nothing to unlock, as for a device-DAX inode.
    pub fn of_locked_folio(
        folio: &'a crate::mm::folio::Folio,
        cookie: EntryCookie,
    ) -> Option<(Self, usize)> {
        cookie.entry()?;
        let mapping = core::ptr::NonNull::new(folio.mapping_ptr())?;
        // SAFETY: The folio's DAX entry is locked (the cookie says so): its mapping cannot
        // change and the inode cannot be evicted (eviction deletes the entries, waiting for the
        // lock) until it is unlocked, which the caller is about to do, within `'a`.
        let mapping = unsafe { AddressSpace::from_raw(mapping.as_ptr()) };
        if mapping.host().is_chr() {
            return None;
        }
        Some((Self::of_mapping(mapping)?, folio.index()))
    }

    /// The entries of the file of `vmf`, if it is a DAX file, for the duration of the fault.
    #[inline]
    pub fn of_vmf(vmf: &'a crate::mm::fault::VmFault) -> Option<Self> {
        Self::of_mapping(vmf.mapping()?)
    }

    /// The address space.
    #[inline]
    pub fn mapping(&self) -> &'a AddressSpace {
        self.mapping
    }

    /// An operation state at `index`, for an entry of `order` (`XA_STATE_ORDER()`).
    #[inline]
    pub fn state(&self, index: usize, order: u32) -> DaxXaState<'a> {
        DaxXaState {
            xas: XaState::new_order(self.xa, index, order),
            entries: *self,
        }
    }
}

/// An XArray operation state over the [`DaxEntries`] of a file.
pub struct DaxXaState<'a> {
    xas: XaState<'a>,
    entries: DaxEntries<'a>,
}

impl<'a> DaxXaState<'a> {
    /// The index.
    #[inline]
    pub fn index(&self) -> usize {
        self.xas.index()
    }

    /// Moves to `index` (`xas_set()`).
    #[inline]
    pub fn set(&mut self, index: usize) {
        self.xas.set(index)
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
    pub fn error(&self) -> Result<(), crate::error::Error> {
        self.xas.error()
    }

    /// Allocates what the last store lacked, with the mapping's allocation flags minus
    /// `__GFP_HIGHMEM`, without the lock (`xas_nomem()`); returns whether to retry.
    #[inline]
    pub fn nomem(&mut self) -> bool {
        let gfp = self.entries.mapping.gfp_mask() & !bindings::__GFP_HIGHMEM;
        // SAFETY: The state is valid and the lock is not held (a guard would borrow `self`).
        unsafe { bindings::xas_nomem(self.xas.as_raw(), gfp) }
    }

    /// Takes the `i_pages` lock with interrupts disabled.
    #[inline]
    pub fn lock_irq(&mut self) -> DaxXaGuard<'_, 'a> {
        let entries = self.entries;
        DaxXaGuard {
            g: self.xas.lock_irq(),
            entries,
        }
    }

    /// Unlocks `entry`, which the caller locked at this index, and wakes the next waiter
    /// (`dax_unlock_entry()`).
    #[inline]
    pub fn unlock_entry(&mut self, entry: DaxEntry) {
        crate::warn_on!(entry.is_locked());
        self.reset();
        let mut g = self.lock_irq();
        let old = g.store(entry.unlocked());
        drop(g);
        crate::warn_on!(!old.is_some_and(|old| old.is_locked()));
        wake_entry(self.entries.xa, self.index(), entry.to_xa(), WakeMode::Next);
    }
}

impl DaxXaState<'_> {
    /// Unlocks the entry of `cookie` at this index, if the cookie stands for a locked entry
    /// (`dax_unlock_entry()` as called by `dax_unlock_folio()` and
    /// `dax_unlock_mapping_entry()`).
    #[inline]
    pub fn unlock_cookie(&mut self, cookie: EntryCookie) {
        if let Some(entry) = cookie.entry() {
            self.unlock_entry(entry)
        }
    }
}

/// The `i_pages` lock of a DAX file, held with interrupts disabled, and an operation state.
pub struct DaxXaGuard<'s, 'a> {
    g: XaLockIrqGuard<'s, 'a>,
    entries: DaxEntries<'a>,
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
            crate::warn_on!(true);
            Lookup::Invalid
        }
    }

    /// Loads the entry at the index (`xas_load()`).
    #[inline]
    pub fn load(&mut self) -> Lookup {
        Self::classify(self.g.load())
    }

    /// Stores `entry`, returning the entry that was there (`xas_store()`); on failure the
    /// state records the error.
    #[inline]
    fn store(&mut self, entry: DaxEntry) -> Option<DaxEntry> {
        self.g.store(entry.to_xa()).and_then(DaxEntry::from_xa)
    }

    /// Removes the entry at the index (`xas_store(xas, NULL)`).
    #[inline]
    pub fn erase(&mut self) {
        self.g.store(Entry::NULL);
    }

    /// Locks `entry`, found at the index, for memory-failure handling and returns the cookie
    /// that unlocks it (`dax_lock_entry()` in `dax_lock_folio()`).
    #[inline]
    pub fn lock_entry_cookie(&mut self, entry: DaxEntry) -> EntryCookie {
        self.lock_entry(entry);
        EntryCookie::locked(entry)
    }

    /// Locks `entry`, found at the index, by storing it with `DAX_LOCKED`; returns the entry
    /// stored before (`dax_lock_entry()`).
    #[inline]
    pub fn lock_entry(&mut self, entry: DaxEntry) -> Option<DaxEntry> {
        self.store(entry.locked())
    }

    /// Stores `new`, locked, in place of the locked entry `old` (`dax_lock_entry(xas, new)` in
    /// `dax_insert_entry()`); warns if `old` was not the entry there.
    #[inline]
    pub fn replace_locked(&mut self, old: DaxEntry, new: DaxEntry) {
        let was = self.lock_entry(new);
        crate::warn_on!(was != Some(old.locked()));
    }

    /// The error recorded by the last operation (`xas_error()`).
    #[inline]
    pub fn error(&self) -> Result<(), crate::error::Error> {
        self.g.state().error()
    }

    /// Records an error in the state (`xas_set_err()`).
    #[inline]
    pub fn set_err(&mut self, err: crate::error::Error) {
        self.g.set_err(err)
    }

    /// Whether the entry at the index has `mark`.
    #[inline]
    pub fn get_mark(&mut self, mark: Mark) -> bool {
        self.g.get_mark(mark)
    }

    /// Sets `mark` on the entry at the index.
    #[inline]
    pub fn set_mark(&mut self, mark: Mark) {
        self.g.set_mark(mark)
    }

    /// Clears `mark` on the entry at the index.
    #[inline]
    pub fn clear_mark(&mut self, mark: Mark) {
        self.g.clear_mark(mark)
    }

    /// Adds `delta` to the number of pages of the mapping (`mapping->nrpages`), which the
    /// `i_pages` lock protects.
    #[inline]
    pub fn nrpages_add(&mut self, delta: isize) {
        self.entries.mapping.nrpages_add(&self.g, delta)
    }

    /// Wakes the waiters for `entry` at the index (`dax_wake_entry()`).
    #[inline]
    pub fn wake(&mut self, entry: DaxEntry, mode: WakeMode) {
        wake_entry(self.entries.xa, self.index(), entry.to_xa(), mode)
    }

    /// Finds the entry that an entry of the state's order would conflict with, waiting for it
    /// to be unlocked if it is locked (`get_next_unlocked_entry()`): the lock is dropped while
    /// waiting.
    #[inline]
    pub fn get_next_unlocked_entry(&mut self, order: u32) -> Lookup {
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
        pin_init::stack_pin_init!(let w = crate::sync::wait::WaitEntry::<EntryKey>::new());
        let (wq, key) = entry_waitqueue(self.entries.xa, self.index(), entry.to_xa());
        w.as_ref()
            .prepare(wq, key, crate::sync::wait::TaskState::Uninterruptible, true);
        self.sleep();
        w.as_ref().finish();
    }

    /// Waits for `entry`, found locked at the index, to be unlocked (`wait_entry_unlocked()`),
    /// and then ends: the lock is dropped and not taken again, since the caller may not be able
    /// to use the mapping any more.
    pub fn wait_unlocked(self, entry: DaxEntry, kind: WaitKind) {
        pin_init::stack_pin_init!(let w = crate::sync::wait::WaitEntry::<EntryKey>::new());
        let (wq, key) = entry_waitqueue(self.entries.xa, self.index(), entry.to_xa());
        w.as_ref().prepare(
            wq,
            key,
            crate::sync::wait::TaskState::Uninterruptible,
            kind == WaitKind::Exclusive,
        );
        drop(self.g);
        crate::sync::wait::schedule();
        w.as_ref().finish();
    }

    /// Queues `w` to wait for `entry`, found locked at the index, to be unlocked, and drops
    /// the lock (the first half of `wait_entry_unlocked()`). The caller then sleeps with
    /// [`schedule`](crate::sync::wait::schedule), outside any RCU read-side section, and calls
    /// [`WaitEntry::finish`](crate::sync::wait::WaitEntry::finish).
    pub fn prepare_wait(
        self,
        w: core::pin::Pin<&crate::sync::wait::WaitEntry<EntryKey>>,
        entry: DaxEntry,
        kind: WaitKind,
    ) {
        let (wq, key) = entry_waitqueue(self.entries.xa, self.index(), entry.to_xa());
        w.prepare(
            wq,
            key,
            crate::sync::wait::TaskState::Uninterruptible,
            kind == WaitKind::Exclusive,
        );
        drop(self.g);
    }

    /// Drops the lock, sleeps until woken, and takes the lock again, restarting the walk.
    fn sleep(&mut self) {
        let xas = self.g.state_ptr();
        // SAFETY: The lock is held (the guard); it is dropped and taken again before returning,
        // so the guard's invariant holds again when it is next used.
        unsafe { crate::xarray::state::xas_unlock_irq(xas) };
        // SAFETY: `xas` is the valid state of the guard.
        unsafe { bindings::xas_reset(xas) };
        crate::sync::wait::schedule();
        // SAFETY: As above.
        unsafe { crate::xarray::state::xas_lock_irq(xas) };
    }

    /// Drops the DAX ownership of the folio of `entry` (`dax_disassociate_entry()`).
    #[inline]
    pub fn disassociate(&mut self, entry: DaxEntry) {
        if let Some(folio) = entry.dax_folio(&self.entries) {
            folio.put();
        }
    }

    /// Gives the folio of `entry`, about to be mapped at `index` (the first page of the entry)
    /// of the file, to the file (`dax_associate_entry()`); `shared` is set for an extent shared
    /// with other files.
    #[inline]
    pub fn associate(&mut self, entry: DaxEntry, index: usize, shared: bool) {
        let Some(folio) = entry.dax_folio(&self.entries) else {
            return;
        };
        if shared && (!folio.folio().mapping_ptr().is_null() || folio.is_shared()) {
            if !folio.folio().mapping_ptr().is_null() {
                folio.make_shared();
            }
            crate::warn_on!(folio.share() == 0);
            crate::warn_on!(entry.order() != folio.folio().order());
            folio.add_share();
        } else {
            folio.associate(self.entries.mapping, index);
        }
    }

    /// Drops the lock.
    #[inline]
    pub fn unlock(self) {}
}

impl DaxEntry {
    /// Maps this PMD entry's memory, starting at `pfn`, with a PMD for `vmf`, holding a
    /// reference to the entry's folio meanwhile.
    #[inline]
    pub fn insert_pmd(
        self,
        entries: &DaxEntries<'_>,
        vmf: &crate::mm::fault::VmFault,
        pfn: DaxPfn,
        write: bool,
    ) -> crate::mm::fault::VmFaultResult {
        self.insert(entries, vmf, pfn, true, write)
    }

    /// Maps page `pfn` of this entry's memory with a PTE for `vmf`, holding a reference to the
    /// entry's folio meanwhile.
    #[inline]
    pub fn insert_pte(
        self,
        entries: &DaxEntries<'_>,
        vmf: &crate::mm::fault::VmFault,
        pfn: DaxPfn,
        write: bool,
    ) -> crate::mm::fault::VmFaultResult {
        self.insert(entries, vmf, pfn, false, write)
    }

    #[inline]
    fn insert(
        self,
        _entries: &DaxEntries<'_>,
        vmf: &crate::mm::fault::VmFault,
        pfn: DaxPfn,
        pmd: bool,
        write: bool,
    ) -> crate::mm::fault::VmFaultResult {
        if self.is_zero() || self.is_empty() {
            crate::warn_on!(true);
            return if pmd {
                crate::mm::fault::VmFaultResult::FALLBACK
            } else {
                crate::mm::fault::VmFaultResult::SIGBUS
            };
        }
        // INVARIANT: The entry's pfn is DAX memory of the file (type invariants of `DaxEntry`).
        insert(vmf, DaxPfn(self.pfn()), pfn, pmd, write)
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
        xarray::state::TestXArray,
    };

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
