// SPDX-License-Identifier: GPL-2.0

//! Wait queues with keyed wake-ups.
//!
//! A [`WaitQueueHead`] is a `struct wait_queue_head` owned elsewhere, for example one of a
//! hashed table of queues shared by many objects, as `fs/dax.c` does for its entries. Since
//! many objects share one queue, a waiter says what it waits for with a key, and a waker passes
//! the key of what it releases: the wake function of a [`WaitEntry`] compares the two
//! ([`WakeKey::matches`]) and wakes its task only if they match.
//!
//! C header: [`include/linux/wait.h`](srctree/include/linux/wait.h)

use crate::{
    bindings,
    ffi::{c_int, c_uint, c_void},
    task::{TASK_INTERRUPTIBLE, TASK_NORMAL, TASK_UNINTERRUPTIBLE},
    types::Opaque,
};
use core::{cell::Cell, marker::PhantomData, marker::PhantomPinned, pin::Pin, ptr};
use pin_init::{pin_data, pin_init, pinned_drop, PinInit};

/// The key that waiters on a [`WaitQueueHead`] wait for and that wakers wake.
///
/// # Safety
///
/// `Self` must have the layout the C code that wakes the same queues passes as key, since the
/// wake function reads the waker's key as a `Self`.
///
/// A key is `Sync`: the wake function of a waiter reads the waiter's key on the waker's CPU.
pub unsafe trait WakeKey: Sized + Sync {
    /// Whether a wake-up for `key` is meant for a waiter waiting for `self`.
    fn matches(&self, key: &Self) -> bool;
}

/// The state a task sleeps in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// `TASK_UNINTERRUPTIBLE`: only a wake-up ends the sleep.
    Uninterruptible,
    /// `TASK_INTERRUPTIBLE`: a signal ends it too.
    Interruptible,
}

impl TaskState {
    fn raw(self) -> c_int {
        match self {
            TaskState::Uninterruptible => TASK_UNINTERRUPTIBLE,
            TaskState::Interruptible => TASK_INTERRUPTIBLE,
        }
    }
}

/// How many exclusive waiters a wake-up wakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeMode {
    /// Every waiter whose key matches (`WAKE_ALL` in `fs/dax.c`).
    All,
    /// Non-exclusive waiters and the first exclusive waiter whose key matches (`WAKE_NEXT`).
    Next,
}

/// A wait queue head owned elsewhere, whose keyed wake-ups carry a `K`.
///
/// # Invariants
///
/// `self.0` is an initialised `struct wait_queue_head`, and every wake-up on it that passes a
/// key passes a pointer to a valid `K` (or `NULL`).
#[repr(transparent)]
pub struct WaitQueueHead<K: WakeKey> {
    wq: Opaque<bindings::wait_queue_head>,
    _key: PhantomData<K>,
}

// SAFETY: A wait queue head is protected by its own spinlock and can be used from any thread.
unsafe impl<K: WakeKey> Send for WaitQueueHead<K> {}
// SAFETY: As above.
unsafe impl<K: WakeKey> Sync for WaitQueueHead<K> {}

impl<K: WakeKey> WaitQueueHead<K> {
    /// Creates a reference to a wait queue head owned elsewhere.
    ///
    /// # Safety
    ///
    /// `wq` must point to an initialised `struct wait_queue_head` valid for `'a`, on which every
    /// wake-up that passes a key passes a pointer to a valid `K` or `NULL`.
    pub unsafe fn from_raw<'a>(wq: *mut bindings::wait_queue_head) -> &'a Self {
        // SAFETY: `WaitQueueHead` is a transparent wrapper of `struct wait_queue_head`; the
        // caller guarantees the rest.
        unsafe { &*wq.cast() }
    }

