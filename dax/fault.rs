// SPDX-License-Identifier: GPL-2.0

//! The fault paths of `fs/dax.c` (`dax_iomap_pte_fault()`, `dax_iomap_pmd_fault()` and what
//! they call), in Rust.
//!
//! The comments name the C functions each piece ports; the behaviour is theirs.

use kernel::{
    dax::{
        device::{iomap_pgoff, DaxMapping, DaxReadGuard},
        entry::{
            DaxEntries, DaxEntry, DaxPfn, DaxXaState, Lookup, PG_PMD_COLOUR, PG_PMD_NR, PMD_ORDER,
        },
        fault::{DaxFault, IomapErrOut, PfnOut},
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

/// `grab_mapping_entry()`: finds the entry at the state's index and locks it, or, if there is
/// none, inserts a locked empty entry of `order`. An empty or zero-page PMD entry is downgraded
/// for a PTE fault; a PTE entry where a PMD entry is asked for gives `VM_FAULT_FALLBACK`.
fn grab_mapping_entry(xas: &mut DaxXaState<'_>, order: u32) -> Result<DaxEntry, VmFaultResult> {
    let index = xas.index();
    let mapping = xas.entries().mapping();
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
            if order == 0 && e.is_pmd() && (e.is_zero() || e.is_empty()) {
                // Keep the entry valid while the lock is dropped.
                g.lock_entry(e);
                // Besides huge zero pages, only empty entries get downgraded, and those need no
                // unmapping.
                if e.is_zero() {
                    g.unlock();
                    mapping.unmap_pages(index & !PG_PMD_COLOUR, PG_PMD_NR, false);
                    xas.reset();
                    g = xas.lock_irq();
                }
                g.disassociate(e);
                g.erase(); // Undo the PMD join.
                g.wake(e, WakeMode::All);
                g.nrpages_add(-(PG_PMD_NR as isize));
                entry = None;
                g.set(index);
            }
        }

        let locked = match entry {
            Some(e) => {
                g.lock_entry(e);
                Some(e)
            }
            None if !invalid => {
                let e = DaxEntry::empty(order);
                g.lock_entry(e);
                if g.error().is_err() {
                    None
                } else {
                    g.nrpages_add(1 << order);
                    Some(e)
                }
            }
            None => None,
        };
        g.unlock();

        if xas.nomem() {
            continue;
        }
        return match (xas.error(), locked) {
            (Err(e), _) if e == ENOMEM => Err(VmFaultResult::OOM),
            (Err(_), _) | (Ok(()), None) => Err(VmFaultResult::SIGBUS),
            (Ok(()), Some(e)) => Ok(e),
        };
    }
}

/// `dax_fault_is_synchronous()`: a write fault of a `MAP_SYNC` mapping on an extent whose
/// metadata still needs `fsync`.
fn is_synchronous(fault: &DaxFault<'_>, iter: &IomapIter<'_>) -> bool {
    iter.flags().contains(IomapFlag::Write)
        && fault.vmf().vma().flags() & vm_flags::SYNC != 0
        && iter.iomap().flags().contains(IomapMapFlag::Dirty)
}

/// `dax_insert_entry()`: makes `new` the entry at the state's index in place of the locked
/// `entry` if that is a zero-page or empty entry (or for a shared extent), and returns the entry
/// now at the index, still locked. A real entry already there (a PMD entry for a PTE fault) is
/// left alone.
fn insert_entry(
    fault: &DaxFault<'_>,
    xas: &mut DaxXaState<'_>,
    iter: &IomapIter<'_>,
    entry: DaxEntry,
    new: DaxEntry,
) -> DaxEntry {
    let vmf = fault.vmf();
    let mapping = xas.entries().mapping();
    let write = iter.flags().contains(IomapFlag::Write);
    let dirty = write && !is_synchronous(fault, iter);
    let shared = iter.iomap().flags().contains(IomapMapFlag::Shared);

    if dirty {
        fault.inode().mark_dirty_pages();
    }

    if shared || (entry.is_zero() && !new.is_zero()) {
        // We are replacing a zero page with a block mapping.
        let index = xas.index();
        if entry.is_pmd() {
            mapping.unmap_pages(index & !PG_PMD_COLOUR, PG_PMD_NR, false);
        } else {
            mapping.unmap_pages(index, 1, false);
        }
    }

    xas.reset();
    let mut g = xas.lock_irq();
    let result = if shared || entry.is_zero() || entry.is_empty() {
        g.disassociate(entry);
        let size = new.size().max(1);
        // `linear_page_index(vma, address & ~(size - 1))`, from the fault's own
        // `linear_page_index(vma, address)`.
        let index = vmf.pgoff() - ((vmf.address() & (size - 1)) >> PAGE_SHIFT);
        g.associate(new, index, shared);
        // Only swap the new entry in if the current one is a zero page or empty: a normal PTE
        // or PMD entry already in the tree is left alone (and dirtied if need be).
        g.replace_locked(entry, new);
        new
    } else {
        g.load(); // Walk the state.
        entry
    };
    if dirty {
        g.set_mark(Mark::PAGECACHE_DIRTY);
    }
    if write && shared {
        g.set_mark(Mark::PAGECACHE_TOWRITE);
    }
    g.unlock();
    result
}

