// SPDX-License-Identifier: GPL-2.0

//! Iteration over the block mappings of a file.
//!
//! The iomap library asks a filesystem, through its `struct iomap_ops`, how a range of a file is
//! mapped to storage, one extent (`struct iomap`) at a time, and calls the filesystem back when
//! the caller is done with the extent. [`IomapIter`] drives this iteration.
//!
//! C header: [`include/linux/iomap.h`](srctree/include/linux/iomap.h)

use crate::{
    bindings,
    error::{code::ECANCELED, to_result, Error, Result},
    fs::Inode,
    impl_flags,
    types::Opaque,
};
use core::marker::PhantomData;

impl_flags!(
    /// The flags of an iomap iteration (`iter->flags`), a set of [`IomapFlag`]s.
    ///
    /// They tell the filesystem what the mapping is needed for.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::fs::iomap::{IomapFlag, IomapFlags};
    ///
    /// // The flags of a DAX write fault.
    /// let mut flags = IomapFlag::Dax | IomapFlag::Fault;
    /// assert!(!flags.contains(IomapFlag::Write));
    /// flags |= IomapFlag::Write;
    /// assert!(flags.contains_all(IomapFlag::Dax | IomapFlag::Write));
    /// assert_eq!(u32::from(flags), 0x109);
    /// ```
    #[derive(Debug, Clone, Default, Copy, PartialEq, Eq)]
    pub struct IomapFlags(u32);

    /// A flag of an iomap iteration (`IOMAP_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum IomapFlag {
        /// Writing, not reading (`IOMAP_WRITE`).
        Write = bindings::IOMAP_WRITE,
        /// Zeroing (`IOMAP_ZERO`).
        Zero = bindings::IOMAP_ZERO,
        /// Reporting the mapping, e.g. for `FIEMAP` (`IOMAP_REPORT`).
        Report = bindings::IOMAP_REPORT,
        /// Handling a page fault (`IOMAP_FAULT`).
        Fault = bindings::IOMAP_FAULT,
        /// Direct I/O (`IOMAP_DIRECT`).
        Direct = bindings::IOMAP_DIRECT,
        /// Do not block (`IOMAP_NOWAIT`).
        Nowait = bindings::IOMAP_NOWAIT,
        /// Only overwrite existing allocated blocks (`IOMAP_OVERWRITE_ONLY`).
        OverwriteOnly = bindings::IOMAP_OVERWRITE_ONLY,
        /// Unsharing shared extents (`IOMAP_UNSHARE`).
        Unshare = bindings::IOMAP_UNSHARE,
        /// DAX mapping (`IOMAP_DAX`).
        Dax = bindings::IOMAP_DAX,
        /// Atomic write (`IOMAP_ATOMIC`).
        Atomic = bindings::IOMAP_ATOMIC,
        /// Uncached buffered I/O (`IOMAP_DONTCACHE`).
        Dontcache = bindings::IOMAP_DONTCACHE,
    }
);

impl_flags!(
    /// The flags of an extent (`iomap->flags`), a set of [`IomapMapFlag`]s.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::fs::iomap::{IomapMapFlag, IomapMapFlags};
    ///
    /// let flags = IomapMapFlags::from(IomapMapFlag::New) | IomapMapFlag::Dirty;
    /// assert!(flags.contains(IomapMapFlag::Dirty));
    /// assert!(!flags.contains(IomapMapFlag::Shared));
    /// ```
    #[derive(Debug, Clone, Default, Copy, PartialEq, Eq)]
    pub struct IomapMapFlags(u16);

    /// A flag of an extent (`IOMAP_F_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum IomapMapFlag {
        /// The blocks were newly allocated (`IOMAP_F_NEW`).
        New = bindings::IOMAP_F_NEW as u16,
        /// The inode has metadata that must be written back for the data to be persistent,
        /// e.g. by `fsync()` (`IOMAP_F_DIRTY`).
        Dirty = bindings::IOMAP_F_DIRTY as u16,
        /// The blocks are shared with another file, e.g. by reflink (`IOMAP_F_SHARED`).
        Shared = bindings::IOMAP_F_SHARED as u16,
        /// The extent merges several on-disk extents (`IOMAP_F_MERGED`).
        Merged = bindings::IOMAP_F_MERGED as u16,
        /// The mapping is stale and must be looked up again (`IOMAP_F_STALE`).
        Stale = bindings::IOMAP_F_STALE as u16,
    }
);

