// SPDX-License-Identifier: GPL-2.0
//! Hole 9: the waker reads the waiter's key on another CPU, so a key must be `Sync`.
//! Reopened by dropping the `Sync` bound of `WakeKey`.
// expect: E0277

use core::cell::Cell;
use kernel::sync::wait::WakeKey;

#[repr(C)]
pub struct Key(Cell<usize>);

// SAFETY: None: this must not compile.
unsafe impl WakeKey for Key {
    fn matches(&self, key: &Self) -> bool {
        self.0.get() == key.0.get()
    }
}
