// SPDX-License-Identifier: GPL-2.0

//! The fault paths of `fs/dax.c` (`dax_iomap_pte_fault()`, `dax_iomap_pmd_fault()` and what
//! they call), in Rust.
//!
//! The comments name the C functions each piece ports; the behaviour is theirs.

use kernel::{
    dax::{
        device::{iomap_direct_access, DaxMapping, DaxReadGuard},
        entries::DaxEntries,
        entry::{EntryOrder, Lookup, NewEntry, PG_PMD_COLOUR, PMD_ORDER},
        fault::{DaxFault, IomapErrOut},
        locked::LockedEntry,
        pfn::{PfnOut, SyncFaultPfn},
        trace,
    },
    fs::iomap::{IomapFlag, IomapFlags, IomapIter, IomapMapFlag, IomapType},
    mm::{
        fault::{count_memcg_event_mm, count_vm_event, CowPage, VmEvent, VmFault, VmFaultResult},
        virt::flags as vm_flags,
    },
    page::{PAGE_SHIFT, PAGE_SIZE},
    percpu::PerCpuCounter,
    prelude::*,
    sync::wait::WakeMode,
    xarray::state::Mark,
};

use crate::stats::{Stats, STATS};

/// `dax_fault_return()`: the fault result for an error of the iomap iteration or of direct
/// access; no error means the page tables were set up.
fn fault_return(error: Result) -> VmFaultResult {
    match error {
        Ok(()) => VmFaultResult::NOPAGE,
        Err(e) => fault_error(e),
    }
}

/// The fault result for an error: out of line, so that a fault's way without one does not
/// compute it (LLVM did, with conditional moves, at the end of every PTE fault).
#[cold]
#[inline(never)]
fn fault_error(e: Error) -> VmFaultResult {
    VmFaultResult::from_error(e)
}

/// `dax_fault_is_synchronous()`: a write fault of a `MAP_SYNC` mapping on an extent whose
/// metadata still needs `fsync`.
fn is_synchronous(fault: &DaxFault<'_>, iter: &IomapIter<'_>) -> bool {
    iter.flags().contains(IomapFlag::Write)
        && fault.vmf().vma().flags() & vm_flags::SYNC != 0
        && iter.iomap().flags().contains(IomapMapFlag::Dirty)
}

/// `dax_insert_entry()`: makes `new` the entry at the locked entry's index in its place if it
/// is a zero-page or empty entry (or for a shared extent). A real entry already there (a PMD
/// entry for a PTE fault) is left alone, and dirtied as the fault needs.
fn insert_entry(
    fault: &DaxFault<'_>,
    entry: &mut LockedEntry<'_>,
    iter: &IomapIter<'_>,
    new: NewEntry<'_>,
) {
    let write = iter.flags().contains(IomapFlag::Write);
    let dirty = write && !is_synchronous(fault, iter);
    if dirty {
        fault.inode().mark_dirty_pages();
    }
    entry.insert(new, dirty, write);
}

/// `dax_load_hole()`: maps the zero page read-only for a read of a hole.
fn load_hole(
    fault: &DaxFault<'_>,
    entry: &mut LockedEntry<'_>,
    iter: &IomapIter<'_>,
) -> VmFaultResult {
    let vmf = fault.vmf();
    insert_entry(fault, entry, iter, NewEntry::zero_page(vmf.address()));
    Stats::inc(&STATS.zero_page);
    let ret = vmf.insert_zero_page();
    trace::dax_load_hole(fault.inode(), vmf, ret);
    ret
}

/// `dax_pmd_load_hole()`: maps the huge zero folio read-only for a read of a hole at PMD size.
#[cfg(CONFIG_FS_DAX_PMD)]
fn pmd_load_hole(
    fault: &DaxFault<'_>,
    entry: &mut LockedEntry<'_>,
    iter: &IomapIter<'_>,
) -> VmFaultResult {
    let vmf = fault.vmf();
    let Some(zero) = vmf.huge_zero_folio() else {
        Stats::inc(&STATS.pmd_fallback_hole);
        trace::dax_pmd_load_hole_fallback(fault.inode(), vmf, entry.entry());
        return VmFaultResult::FALLBACK;
    };
    insert_entry(fault, entry, iter, NewEntry::huge_zero_page(&zero));
    let ret = vmf.insert_huge_zero_folio(&zero);
    if ret == VmFaultResult::NOPAGE {
        Stats::inc(&STATS.huge_zero_page);
        trace::dax_pmd_load_hole(fault.inode(), vmf, zero.folio(), entry.entry());
    } else if ret == VmFaultResult::FALLBACK {
        Stats::inc(&STATS.pmd_fallback_hole);
    }
    ret
}

