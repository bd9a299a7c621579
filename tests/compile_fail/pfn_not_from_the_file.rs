// SPDX-License-Identifier: GPL-2.0
//! Only the memory that the filesystem maps at a locked entry's index can be stored in the
//! entry or mapped (`LockedEntry::direct_access()`): a pfn of any block of the device would let
//! safe code give another file's memory to this one. `DaxPfn::new()` is unsafe. Reopened by a
//! safe public way to make a `DaxPfn` from a `DaxMapping` or a number.
// expect: E0133

use kernel::{
    dax::{device::DaxMapping, entry::EntryOrder, pfn::DaxPfn},
    fs::address_space::AddressSpace,
};

pub fn any_block<'g>(m: &DaxMapping<'g>, mapping: &AddressSpace) -> DaxPfn<'g> {
    DaxPfn::new(m.pfn(), EntryOrder::Pte, false, mapping, 0)
}
