// SPDX-License-Identifier: GPL-2.0
//! Hole 9: `XaState::set_order()` accepted any order (64 and more overflow C's shifts; without
//! multi-index entries C `BUG()`s). Orders are an `XaOrder`, checked when made. Reopened by
//! taking a plain number.
// expect: E0308

use kernel::xarray::state::{ValueXArray, XaState};

pub fn huge_order(xa: &ValueXArray) -> XaState<'_> {
    XaState::new_order(xa, 0, 64)
}