/// The type of an extent (`iomap->type`).
///
/// # Examples
///
/// ```
/// use kernel::fs::iomap::IomapType;
///
/// assert_eq!(IomapType::from_raw(2), Some(IomapType::Mapped));
/// assert_eq!(IomapType::from_raw(42), None);
/// assert!(IomapType::Hole.reads_as_zeroes());
/// assert!(IomapType::Unwritten.reads_as_zeroes());
/// assert!(!IomapType::Mapped.reads_as_zeroes());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum IomapType {
    /// No blocks are allocated (`IOMAP_HOLE`).
    Hole = bindings::IOMAP_HOLE as u16,
    /// Delayed allocation blocks (`IOMAP_DELALLOC`).
    Delalloc = bindings::IOMAP_DELALLOC as u16,
    /// Blocks allocated at `addr` (`IOMAP_MAPPED`).
    Mapped = bindings::IOMAP_MAPPED as u16,
    /// Blocks allocated at `addr` in unwritten state (`IOMAP_UNWRITTEN`).
    Unwritten = bindings::IOMAP_UNWRITTEN as u16,
    /// Data inline in the inode (`IOMAP_INLINE`).
    Inline = bindings::IOMAP_INLINE as u16,
}

impl IomapType {
    /// Converts a raw `iomap->type` value.
    #[inline]
    pub const fn from_raw(raw: u16) -> Option<Self> {
        Some(match raw as u32 {
            bindings::IOMAP_HOLE => Self::Hole,
            bindings::IOMAP_DELALLOC => Self::Delalloc,
            bindings::IOMAP_MAPPED => Self::Mapped,
            bindings::IOMAP_UNWRITTEN => Self::Unwritten,
            bindings::IOMAP_INLINE => Self::Inline,
            _ => return None,
        })
    }

    /// Returns whether reading the extent returns zeroes: holes and unwritten extents.
    #[inline]
    pub const fn reads_as_zeroes(self) -> bool {
        matches!(self, Self::Hole | Self::Unwritten)
    }
}

/// An extent of a file, a `struct iomap`, as returned by the filesystem.
///
/// # Invariants
///
/// The `struct iomap` is valid and not modified for the lifetime of a `&Iomap`.
#[repr(transparent)]
pub struct Iomap {
    inner: Opaque<bindings::iomap>,
}

impl Iomap {
    /// Creates a reference to an [`Iomap`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points at a valid `struct iomap` that is not modified
    /// for the duration of `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::iomap) -> &'a Iomap {
        // SAFETY: Guaranteed by the caller. `Iomap` is `repr(transparent)` over
        // `Opaque<bindings::iomap>`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the `struct iomap`.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::iomap {
        self.inner.get()
    }

    #[inline]
    fn raw(&self) -> &bindings::iomap {
        // SAFETY: By the type invariants the `struct iomap` is valid and not modified while
        // `self` is borrowed.
        unsafe { &*self.as_ptr() }
    }

    /// Returns the raw type of the extent (`iomap->type`).
    #[inline]
    pub fn raw_kind(&self) -> u16 {
        self.raw().type_
    }

    /// Returns the type of the extent, or `None` if the filesystem returned an unknown type.
    #[inline]
    pub fn kind(&self) -> Option<IomapType> {
        IomapType::from_raw(self.raw_kind())
    }

    /// Returns the flags of the extent.
    #[inline]
    pub fn flags(&self) -> IomapMapFlags {
        IomapMapFlags(self.raw().flags)
    }

    /// Returns the disk address of the extent in bytes (`iomap->addr`); for DAX, the offset in
    /// the DAX device.
    #[inline]
    pub fn addr(&self) -> u64 {
        self.raw().addr
    }

    /// Returns the file offset of the extent in bytes.
    #[inline]
    pub fn offset(&self) -> i64 {
        self.raw().offset
    }

    /// Returns the length of the extent in bytes.
    #[inline]
    pub fn length(&self) -> u64 {
        self.raw().length
    }

    /// Returns the DAX device of the extent, if any.
    #[cfg(CONFIG_FS_DAX)]
    #[inline]
    pub fn dax_device(&self) -> Option<&crate::dax::device::DaxDevice> {
        let dax_dev = self.raw().dax_dev;
        if dax_dev.is_null() {
            None
        } else {
            // SAFETY: The filesystem holds a reference to the DAX device of its block device for
            // as long as it is mounted, which is longer than the mapping of one of its files is
            // used.
            Some(unsafe { crate::dax::device::DaxDevice::from_raw(dax_dev) })
        }
    }
}