/// `dax_load_hole()`: maps the zero page read-only for a read of a hole.
fn load_hole(
    fault: &DaxFault<'_>,
    xas: &mut DaxXaState<'_>,
    iter: &IomapIter<'_>,
    entry: &mut DaxEntry,
) -> VmFaultResult {
    let vmf = fault.vmf();
    *entry = insert_entry(fault, xas, iter, *entry, DaxEntry::zero_page(vmf.address()));
    Stats::inc(&STATS.zero_page);
    let ret = vmf.insert_zero_page();
    trace::dax_load_hole(fault.inode(), vmf, ret);
    ret
}

/// `dax_pmd_load_hole()`: maps the huge zero folio read-only for a read of a hole at PMD size.
fn pmd_load_hole(
    fault: &DaxFault<'_>,
    xas: &mut DaxXaState<'_>,
    iter: &IomapIter<'_>,
    entry: &mut DaxEntry,
) -> VmFaultResult {
    let vmf = fault.vmf();
    let Some(zero) = vmf.huge_zero_folio() else {
        Stats::inc(&STATS.pmd_fallback_hole);
        trace::dax_pmd_load_hole_fallback(fault.inode(), vmf, *entry);
        return VmFaultResult::FALLBACK;
    };
    *entry = insert_entry(fault, xas, iter, *entry, DaxEntry::huge_zero_page(&zero));
    let ret = vmf.insert_folio_pmd(&zero, false);
    if ret == VmFaultResult::NOPAGE {
        Stats::inc(&STATS.huge_zero_page);
        trace::dax_pmd_load_hole(fault.inode(), vmf, &zero, *entry);
    } else if ret == VmFaultResult::FALLBACK {
        Stats::inc(&STATS.pmd_fallback_hole);
    }
    ret
}

/// `dax_fault_cow_page()`: fills the page of a write fault on a private mapping from the file
/// (zeroes for a hole) and maps it.
fn fault_cow_page(fault: &DaxFault<'_>, iter: &IomapIter<'_>) -> VmFaultResult {
    let Some(cow) = fault.vmf().cow_page() else {
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
            let Some(dev) = iomap.dax_device() else {
                return fault_return(Err(EIO));
            };
            let guard = DaxReadGuard::new();
            match dev.direct_access(&guard, iomap_pgoff(iomap, iter.pos()), 1) {
                Ok(m) => m.copy_to_cow_page(cow),
                Err(e) => return fault_return(Err(e)),
            }
        }
        _ => {
            kernel::warn_on!(true);
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

/// `dax_iomap_direct_access()`: the kernel mapping and pfn of `size` bytes at `pos`, which must
/// be mapped contiguously and aligned to `size`.
fn direct_access<'g>(
    iter: &'g IomapIter<'_>,
    guard: &'g DaxReadGuard,
    pos: i64,
    size: usize,
) -> Result<DaxMapping<'g>> {
    let iomap = iter.iomap();
    let dev = iomap.dax_device().ok_or(EIO)?;
    let pages = size >> PAGE_SHIFT;
    let m = dev.direct_access(guard, iomap_pgoff(iomap, pos), pages)?;
    if m.len() < size || m.pfn() & (pages - 1) != 0 {
        return Err(EINVAL);
    }
    Ok(m)
}

