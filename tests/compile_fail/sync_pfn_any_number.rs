// SPDX-License-Identifier: GPL-2.0
//! The filesystem hands the pfn of a synchronous fault back to `dax_finish_sync_fault()`, and C
//! maps it writable without a check: a fault stores it only through `PfnOut::set()`, which
//! takes memory found for the fault's entry. Reopened by a `PfnOut` that is a plain
//! `Option<&mut usize>`, or a setter that takes a number.
// expect: E0308

use kernel::dax::pfn::PfnOut;

pub fn any_number(mut pfnp: PfnOut<'_>) -> bool {
    pfnp.set(0x1234)
}