/// The operations of a filesystem that map the blocks of its files (`struct iomap_ops`).
///
/// # Invariants
///
/// The `struct iomap_ops` is valid and not modified for the lifetime of a `&IomapOps`.
#[repr(transparent)]
pub struct IomapOps {
    inner: Opaque<bindings::iomap_ops>,
}

// SAFETY: The operations are only called through `IomapIter`, which may be used on any thread.
unsafe impl Sync for IomapOps {}

impl IomapOps {
    /// Creates a reference to an [`IomapOps`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points at a valid `struct iomap_ops` that is not
    /// modified for the duration of `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::iomap_ops) -> &'a IomapOps {
        // SAFETY: Guaranteed by the caller. `IomapOps` is `repr(transparent)` over
        // `Opaque<bindings::iomap_ops>`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the `struct iomap_ops`.
    #[inline]
    pub fn as_ptr(&self) -> *const bindings::iomap_ops {
        self.inner.get()
    }
}

/// An iteration over the extents of a range of a file (`struct iomap_iter`).
///
/// Each successful call to [`IomapIter::next_extent`] that returns `true` asks the filesystem for
/// the extent at [`IomapIter::pos`]; the caller then works on it and reports how far it got with
/// [`IomapIter::advance`], or an error with [`IomapIter::set_status`]. The next call ends the
/// extent (calls `iomap_end`), and moves on to the next one if the range is not done, the
/// extent was advanced and no error was reported.
///
/// If the iteration is dropped before [`IomapIter::next_extent`] returned `false` or an error, the
/// current extent is ended with `-ECANCELED`, so the filesystem can release what it set up for
/// it.
///
/// # Examples
///
/// ```
/// use kernel::fs::iomap::{IomapFlag, IomapIter, IomapOps};
/// use kernel::fs::Inode;
/// use kernel::prelude::*;
///
/// /// Counts the extents covering `pos..pos + len`.
/// ///
/// /// # Safety
/// ///
/// /// `ops` must be the iomap operations of the filesystem of `inode`, and the caller must hold
/// /// the locks they require.
/// unsafe fn count_extents(inode: &Inode, ops: &IomapOps, pos: i64, len: u64) -> Result<usize> {
///     // SAFETY: Guaranteed by the caller.
///     let mut iter = unsafe { IomapIter::new(inode, pos, len, IomapFlag::Report.into(), ops) };
///     let mut n = 0;
///     while iter.next_extent()? {
///         n += 1;
///         let len = iter.length();
///         if let Err(e) = iter.advance(len) {
///             iter.set_status(e);
///         }
///     }
///     Ok(n)
/// }
/// ```
pub struct IomapIter<'a> {
    iter: bindings::iomap_iter,
    ops: &'a IomapOps,
    state: IterState,
    _inode: PhantomData<&'a Inode>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum IterState {
    /// `iomap_iter()` has not been called, or returned a positive value last.
    Running,
    /// `iomap_iter()` returned zero or an error: it must not be called again.
    Done,
}

/// A map with every field zero, as `iomap_iter()` wants the maps of a new iteration.
#[inline]
fn empty_map() -> bindings::iomap {
    bindings::iomap {
        addr: 0,
        offset: 0,
        length: 0,
        type_: 0,
        flags: 0,
        bdev: core::ptr::null_mut(),
        dax_dev: core::ptr::null_mut(),
        inline_data: core::ptr::null_mut(),
        private: core::ptr::null_mut(),
        validity_cookie: 0,
    }
}

