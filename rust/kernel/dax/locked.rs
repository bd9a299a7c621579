// SPDX-License-Identifier: GPL-2.0

//! Locked DAX entries.
//!
//! A task that locks a DAX entry (stores it with `DAX_LOCKED`) owns it until it unlocks it:
//! while it is locked, the entry cannot be replaced, removed or written back by anyone else,
//! and the memory it maps stays the file's. [`LockedEntry`] is that ownership, and the only
//! way to find the memory of the entry's index, to replace the entry (which moves the DAX
//! ownership of folios), or to map memory. Dropping it unlocks the entry and wakes the next
//! waiter (`dax_unlock_entry()`).
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::{
    dax::{
        device::{has_device_address, iomap_pgoff, DaxMapping, DaxReadGuard},
        entries::DaxXaState,
        entry::{DaxEntry, EntryOrder, NewEntry, PG_PMD_COLOUR, PG_PMD_NR},
        pfn::{self, DaxPfn, SyncFaultPfn},
        wait::wake_entry_at,
    },
    error::{code::*, Result},
    fs::{address_space::AddressSpace, iomap::IomapIter},
    mm::{
        fault::{VmFault, VmFaultResult},
        folio::DaxFolio,
        memory_model::pfn_to_page,
        virt::flags as vm_flags,
    },
    page::{BorrowedPage, PAGE_SHIFT},
    sync::wait::WakeMode,
    xarray::state::{Mark, XaState},
};
use core::{marker::PhantomData, mem::ManuallyDrop, ptr::NonNull};

/// A DAX entry locked by the current owner of this value.
///
/// Made by [`DaxEntries::grab`](super::entries::DaxEntries::grab),
/// [`DaxXaGuard::lock_entry`](super::entries::DaxXaGuard::lock_entry) and the memory-failure
/// locks ([`super::memory_failure`]); dropping it (or [`LockedEntry::unlock`]) unlocks the
/// entry. Do not drop it with interrupts disabled: the unlock takes the `i_pages` lock with
/// `spin_lock_irq()`, as `dax_unlock_entry()` does.
///
/// # Invariants
///
/// - `entry.locked()` is stored in the `i_pages` of `mapping`, a DAX file's address space, at
///   the index of `xas`, by a state of order `order`, and locked by the owner of this value:
///   nobody else unlocks, replaces or removes it until this value is dropped or turned into a
///   cookie;
/// - the locked entry keeps `mapping` (and its `i_pages`, which `xas` refers to) valid until it
///   is unlocked: the inode cannot be evicted before its entries are removed, which waits for
///   the lock. Nothing borrowed from `self` outlives the unlock;
/// - if the entry has memory, its pfn is the first of `1 << order` pages of DAX memory with
///   `struct page`s for as long as the entry is in `i_pages`. This is `fs/dax.c`'s assumption:
///   the filesystem keeps its DAX device while it has entries (with holder operations it is
///   told before the device goes away, and removes them).
#[must_use = "dropping a locked entry unlocks it at once"]
pub struct LockedEntry<'a> {
    xas: XaState<'a>,
    order: EntryOrder,
    mapping: NonNull<AddressSpace>,
    entry: DaxEntry,
    _mapping: PhantomData<&'a AddressSpace>,
}

impl<'a> LockedEntry<'a> {
    /// Takes ownership of the entry `entry`, just locked at the index of `xas`.
    ///
    /// # Safety
    ///
    /// `entry.locked()` was just stored, by the caller, at the index of `xas` in its XArray, with
    /// a state of `xas`'s order, and the store succeeded.
    #[inline]
    pub(crate) unsafe fn new(xas: DaxXaState<'a>, entry: DaxEntry) -> Self {
        let order = xas.order();
        let (xas, mapping) = xas.into_parts();
        // INVARIANT: The caller locked `entry` at the index of `xas`, a state of order `order`
        // of the DAX entries of `mapping` (type invariants of `DaxXaState`).
        LockedEntry {
            xas,
            order,
            mapping: NonNull::from(mapping),
            entry: entry.unlocked(),
            _mapping: PhantomData,
        }
    }