/// `dax_iomap_copy_around()` for a fault, which always covers whole, aligned pages: fills the
/// new block of a shared extent with the data of the source extent (zeroes for a hole, an
/// unwritten extent or a shared source).
fn copy_around(iter: &IomapIter<'_>, pos: i64, size: usize, dst: &DaxMapping<'_>) -> Result {
    let srcmap = iter.srcmap();
    let zero_edge = srcmap.flags().contains(IomapMapFlag::Shared)
        || srcmap.kind() == Some(IomapType::Unwritten)
        || srcmap.kind() == Some(IomapType::Hole);
    if zero_edge {
        dst.zero(0, size)?;
        return dst.flush(0, size);
    }
    let dev = srcmap.dax_device().ok_or(EIO)?;
    let guard = DaxReadGuard::new();
    let src = dev
        .direct_access(&guard, iomap_pgoff(srcmap, pos), size >> PAGE_SHIFT)
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
    pfnp: PfnOut<'_>,
    xas: &mut DaxXaState<'_>,
    entry: &mut DaxEntry,
    pmd: bool,
) -> VmFaultResult {
    let vmf = fault.vmf();
    let iomap = iter.iomap();
    let size = PAGE_SIZE << if pmd { PMD_ORDER } else { 0 };
    let pos = (xas.index() as i64) << PAGE_SHIFT;
    let write = iter.flags().contains(IomapFlag::Write);

    if !pmd && vmf.cow_page().is_some() {
        return fault_cow_page(fault, iter);
    }

    // Reading an unwritten extent or a hole maps the zero page.
    let kind = iomap.kind();
    if !write && matches!(kind, Some(IomapType::Unwritten) | Some(IomapType::Hole)) {
        return if pmd {
            pmd_load_hole(fault, xas, iter, entry)
        } else {
            load_hole(fault, xas, iter, entry)
        };
    }

    let shared = iomap.flags().contains(IomapMapFlag::Shared);
    if kind != Some(IomapType::Mapped) && !shared {
        kernel::warn_on!(true);
        if pmd {
            Stats::inc(&STATS.pmd_fallback_iomap);
            return VmFaultResult::FALLBACK;
        }
        return VmFaultResult::SIGBUS;
    }

    let guard = DaxReadGuard::new();
    let m = match direct_access(iter, &guard, pos, size) {
        Ok(m) => m,
        Err(_) if pmd => {
            // Not contiguous or not aligned at PMD size.
            Stats::inc(&STATS.pmd_fallback_iomap);
            return VmFaultResult::FALLBACK;
        }
        Err(e) => return fault_return(Err(e)),
    };
    let pfn = DaxPfn::of(&m);

    *entry = insert_entry(fault, xas, iter, *entry, DaxEntry::new(pfn, pmd));

    if write && shared {
        Stats::inc(&STATS.shared_copy);
        if let Err(e) = copy_around(iter, pos, size, &m) {
            return fault_return(Err(e));
        }
    }
    drop(guard);

    if is_synchronous(fault, iter) {
        // `dax_fault_synchronous_pfnp()`: the caller inserts the pfn after fsync.
        let Some(pfnp) = pfnp else {
            kernel::warn_on!(true);
            return VmFaultResult::SIGBUS;
        };
        *pfnp = pfn.pfn();
        Stats::inc(&STATS.sync_needed);
        return VmFaultResult::NEEDDSYNC;
    }

    if pmd {
        let ret = entry.insert_pmd(&xas.entries(), vmf, pfn, write);
        if ret == VmFaultResult::NOPAGE {
            Stats::inc(&STATS.pmd_mapped);
        }
        ret
    } else {
        entry.insert_pte(&xas.entries(), vmf, pfn, write)
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
    let write = vmf.is_write() && vmf.cow_page().is_none();
    Stats::inc(if write {
        &STATS.pte_write
    } else {
        &STATS.pte_read
    });
    let Some(entries) = DaxEntries::of_fault(fault) else {
        return VmFaultResult::SIGBUS;
    };
    let mut xas = entries.state(vmf.pgoff(), 0);
    let pos = (vmf.pgoff() as i64) << PAGE_SHIFT;

    // The caller holds the locks that serialise us with truncate and hole punching, so this is
    // a reliable test.
    if pos >= fault.inode().size() {
        return VmFaultResult::SIGBUS;
    }

    let mut flags = IomapFlags::from(IomapFlag::Dax) | IomapFlag::Fault;
    if write {
        flags |= IomapFlag::Write;
    }

    let mut entry = match grab_mapping_entry(&mut xas, 0) {
        Ok(e) => e,
        Err(ret) => return ret,
    };

    // Mixed reads and writes of private mappings can race with a PMD fault that covers this
    // PTE: then just return, and the fault will be retried.
    if vmf.pmd_is_trans_huge() {
        xas.unlock_entry(entry);
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
                kernel::warn_on!(true); // Filesystem corruption?
                iter.set_status(EIO);
                continue;
            }
            ret = fault_iter(
                fault,
                &iter,
                pfnp.as_deref_mut(),
                &mut xas,
                &mut entry,
                false,
            );
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

    xas.unlock_entry(entry);
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
    let Some(entries) = DaxEntries::of_fault(fault) else {
        return VmFaultResult::SIGBUS;
    };
    let mut xas = entries.state(vmf.pgoff(), PMD_ORDER);
    let mut flags = IomapFlags::from(IomapFlag::Dax) | IomapFlag::Fault;
    if vmf.is_write() {
        flags |= IomapFlag::Write;
    }

    // The caller holds the locks that serialise us with truncate and hole punching, so this is
    // a reliable test.
    let size = usize::try_from(fault.inode().size()).unwrap_or(0);
    let max_pgoff = size.div_ceil(PAGE_SIZE);
    trace::dax_pmd_fault(fault.inode(), vmf, max_pgoff, VmFaultResult::NONE);
    let ret = pmd_fault(fault, pfnp, &mut xas, flags, max_pgoff);
    trace::dax_pmd_fault_done(fault.inode(), vmf, max_pgoff, ret);
    ret
}

/// `dax_iomap_pmd_fault()` between its trace events.
fn pmd_fault(
    fault: &DaxFault<'_>,
    mut pfnp: PfnOut<'_>,
    xas: &mut DaxXaState<'_>,
    flags: IomapFlags,
    max_pgoff: usize,
) -> VmFaultResult {
    let vmf = fault.vmf();
    if xas.index() >= max_pgoff {
        return VmFaultResult::SIGBUS;
    }

    let mut ret = VmFaultResult::FALLBACK;
    if let Some(reason) = check_fallback(fault, xas.index(), max_pgoff) {
        Stats::inc(&STATS.pmd_fallback_layout);
        Stats::inc(reason);
    } else {
        // This gives an empty PMD entry, a zero PMD entry or a DAX PMD; if it cannot (a PTE
        // entry is in the range, for instance), it gives VM_FAULT_FALLBACK.
        match grab_mapping_entry(xas, PMD_ORDER) {
            Err(r) => {
                if r == VmFaultResult::FALLBACK {
                    Stats::inc(&STATS.pmd_fallback_pte_entry);
                }
                ret = r;
            }
            Ok(mut entry) => {
                // Mixed reads and writes of private mappings can race with a PTE fault that
                // overlaps this PMD: then just return, and the fault will be retried.
                if !vmf.pmd_is_none() && !vmf.pmd_is_trans_huge() {
                    Stats::inc(&STATS.pmd_raced);
                    ret = VmFaultResult::NONE;
                } else {
                    Stats::inc(&STATS.pmd_served);
                    let pos = (xas.index() as i64) << PAGE_SHIFT;
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
                        ret = fault_iter(fault, &iter, pfnp.as_deref_mut(), xas, &mut entry, true);
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
                xas.unlock_entry(entry);
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
/// writable at `order`, unless the entry went away or changed size meanwhile, in which case the
/// fault is retried (`VM_FAULT_NOPAGE`).
fn insert_pfn_mkwrite(vmf: &VmFault, pfn: DaxPfn, order: u32) -> VmFaultResult {
    let Some(entries) = DaxEntries::of_vmf(vmf) else {
        return VmFaultResult::SIGBUS;
    };
    let mut xas = entries.state(vmf.pgoff(), order);
    let mut g = xas.lock_irq();
    let entry = match g.get_next_unlocked_entry(order) {
        // Did we race with someone splitting the entry or so?
        Lookup::Entry(e) if order != 0 || e.is_pte() => e,
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
    };
    g.set_mark(Mark::PAGECACHE_DIRTY);
    g.lock_entry(entry);
    g.unlock();
    let ret = match order {
        0 => pfn.insert_pte_mkwrite(vmf),
        PMD_ORDER => {
            let ret = pfn.insert_pmd_mkwrite(vmf);
            if ret == VmFaultResult::NOPAGE {
                Stats::inc(&STATS.pmd_mapped);
            }
            ret
        }
        _ => VmFaultResult::FALLBACK,
    };
    xas.unlock_entry(entry);
    Stats::inc(&STATS.sync_finished);
    trace::dax_insert_pfn_mkwrite(entries.mapping().host(), vmf, ret);
    ret
}

/// `dax_finish_sync_fault()`: makes the range of a `VM_FAULT_NEEDDSYNC` fault durable, then
/// maps `pfn` writable.
pub(crate) fn finish_sync_fault(vmf: &VmFault, order: u32, pfn: DaxPfn) -> VmFaultResult {
    let start = (vmf.pgoff() as i64) << PAGE_SHIFT;
    let len = (PAGE_SIZE << order) as i64;
    let Some(file) = vmf.file() else {
        return VmFaultResult::SIGBUS;
    };
    if file.fsync_range(start, start + len - 1, true).is_err() {
        return VmFaultResult::SIGBUS;
    }
    insert_pfn_mkwrite(vmf, pfn, order)
}