impl<'a> IomapIter<'a> {
    /// Creates an iteration over `pos..pos + len` of `inode`, with the iomap operations `ops`.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ops` are the iomap operations of the filesystem of `inode`
    /// for iterations with `flags` (the filesystem passed them to the caller for this purpose,
    /// e.g. to `dax_iomap_fault()` for a fault on `inode`), and that it holds the locks the
    /// filesystem requires for calling them, for the lifetime of the iteration.
    #[inline]
    pub unsafe fn new(
        inode: &'a Inode,
        pos: i64,
        len: u64,
        flags: IomapFlags,
        ops: &'a IomapOps,
    ) -> Self {
        Self {
            // Every field is named, and the maps are zeroed field by field: zeroing the whole
            // structure at once (`..Default::default()`) or each map at once makes LLVM call
            // `memset()` for the 144 bytes of the two maps, which costs more than the stores.
            iter: bindings::iomap_iter {
                inode: inode.as_ptr(),
                pos,
                len,
                iter_start_pos: 0,
                status: 0,
                flags: flags.into(),
                iomap: empty_map(),
                srcmap: empty_map(),
                fbatch: core::ptr::null_mut(),
                private: core::ptr::null_mut(),
            },
            ops,
            state: IterState::Running,
            _inode: PhantomData,
        }
    }

    /// Ends the current extent, if any, and gets the next one (`iomap_iter()`).
    ///
    /// Returns `Ok(true)` if there is an extent to work on, `Ok(false)` if the iteration is done,
    /// or the error the filesystem or the body of the loop reported. Once it returned `Ok(false)`
    /// or an error, it keeps returning `Ok(false)` without calling the filesystem.
    #[inline]
    pub fn next_extent(&mut self) -> Result<bool> {
        if self.state == IterState::Done {
            return Ok(false);
        }
        // SAFETY: `self.iter` is a valid `iomap_iter` of an iteration that is not done. By the
        // safety requirements of `new`, `ops` are the operations of the filesystem of the inode
        // and the locks they need are held.
        let ret = unsafe { bindings::iomap_iter(&mut self.iter, self.ops.as_ptr()) };
        if ret > 0 {
            return Ok(true);
        }
        self.state = IterState::Done;
        to_result(ret).map(|()| false)
    }

    /// Returns the inode being iterated over.
    #[inline]
    pub fn inode(&self) -> &'a Inode {
        // SAFETY: `inode` was set from a `&'a Inode` in `new` and is never changed.
        unsafe { Inode::from_raw(self.iter.inode) }
    }

    /// Returns the current position in the file.
    #[inline]
    pub fn pos(&self) -> i64 {
        self.iter.pos
    }

    /// Returns the flags of the iteration.
    #[inline]
    pub fn flags(&self) -> IomapFlags {
        IomapFlags(self.iter.flags)
    }

    /// Returns the length of the current extent still to be processed, trimmed to the range
    /// of the iteration and to the source extent (`iomap_length()`).
    #[inline]
    pub fn length(&self) -> u64 {
        iomap_length(&self.iter)
    }

    /// Returns the current extent (`iter->iomap`).
    ///
    /// Only meaningful after [`IomapIter::next_extent`] returned `Ok(true)`.
    #[inline]
    pub fn iomap(&self) -> &Iomap {
        // SAFETY: `self.iter.iomap` is a valid `struct iomap`, which is only modified by
        // `iomap_iter()`, i.e. through `&mut self`.
        unsafe { Iomap::from_raw(&self.iter.iomap) }
    }

    /// Returns the source extent to read from (`iomap_iter_srcmap()`): the source of a
    /// copy-on-write extent, or otherwise the current extent.
    #[inline]
    pub fn srcmap(&self) -> &Iomap {
        // SAFETY: `self.iter` is a valid `iomap_iter`. `iomap_iter_srcmap()` returns a pointer
        // to one of its two extents, which are only modified through `&mut self`.
        unsafe { Iomap::from_raw(bindings::iomap_iter_srcmap(&self.iter)) }
    }

    /// Marks `count` bytes of the current extent as processed (`iomap_iter_advance()`).
    ///
    /// Fails with `EIO` (and warns) if `count` is larger than [`IomapIter::length`].
    #[inline]
    pub fn advance(&mut self, count: u64) -> Result {
        // SAFETY: `self.iter` is a valid `iomap_iter`. `iomap_iter_advance()` checks `count`.
        to_result(unsafe { bindings::iomap_iter_advance(&mut self.iter, count) })
    }

    /// Reports an error for the current extent (`iter->status = err`).
    ///
    /// The next call to [`IomapIter::next_extent`] ends the extent and the iteration, and returns
    /// the error, unless the extent was advanced.
    #[inline]
    pub fn set_status(&mut self, err: Error) {
        self.iter.status = err.to_errno();
    }
}

