// SPDX-License-Identifier: GPL-2.0
//! The `i_pages` of a DAX file, with the plain XArray API, would let safe code store an entry
//! with any pfn, bypassing the entry lock and `NewEntry`. Only the DAX abstractions of the
//! kernel crate get at it (`DaxEntries::of_mapping()`). Reopened by a public way to get the
//! `i_pages` of an `AddressSpace` as a `ValueXArray`, such as an `AddressSpace::dax_i_pages()`.
// expect: E0599

use kernel::{
    fs::address_space::AddressSpace,
    xarray::state::{Entry, XaState},
};

pub fn forge(mapping: &AddressSpace) {
    if let (Some(xa), Some(e)) = (mapping.dax_i_pages(), Entry::from_value(0x1000 << 6)) {
        let mut xas = XaState::new(xa, 0);
        let mut g = xas.lock_irq();
        g.store(e);
    }
}