/// `dax_pmd_load_hole()` without PMD faults: never called, as in C.
#[cfg(not(CONFIG_FS_DAX_PMD))]
fn pmd_load_hole(
    _fault: &DaxFault<'_>,
    _entry: &mut LockedEntry<'_>,
    _iter: &IomapIter<'_>,
) -> VmFaultResult {
    VmFaultResult::FALLBACK
}

/// `dax_fault_cow_page()`: fills the page of a write fault on a private mapping from the file
/// (zeroes for a hole) and maps it.
fn fault_cow_page(fault: &DaxFault<'_>, iter: &IomapIter<'_>) -> VmFaultResult {
    let Some(cow) = fault.take_cow_page() else {
        return VmFaultResult::SIGBUS;
    };
    Stats::inc(&STATS.cow);
    fill_cow_page(iter, cow)
}

/// Fills the page of a copy-on-write fault and maps it.
fn fill_cow_page(iter: &IomapIter<'_>, cow: CowPage<'_>) -> VmFaultResult {
    let iomap = iter.iomap();
    let filled = match iomap.kind() {
        Some(IomapType::Hole) | Some(IomapType::Unwritten) => cow.clear(),
        Some(IomapType::Mapped) => {
            // `copy_cow_page_dax()`.
            let guard = DaxReadGuard::new();
            match iomap_direct_access(iomap, &guard, iter.pos(), 1) {
                Ok(m) => m.copy_to_cow_page(cow),
                Err(e) => return fault_return(Err(e)),
            }
        }
        _ => {
            kernel::warn_on_once!(true);
            return fault_return(Err(EIO));
        }
    };
    let ret = filled.finish_fault();
    if ret.is_empty() {
        VmFaultResult::DONE_COW
    } else {
        ret
    }
}

/// `dax_iomap_copy_around()` for a fault, which always covers whole, aligned pages: fills the
/// new block of a shared extent with the data of the source extent (zeroes for an unwritten
/// extent or a shared source; for a hole, `iomap_iter_srcmap()` gives the shared destination
/// itself).
fn copy_around(iter: &IomapIter<'_>, pos: i64, size: usize, dst: &DaxMapping<'_>) -> Result {
    let srcmap = iter.srcmap();
    let zero_edge = srcmap.flags().contains(IomapMapFlag::Shared)
        || srcmap.kind() == Some(IomapType::Unwritten);
    if zero_edge {
        dst.zero(0, size)?;
        // As C, with the source map's device, whose write-cache setting decides whether the
        // cache lines are written back (the destination's device for a hole, and for every
        // filesystem that shares extents the same device); C would not get here without one.
        let dev = srcmap.dax_device().unwrap_or(dst.dax_device());
        return dst.flush_as(dev, 0, size);
    }
    let guard = DaxReadGuard::new();
    let src = iomap_direct_access(srcmap, &guard, pos, size >> PAGE_SHIFT)
        .map_err(kernel::dax::device::mem2blk_err)?;
    match dst.copy_mc_from(0, &src, 0, size) {
        Ok(0) => Ok(()),
        _ => Err(EIO),
    }
}

