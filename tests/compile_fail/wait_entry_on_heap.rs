// SPDX-License-Identifier: GPL-2.0
//! Hole 4: a `WaitEntry` could be pinned in a box and leaked while queued, leaving a queue
//! entry that points at a dead task. Entries are only made on the stack of
//! `WaitEntry::with`. Reopened by a public `WaitEntry::new()`.
// expect: E0624

use kernel::{dax::wait::EntryWait, prelude::*};

pub fn leak() -> Result {
    let w = KBox::pin_init(EntryWait::new(), GFP_KERNEL)?;
    core::mem::forget(w);
    Ok(())
}
