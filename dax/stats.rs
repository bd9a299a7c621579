// SPDX-License-Identifier: GPL-2.0

//! What the module did, shown in debugfs as `rust_dax/stats`.

use kernel::{
    debugfs::{Dir, File},
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
};

/// One counter per kind of call the module served.
pub(crate) struct Stats {
    /// `dax_iomap_fault()` at PTE size.
    pub(crate) pte_fault: Atomic<u64>,
    /// `dax_iomap_fault()` at PMD size.
    pub(crate) pmd_fault: Atomic<u64>,
    /// `dax_iomap_fault()` at another size.
    pub(crate) other_fault: Atomic<u64>,
    /// `dax_finish_sync_fault()`.
    pub(crate) finish_sync_fault: Atomic<u64>,
    /// `dax_lock_folio()` and `dax_lock_mapping_entry()`.
    pub(crate) entry_lock: Atomic<u64>,
    /// `dax_unlock_folio()` and `dax_unlock_mapping_entry()`.
    pub(crate) entry_unlock: Atomic<u64>,
    /// Calls handed to the C implementation of `fs/dax.c`.
    pub(crate) handed_to_c: Atomic<u64>,
}

impl Stats {
    pub(crate) const fn new() -> Self {
        Self {
            pte_fault: Atomic::new(0),
            pmd_fault: Atomic::new(0),
            other_fault: Atomic::new(0),
            finish_sync_fault: Atomic::new(0),
            entry_lock: Atomic::new(0),
            entry_unlock: Atomic::new(0),
            handed_to_c: Atomic::new(0),
        }
    }

    /// Adds one to `counter`.
    #[inline]
    pub(crate) fn inc(counter: &Atomic<u64>) {
        counter.fetch_add(1, Relaxed);
    }

    fn show(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let rows = [
            ("pte_fault", &self.pte_fault),
            ("pmd_fault", &self.pmd_fault),
            ("other_fault", &self.other_fault),
            ("finish_sync_fault", &self.finish_sync_fault),
            ("entry_lock", &self.entry_lock),
            ("entry_unlock", &self.entry_unlock),
            ("handed_to_c", &self.handed_to_c),
        ];
        for (name, counter) in rows {
            writeln!(f, "{name} {}", counter.load(Relaxed))?;
        }
        Ok(())
    }
}

/// The module's counters.
pub(crate) static STATS: Stats = Stats::new();

/// The debugfs directory `rust_dax` and its files.
pub(crate) struct DebugFs {
    _stats: Pin<KBox<File<&'static Stats>>>,
    _dir: Dir,
}

impl DebugFs {
    pub(crate) fn new() -> Result<Self> {
        let dir = Dir::new(c"rust_dax");
        let stats = KBox::pin_init(
            dir.read_callback_file(c"stats", &STATS, &|s: &&'static Stats, f| s.show(f)),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _stats: stats,
            _dir: dir,
        })
    }
}