    /// The raw `struct wait_queue_head`.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::wait_queue_head {
        self.wq.get()
    }

    /// Whether anybody waits on the queue (`waitqueue_active`).
    ///
    /// This is a lockless test: it is only reliable if the waiters check their condition and
    /// queue themselves under a lock that the caller holds or has just released.
    #[inline]
    pub fn is_active(&self) -> bool {
        // `waitqueue_active()` is `!list_empty(&wq_head->head)`, i.e. `READ_ONCE(head->next) !=
        // head`: without `CONFIG_RUST_INLINE_HELPERS` done here rather than through its helper,
        // since every unlock of a DAX entry asks. KUnit `rust_wait_keyed` compares the two.
        #[cfg(not(CONFIG_RUST_INLINE_HELPERS))]
        {
            // SAFETY: The queue is initialised (type invariant), so its list head is valid; the
            // volatile read is `READ_ONCE()`, as the list may change under us.
            let (head, next) = unsafe {
                let head = &raw mut (*self.as_ptr()).head;
                (head, ptr::read_volatile(&raw const (*head).next))
            };
            !ptr::eq(next, head)
        }
        #[cfg(CONFIG_RUST_INLINE_HELPERS)]
        // SAFETY: The queue is initialised (type invariant).
        unsafe {
            bindings::waitqueue_active(self.as_ptr()) != 0
        }
    }

    /// Wakes the waiters for `key` (`__wake_up(wq, TASK_NORMAL, nr, key)`).
    #[inline]
    pub fn wake_up(&self, key: &K, mode: WakeMode) {
        let nr = match mode {
            WakeMode::All => 0,
            WakeMode::Next => 1,
        };
        // SAFETY: The queue is initialised (type invariant) and `key` is a valid `K` for the
        // duration of the call.
        unsafe {
            bindings::__wake_up(
                self.as_ptr(),
                TASK_NORMAL as c_uint,
                nr,
                ptr::from_ref(key).cast_mut().cast(),
            )
        };
    }
}

/// A wait queue entry of the current task, waiting for a key (`struct wait_queue_entry` with a
/// wake function that compares keys).
///
/// An entry only exists inside [`WaitEntry::with`], on the stack of the waiting task, and is
/// taken off any queue before `with` returns: a queued entry can neither outlive its task nor
/// be leaked (for example with [`core::mem::forget`]) while a wake-up may still find it.
///
/// # Examples
///
/// Wait until a condition checked under a spinlock holds, as `fs/dax.c` waits for an entry to
/// be unlocked:
///
/// ```
/// use kernel::sync::wait::{schedule, TaskState, WaitEntry, WaitQueueHead, WakeKey};
/// use kernel::sync::{SpinLock, SpinLockGuard};
///
/// fn wait_for<'a, K: WakeKey + Copy>(
///     lock: &'a SpinLock<bool>,
///     wq: &WaitQueueHead<K>,
///     key: K,
/// ) -> SpinLockGuard<'a, bool> {
///     WaitEntry::with(|w| {
///         let mut guard = lock.lock();
///         while !*guard {
///             w.prepare(wq, key, TaskState::Uninterruptible, true);
///             drop(guard);
///             schedule();
///             w.finish();
///             guard = lock.lock();
///         }
///         guard
///     })
/// }
/// ```
///
/// The entry cannot be put on a queue that it outlives, nor taken out of `with`: such uses do
/// not compile.
///
/// # Invariants
///
/// `self.wait` is initialised with `init_wait()` for the current task and with
/// `Self::wake_function` as its wake function. If `self.queue` is not `NULL`, the entry may be
/// on that queue (it can have been removed by a wake-up), and that queue is valid for `'q`,
/// which outlives the entry: [`WaitEntry::with`] makes the entry and takes it off its queue
/// within one call, which `'q`, a lifetime of that call, outlives.
#[pin_data(PinnedDrop)]
pub struct WaitEntry<'q, K: WakeKey> {
    #[pin]
    wait: Opaque<bindings::wait_queue_entry>,
    key: Cell<Option<K>>,
    queue: Cell<*mut bindings::wait_queue_head>,
    // Invariant in `'q`: the queues of the entry are fixed by the caller of `with`.
    _queue: PhantomData<Cell<&'q ()>>,
    #[pin]
    _pin: PhantomPinned,
}

