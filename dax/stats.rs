// SPDX-License-Identifier: GPL-2.0

//! What the module did, in debugfs `rust_dax/stats`, beside the switch `rust_dax/rust_path`
//! ([`crate::switch`]).

use kernel::{
    debugfs::{Dir, File},
    mm::fault::VmFaultResult,
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
};

macro_rules! stats {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// One counter per outcome.
        pub(crate) struct Stats {
            $($(#[$doc])* pub(crate) $name: Atomic<u64>,)*
        }

        impl Stats {
            const fn new() -> Self {
                Self {
                    $($name: Atomic::new(0),)*
                }
            }

            fn show(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                // Read before the fault counters: a fault is counted there first.
                let done_cow_only = self.done_cow_only.load(Relaxed);
                let other_results = self.other_results.load(Relaxed) + done_cow_only;
                let done_cow = self.done_cow.load(Relaxed) + done_cow_only;
                let pmd_not_served = self.pmd_fallback_layout.load(Relaxed)
                    + self.pmd_fallback_pte_entry.load(Relaxed)
                    + self.pmd_raced.load(Relaxed)
                    + self.pmd_unserved.load(Relaxed);
                let pmd_not_mapped =
                    self.pmd_served_unmapped.load(Relaxed) + self.huge_zero_page.load(Relaxed);
                let pmd_sync_mapped = self.pmd_sync_mapped.load(Relaxed);
                let pmd_fault = self.pmd_fault.load(Relaxed);
                let pmd_served = pmd_fault.saturating_sub(pmd_not_served);
                let pmd_mapped = pmd_served.saturating_sub(pmd_not_mapped) + pmd_sync_mapped;
                // Every PTE fault is counted once, as a read or a write.
                let pte_fault = self.pte_read.load(Relaxed) + self.pte_write.load(Relaxed);
                let faults = pte_fault + pmd_fault + self.other_fault.load(Relaxed);
                writeln!(f, "pte_fault {pte_fault}")?;
                // The faults that returned just `VM_FAULT_NOPAGE` are not counted on their own.
                let nopage = faults.saturating_sub(other_results) + self.nopage_bit.load(Relaxed);
                writeln!(f, "nopage {nopage}")?;
                // Every copy-on-write fault ends with `VM_FAULT_DONE_COW` or is counted as
                // unfinished.
                writeln!(f, "cow {}", self.cow_unfinished.load(Relaxed) + done_cow)?;
                $(
                    // The counters kept for a shown value under another name are shown in its
                    // place.
                    let shown = match stringify!($name) {
                        "other_results" => Some(("other_results", other_results)),
                        "done_cow" => Some(("done_cow", done_cow)),
                        "pmd_unserved" => Some(("pmd_served", pmd_served)),
                        "pmd_sync_mapped" => Some(("pmd_mapped", pmd_mapped)),
                        "cow_unfinished" | "done_cow_only" | "pmd_served_unmapped" => None,
                        name => Some((name, self.$name.load(Relaxed))),
                    };
                    if let Some((name, value)) = shown {
                        writeln!(f, "{name} {value}")?;
                    }
                )*
                Ok(())
            }
        }
    };
}

// `pte_fault`, the `dax_iomap_fault()` calls at PTE size, is shown as `pte_read + pte_write`, and
// `nopage`, the results with `VM_FAULT_NOPAGE`, as the faults less `other_results` plus
// `nopage_bit`: two counters less to increment on the hot path, where a fault is counted once
// and most return just `VM_FAULT_NOPAGE`. A copy-on-write fault that returns just
// `VM_FAULT_DONE_COW` is counted once too, in `done_cow_only`, which `other_results` and
// `done_cow` include when shown; `cow`, the copy-on-write faults, is shown as those that
// returned `VM_FAULT_DONE_COW` plus `cow_unfinished`.
//
// Likewise a PMD fault is counted once, in `pmd_fault`, when it is served and mapped: what it
// did otherwise is counted on the way out. `pmd_served`, shown in the place of `pmd_unserved`,
// is `pmd_fault` less the faults not served (`pmd_fallback_layout`, `pmd_fallback_pte_entry`,
// `pmd_raced` and `pmd_unserved`); `pmd_mapped`, shown in the place of `pmd_sync_mapped`, is
// `pmd_served` less those that did not end with just `VM_FAULT_NOPAGE`
// (`pmd_served_unmapped`) or mapped the huge zero folio (`huge_zero_page`), plus
// `pmd_sync_mapped`.
stats! {
    /// `dax_iomap_fault()` calls at PMD size.
    pmd_fault,
    /// `dax_iomap_fault()` calls at another size.
    other_fault,
    /// PTE read faults (copy-on-write ones included).
    pte_read,
    /// PTE write faults (copy-on-write ones excluded).
    pte_write,
    /// Holes read: the zero page mapped.
    zero_page,
    /// PMD faults not served for another reason than the fallbacks and races below: a `SIGBUS`
    /// for a fault beyond the end of the file, an error taking the entry (shown as `pmd_served`,
    /// the PMD faults that got an entry and asked the filesystem for the extent).
    pmd_unserved,
    /// Holes read at PMD size: the huge zero folio mapped.
    huge_zero_page,
    /// DAX PMDs mapped by `dax_finish_sync_fault()` (shown as `pmd_mapped`, the DAX PMDs mapped
    /// by PMD faults and by `dax_finish_sync_fault()` served in Rust, huge zero folios not
    /// included).
    pmd_sync_mapped,
    /// PMD faults served that did not end with just `VM_FAULT_NOPAGE` (not shown: see
    /// `pmd_mapped`).
    pmd_served_unmapped,
    /// PMD faults falling back because of the mapping or file layout
    /// (`dax_fault_check_fallback()`): the sum of the four `pmd_fallback_` counters below.
    pmd_fallback_layout,
    /// ... because the PMD offset (colour) of the address differs from that of the file
    /// offset: a misaligned mapping.
    pmd_fallback_colour,
    /// ... because of a write to a private mapping (copy on write is done at PTE size).
    pmd_fallback_private_write,
    /// ... because the PMD would extend outside the VMA.
    pmd_fallback_outside_vma,
    /// ... because the PMD would extend beyond the end of the file.
    pmd_fallback_beyond_eof,
    /// PMD faults falling back because a PTE entry is already in the PMD range of the mapping
    /// (`grab_mapping_entry()`).
    pmd_fallback_pte_entry,
    /// PMD faults falling back because the extent is shorter than the PMD or cannot be mapped
    /// at PMD size (its memory is not contiguous or not aligned).
    pmd_fallback_iomap,
    /// PMD faults of holes falling back because the huge zero folio could not be had.
    pmd_fallback_hole,
    /// PMD faults that found a PTE table set up meanwhile (retried).
    pmd_raced,
    /// Copy-on-write faults of private mappings that did not return `VM_FAULT_DONE_COW` (not
    /// shown: see `cow`).
    cow_unfinished,
    /// Blocks of shared extents filled from the source before mapping.
    shared_copy,
    /// Synchronous faults returning `VM_FAULT_NEEDDSYNC`.
    sync_needed,
    /// `dax_finish_sync_fault()` calls served in Rust that mapped the pfn.
    sync_finished,
    /// `dax_finish_sync_fault()` calls served in Rust that found the entry gone or resized.
    sync_raced,
    /// Results other than just `VM_FAULT_NOPAGE`.
    other_results,
    /// Results among `other_results` with `VM_FAULT_NOPAGE`.
    nopage_bit,
    /// Results: `VM_FAULT_SIGBUS`.
    sigbus,
    /// Results: `VM_FAULT_OOM`.
    oom,
    /// Results: `VM_FAULT_FALLBACK`.
    fallback,
    /// Results: `VM_FAULT_RETRY`.
    retry,
    /// Results: `VM_FAULT_DONE_COW`.
    done_cow,
    /// Results that were just `VM_FAULT_DONE_COW` (not shown: counted in `other_results` and
    /// `done_cow`).
    done_cow_only,
    /// Results with `VM_FAULT_MAJOR`.
    major,
    /// `dax_finish_sync_fault()` calls.
    finish_sync_fault,
    /// `dax_lock_folio()` and `dax_lock_mapping_entry()` calls.
    entry_lock,
    /// `dax_unlock_folio()` and `dax_unlock_mapping_entry()` calls.
    entry_unlock,
}

impl Stats {
    /// Adds one to `counter`.
    #[inline]
    pub(crate) fn inc(counter: &Atomic<u64>) {
        counter.fetch_add(1, Relaxed);
    }

    /// Counts the result of a fault.
    #[inline]
    pub(crate) fn count_result(&self, ret: VmFaultResult) {
        // Most faults end here, and are counted as the faults less the others.
        if ret == VmFaultResult::DONE_COW {
            Self::inc(&self.done_cow_only);
        } else if ret != VmFaultResult::NOPAGE {
            self.count_result_bits(ret);
        }
    }

    fn count_result_bits(&self, ret: VmFaultResult) {
        Self::inc(&self.other_results);
        let rows = [
            (VmFaultResult::NOPAGE, &self.nopage_bit),
            (VmFaultResult::SIGBUS, &self.sigbus),
            (VmFaultResult::OOM, &self.oom),
            (VmFaultResult::FALLBACK, &self.fallback),
            (VmFaultResult::RETRY, &self.retry),
            (VmFaultResult::DONE_COW, &self.done_cow),
            (VmFaultResult::MAJOR, &self.major),
        ];
        for (bit, counter) in rows {
            if ret.contains(bit) {
                Self::inc(counter);
            }
        }
    }
}

/// The module's counters.
pub(crate) static STATS: Stats = Stats::new();

/// The debugfs directory `rust_dax` and its files.
pub(crate) struct DebugFs {
    _stats: Pin<KBox<File<&'static Stats>>>,
    _rust_path: Pin<KBox<File<crate::switch::Switch>>>,
    _dir: Dir,
}

impl DebugFs {
    /// Creates the files, registering the fault paths if `rust_path`.
    pub(crate) fn new(rust_path: bool) -> Result<Self> {
        let dir = Dir::new(c"rust_dax");
        let stats = KBox::pin_init(
            dir.read_callback_file(c"stats", &STATS, &|s: &&'static Stats, f| s.show(f)),
            GFP_KERNEL,
        )?;
        let rust_path = crate::switch::create(&dir, rust_path)?;
        Ok(Self {
            _stats: stats,
            _rust_path: rust_path,
            _dir: dir,
        })
    }
}
