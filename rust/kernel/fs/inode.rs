// SPDX-License-Identifier: GPL-2.0

//! Inodes.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h)

use crate::{bindings, types::Opaque};

/// A borrowed reference to a `struct inode`.
///
/// This type only exposes the few operations on an inode that do not depend on the filesystem
/// owning it and that are needed by code operating on the page cache of the inode, such as the DAX
/// fault paths.
///
/// # Invariants
///
/// For the lifetime of a `&Inode`, the inode is valid: its memory is not freed. Inodes are freed
/// after an RCU grace period, so an RCU read-side critical section is enough for this; a
/// reference to an open file, to a mapping of the file or to the dentry of the inode are other
/// ways to ensure it.
#[repr(transparent)]
pub struct Inode {
    inner: Opaque<bindings::inode>,
}

// SAFETY: All methods of `Inode` can be called from several threads in parallel: they either
// read the inode with `i_size_read()` or `READ_ONCE()`, or call functions that take the locks
// they need.
unsafe impl Sync for Inode {}

impl Inode {
    /// Creates a reference to an [`Inode`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points at a valid inode that is not freed for the
    /// duration of `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::inode) -> &'a Inode {
        // SAFETY: The caller guarantees that the pointer is valid for `'a`. `Inode` is
        // `repr(transparent)` over `Opaque<bindings::inode>`, which has the layout of
        // `bindings::inode`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the inode.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::inode {
        self.inner.get()
    }

    /// Returns the size of the file in bytes, as `i_size_read()` does.
    ///
    /// The value is only stable if the caller holds a lock that serialises against truncation,
    /// e.g. the filesystem lock that the DAX fault paths run under.
    #[inline]
    pub fn size(&self) -> i64 {
        // SAFETY: By the type invariants the inode is valid.
        unsafe { i_size_read(self.as_ptr()) }
    }

    /// Returns the mode (file type and permission bits) of the inode.
    #[inline]
    pub fn mode(&self) -> u16 {
        // SAFETY: By the type invariants the inode is valid. The file type bits never change
        // for the lifetime of an inode, and the permission bits may change concurrently, so the
        // field is read with a volatile read, like `READ_ONCE()`.
        unsafe { (&raw const (*self.as_ptr()).i_mode).read_volatile() }
    }

    /// Returns whether the inode is a character device (`S_ISCHR()`).
    ///
    /// This is how the DAX code recognises device-DAX mappings.
    #[inline]
    pub fn is_chr(&self) -> bool {
        u32::from(self.mode()) & bindings::S_IFMT == bindings::S_IFCHR
    }

    /// Marks the pages of the inode dirty: `__mark_inode_dirty(inode, I_DIRTY_PAGES)`.
    ///
    /// This queues the inode for writeback, so that the dirty pages (or, for DAX, the dirty
    /// mapping entries) of the inode are written back.
    ///
    /// Must be called in process context: it may take the `i_lock` spinlock and the writeback
    /// list lock, but does not sleep.
    #[inline]
    pub fn mark_dirty_pages(&self) {
        // SAFETY: By the type invariants the inode is valid. `__mark_inode_dirty()` takes the
        // locks it needs and ignores inodes that are being freed (`I_FREEING`).
        unsafe {
            bindings::__mark_inode_dirty(
                self.as_ptr(),
                bindings::inode_state_flags_enum_I_DIRTY_PAGES as i32,
            )
        };
    }
}

/// `i_size_read(inode)`.
///
/// Every DAX fault asks. On x86-64 `i_size_read()` is `smp_load_acquire(&inode->i_size)`, which
/// x86 makes a `READ_ONCE()` and a compiler barrier: without `CONFIG_RUST_INLINE_HELPERS` that
/// read is done here rather than through a helper call. KUnit `rust_fs_inode` compares it with
/// the C function.
///
/// # Safety
///
/// `inode` points to an inode whose `i_size` (and on 32-bit SMP kernels `i_size_seqcount`) is
/// initialised, such as a valid inode.
#[inline]
unsafe fn i_size_read(inode: *const bindings::inode) -> i64 {
    #[cfg(all(CONFIG_X86_64, not(CONFIG_RUST_INLINE_HELPERS)))]
    {
        // SAFETY: The caller guarantees that the inode is valid; `i_size` may be written
        // concurrently (`i_size_write()`), hence the volatile read.
        let size = unsafe { (&raw const (*inode).i_size).read_volatile() };
        crate::sync::barrier::barrier();
        size
    }
    #[cfg(not(all(CONFIG_X86_64, not(CONFIG_RUST_INLINE_HELPERS))))]
    // SAFETY: The caller guarantees that the inode is valid. `i_size_read()` may be called
    // without locks.
    unsafe {
        bindings::i_size_read(inode)
    }
}

#[macros::kunit_tests(rust_fs_inode)]
mod tests {
    use super::*;
    use crate::{alloc::KBox, prelude::*};

    /// The size of an inode, as `i_size_read()` gives it. On 64-bit `i_size` is all that either
    /// reads (32-bit SMP kernels read it under `i_size_seqcount`).
    #[cfg(CONFIG_64BIT)]
    #[test]
    fn size_is_i_size_read() -> Result {
        let storage = KBox::<Opaque<bindings::inode>>::new_uninit(GFP_KERNEL | __GFP_ZERO)?;
        let inode = Opaque::cast_into(storage.as_ptr());
        for size in [0, 1, 4096, i64::MAX] {
            // SAFETY: `inode` points to a zeroed `struct inode` that only this test uses, and
            // that lives until its end.
            unsafe { (*inode).i_size = size };
            // SAFETY: As above: `i_size` is initialised, and all that is read.
            let (ours, c) = unsafe { (i_size_read(inode), bindings::i_size_read(inode)) };
            assert_eq!(ours, c);
            assert_eq!(c, size);
        }
        Ok(())
    }
}