impl<'q, K: WakeKey> WaitEntry<'q, K> {
    /// Runs `f` with a wait entry of the current task, not yet on any queue, and takes the
    /// entry off its queue (`finish_wait()`) when `f` returns.
    ///
    /// The entry lives on the stack of this function: nothing `f` does can make it outlive
    /// the call. It can be put on queues that live for `'q`, which outlives the call.
    #[inline]
    pub fn with<R>(f: impl for<'w> FnOnce(Pin<&'w Self>) -> R) -> R {
        pin_init::stack_pin_init!(let w = Self::new());
        f(w.as_ref())
        // `w` is dropped here, which takes it off its queue.
    }

    /// A wait entry of the current task, not yet on any queue: only [`WaitEntry::with`] makes
    /// one, on its stack.
    #[inline]
    fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `init_wait` initialises the entry in place for the current task; then the
            // wake function is replaced with ours, as `fs/dax.c` does.
            //
            // INVARIANT: `wait` is initialised with our wake function.
            wait <- Opaque::ffi_init(|w: *mut bindings::wait_queue_entry| unsafe {
                bindings::init_wait(w);
                (*w).func = Some(Self::wake_function);
            }),
            key: Cell::new(None),
            queue: Cell::new(ptr::null_mut()),
            _queue: PhantomData,
            _pin: PhantomPinned,
        })
    }

    /// The wake function: wakes the task only for a wake-up whose key matches ours.
    ///
    /// # Safety
    ///
    /// Called by the scheduler with the queue's lock held, for an entry of a `WaitEntry<K>` on a
    /// `WaitQueueHead<K>`, with `key` `NULL` or a valid `K`.
    unsafe extern "C" fn wake_function(
        wait: *mut bindings::wait_queue_entry,
        mode: c_uint,
        sync: c_int,
        key: *mut c_void,
    ) -> c_int {
        // SAFETY: `wait` is the `wait` field of a `WaitEntry` (this function is only ever
        // installed by `new`), which is pinned and alive while on a queue.
        let this = unsafe {
            &*crate::container_of!(
                wait.cast::<Opaque<bindings::wait_queue_entry>>(),
                Self,
                wait
            )
        };
        if !key.is_null() {
            // SAFETY: Wake-ups on a `WaitQueueHead<K>` pass a valid `K` (its invariant). `key` is
            // only read while the queue lock is held and `set_key` only runs off the queue.
            let theirs = unsafe { &*key.cast::<K>() };
            // SAFETY: The key is set before the entry is queued and not changed while queued;
            // the queue lock, held by our caller, orders this read after that write.
            let ours = unsafe { &*this.key.as_ptr() };
            match ours {
                Some(ours) if ours.matches(theirs) => (),
                _ => return 0,
            }
        }
        // SAFETY: The arguments are those our caller gave us; `autoremove_wake_function` wakes
        // the task and takes the entry off the queue.
        unsafe { bindings::autoremove_wake_function(wait, mode, sync, ptr::null_mut()) }
    }

    /// Queues the entry on `wq`, waiting for `key`, and sets the task state
    /// (`prepare_to_wait_exclusive()` if `exclusive`, else `prepare_to_wait()`).
    ///
    /// The caller then drops the lock under which it saw the condition it waits for, calls
    /// [`schedule`], and then [`WaitEntry::finish`]. `wq` is borrowed for `'q`, longer than the
    /// entry lives, so it cannot go away while the entry may be on it.
    pub fn prepare(
        self: Pin<&Self>,
        wq: &'q WaitQueueHead<K>,
        key: K,
        state: TaskState,
        exclusive: bool,
    ) {
        // Off any queue first, so that no wake function reads the key while it changes.
        self.finish();
        self.key.set(Some(key));
        // INVARIANT: `wq` is valid for `'q`, which outlives the entry.
        self.queue.set(wq.as_ptr());
        // SAFETY: The entry is initialised and pinned; `wq` is a valid queue.
        unsafe {
            if exclusive {
                bindings::prepare_to_wait_exclusive(wq.as_ptr(), self.wait.get(), state.raw());
            } else {
                bindings::prepare_to_wait(wq.as_ptr(), self.wait.get(), state.raw());
            }
        }
    }

    /// Takes the entry off its queue, if on one, and sets the task running (`finish_wait`).
    pub fn finish(self: Pin<&Self>) {
        let q = self.queue.replace(ptr::null_mut());
        if !q.is_null() {
            // SAFETY: `q` is the queue `prepare` put the entry on, still alive (type invariant).
            unsafe { bindings::finish_wait(q, self.wait.get()) };
        }
    }

    /// Whether the entry is still on a queue: no matching wake-up found the task sleeping (or
    /// about to sleep) since [`WaitEntry::prepare`].
    pub fn is_queued(&self) -> bool {
        if self.queue.get().is_null() {
            return false;
        }
        // SAFETY: The entry is initialised; `list_empty_careful` may run without the queue lock.
        unsafe { !bindings::list_empty_careful(&(*self.wait.get()).entry) }
    }
}

#[pinned_drop]
impl<K: WakeKey> PinnedDrop for WaitEntry<'_, K> {
    fn drop(self: Pin<&mut Self>) {
        self.into_ref().finish();
    }
}