    /// The entry, as stored before it was locked.
    #[inline]
    pub fn entry(&self) -> DaxEntry {
        self.entry
    }

    /// The index of the state that locked the entry: for a PTE fault the faulting index, for a
    /// PMD fault the first index of the PMD.
    #[inline]
    pub fn index(&self) -> usize {
        self.xas.index()
    }

    /// The order of the state that locked the entry: of the fault, which may be smaller than
    /// the entry's (a PTE fault in a PMD entry with memory).
    #[inline]
    pub fn order(&self) -> EntryOrder {
        self.order
    }

    /// The address space of the entry.
    #[inline]
    pub fn mapping(&self) -> &AddressSpace {
        // SAFETY: The locked entry keeps the address space valid (type invariants), for as
        // long as `self` is borrowed.
        unsafe { self.mapping.as_ref() }
    }

    /// Unlocks the entry and wakes the next waiter (`dax_unlock_entry()`).
    #[inline]
    pub fn unlock(self) {}

    /// The entry's first page (`pfn_to_page(dax_to_pfn(entry))`), if the entry has memory, as
    /// `dax_lock_mapping_entry()` gives it to its caller.
    #[inline]
    pub fn page(&self) -> Option<BorrowedPage<'_>> {
        if !self.entry.has_memory() {
            return None;
        }
        // SAFETY: By the type invariants the pfn has a `struct page`; this computes its address.
        let page = NonNull::new(unsafe { pfn_to_page(self.entry.pfn()) })?;
        // SAFETY: The pfn is DAX memory of the locked entry, whose `struct page`s stay while it
        // is in `i_pages`, at least as long as `self` is borrowed (type invariants).
        Some(unsafe { BorrowedPage::from_raw(page) })
    }

    /// The memory that the filesystem maps at the locked index, at the order of the lock, and
    /// its kernel mapping (`dax_iomap_direct_access()`): `iter`'s current extent must be an
    /// extent of this file that covers it, contiguous and aligned to its size.
    ///
    /// Fails with `EINVAL` if the extent does not cover it, is not this file's, has no device
    /// address, or its memory is not contiguous or aligned; `EIO` if the extent has no DAX
    /// device; or with the error of `dax_direct_access()`.
    pub fn direct_access<'g>(
        &self,
        iter: &'g IomapIter<'_>,
        guard: &'g DaxReadGuard,
    ) -> Result<(DaxMapping<'g>, DaxPfn<'g>)> {
        let iomap = iter.iomap();
        let pages = 1usize << self.order.get();
        let pos = (self.index() as i64) << PAGE_SHIFT;
        let size = (pages << PAGE_SHIFT) as i64;
        let covered = iomap.offset() <= pos
            && pos.checked_add(size).is_some_and(|end| {
                end as u64 <= (iomap.offset() as u64).wrapping_add(iomap.length())
            });
        if !covered
            || !core::ptr::eq(iter.inode(), self.mapping().host())
            || !has_device_address(iomap)
        {
            return Err(EINVAL);
        }
        let dev = iomap.dax_device().ok_or(EIO)?;
        // SAFETY: The extent is a mapped or unwritten extent of the filesystem, whose pages are
        // pages of its DAX device (the contract of `iomap_begin`), and covers the pages (checked
        // above).
        let m = unsafe { dev.direct_access(guard, iomap_pgoff(iomap, pos), pages) }?;
        if m.nr_pages() < pages || m.pfn() & (pages - 1) != 0 {
            return Err(EINVAL);
        }
        let shared = iomap
            .flags()
            .contains(crate::fs::iomap::IomapMapFlag::Shared);
        // SAFETY: `dax_direct_access()` returned at least `pages` pages of DAX memory at
        // `m.pfn()`, aligned (checked above), with `struct page`s while the DAX read lock is
        // held, for `'g`; the filesystem maps them at the locked index of this file (`iter`'s
        // extent of this file covers it), in a shared extent if the extent says so.
        let pfn = unsafe { DaxPfn::new(m.pfn(), self.order, shared, self.mapping(), self.index()) };
        Ok((m, pfn))
    }

    /// Makes `new` the entry in place of this one if this is a zero-page or empty entry, or if
    /// `new` is memory of a shared extent, and marks the entry dirty (`dirty`) and, for a write
    /// to a shared extent, to be written (`dax_insert_entry()`, but for the inode's dirtying,
    /// which its caller does first).
    ///
    /// An entry with memory already there (a PMD entry for a PTE fault) is otherwise left alone.
    /// Replacing a zero page with memory, or memory of a shared extent, first unmaps what maps
    /// the old entry. `new` must be of the order of the lock, and memory to store must have been
    /// found for this entry ([`LockedEntry::direct_access`]); otherwise this warns and changes
    /// nothing.
    pub fn insert(&mut self, new: NewEntry<'_>, dirty: bool, write: bool) {
        let old = self.entry;
        let new_entry = new.entry();
        let shared = new.is_shared();
        if crate::warn_on_once!(new_entry.order() != self.order) {
            return;
        }
        let replace = shared || !old.has_memory();
        // An entry with memory that stays, for a fault that does not dirty it (a read fault,
        // or a write fault of a synchronous mapping): under the `i_pages` lock C only walks the
        // state to the entry, and sets no mark (`write && shared` implies `replace`). Nothing
        // changes, so the lock is not taken: the entry lock, which we hold, orders this fault
        // with every other user of the entry as the `i_pages` lock would.
        if !replace && !dirty {
            return;
        }
        // Only memory found for this entry is stored in it. An entry that stays is only marked:
        // `new` is not stored, and needs no check.
        if crate::warn_on_once!(replace && !new.is_for(self.mapping(), self.index())) {
            return;
        }

        if shared || (old.is_zero() && !new_entry.is_zero()) {
            // We are replacing a zero page with block mapping.
            let index = self.index();
            if old.is_pmd() {
                self.mapping()
                    .unmap_pages(index & !PG_PMD_COLOUR, PG_PMD_NR, false);
            } else {
                self.mapping().unmap_pages(index, 1, false);
            }
        }

        // SAFETY: The locked entry keeps the address space valid (type invariants).
        let mapping = unsafe { self.mapping.as_ref() };
        let index = self.index();
        self.xas.reset();
        let mut g = self.xas.lock_irq();
        if replace {
            if old.has_memory() {
                // SAFETY: `old` is the entry at the index, locked by us, and the `i_pages` lock
                // is held; its pfn is DAX memory with `struct page`s while it is in `i_pages`
                // (type invariants). It has just been unmapped (`shared`).
                unsafe { DaxFolio::from_entry_pfn(old.pfn(), old.order().get()) }.put();
            }
            if new_entry.has_memory() {
                let (pfn, order) = (new_entry.pfn(), new_entry.order().get());
                // SAFETY: By the type invariants of `NewEntry`, `new_entry`'s pfn starts
                // `1 << order` aligned pages of DAX memory with `struct page`s, which the
                // filesystem maps at the index it was found for: this index of this file
                // (`is_for()` above). It is about to be stored there under the entry lock, which
                // we hold with the `i_pages` lock.
                let folio = unsafe { DaxFolio::from_entry_pfn(pfn, order) };
                associate(&folio, new_entry, mapping, index, shared);
            }
            // Only swap our new entry in if the current one is a zero page or empty: a normal
            // PTE or PMD entry already in the tree is left alone.
            let (old_xa, new_xa) = (old.locked().to_xa(), new_entry.locked().to_xa());
            let was = if g.load() == old_xa && g.replace_value(old_xa, new_xa) {
                Some(old.locked())
            } else {
                g.store(new_xa).and_then(DaxEntry::from_xa)
            };
            crate::warn_on_once!(was != Some(old.locked()));
            self.entry = new_entry;
        } else {
            g.load(); // Walk the state.
        }
        if dirty {
            g.set_mark(Mark::PAGECACHE_DIRTY);
        }
        if write && shared {
            g.set_mark(Mark::PAGECACHE_TOWRITE);
        }
    }

    /// The offset, in pages, of the faulting index of `vmf` (`vmf->pgoff`, which a PMD fault
    /// does not align) in this entry's memory, if the entry has memory and covers it; warns if
    /// not.
    #[inline]
    fn fault_offset(&self, vmf: &VmFault) -> Option<usize> {
        let nr = 1usize << self.entry.order().get();
        let offset = vmf.pgoff().wrapping_sub(self.index() & !(nr - 1));
        if crate::warn_on_once!(!self.entry.has_memory() || offset >= nr) {
            return None;
        }
        Some(offset)
    }

    /// Whether a PMD can map this locked PMD entry for `vmf`: the PMD at the fault's address
    /// lies inside the VMA and maps the PMD of the file that holds the faulting offset, and a
    /// writable one is for a shared mapping (`dax_fault_check_fallback()`'s conditions).
    #[inline]
    fn pmd_fits(&self, vmf: &VmFault, write: bool) -> bool {
        self.order == EntryOrder::Pmd
            && vmf.pmd_colour_matches()
            && vmf.pmd_in_vma()
            && (!write || vmf.vma().flags() & vm_flags::SHARED != 0)
    }

    /// Maps the PMD of memory `pfn`, which is this PMD entry's memory, for `vmf`, holding a
    /// reference to the entry's folio meanwhile.
    ///
    /// Warns and returns [`VmFaultResult::FALLBACK`] if the entry is not a PMD of memory for
    /// the fault, `pfn` is not its memory, or a PMD cannot map it there (the lock is not a PMD
    /// lock, the PMD would not lie inside the VMA or map the faulting offset, or a writable PMD
    /// would be for a private mapping).
    #[inline]
    pub fn insert_pmd(&self, vmf: &VmFault, pfn: DaxPfn<'_>, write: bool) -> VmFaultResult {
        let ok = self.entry.is_pmd()
            && pfn.order() == EntryOrder::Pmd
            && pfn.pfn() == self.entry.pfn()
            && self.fault_offset(vmf).is_some()
            && self.pmd_fits(vmf, write);
        if crate::warn_on_once!(!ok) {
            return VmFaultResult::FALLBACK;
        }
        // SAFETY: The entry is locked, of a PMD lock, and has memory of the faulting file, of
        // which `pfn` is the PMD; a PMD at the fault's address maps it inside the VMA (checked
        // above).
        unsafe { pfn::insert(vmf, self.entry.pfn(), pfn.pfn(), true, write) }
    }

    /// Maps page `pfn`, which is memory of this entry at the faulting index, with a PTE for
    /// `vmf`, holding a reference to the entry's folio meanwhile.
    ///
    /// Warns and returns [`VmFaultResult::SIGBUS`] if the entry has no memory at the faulting
    /// index, `pfn` is not that memory, or a writable page would be for a private mapping.
    #[inline]
    pub fn insert_pte(&self, vmf: &VmFault, pfn: DaxPfn<'_>, write: bool) -> VmFaultResult {
        let ok = self
            .fault_offset(vmf)
            .is_some_and(|o| pfn.pfn() == self.entry.pfn().wrapping_add(o))
            && (!write || vmf.vma().flags() & vm_flags::SHARED != 0);
        if crate::warn_on_once!(!ok) {
            return VmFaultResult::SIGBUS;
        }
        // SAFETY: The entry is locked and has memory of the faulting file; `pfn` is its page at
        // the faulting index (checked above).
        unsafe { pfn::insert(vmf, self.entry.pfn(), pfn.pfn(), false, write) }
    }

    /// Maps the pfn of a synchronous fault writable, once its metadata is durable: the
    /// insertion of `dax_insert_pfn_mkwrite()`, with this entry, of the order of the fault,
    /// locked.
    ///
    /// Warns and returns [`VmFaultResult::SIGBUS`] if `pfn` is not this entry's memory at the
    /// faulting index, which in C cannot happen: the filesystem holds its locks against
    /// truncation from the fault to here; or if the mapping cannot map it writable there (a
    /// private mapping, or a PMD that would not lie inside the VMA or map the faulting offset).
    #[inline]
    pub fn insert_mkwrite(&self, vmf: &VmFault, pfn: SyncFaultPfn<'_>) -> VmFaultResult {
        let pmd = self.order == EntryOrder::Pmd;
        let ok = pfn.order() == self.order
            && self.entry.order() == self.order
            && self.fault_offset(vmf).is_some()
            && pfn.pfn() == self.entry.pfn()
            && if pmd {
                self.pmd_fits(vmf, true)
            } else {
                vmf.vma().flags() & vm_flags::SHARED != 0
            };
        if crate::warn_on_once!(!ok) {
            return VmFaultResult::SIGBUS;
        }
        // SAFETY: `pfn` is the memory of this locked entry with memory, at the faulting index
        // (checked above).
        unsafe { pfn::insert_mkwrite(vmf, pfn.pfn(), pmd) }
    }

    /// Hands the locked entry to C code as the cookie of `dax_lock_folio()` and
    /// `dax_lock_mapping_entry()` (`dax_entry_t`): the entry as it was before it was locked.
    /// The entry stays locked; [`super::memory_failure::EntryLock`] takes it back.
    #[inline]
    pub(crate) fn into_cookie(self) -> usize {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is not used again and not dropped: the state is moved out once, and
        // dropped (it frees what `xas_nomem()` left, if anything).
        drop(unsafe { core::ptr::read(&this.xas) });
        this.entry.to_xa().as_ptr() as usize
    }
}

