// SPDX-License-Identifier: GPL-2.0

//! Superblocks and their freeze protection.
//!
//! C header: [`include/linux/fs/super.h`](srctree/include/linux/fs/super.h)

use crate::{bindings, fs::Inode, types::NotThreadSafe, types::Opaque};

/// A borrowed reference to a `struct super_block`, the instance of a mounted filesystem.
///
/// # Invariants
///
/// For the lifetime of a `&SuperBlock`, the superblock is valid. A superblock outlives its
/// inodes, so a reference obtained from a valid [`Inode`] is one.
#[repr(transparent)]
pub struct SuperBlock {
    inner: Opaque<bindings::super_block>,
}

// SAFETY: The methods of `SuperBlock` can be called from any thread: freeze protection is
// reference counted per CPU and can be taken by any number of threads at once.
unsafe impl Sync for SuperBlock {}

impl SuperBlock {
    /// Creates a reference to a [`SuperBlock`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points at a valid superblock that is not freed for the
    /// duration of `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::super_block) -> &'a SuperBlock {
        // SAFETY: The caller guarantees that the pointer is valid for `'a`. `SuperBlock` is
        // `repr(transparent)` over `Opaque<bindings::super_block>`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the superblock.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::super_block {
        self.inner.get()
    }

    /// Gets write access to the filesystem from a page fault (`sb_start_pagefault()`).
    ///
    /// A write fault that dirties the memory of a file takes this protection against freezing
    /// for as long as it changes the file. If the filesystem is frozen, this waits until it is
    /// thawed; while the returned guard exists, freezing waits for it. The guard ends the
    /// protection (`sb_end_pagefault()`) when it is dropped, on every return path.
    ///
    /// The protection behaves as a lock: it ranks below the mmap lock and above the filesystem's
    /// own locks and transactions.
    ///
    /// May sleep.
    #[inline]
    pub fn start_pagefault(&self) -> PagefaultGuard<'_> {
        // SAFETY: The superblock is valid (type invariant).
        unsafe { bindings::sb_start_pagefault(self.as_ptr()) };
        // INVARIANT: The protection was just taken, by this thread.
        PagefaultGuard {
            sb: self,
            _not_send: NotThreadSafe,
        }
    }
}

impl Inode {
    /// Returns the superblock of the filesystem the inode belongs to (`inode->i_sb`).
    #[inline]
    pub fn super_block(&self) -> &SuperBlock {
        // SAFETY: By the type invariants of `Inode` the inode is valid; `i_sb` is set when the
        // inode is allocated and never changes. A superblock is freed after all its inodes are
        // evicted, and after an RCU grace period, so it is valid for as long as the inode is.
        unsafe { SuperBlock::from_raw((*self.as_ptr()).i_sb) }
    }
}

/// Write access to a filesystem from a page fault, held against freezing.
///
/// Returned by [`SuperBlock::start_pagefault`]; dropping it ends the protection.
///
/// # Invariants
///
/// The current thread took the page-fault freeze protection of `sb` (`sb_start_pagefault()`)
/// and has not ended it.
#[must_use = "the protection ends when the guard is dropped"]
pub struct PagefaultGuard<'a> {
    sb: &'a SuperBlock,
    // The protection is a per-CPU rw-semaphore held for reading, released by its holder.
    _not_send: NotThreadSafe,
}

impl PagefaultGuard<'_> {
    /// The superblock whose protection is held.
    #[inline]
    pub fn super_block(&self) -> &SuperBlock {
        self.sb
    }
}

impl Drop for PagefaultGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: This thread holds the protection of `sb` (type invariant), which is valid.
        unsafe { bindings::sb_end_pagefault(self.sb.as_ptr()) };
    }
}
