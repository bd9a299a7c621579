// SPDX-License-Identifier: GPL-2.0
//! An address space found under RCU may belong to an inode past the removal of its entries:
//! `grab()` on it would add an entry that eviction never removes. The entries of a mapping are
//! only had from a fault (`of_fault()`, `of_vmf()`) or from the kernel crate, which knows the
//! inode is live. Reopened by a public `DaxEntries::of_mapping()`.
// expect: E0624

use kernel::{dax::entries::DaxEntries, dax::entry::EntryOrder, mm::folio::Folio, sync::rcu};

pub fn grab_under_rcu(folio: &Folio) {
    let rcu = rcu::read_lock();
    if let Some(mapping) = folio.mapping_rcu(&rcu) {
        if let Some(entries) = DaxEntries::of_mapping(mapping) {
            let _ = entries.grab(0, EntryOrder::Pte);
        }
    }
}