impl Drop for IomapIter<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.state == IterState::Running && self.iter.iomap.length != 0 {
            self.set_status(ECANCELED);
            // The result does not matter: a negative status ends the iteration.
            let _ = self.next_extent();
        }
    }
}

/// `iomap_length(iter)`.
///
/// It is on every fault path: without `CONFIG_RUST_INLINE_HELPERS` it is done here, in `u64` as
/// in C, rather than through a helper call. KUnit `rust_fs_iomap` compares it with the C
/// function.
#[inline]
fn iomap_length(iter: &bindings::iomap_iter) -> u64 {
    #[cfg(not(CONFIG_RUST_INLINE_HELPERS))]
    {
        let (iomap, srcmap) = (&iter.iomap, &iter.srcmap);
        let mut end = (iomap.offset as u64).wrapping_add(iomap.length);
        if u32::from(srcmap.type_) != bindings::IOMAP_HOLE {
            end = end.min((srcmap.offset as u64).wrapping_add(srcmap.length));
        }
        iter.len.min(end.wrapping_sub(iter.pos as u64))
    }
    #[cfg(CONFIG_RUST_INLINE_HELPERS)]
    // SAFETY: `iter` is a valid `iomap_iter`, which `iomap_length()` only reads.
    unsafe {
        bindings::iomap_length(iter)
    }
}

#[macros::kunit_tests(rust_fs_iomap)]
mod tests {
    use super::*;

    /// The length left of an extent, as `iomap_length()` gives it: trimmed to the iteration,
    /// and to the source extent unless that is a hole.
    #[test]
    fn length_is_c() {
        const MB: i64 = 1 << 20;
        // (pos, len, iomap offset and length, srcmap type, offset and length)
        let cases = [
            (0, 4096, 0, MB, bindings::IOMAP_HOLE, 0, 0),
            (4096, 2 * MB, 0, MB, bindings::IOMAP_HOLE, 0, 0),
            (4096, 2 * MB, 0, MB, bindings::IOMAP_MAPPED, 0, 8192),
            (4096, 2 * MB, 0, MB, bindings::IOMAP_UNWRITTEN, 0, 2 * MB),
            (0, 2 * MB, 0, 2 * MB, bindings::IOMAP_UNWRITTEN, 0, 4096),
            (0, 2 * MB, 0, 2 * MB, bindings::IOMAP_DELALLOC, 0, 8192),
            (MB - 1, 1, 0, MB, bindings::IOMAP_MAPPED, MB - 512, 512),
            (
                3 * MB,
                MB,
                2 * MB,
                2 * MB,
                bindings::IOMAP_DELALLOC,
                2 * MB,
                4096,
            ),
            (2 * MB, 4096, 0, MB, bindings::IOMAP_HOLE, 0, 0),
        ];
        for (pos, len, offset, length, src_type, src_offset, src_length) in cases {
            let iter = bindings::iomap_iter {
                pos,
                len: len as u64,
                iomap: bindings::iomap {
                    offset,
                    length: length as u64,
                    ..Default::default()
                },
                srcmap: bindings::iomap {
                    type_: src_type as u16,
                    offset: src_offset,
                    length: src_length as u64,
                    ..Default::default()
                },
                ..Default::default()
            };
            // SAFETY: `iter` is a valid `iomap_iter`, which `iomap_length()` only reads.
            let c = unsafe { bindings::iomap_length(&iter) };
            assert_eq!(iomap_length(&iter), c);
        }
    }
}
