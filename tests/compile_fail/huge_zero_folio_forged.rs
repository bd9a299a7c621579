// SPDX-License-Identifier: GPL-2.0
//! Hole 6: only `VmFault::huge_zero_folio()` makes a `HugeZeroFolio`: any other folio mapped
//! as "the zero folio" would be mapped where holes are read. Reopened by a public field.
// expect: E0423

use kernel::{
    mm::{fault::HugeZeroFolio, folio::Folio},
    sync::aref::ARef,
};

pub fn forge(folio: &Folio) -> HugeZeroFolio {
    HugeZeroFolio(ARef::from(folio))
}
