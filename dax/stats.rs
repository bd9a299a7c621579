// SPDX-License-Identifier: GPL-2.0

//! What the module did, in debugfs `rust_dax/stats`, beside the switch `rust_dax/rust_path`
//! ([`crate::switch`]).

use kernel::{
    debugfs::{Dir, File},
    mm::fault::VmFaultResult,
    per_cpu_counter,
    percpu::PerCpuCounter,
    prelude::*,
};

macro_rules! stats {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// One counter per outcome, shown in this order.
        pub(crate) struct Stats {
            $($(#[$doc])* pub(crate) $name: PerCpuCounter,)*
        }

        /// The module's counters.
        pub(crate) static STATS: Stats = Stats {
            $($name: per_cpu_counter!(),)*
        };

        impl Stats {
            fn show(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                $(writeln!(f, "{} {}", stringify!($name), self.$name.sum())?;)*
                Ok(())
            }
        }
    };
}

stats! {
    /// `dax_iomap_fault()` calls at PTE size.
    pte_fault,
    /// Results with `VM_FAULT_NOPAGE`.
    nopage,
    /// Copy-on-write faults of private mappings.
    cow,
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
    /// PMD faults that got an entry and asked the filesystem for the extent.
    pmd_served,
    /// Holes read at PMD size: the huge zero folio mapped.
    huge_zero_page,
    /// DAX PMDs mapped, by PMD faults and by `dax_finish_sync_fault()` served in Rust (huge
    /// zero folios not included).
    pmd_mapped,
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
    /// Adds one to `counter`, on this CPU.
    #[inline]
    pub(crate) fn inc(counter: &PerCpuCounter) {
        counter.inc();
    }

    /// Counts the result of a fault.
    #[inline]
    pub(crate) fn count_result(&self, ret: VmFaultResult) {
        // Most faults end with just `VM_FAULT_NOPAGE`, and copy-on-write ones with just
        // `VM_FAULT_DONE_COW`.
        if ret == VmFaultResult::NOPAGE {
            Self::inc(&self.nopage);
        } else if ret == VmFaultResult::DONE_COW {
            Self::inc(&self.other_results);
            Self::inc(&self.done_cow);
        } else {
            self.count_result_bits(ret);
        }
    }

    fn count_result_bits(&self, ret: VmFaultResult) {
        Self::inc(&self.other_results);
        let rows = [
            (VmFaultResult::NOPAGE, &self.nopage),
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
