// SPDX-License-Identifier: GPL-2.0
//! Hole 4: `prepare()` took a queue of any lifetime and kept it. The queue must outlive the
//! entry, whose type carries the queues' lifetime. Reopened by `prepare` taking a queue of any
//! lifetime.
// expect: E0597

use kernel::{
    prelude::*,
    sync::wait::{TaskState, WaitEntry, WaitQueueHead, WakeKey},
};

pub fn queue_dies<K: WakeKey + Copy>(make: impl Fn() -> KBox<WaitQueueHead<K>>, key: K) {
    WaitEntry::<K>::with(|w| {
        let wq = make();
        w.prepare(&wq, key, TaskState::Uninterruptible, true);
    });
}
