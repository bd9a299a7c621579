// SPDX-License-Identifier: GPL-2.0

//! What the module did, and the switch between the Rust and the C fault paths, in debugfs:
//! `rust_dax/stats` (read) and `rust_dax/rust_path` (read and write `0` or `1`).

use kernel::{
    debugfs::{Dir, File},
    mm::fault::VmFaultResult,
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
    uaccess::UserSliceReader,
};

macro_rules! stats {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// One counter per outcome.
        pub(crate) struct Stats {
            /// Whether faults are served by the Rust paths (1) or handed to C (0).
            pub(crate) rust_path: Atomic<i32>,
            $($(#[$doc])* pub(crate) $name: Atomic<u64>,)*
        }

        impl Stats {
            const fn new() -> Self {
                Self {
                    rust_path: Atomic::new(1),
                    $($name: Atomic::new(0),)*
                }
            }

            fn show(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                writeln!(f, "rust_path {}", self.rust_path.load(Relaxed))?;
                $(writeln!(f, "{} {}", stringify!($name), self.$name.load(Relaxed))?;)*
                Ok(())
            }
        }
    };
}

stats! {
    /// `dax_iomap_fault()` calls at PTE size.
    pte_fault,
    /// `dax_iomap_fault()` calls at PMD size.
    pmd_fault,
    /// `dax_iomap_fault()` calls at another size.
    other_fault,
    /// PTE read faults served in Rust.
    pte_read,
    /// PTE write faults served in Rust (copy-on-write ones excluded).
    pte_write,
    /// Holes read: the zero page mapped.
    zero_page,
    /// PMD faults served in Rust.
    pmd_served,
    /// Holes read at PMD size: the huge zero folio mapped.
    huge_zero_page,
    /// DAX PMDs mapped by PMD faults served in Rust (huge zero folios not included).
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
    /// Copy-on-write faults of private mappings.
    cow,
    /// Blocks of shared extents filled from the source before mapping.
    shared_copy,
    /// Synchronous faults returning `VM_FAULT_NEEDDSYNC`.
    sync_needed,
    /// `dax_finish_sync_fault()` calls served in Rust that mapped the pfn.
    sync_finished,
    /// `dax_finish_sync_fault()` calls served in Rust that found the entry gone or resized.
    sync_raced,
    /// Results: `VM_FAULT_NOPAGE`.
    nopage,
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
    /// Calls handed to the C implementation of `fs/dax.c`.
    handed_to_c,
}

impl Stats {
    /// Adds one to `counter`.
    #[inline]
    pub(crate) fn inc(counter: &Atomic<u64>) {
        counter.fetch_add(1, Relaxed);
    }

    /// Whether the Rust paths serve faults.
    #[inline]
    pub(crate) fn rust_path(&self) -> bool {
        self.rust_path.load(Relaxed) != 0
    }

    /// Counts the result of a fault, served in Rust or in C.
    pub(crate) fn count_result(&self, ret: VmFaultResult) {
        let rows = [
            (VmFaultResult::NOPAGE, &self.nopage),
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

/// The module's counters and switch.
pub(crate) static STATS: Stats = Stats::new();

fn write_rust_path(s: &&'static Stats, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 8];
    let n = reader.len().min(buf.len());
    reader.read_slice(&mut buf[..n])?;
    let v = match core::str::from_utf8(&buf[..n]).map_err(|_| EINVAL)?.trim() {
        "0" => 0,
        "1" => 1,
        _ => return Err(EINVAL),
    };
    s.rust_path.store(v, Relaxed);
    Ok(())
}

/// The debugfs directory `rust_dax` and its files.
pub(crate) struct DebugFs {
    _stats: Pin<KBox<File<&'static Stats>>>,
    _rust_path: Pin<KBox<File<&'static Stats>>>,
    _dir: Dir,
}

impl DebugFs {
    pub(crate) fn new(rust_path: bool) -> Result<Self> {
        STATS.rust_path.store(i32::from(rust_path), Relaxed);
        let dir = Dir::new(c"rust_dax");
        let stats = KBox::pin_init(
            dir.read_callback_file(c"stats", &STATS, &|s: &&'static Stats, f| s.show(f)),
            GFP_KERNEL,
        )?;
        let rust_path = KBox::pin_init(
            dir.read_write_callback_file(
                c"rust_path",
                &STATS,
                &|s: &&'static Stats, f| writeln!(f, "{}", s.rust_path.load(Relaxed)),
                &write_rust_path,
            ),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _stats: stats,
            _rust_path: rust_path,
            _dir: dir,
        })
    }
}