/// `dax_fault_iter()`: handles one extent of the iteration, for a PTE or a PMD fault.
fn fault_iter(
    fault: &DaxFault<'_>,
    iter: &IomapIter<'_>,
    pfnp: &mut PfnOut<'_>,
    entry: &mut LockedEntry<'_>,
    order: EntryOrder,
) -> VmFaultResult {
    let vmf = fault.vmf();
    let iomap = iter.iomap();
    let pmd = order == EntryOrder::Pmd;
    let size = PAGE_SIZE << order.get();
    let pos = (entry.index() as i64) << PAGE_SHIFT;
    let write = iter.flags().contains(IomapFlag::Write);

    if !pmd && vmf.is_cow() {
        return fault_cow_page(fault, iter);
    }

    // Reading an unwritten extent or a hole maps the zero page.
    let kind = iomap.kind();
    if !write && matches!(kind, Some(IomapType::Unwritten) | Some(IomapType::Hole)) {
        return if pmd {
            pmd_load_hole(fault, entry, iter)
        } else {
            load_hole(fault, entry, iter)
        };
    }

    let shared = iomap.flags().contains(IomapMapFlag::Shared);
    if kind != Some(IomapType::Mapped) && !shared {
        kernel::warn_on_once!(true);
        if pmd {
            Stats::inc(&STATS.pmd_fallback_iomap);
            return VmFaultResult::FALLBACK;
        }
        return VmFaultResult::SIGBUS;
    }

    // `dax_iomap_direct_access()`. C drops the DAX read lock once it has the pfn and the kernel
    // address, and uses both after; here the pfn and the mapping borrow the lock, which is held
    // until the memory is mapped: the device cannot go away under the copy-around or the
    // insertion.
    let guard = DaxReadGuard::new();
    let (m, pfn) = match entry.direct_access(iter, &guard) {
        Ok(found) => found,
        Err(_) if pmd => {
            // Not contiguous or not aligned at PMD size.
            Stats::inc(&STATS.pmd_fallback_iomap);
            return VmFaultResult::FALLBACK;
        }
        Err(e) => return fault_return(Err(e)),
    };

    insert_entry(fault, entry, iter, NewEntry::memory(pfn));

    if write && shared {
        Stats::inc(&STATS.shared_copy);
        if let Err(e) = copy_around(iter, pos, size, &m) {
            return fault_return(Err(e));
        }
    }

    if is_synchronous(fault, iter) {
        // `dax_fault_synchronous_pfnp()`: the caller inserts the pfn after fsync.
        if kernel::warn_on_once!(!pfnp.set(pfn)) {
            return VmFaultResult::SIGBUS;
        }
        Stats::inc(&STATS.sync_needed);
        return VmFaultResult::NEEDDSYNC;
    }

    if pmd {
        let ret = entry.insert_pmd(vmf, pfn, write);
        if ret == VmFaultResult::NOPAGE {
            Stats::inc(&STATS.pmd_mapped);
        }
        ret
    } else {
        entry.insert_pte(vmf, pfn, write)
    }
}

/// `dax_iomap_pte_fault()`, with its trace events.
pub(crate) fn iomap_pte_fault(
    fault: &DaxFault<'_>,
    pfnp: PfnOut<'_>,
    iomap_errp: IomapErrOut<'_>,
) -> VmFaultResult {
    trace::dax_pte_fault(fault.inode(), fault.vmf(), VmFaultResult::NONE);
    let ret = pte_fault(fault, pfnp, iomap_errp);
    trace::dax_pte_fault_done(fault.inode(), fault.vmf(), ret);
    ret
}

/// `dax_iomap_pte_fault()` between its trace events.
fn pte_fault(
    fault: &DaxFault<'_>,
    mut pfnp: PfnOut<'_>,
    iomap_errp: IomapErrOut<'_>,
) -> VmFaultResult {
    let vmf = fault.vmf();
    let write = vmf.is_write() && !vmf.is_cow();
    Stats::inc(if write {
        &STATS.pte_write
    } else {
        &STATS.pte_read
    });
    let pos = (vmf.pgoff() as i64) << PAGE_SHIFT;

    // The caller holds the locks that serialise us with truncate and hole punching, so this is
    // a reliable test.
    if pos >= fault.inode().size() {
        return VmFaultResult::SIGBUS;
    }

    // `fs/dax.c` is only called for DAX files; here a file that is not one gets SIGBUS where C
    // would treat its page cache as DAX entries.
    let Some(entries) = DaxEntries::of_fault(fault) else {
        return VmFaultResult::SIGBUS;
    };

    let mut flags = IomapFlags::from(IomapFlag::Dax) | IomapFlag::Fault;
    if write {
        flags |= IomapFlag::Write;
    }

    // The locked entry is used where `grab()` returned it, and unlocked (`dax_unlock_entry()`)
    // when `grabbed` goes out of scope: moving it out, and into `unlock()`, copied it twice.
    let mut grabbed = entries.grab(vmf.pgoff(), EntryOrder::Pte);
    let entry = match &mut grabbed {
        Ok(e) => e,
        Err(ret) => return *ret,
    };

    // Mixed reads and writes of private mappings can race with a PMD fault that covers this
    // PTE: then just return, and the fault will be retried.
    if vmf.pmd_is_trans_huge() {
        return VmFaultResult::NOPAGE;
    }

    let mut ret = VmFaultResult::NONE;
    // The iteration ends (and is dropped in place) with this block.
    let error = {
        let mut iter = fault.iomap_iter(pos, PAGE_SIZE as u64, flags);
        loop {
            match iter.next_extent() {
                Ok(true) => (),
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
            if iter.length() < PAGE_SIZE as u64 {
                kernel::warn_on_once!(true); // Filesystem corruption?
                iter.set_status(EIO);
                continue;
            }
            ret = fault_iter(fault, &iter, &mut pfnp, entry, EntryOrder::Pte);
            if ret != VmFaultResult::SIGBUS && iter.iomap().flags().contains(IomapMapFlag::New) {
                count_vm_event(VmEvent::PgMajFault);
                count_memcg_event_mm(vmf.vma().mm(), VmEvent::PgMajFault);
                ret |= VmFaultResult::MAJOR;
            }
            if !ret.intersects(VmFaultResult::ERROR) {
                if let Err(e) = iter.advance(PAGE_SIZE as u64) {
                    iter.set_status(e);
                }
            }
        }
    };

    if let Some(errp) = iomap_errp {
        *errp = match error {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        };
    }
    if ret.is_empty() && error.is_err() {
        ret = fault_return(error);
    }
    ret
}

/// `dax_fault_check_fallback()`: whether a PMD cannot map this fault, so that it must fall back
/// to PTEs; if so, the counter of the reason.
fn check_fallback(
    fault: &DaxFault<'_>,
    index: usize,
    max_pgoff: usize,
) -> Option<&'static PerCpuCounter> {
    let vmf = fault.vmf();
    let vma = vmf.vma();
    let pmd_size = PAGE_SIZE << PMD_ORDER;
    let pmd_addr = vmf.address() & !(pmd_size - 1);

    // The PMD offset (colour) of the faulting address must match the PMD offset from the start
    // of the file, so that a PMD range of the page table overlaps exactly with a PMD range of
    // the page cache.
    if (vmf.pgoff() & PG_PMD_COLOUR) != ((vmf.address() >> PAGE_SHIFT) & PG_PMD_COLOUR) {
        return Some(&STATS.pmd_fallback_colour);
    }
    // Fall back to PTEs if we are going to copy on write.
    if vmf.is_write() && vma.flags() & vm_flags::SHARED == 0 {
        return Some(&STATS.pmd_fallback_private_write);
    }
    // If the PMD would extend outside the VMA.
    if pmd_addr < vma.start() || pmd_addr + pmd_size > vma.end() {
        return Some(&STATS.pmd_fallback_outside_vma);
    }
    // If the PMD would extend beyond the file size.
    if (index | PG_PMD_COLOUR) >= max_pgoff {
        return Some(&STATS.pmd_fallback_beyond_eof);
    }
    None
}

