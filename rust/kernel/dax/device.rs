// SPDX-License-Identifier: GPL-2.0

//! DAX devices.
//!
//! A DAX device (`struct dax_device`) gives direct, load/store access to memory that backs a
//! block device, e.g. persistent memory. The memory of a DAX device may only be accessed within a
//! DAX read-side critical section ([`DaxReadGuard`]): the device is torn down (`kill_dax()`) only
//! after the critical sections in progress are done.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::{
    bindings,
    error::{code::EFAULT, code::EHWPOISON, code::EINVAL, code::EIO, Error, Result},
    fs::iomap::{Iomap, IomapType},
    mm::fault::{CowPage, FilledCowPage},
    page::{PAGE_SHIFT, PAGE_SIZE},
    types::{NotThreadSafe, Opaque},
};
use core::{marker::PhantomData, ptr::NonNull};

/// A borrowed reference to a DAX device, a `struct dax_device`.
///
/// # Invariants
///
/// The DAX device is valid (its memory is not freed) for the lifetime of a `&DaxDevice`, e.g.
/// because the filesystem using it is mounted. It may be dead (`kill_dax()`), in which case
/// [`DaxDevice::direct_access`] fails.
#[repr(transparent)]
pub struct DaxDevice {
    inner: Opaque<bindings::dax_device>,
}

// SAFETY: All operations on a DAX device synchronise internally.
unsafe impl Sync for DaxDevice {}

impl DaxDevice {
    /// Creates a reference to a [`DaxDevice`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points at a valid `struct dax_device` that is not freed
    /// for the duration of `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::dax_device) -> &'a DaxDevice {
        // SAFETY: Guaranteed by the caller. `DaxDevice` is `repr(transparent)` over
        // `Opaque<bindings::dax_device>`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the DAX device.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::dax_device {
        self.inner.get()
    }

    /// Translates `nr_pages` pages of the device starting at page `pgoff` to a kernel mapping
    /// and page frames (`dax_direct_access()` in `DAX_ACCESS` mode).
    ///
    /// The returned [`DaxMapping`] covers the pages available contiguously from `pgoff`, at most
    /// `nr_pages` and at least one. It cannot outlive `guard`: the memory may only be accessed
    /// while the device cannot be torn down.
    ///
    /// Fails with the error of the driver, `ERANGE` if no page is available at `pgoff`, or
    /// `EFAULT` if the driver returned no kernel address. [`iomap_direct_access`] is the safe way
    /// to call it, for the pages of a filesystem's extent.
    ///
    /// # Safety
    ///
    /// Page `pgoff` is a page of the device: drivers do not check it (pmem computes the kernel
    /// address and the pfn of any offset).
    #[inline]
    pub unsafe fn direct_access<'g>(
        &'g self,
        guard: &'g DaxReadGuard,
        pgoff: usize,
        nr_pages: usize,
    ) -> Result<DaxMapping<'g>> {
        let _ = guard;
        let nr_pages = isize::try_from(nr_pages).map_err(|_| EINVAL)?;
        let mut kaddr: *mut crate::ffi::c_void = core::ptr::null_mut();
        let mut pfn: crate::ffi::c_ulong = 0;
        // SAFETY: The device is valid by the type invariants, and `guard` proves that the DAX
        // read lock is held. `pgoff` is a page of the device (the caller's guarantee). `kaddr`
        // and `pfn` are valid for writes.
        let avail = unsafe {
            bindings::dax_direct_access(
                self.as_ptr(),
                pgoff,
                nr_pages,
                bindings::dax_access_mode_DAX_ACCESS,
                &mut kaddr,
                &mut pfn,
            )
        };
        if avail < 0 {
            return Err(Error::from_errno(avail as i32));
        }
        // `dax_direct_access()` returns `-ERANGE` rather than zero, and at most `nr_pages`.
        let avail = avail as usize;
        if avail == 0 {
            return Err(EINVAL);
        }
        let kaddr = NonNull::new(kaddr.cast::<u8>()).ok_or(EFAULT)?;
        let len = avail.checked_mul(PAGE_SIZE).ok_or(EINVAL)?;
        // INVARIANT: `dax_direct_access()` returned `avail` pages accessible at `kaddr`, which
        // stay mapped until the device is killed; `kill_dax()` waits for the DAX read-side
        // critical sections, and `guard` outlives `'g`.
        Ok(DaxMapping {
            dax_dev: self,
            kaddr,
            len,
            pfn,
            _guard: PhantomData,
        })
    }
}

