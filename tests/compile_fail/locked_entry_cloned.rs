// SPDX-License-Identifier: GPL-2.0
//! Hole 1: the entry lock was not a type; a `Copy` entry value could be unlocked twice, or by
//! a task that never locked it. A `LockedEntry` is neither `Copy` nor `Clone`: there is one per
//! lock, and unlocking consumes it. Reopened by `Clone` (or `Copy`) for `LockedEntry`.
// expect: E0599

use kernel::dax::locked::LockedEntry;

pub fn unlock_twice(e: LockedEntry<'_>) {
    let twin = e.clone();
    e.unlock();
    twin.unlock();
}