/// `dax_iomap_pmd_fault()`.
pub(crate) fn iomap_pmd_fault(fault: &DaxFault<'_>, pfnp: PfnOut<'_>) -> VmFaultResult {
    let vmf = fault.vmf();
    let index = vmf.pgoff() & !PG_PMD_COLOUR;
    let mut flags = IomapFlags::from(IomapFlag::Dax) | IomapFlag::Fault;
    if vmf.is_write() {
        flags |= IomapFlag::Write;
    }

    // The caller holds the locks that serialise us with truncate and hole punching, so this is
    // a reliable test.
    let size = usize::try_from(fault.inode().size()).unwrap_or(0);
    let max_pgoff = size.div_ceil(PAGE_SIZE);
    trace::dax_pmd_fault(fault.inode(), vmf, max_pgoff, VmFaultResult::NONE);
    let ret = pmd_fault(fault, pfnp, index, flags, max_pgoff);
    trace::dax_pmd_fault_done(fault.inode(), vmf, max_pgoff, ret);
    ret
}

/// `dax_iomap_pmd_fault()` between its trace events, for the PMD at `index`.
fn pmd_fault(
    fault: &DaxFault<'_>,
    mut pfnp: PfnOut<'_>,
    index: usize,
    flags: IomapFlags,
    max_pgoff: usize,
) -> VmFaultResult {
    let vmf = fault.vmf();
    if index >= max_pgoff {
        return VmFaultResult::SIGBUS;
    }

    let mut ret = VmFaultResult::FALLBACK;
    if let Some(reason) = check_fallback(fault, index, max_pgoff) {
        Stats::inc(&STATS.pmd_fallback_layout);
        Stats::inc(reason);
    } else {
        // `fs/dax.c` is only called for DAX files; here a file that is not one gets SIGBUS
        // where C would treat its page cache as DAX entries.
        let Some(entries) = DaxEntries::of_fault(fault) else {
            return VmFaultResult::SIGBUS;
        };
        // This gives an empty PMD entry, a zero PMD entry or a DAX PMD; if it cannot (a PTE
        // entry is in the range, for instance), it gives VM_FAULT_FALLBACK. The locked entry is
        // used in place, and unlocked when `grabbed` goes out of scope, at the end of this
        // block (as in `pte_fault()`).
        let mut grabbed = entries.grab(index, EntryOrder::Pmd);
        match &mut grabbed {
            Err(r) => {
                if *r == VmFaultResult::FALLBACK {
                    Stats::inc(&STATS.pmd_fallback_pte_entry);
                }
                ret = *r;
            }
            Ok(entry) => {
                // Mixed reads and writes of private mappings can race with a PTE fault that
                // overlaps this PMD: then just return, and the fault will be retried.
                if !vmf.pmd_is_none() && !vmf.pmd_is_trans_huge() {
                    Stats::inc(&STATS.pmd_raced);
                    ret = VmFaultResult::NONE;
                } else {
                    Stats::inc(&STATS.pmd_served);
                    let pos = (index as i64) << PAGE_SHIFT;
                    let len = (PAGE_SIZE << PMD_ORDER) as u64;
                    let mut iter = fault.iomap_iter(pos, len, flags);
                    // Whether a fallback is counted by `fault_iter()`.
                    let mut counted = false;
                    while let Ok(true) = iter.next_extent() {
                        if iter.length() < len {
                            // Actually ends the iteration: nothing was advanced.
                            continue;
                        }
                        counted = true;
                        ret = fault_iter(fault, &iter, &mut pfnp, entry, EntryOrder::Pmd);
                        if ret != VmFaultResult::FALLBACK {
                            if let Err(e) = iter.advance(len) {
                                iter.set_status(e);
                            }
                        }
                    }
                    // An extent shorter than the PMD, or no extent at all.
                    if ret == VmFaultResult::FALLBACK && !counted {
                        Stats::inc(&STATS.pmd_fallback_iomap);
                    }
                }
            }
        }
    }
    if ret == VmFaultResult::FALLBACK {
        vmf.split_huge_pmd();
        count_vm_event(VmEvent::ThpFaultFallback);
    }
    ret
}