/// A DAX read-side critical section (`dax_read_lock()` / `dax_read_unlock()`).
///
/// While it is held, DAX devices that are alive stay usable: `kill_dax()` waits for the critical
/// sections in progress. It may be held across sleeps.
///
/// # Invariants
///
/// `id` is the value returned by the `dax_read_lock()` that started the critical section, which
/// lasts until `self` is dropped.
pub struct DaxReadGuard {
    id: i32,
    _not_send: NotThreadSafe,
}

impl DaxReadGuard {
    /// Enters a DAX read-side critical section (`dax_read_lock()`).
    #[inline]
    pub fn new() -> Self {
        // SAFETY: `dax_read_lock()` may be called in any sleepable context.
        let id = unsafe { bindings::dax_read_lock() };
        // INVARIANT: `id` was just returned by `dax_read_lock()`.
        Self {
            id,
            _not_send: NotThreadSafe,
        }
    }
}

impl Default for DaxReadGuard {
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DaxReadGuard {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: By the type invariants `id` comes from the `dax_read_lock()` that started this
        // critical section, on this task (the type is not `Send`).
        unsafe { bindings::dax_read_unlock(self.id) };
    }
}

/// A range of DAX memory mapped in the kernel, as returned by [`DaxDevice::direct_access`].
///
/// The memory is storage: persistent memory that user space may map and access concurrently,
/// and that may contain poisoned cache lines. It is never a Rust allocation and never exposed
/// as a Rust reference: like user memory, it is only accessed through C copy functions
/// (`memset()`, `copy_mc_to_kernel()`, which recovers from machine checks, `copy_page()`), so
/// that a concurrent access by user space or another mapping changes the data stored, as a
/// concurrent `write(2)` would, but cannot break the kernel's memory safety. Writing it can
/// corrupt the data of the device, as writing to a block device can.
///
/// # Invariants
///
/// For `'g`, the `len` bytes at `kaddr` (a positive multiple of `PAGE_SIZE`) are mapped and may be
/// read and written, and `pfn` is the page frame of the first of them, of `dax_dev`. The DAX read
/// lock is held for `'g`.
pub struct DaxMapping<'g> {
    dax_dev: &'g DaxDevice,
    kaddr: NonNull<u8>,
    len: usize,
    pfn: usize,
    _guard: PhantomData<&'g DaxReadGuard>,
}

