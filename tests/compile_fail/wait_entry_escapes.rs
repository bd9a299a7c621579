// SPDX-License-Identifier: GPL-2.0
//! Hole 4: the entry of `WaitEntry::with` must not outlive the call, which takes it off its
//! queue. Reopened by a `with` whose closure is not generic over the entry's lifetime.
// expect: E0521

use core::pin::Pin;
use kernel::dax::wait::EntryWait;

pub fn escape(out: &mut Option<Pin<&'static EntryWait<'static>>>) {
    EntryWait::with(|w| *out = Some(w));
}
