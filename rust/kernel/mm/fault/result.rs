// SPDX-License-Identifier: GPL-2.0

//! The result of a page fault handler: [`VmFaultResult`], a `vm_fault_t`.
//!
//! C header: [`include/linux/mm_types.h`](srctree/include/linux/mm_types.h)

use crate::{
    bindings,
    error::{
        code::{EHWPOISON, ENOMEM},
        Error,
    },
};
use core::ops::{BitAnd, BitOr, BitOrAssign};

/// The result of a page fault handler, a `vm_fault_t`: a set of `VM_FAULT_*` bits.
///
/// The empty set means that the handler mapped the page and the fault is handled.
///
/// # Examples
///
/// ```
/// use kernel::mm::fault::VmFaultResult;
/// use kernel::prelude::*;
///
/// let ret = VmFaultResult::NOPAGE | VmFaultResult::MAJOR;
/// assert!(ret.contains(VmFaultResult::MAJOR));
/// assert!(!ret.is_error());
/// assert_eq!(ret & !VmFaultResult::MAJOR, VmFaultResult::NOPAGE);
///
/// // `vmf_error()`: `-ENOMEM` becomes `VM_FAULT_OOM`, `-EHWPOISON` (a media error)
/// // `VM_FAULT_HWPOISON`, anything else `VM_FAULT_SIGBUS`.
/// assert_eq!(VmFaultResult::from_error(ENOMEM), VmFaultResult::OOM);
/// assert_eq!(VmFaultResult::from_error(EHWPOISON), VmFaultResult::HWPOISON);
/// assert!(VmFaultResult::from_error(EHWPOISON).is_error());
/// assert_eq!(VmFaultResult::from_error(EIO), VmFaultResult::SIGBUS);
/// assert!(VmFaultResult::from_error(EIO).is_error());
/// assert!(VmFaultResult::ERROR.contains(VmFaultResult::OOM | VmFaultResult::SIGBUS));
/// // `VM_FAULT_FALLBACK` counts as an error, `VM_FAULT_NOPAGE` does not.
/// assert!(VmFaultResult::FALLBACK.is_error());
/// assert!(!VmFaultResult::NOPAGE.is_error());
/// assert!(VmFaultResult::NONE.is_empty());
/// ```
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct VmFaultResult(bindings::vm_fault_t);

impl VmFaultResult {
    /// No bit set: the fault was handled and the page mapped.
    pub const NONE: Self = Self(0);
    /// Out of memory (`VM_FAULT_OOM`).
    pub const OOM: Self = Self(bindings::vm_fault_reason_VM_FAULT_OOM);
    /// Bad access, the task gets a `SIGBUS` (`VM_FAULT_SIGBUS`).
    pub const SIGBUS: Self = Self(bindings::vm_fault_reason_VM_FAULT_SIGBUS);
    /// The fault needed I/O (`VM_FAULT_MAJOR`); it is accounted as a major fault.
    pub const MAJOR: Self = Self(bindings::vm_fault_reason_VM_FAULT_MAJOR);
    /// Hit a poisoned page (`VM_FAULT_HWPOISON`).
    pub const HWPOISON: Self = Self(bindings::vm_fault_reason_VM_FAULT_HWPOISON);
    /// Bad access, the task gets a `SIGSEGV` (`VM_FAULT_SIGSEGV`).
    pub const SIGSEGV: Self = Self(bindings::vm_fault_reason_VM_FAULT_SIGSEGV);
    /// The handler installed the page table entry itself, no page is returned
    /// (`VM_FAULT_NOPAGE`).
    pub const NOPAGE: Self = Self(bindings::vm_fault_reason_VM_FAULT_NOPAGE);
    /// The handler returns a locked page in `vmf->page` (`VM_FAULT_LOCKED`).
    pub const LOCKED: Self = Self(bindings::vm_fault_reason_VM_FAULT_LOCKED);
    /// The handler dropped the mmap lock; the fault is retried (`VM_FAULT_RETRY`).
    pub const RETRY: Self = Self(bindings::vm_fault_reason_VM_FAULT_RETRY);
    /// A huge page fault could not be handled at this size; the core falls back to smaller
    /// pages (`VM_FAULT_FALLBACK`).
    pub const FALLBACK: Self = Self(bindings::vm_fault_reason_VM_FAULT_FALLBACK);
    /// The handler completed a copy-on-write fault itself (`VM_FAULT_DONE_COW`).
    pub const DONE_COW: Self = Self(bindings::vm_fault_reason_VM_FAULT_DONE_COW);
    /// A synchronous (`MAP_SYNC`) fault needs an `fsync()` before the page table entry may be
    /// installed (`VM_FAULT_NEEDDSYNC`).
    pub const NEEDDSYNC: Self = Self(bindings::vm_fault_reason_VM_FAULT_NEEDDSYNC);
    /// The fault was completed, and the mmap lock released (`VM_FAULT_COMPLETED`).
    pub const COMPLETED: Self = Self(bindings::vm_fault_reason_VM_FAULT_COMPLETED);
    /// All the bits that mean the fault failed (`VM_FAULT_ERROR`). This includes
    /// [`VmFaultResult::FALLBACK`].
    pub const ERROR: Self = Self(bindings::VM_FAULT_ERROR);

    /// Creates a [`VmFaultResult`] from a raw `vm_fault_t`.
    #[inline]
    pub const fn from_raw(raw: bindings::vm_fault_t) -> Self {
        Self(raw)
    }

    /// Returns the raw `vm_fault_t`.
    #[inline]
    pub const fn as_raw(self) -> bindings::vm_fault_t {
        self.0
    }

    /// Converts an error to a fault result, as `vmf_error()` does: `VM_FAULT_OOM` for `ENOMEM`,
    /// `VM_FAULT_HWPOISON` for `EHWPOISON`, `VM_FAULT_SIGBUS` for anything else.
    ///
    /// `EHWPOISON` is a media error (e.g. `direct_access` of a range in a pmem device's bad
    /// blocks): the task gets `SIGBUS` with `BUS_MCEERR_AR` at the page, as from a machine check,
    /// rather than `BUS_ADRERR`.
    #[inline]
    pub fn from_error(err: Error) -> Self {
        if err == ENOMEM {
            Self::OOM
        } else if err == EHWPOISON {
            Self::HWPOISON
        } else {
            Self::SIGBUS
        }
    }

    /// Returns whether no bit is set.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Returns whether all the bits of `other` are set in `self`.
    #[inline]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Returns whether any bit of `other` is set in `self`.
    #[inline]
    pub const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Returns whether the result is an error (`ret & VM_FAULT_ERROR`), including a fallback.
    #[inline]
    pub const fn is_error(self) -> bool {
        self.intersects(Self::ERROR)
    }
}

impl BitOr for VmFaultResult {
    type Output = Self;

    #[inline]
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for VmFaultResult {
    #[inline]
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for VmFaultResult {
    type Output = Self;

    #[inline]
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl core::ops::Not for VmFaultResult {
    type Output = Self;

    #[inline]
    fn not(self) -> Self {
        Self(!self.0)
    }
}

impl core::fmt::Debug for VmFaultResult {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "VmFaultResult({:#x})", self.0)
    }
}