/// `dax_insert_pfn_mkwrite()`: marks the entry at the fault's index dirty and maps `pfn`
/// writable, unless the entry went away or changed size meanwhile, in which case the fault is
/// retried (`VM_FAULT_NOPAGE`).
fn insert_pfn_mkwrite(vmf: &VmFault, pfn: SyncFaultPfn<'_>) -> VmFaultResult {
    let Some(entries) = DaxEntries::of_vmf(vmf) else {
        return VmFaultResult::SIGBUS;
    };
    let order = pfn.order();
    let Some(mut xas) = entries.state_order(vmf.pgoff(), order) else {
        return VmFaultResult::FALLBACK;
    };
    let mut g = xas.lock_irq();
    match g.get_next_unlocked_entry(order) {
        // Did we race with someone splitting the entry or so?
        Lookup::Entry(e) if order != EntryOrder::Pte || e.is_pte() => (),
        found => {
            if let Lookup::Entry(e) = found {
                g.wake(e, WakeMode::Next);
            }
            g.unlock();
            Stats::inc(&STATS.sync_raced);
            trace::dax_insert_pfn_mkwrite_no_entry(
                entries.mapping().host(),
                vmf,
                VmFaultResult::NOPAGE,
            );
            return VmFaultResult::NOPAGE;
        }
    }
    g.set_mark(Mark::PAGECACHE_DIRTY);
    let Some(entry) = g.lock_entry() else {
        // The entry just found, unlocked, under the same lock: not reached.
        kernel::warn_on_once!(true);
        return VmFaultResult::NOPAGE;
    };
    let ret = entry.insert_mkwrite(vmf, pfn);
    if order == EntryOrder::Pmd && ret == VmFaultResult::NOPAGE {
        Stats::inc(&STATS.pmd_mapped);
    }
    entry.unlock();
    Stats::inc(&STATS.sync_finished);
    trace::dax_insert_pfn_mkwrite(entries.mapping().host(), vmf, ret);
    ret
}

/// `dax_finish_sync_fault()`: makes the range of a `VM_FAULT_NEEDDSYNC` fault durable, then
/// maps `pfn` writable.
pub(crate) fn finish_sync_fault(vmf: &VmFault, pfn: SyncFaultPfn<'_>) -> VmFaultResult {
    let start = (vmf.pgoff() as i64) << PAGE_SHIFT;
    let len = (PAGE_SIZE << pfn.order().get()) as i64;
    let Some(file) = vmf.file() else {
        return VmFaultResult::SIGBUS;
    };
    if file.fsync_range(start, start + len - 1, true).is_err() {
        return VmFaultResult::SIGBUS;
    }
    insert_pfn_mkwrite(vmf, pfn)
}
