// SPDX-License-Identifier: GPL-2.0

//! Page cache mappings.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h)

use crate::{
    bindings,
    fs::File,
    fs::Inode,
    types::{NotThreadSafe, Opaque},
    xarray::state::XaLockIrqGuard,
};

/// A borrowed reference to a `struct address_space`, the page cache of a file.
///
/// # Invariants
///
/// For the lifetime of a `&AddressSpace`, the address space and its host inode are valid: their
/// memory is not freed. An address space is embedded in an inode (usually its host, for a block
/// device the inode of the device), and inodes are freed after an RCU grace period, so an RCU
/// read-side critical section is enough for this. A reference to an open file whose `f_mapping`
/// is the address space is another way to ensure it.
///
/// The inode may be in the process of being evicted while a `&AddressSpace` obtained under RCU
/// exists; the methods of this type only call functions that cope with that.
#[repr(transparent)]
pub struct AddressSpace {
    inner: Opaque<bindings::address_space>,
}

// SAFETY: All methods of `AddressSpace` can be called from several threads in parallel: they
// either read fields that do not change after the address space is set up, read with
// `READ_ONCE()` semantics, or require the caller to hold the lock protecting the field.
unsafe impl Sync for AddressSpace {}

impl AddressSpace {
    /// Creates a reference to an [`AddressSpace`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points at a valid `struct address_space` whose host
    /// inode is set, and that neither is freed for the duration of `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::address_space) -> &'a AddressSpace {
        // SAFETY: The caller guarantees that the pointer is valid for `'a`. `AddressSpace` is
        // `repr(transparent)` over `Opaque<bindings::address_space>`.
        unsafe { &*ptr.cast() }
    }

    /// Returns the address space of an open file, its `f_mapping`.
    ///
    /// For a file mapped by a VMA, this is the mapping the page faults of the VMA are served from.
    #[inline]
    pub fn from_file(file: &File) -> &AddressSpace {
        // SAFETY: `file` is valid because the reference guarantees a positive refcount.
        // `f_mapping` is set when the file is opened and is only changed while the file is being
        // opened (e.g. for block devices), so it is read with `READ_ONCE()` semantics.
        let mapping = unsafe { (&raw const (*file.as_ptr()).f_mapping).read_volatile() };
        // SAFETY: An open file has a valid `f_mapping` with a host inode, and both stay valid
        // at least as long as the file is open, which the borrow of `file` ensures.
        unsafe { Self::from_raw(mapping) }
    }

    /// Returns a raw pointer to the address space.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::address_space {
        self.inner.get()
    }

    /// Returns the inode that owns this address space (`mapping->host`).
    #[inline]
    pub fn host(&self) -> &Inode {
        // SAFETY: By the type invariants the address space is valid. `host` is set when the
        // inode is initialised and never changes afterwards.
        let host = unsafe { (*self.as_ptr()).host };
        // SAFETY: By the type invariants the host inode is not freed while `self` is borrowed.
        unsafe { Inode::from_raw(host) }
    }

    /// Returns whether this is the mapping of a DAX file (`dax_mapping()`).
    ///
    /// The page cache of a DAX file does not contain pages: every entry of its `i_pages` is an
    /// XArray value entry describing a DAX mapping entry.
    #[inline]
    pub fn is_dax(&self) -> bool {
        // `dax_mapping()`: `mapping->host && IS_DAX(mapping->host)`, read here rather than
        // through its helper: the fault paths ask on every fault.
        // SAFETY: By the type invariants the address space is valid.
        let host = unsafe { (*self.as_ptr()).host };
        // SAFETY: By the type invariants the host inode, if any, is valid. `i_flags` is read
        // without a lock, as `IS_DAX()` does.
        !host.is_null() && unsafe { (*host).i_flags } & bindings::S_DAX != 0
    }

    /// Returns the number of pages (for DAX: pages covered by entries) in the page cache.
    ///
    /// The value is read without the `i_pages` lock, so it may be stale by the time it is used.
    #[inline]
    pub fn nrpages(&self) -> usize {
        // SAFETY: By the type invariants the address space is valid. `nrpages` is written under
        // the `i_pages` lock, and read locklessly with `READ_ONCE()` by the C code too.
        unsafe { (&raw const (*self.as_ptr()).nrpages).read_volatile() }
    }

    /// Adds `delta` pages to `nrpages`.
    ///
    /// The DAX code accounts every page covered by an entry of `i_pages` in `nrpages`: it adds
    /// them when it stores an empty entry in an empty slot and subtracts them when it removes an
    /// entry. `locked` is the evidence that the `i_pages` lock, which serialises all writers of
    /// `nrpages`, is held; a guard of another XArray is a bug, warned about, and nothing is
    /// added.
    #[inline]
    pub fn nrpages_add(&self, locked: &XaLockIrqGuard<'_, '_>, delta: isize) {
        // SAFETY: By the type invariants the address space is valid; this only computes the
        // address of a field.
        let i_pages = unsafe { &raw mut (*self.as_ptr()).i_pages };
        if crate::warn_on_once!(!core::ptr::eq(locked.state().xarray().as_ptr(), i_pages)) {
            return;
        }
        // SAFETY: By the type invariants the address space is valid; this only computes the
        // address of a field.
        let ptr = unsafe { &raw mut (*self.as_ptr()).nrpages };
        // SAFETY: `ptr` is valid, and the `i_pages` lock is held (`locked` is its guard, checked
        // above), so no other thread writes `nrpages` concurrently. Lockless readers use
        // `READ_ONCE()`, so the write is a volatile write, like `WRITE_ONCE()`.
        unsafe { ptr.write_volatile(ptr.read().wrapping_add_signed(delta)) };
    }

    /// Returns the allocation flags of the mapping (`mapping_gfp_mask()`).
    ///
    /// The DAX code allocates the XArray nodes of `i_pages` with these flags, minus
    /// `__GFP_HIGHMEM`.
    #[inline]
    pub fn gfp_mask(&self) -> bindings::gfp_t {
        // `mapping_gfp_mask()` is a plain read of the field, done here rather than through its
        // helper.
        // SAFETY: By the type invariants the address space is valid.
        unsafe { (*self.as_ptr()).gfp_mask }
    }

    /// Unmaps the pages `start..start + nr` (in units of pages of the file) from every VMA that
    /// maps them (`unmap_mapping_pages()`).
    ///
    /// If `even_cows` is true, private copy-on-write copies of the pages are unmapped too.
    ///
    /// Takes the `i_mmap` read lock, so it may sleep.
    #[inline]
    pub fn unmap_pages(&self, start: usize, nr: usize, even_cows: bool) {
        // SAFETY: By the type invariants the address space is valid. `unmap_mapping_pages()`
        // takes the `i_mmap` lock and handles any range, including ranges beyond the end of the
        // file and an empty `i_mmap` tree of an inode being evicted.
        unsafe { bindings::unmap_mapping_pages(self.as_ptr(), start, nr, even_cows) };
    }

    /// Takes the invalidate lock of the mapping shared (`filemap_invalidate_lock_shared()`).
    ///
    /// While it is held, truncation, hole punching and the other operations that remove blocks
    /// of the file, which take it exclusive, wait. It ranks below the page-fault freeze
    /// protection ([`super::SuperBlock::start_pagefault`]), as in the filesystems' own faults.
    ///
    /// May sleep.
    #[inline]
    pub fn invalidate_lock_shared(&self) -> InvalidateLockShared<'_> {
        // SAFETY: By the type invariants the address space is valid; `invalidate_lock` is
        // initialised with it.
        unsafe { bindings::down_read(&raw mut (*self.as_ptr()).invalidate_lock) };
        // INVARIANT: The lock was just taken for reading, by this thread.
        InvalidateLockShared {
            mapping: self,
            _not_send: NotThreadSafe,
        }
    }
}

/// The invalidate lock of a mapping, held shared ([`AddressSpace::invalidate_lock_shared`]).
///
/// # Invariants
///
/// This thread holds `invalidate_lock` of `mapping` for reading.
#[must_use = "dropping the guard releases the lock at once"]
pub struct InvalidateLockShared<'a> {
    mapping: &'a AddressSpace,
    // A read-held rw-semaphore is released by the thread that took it.
    _not_send: NotThreadSafe,
}

impl InvalidateLockShared<'_> {
    /// The mapping whose lock is held.
    #[inline]
    pub fn mapping(&self) -> &AddressSpace {
        self.mapping
    }
}

impl Drop for InvalidateLockShared<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: This thread holds the lock for reading (type invariant), and the mapping is
        // valid for the guard's lifetime.
        unsafe { bindings::up_read(&raw mut (*self.mapping.as_ptr()).invalidate_lock) };
    }
}