impl Drop for LockedEntry<'_> {
    /// `dax_unlock_entry()`.
    ///
    /// `fs/dax.c` has two `BUG_ON()`s here. The first, a locked entry to store, cannot
    /// happen: this stores the entry with its lock bit cleared. The second fires if the entry
    /// is not locked in the tree. By the type invariants it is; if it is not, the lock protocol
    /// was broken elsewhere, and this warns (once) and leaves the tree alone rather than
    /// stopping the kernel in the middle of a page fault or of memory-failure handling, with
    /// `mmap_lock` or a filesystem lock held.
    #[inline]
    fn drop(&mut self) {
        let entry = self.entry.unlocked();
        self.xas.reset();
        // After the store below, nothing keeps the address space alive: the waker only uses the
        // XArray's address, as `dax_wake_entry()` does.
        let xa = self.xas.xarray_ptr();
        let index = self.xas.index();
        let mut g = self.xas.lock_irq();
        let locked = entry.locked().to_xa();
        if crate::warn_on_once!(g.load() != locked) {
            return;
        }
        if !g.replace_value(locked, entry.to_xa()) {
            g.store(entry.to_xa());
        }
        drop(g);
        wake_entry_at(xa, index, entry, WakeMode::Next);
    }
}

/// `dax_associate_entry()` for an entry with memory: gives its folio to the file at `index`,
/// or, for an extent shared with other files, counts one more file sharing it.
fn associate(
    folio: &DaxFolio<'_>,
    entry: DaxEntry,
    mapping: &AddressSpace,
    index: usize,
    shared: bool,
) {
    let has_mapping = !folio.folio().mapping_ptr().is_null();
    if shared && (has_mapping || folio.is_shared()) {
        if has_mapping {
            folio.make_shared();
        }
        crate::warn_on_once!(folio.share() == 0);
        crate::warn_on_once!(entry.order().get() != folio.folio().order());
        folio.add_share();
    } else {
        folio.associate(mapping, index);
    }
}
