// SPDX-License-Identifier: GPL-2.0
//! Drivers do not check the page offset of direct access: pmem computes the kernel address of
//! any page, past the end of the device too. Only the pages of a filesystem's extent may be
//! reached from safe code (`iomap_direct_access()`); `DaxDevice::direct_access()` is unsafe.
//! Reopened by a safe `direct_access()` that takes any offset.
// expect: E0133

use kernel::{
    dax::device::{DaxDevice, DaxMapping, DaxReadGuard},
    prelude::*,
};

pub fn any_page<'g>(dev: &'g DaxDevice, guard: &'g DaxReadGuard) -> Result<DaxMapping<'g>> {
    dev.direct_access(guard, usize::MAX >> 12, 1)
}