impl<'g> DaxMapping<'g> {
    /// Returns the DAX device the memory belongs to.
    #[inline]
    pub fn dax_device(&self) -> &'g DaxDevice {
        self.dax_dev
    }

    /// Returns the page frame number of the first page.
    ///
    /// A number: what may be mapped is a [`DaxPfn`](super::pfn::DaxPfn), which only the
    /// memory of a file's locked entry gives.
    #[inline]
    pub fn pfn(&self) -> usize {
        self.pfn
    }

    /// Returns the number of pages mapped.
    #[inline]
    pub fn nr_pages(&self) -> usize {
        self.len >> PAGE_SHIFT
    }

    /// Returns the number of bytes mapped.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Returns whether the mapping is empty; it never is.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Returns the kernel address of the first byte.
    ///
    /// The address may be used for comparisons and to call C functions; the memory behind it may
    /// only be accessed while the DAX read lock is held.
    #[inline]
    pub fn as_ptr(&self) -> *mut u8 {
        self.kaddr.as_ptr()
    }

    /// Returns a pointer to `len` bytes at `offset`, after checking that they are mapped.
    #[inline]
    fn range(&self, offset: usize, len: usize) -> Result<*mut u8> {
        check_range(offset, len, self.len)?;
        // SAFETY: `offset <= self.len`, so the result is inside the mapping or one past its end.
        Ok(unsafe { self.kaddr.as_ptr().add(offset) })
    }

    /// Fills `len` bytes at `offset` with zeroes.
    ///
    /// The stores may stay in the CPU caches: call [`DaxMapping::flush`] to write them back to
    /// the persistent memory. Fails with `EINVAL` if the range is not inside the mapping.
    pub fn zero(&self, offset: usize, len: usize) -> Result {
        let dst = self.range(offset, len)?;
        // SAFETY: By the type invariants and the check above, `dst` is mapped and may be written
        // for `len` bytes while the DAX read lock is held, which it is for `'g`; it is DAX memory,
        // written through C as the type's documentation says.
        unsafe { bindings::memset(dst.cast(), 0, len) };
        Ok(())
    }

    /// Copies `len` bytes at `src_offset` of `src` to `dst_offset` of `self`, with
    /// `copy_mc_to_kernel()`.
    ///
    /// Returns the number of bytes that were not copied because a machine check (a poisoned
    /// cache line) was hit while reading the source; zero on success. Fails with `EINVAL` if a
    /// range is not inside its mapping, is larger than 4 GiB, or if the two ranges overlap.
    pub fn copy_mc_from(
        &self,
        dst_offset: usize,
        src: &DaxMapping<'_>,
        src_offset: usize,
        len: usize,
    ) -> Result<usize> {
        let dst_ptr = self.range(dst_offset, len)?;
        let src_ptr = src.range(src_offset, len)?;
        let len32 = u32::try_from(len).map_err(|_| EINVAL)?;
        let (d, s) = (dst_ptr as usize, src_ptr as usize);
        if len != 0 && d < s.wrapping_add(len) && s < d.wrapping_add(len) {
            return Err(EINVAL);
        }
        // SAFETY: By the type invariants of both mappings and the checks above, `dst_ptr` is
        // valid for writes and `src_ptr` for reads of `len` bytes while the DAX read lock is
        // held, which it is for the lifetimes of both, and the ranges do not overlap.
        let left = unsafe { bindings::copy_mc_to_kernel(dst_ptr.cast(), src_ptr.cast(), len32) };
        Ok(left)
    }

    /// Writes `len` bytes at `offset` back from the CPU caches to the persistent memory
    /// (`dax_flush()`).
    ///
    /// Fails with `EINVAL` if the range is not inside the mapping.
    pub fn flush(&self, offset: usize, len: usize) -> Result {
        self.flush_as(self.dax_dev, offset, len)
    }

    /// [`DaxMapping::flush`] as `dax_flush(dax_dev, ...)` of another device `dax_dev` does:
    /// the cache lines are written back if `dax_dev` has a write cache (`dax_flush()` only asks
    /// the device that).
    pub fn flush_as(&self, dax_dev: &DaxDevice, offset: usize, len: usize) -> Result {
        let addr = self.range(offset, len)?;
        // SAFETY: `dax_dev` is valid (type invariants of `DaxDevice`); `dax_flush()` only reads
        // its flags. The DAX read lock is held, and by the type invariants and the check above
        // the range is mapped memory.
        unsafe { bindings::dax_flush(dax_dev.as_ptr(), addr.cast(), len) };
        Ok(())
    }

    /// Fills the page of a copy-on-write fault with the first page of this mapping
    /// (`copy_user_page()`, as `copy_cow_page_dax()` in `fs/dax.c` does).
    #[inline]
    pub fn copy_to_cow_page<'a>(&self, cow: CowPage<'a>) -> FilledCowPage<'a> {
        // SAFETY: By the type invariants the mapping has at least one page, which may be read
        // while the DAX read lock is held, which it is for `'g`, i.e. for the whole call.
        unsafe { cow.copy_from_kernel(self.kaddr.as_ptr()) }
    }

    /// Copies `len` bytes at `offset` of this mapping to the kernel buffer `dst`, with
    /// `copy_mc_to_kernel()`.
    ///
    /// Returns the number of bytes that were not copied because of a machine check. Fails with
    /// `EINVAL` if the range is not inside the mapping or `dst` is shorter than `len`.
    pub fn read_mc(&self, offset: usize, dst: &mut [u8]) -> Result<usize> {
        let len = dst.len();
        let src = self.range(offset, len)?;
        let len32 = u32::try_from(len).map_err(|_| EINVAL)?;
        let left = {
            // SAFETY: `src` is valid for reads of `len` bytes while the DAX read lock is held,
            // and `dst` is a buffer of `len` bytes that cannot overlap DAX memory mapped by the
            // driver.
            unsafe { bindings::copy_mc_to_kernel(dst.as_mut_ptr().cast(), src.cast(), len32) }
        };
        Ok(left)
    }
}