/// Gives up the CPU until the current task is woken (`schedule()`).
///
/// Call it after [`WaitEntry::prepare`] and after dropping every spinlock, outside any RCU
/// read-side critical section.
#[inline]
pub fn schedule() {
    // No `might_sleep()` here: the task state is not `TASK_RUNNING` after `prepare`, and
    // `schedule()` checks itself that it is not called in atomic context.
    // SAFETY: `schedule` may be called from any sleepable context.
    unsafe { bindings::schedule() };
}

#[macros::kunit_tests(rust_wait_keyed)]
mod tests {
    use super::*;
    use crate::{alloc::KBox, prelude::*, static_lock_class};

    /// The key of `fs/dax.c`'s entry wait queues, as a test key type.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    #[repr(C)]
    struct TestKey {
        owner: usize,
        index: usize,
    }

    // SAFETY: Every wake-up in these tests passes a `TestKey`.
    unsafe impl WakeKey for TestKey {
        fn matches(&self, key: &Self) -> bool {
            self == key
        }
    }

    /// A wait queue head owned by a test.
    struct TestQueue(KBox<Opaque<bindings::wait_queue_head>>);

    impl TestQueue {
        fn new() -> Result<Self> {
            let wq = KBox::new(Opaque::uninit(), GFP_KERNEL)?;
            // SAFETY: `wq` is a valid allocation for a wait queue head, initialised here.
            unsafe {
                bindings::__init_waitqueue_head(
                    wq.get(),
                    c"rust_wait_keyed".as_char_ptr(),
                    static_lock_class!().as_ptr(),
                )
            };
            Ok(Self(wq))
        }

        fn head(&self) -> &WaitQueueHead<TestKey> {
            // SAFETY: The head is initialised, lives as long as `self`, and only `TestKey`s
            // are passed to its wake-ups.
            unsafe { WaitQueueHead::from_raw(self.0.get()) }
        }
    }

    /// Whether anybody waits on `q`: `is_active()` and `waitqueue_active()`.
    fn active(q: &TestQueue) -> (bool, bool) {
        // SAFETY: The head is initialised and lives as long as `q`.
        let c = unsafe { bindings::waitqueue_active(q.0.get()) } != 0;
        (q.head().is_active(), c)
    }

    const A: TestKey = TestKey {
        owner: 1,
        index: 10,
    };
    const B: TestKey = TestKey {
        owner: 1,
        index: 11,
    };

    #[test]
    fn keyed_wake_up() -> Result {
        let q = TestQueue::new()?;
        assert_eq!(active(&q), (false, false));
        WaitEntry::with(|w| {
            w.prepare(q.head(), A, TaskState::Uninterruptible, true);
            assert_eq!(active(&q), (true, true));
            assert!(w.is_queued());

            // A wake-up for another key leaves the waiter queued.
            q.head().wake_up(&B, WakeMode::All);
            assert!(w.is_queued());

            // A wake-up for our key takes it off the queue and wakes the task.
            q.head().wake_up(&A, WakeMode::Next);
            assert!(!w.is_queued());
            assert_eq!(active(&q), (false, false));
            w.finish();
        });
        Ok(())
    }

    #[test]
    fn wake_next_wakes_one_exclusive_waiter() -> Result {
        let q = TestQueue::new()?;
        WaitEntry::with(|w1| {
            WaitEntry::with(|w2| {
                w1.prepare(q.head(), A, TaskState::Uninterruptible, true);
                w2.prepare(q.head(), A, TaskState::Uninterruptible, true);
                q.head().wake_up(&A, WakeMode::Next);
                assert!(!w1.is_queued());
                assert!(w2.is_queued());
                // The wake-up set the task running, and a wake-up of a running task leaves its
                // entries queued: sleep again (as after a spurious wake-up) before the next one.
                w2.prepare(q.head(), A, TaskState::Uninterruptible, true);
                q.head().wake_up(&A, WakeMode::All);
                assert!(!w2.is_queued());
                w1.finish();
                w2.finish();
            })
        });
        Ok(())
    }

    /// An entry still queued when `with` returns is taken off the queue.
    #[test]
    fn with_dequeues() -> Result {
        let q = TestQueue::new()?;
        WaitEntry::with(|w| {
            w.prepare(q.head(), B, TaskState::Uninterruptible, false);
            assert!(q.head().is_active());
        });
        assert!(!q.head().is_active());
        Ok(())
    }
}