/// Checks that a range of `len` bytes at `offset` is inside a buffer of `size` bytes.
#[inline]
fn check_range(offset: usize, len: usize, size: usize) -> Result {
    match offset.checked_add(len) {
        Some(end) if end <= size => Ok(()),
        _ => Err(EINVAL),
    }
}

/// Translates at most `nr_pages` pages of the file from position `pos` (rounded down to a
/// page), in the extent `iomap` of the file, to a kernel mapping and page frames of the extent's
/// DAX device ([`DaxDevice::direct_access`] at [`iomap_pgoff`]).
///
/// As in C, the pages after the first need not be in the extent: the driver gives what the
/// device has from there.
///
/// Fails with `EINVAL` if the extent has no device address (only mapped and unwritten extents
/// have one) or `pos` is not in it, `EIO` if it has no DAX device, or with the error of
/// [`DaxDevice::direct_access`].
#[inline]
pub fn iomap_direct_access<'g>(
    iomap: &'g Iomap,
    guard: &'g DaxReadGuard,
    pos: i64,
    nr_pages: usize,
) -> Result<DaxMapping<'g>> {
    if !has_device_address(iomap) {
        return Err(EINVAL);
    }
    let start = pos & !(PAGE_SIZE as i64 - 1);
    let inside = start >= iomap.offset() && ((start - iomap.offset()) as u64) < iomap.length();
    if !inside {
        return Err(EINVAL);
    }
    let dev = iomap.dax_device().ok_or(EIO)?;
    // SAFETY: The filesystem's extent maps the bytes of the file it covers to as many bytes of
    // its DAX device from `addr`, for a mapped or unwritten extent (the contract of
    // `iomap_begin`); the page at `pos` is inside the extent (checked above), so `pgoff` is a
    // page of the device.
    unsafe { dev.direct_access(guard, iomap_pgoff(iomap, pos), nr_pages) }
}

/// Whether the extent `iomap` has an address on its device: whether it is a mapped or an
/// unwritten extent (a hole, a delayed allocation or inline data has none).
#[inline]
pub fn has_device_address(iomap: &Iomap) -> bool {
    matches!(
        iomap.kind(),
        Some(IomapType::Mapped) | Some(IomapType::Unwritten)
    )
}

/// Returns the page offset in the DAX device of file position `pos` of extent `iomap`
/// (`dax_iomap_pgoff()`).
///
/// `pos` is rounded down to a page boundary. The computation wraps like the C one; positions
/// outside the extent give meaningless results.
#[inline]
pub fn iomap_pgoff(iomap: &Iomap, pos: i64) -> usize {
    pgoff(iomap.addr(), iomap.offset(), pos)
}

/// The computation of [`iomap_pgoff`]: the page of device address `addr + (pos - offset)`.
///
/// # Examples
///
/// ```
/// use kernel::dax::device::pgoff;
///
/// // An extent of the file at 1 MiB, stored at 8 MiB of the device.
/// assert_eq!(pgoff(8 << 20, 1 << 20, 1 << 20), 2048);
/// // A position inside a page is rounded down.
/// assert_eq!(pgoff(8 << 20, 1 << 20, (1 << 20) + 4096 + 17), 2049);
/// ```
#[inline]
pub const fn pgoff(addr: u64, offset: i64, pos: i64) -> usize {
    let pos = (pos as u64) & !(PAGE_SIZE as u64 - 1);
    (addr.wrapping_add(pos).wrapping_sub(offset as u64) >> PAGE_SHIFT) as usize
}

/// Converts the error of a DAX memory access to the error a block device would give
/// (`dax_mem2blk_err()`): `EHWPOISON` becomes `EIO`.
///
/// # Examples
///
/// ```
/// use kernel::dax::device::mem2blk_err;
/// use kernel::prelude::*;
///
/// assert_eq!(mem2blk_err(EHWPOISON), EIO);
/// assert_eq!(mem2blk_err(ENOMEM), ENOMEM);
/// ```
#[inline]
pub fn mem2blk_err(err: Error) -> Error {
    if err == EHWPOISON {
        EIO
    } else {
        err
    }
}
