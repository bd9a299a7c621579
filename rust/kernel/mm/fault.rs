// SPDX-License-Identifier: GPL-2.0

//! Page faults.
//!
//! When a task accesses a virtual address that has no (suitable) page table entry, the kernel
//! handles a page fault, described by a `struct vm_fault`. For file mappings, the filesystem's
//! `vm_operations_struct` handlers are called with it. This module provides [`VmFault`], a
//! borrowed view of a fault being handled, and the types the handlers return.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)

use crate::{
    bindings,
    error::{
        code::{EHWPOISON, ENOMEM},
        Error,
    },
    fs::{address_space::AddressSpace, File},
    impl_flags,
    mm::{folio::Folio, memory_model, virt::VmaRef, Mm},
    sync::aref::ARef,
    types::Opaque,
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

impl_flags!(
    /// The flags of a page fault (`vmf->flags`), a set of [`FaultFlag`]s.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::mm::fault::{FaultFlag, FaultFlags};
    ///
    /// let flags = FaultFlag::Write | FaultFlag::User;
    /// assert!(flags.contains(FaultFlag::Write));
    /// assert!(!flags.contains(FaultFlag::Mkwrite));
    /// assert_eq!(u32::from(FaultFlags::from(FaultFlag::Write)), 1);
    /// ```
    #[derive(Debug, Clone, Default, Copy, PartialEq, Eq)]
    pub struct FaultFlags(u32);

    /// A flag of a page fault (`enum fault_flag`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum FaultFlag {
        /// The fault was a write fault (`FAULT_FLAG_WRITE`).
        Write = bindings::fault_flag_FAULT_FLAG_WRITE,
        /// The fault was a write to an existing, write-protected page table entry
        /// (`FAULT_FLAG_MKWRITE`).
        Mkwrite = bindings::fault_flag_FAULT_FLAG_MKWRITE,
        /// The handler may drop the mmap lock and return `VM_FAULT_RETRY`
        /// (`FAULT_FLAG_ALLOW_RETRY`).
        AllowRetry = bindings::fault_flag_FAULT_FLAG_ALLOW_RETRY,
        /// Do not wait for I/O when retrying (`FAULT_FLAG_RETRY_NOWAIT`).
        RetryNowait = bindings::fault_flag_FAULT_FLAG_RETRY_NOWAIT,
        /// The fault may be interrupted by fatal signals (`FAULT_FLAG_KILLABLE`).
        Killable = bindings::fault_flag_FAULT_FLAG_KILLABLE,
        /// The fault has been retried once (`FAULT_FLAG_TRIED`).
        Tried = bindings::fault_flag_FAULT_FLAG_TRIED,
        /// The fault originated in user space (`FAULT_FLAG_USER`).
        User = bindings::fault_flag_FAULT_FLAG_USER,
        /// The fault is on a remote mm (`FAULT_FLAG_REMOTE`).
        Remote = bindings::fault_flag_FAULT_FLAG_REMOTE,
        /// The fault was an instruction fetch (`FAULT_FLAG_INSTRUCTION`).
        Instruction = bindings::fault_flag_FAULT_FLAG_INSTRUCTION,
        /// The fault may be interrupted by any signal (`FAULT_FLAG_INTERRUPTIBLE`).
        Interruptible = bindings::fault_flag_FAULT_FLAG_INTERRUPTIBLE,
        /// The fault unshares a page (`FAULT_FLAG_UNSHARE`).
        Unshare = bindings::fault_flag_FAULT_FLAG_UNSHARE,
        /// `vmf->orig_pte` is valid (`FAULT_FLAG_ORIG_PTE_VALID`).
        OrigPteValid = bindings::fault_flag_FAULT_FLAG_ORIG_PTE_VALID,
        /// The fault is handled under the per-VMA lock (`FAULT_FLAG_VMA_LOCK`).
        VmaLock = bindings::fault_flag_FAULT_FLAG_VMA_LOCK,
    }
);

/// A VM event counted in `/proc/vmstat` (`enum vm_event_item`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmEvent {
    /// A major page fault (`PGMAJFAULT`).
    PgMajFault,
    /// A huge page fault fell back to smaller pages (`THP_FAULT_FALLBACK`).
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    ThpFaultFallback,
}

impl VmEvent {
    #[inline]
    fn as_raw(self) -> bindings::vm_event_item {
        match self {
            VmEvent::PgMajFault => bindings::vm_event_item_PGMAJFAULT,
            #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
            VmEvent::ThpFaultFallback => bindings::vm_event_item_THP_FAULT_FALLBACK,
        }
    }
}

/// Counts `event` in the VM event counters of the current CPU (`count_vm_event()`).
#[inline]
pub fn count_vm_event(event: VmEvent) {
    // SAFETY: `count_vm_event()` may be called in any context.
    unsafe { bindings::count_vm_event(event.as_raw()) };
}

/// Counts `event` for the memory cgroup owning `mm` (`count_memcg_event_mm()`).
///
/// Does nothing if the kernel is built without memory cgroups.
#[inline]
pub fn count_memcg_event_mm(mm: &Mm, event: VmEvent) {
    // SAFETY: `mm` is valid because it is a reference. `count_memcg_event_mm()` looks the owner
    // of the mm up under RCU.
    unsafe { bindings::count_memcg_event_mm(mm.as_raw(), event.as_raw()) };
}

/// Returns the page frame number of the zero page to map at user address `address`
/// (`zero_pfn()`).
///
/// Some architectures have several zero pages, coloured by address.
#[inline]
pub fn zero_pfn(address: usize) -> usize {
    // x86 has one zero page (no `__HAVE_COLOR_ZERO_PAGE`), `__zero_page`: on x86-64 its pfn is
    // computed without a helper call.
    #[cfg(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP))]
    {
        let _ = address;
        // SAFETY: `__zero_page` is set during early boot to the zero page, a valid `struct page`,
        // and is read-only after init.
        unsafe { memory_model::page_to_pfn(bindings::__zero_page) }
    }
    #[cfg(not(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP)))]
    // SAFETY: `zero_pfn()` only computes a pfn.
    unsafe {
        bindings::zero_pfn(address)
    }
}

/// A page fault being handled, a borrowed `struct vm_fault`.
///
/// # Invariants
///
/// For the lifetime of a `&VmFault`, on the current task:
///
/// - the `vm_fault` is valid, and a page fault described by it is being handled by a
///   `vm_operations_struct` handler (`fault`, `huge_fault`, `page_mkwrite` or `pfn_mkwrite`)
///   of a file mapping, which holds the mmap read lock or the VMA lock of `vmf->vma`;
/// - `vmf->pmd` points to the page middle directory entry covering `vmf->address`;
/// - `vmf->cow_page` is either null or the newly allocated page of a copy-on-write fault (a
///   write fault on a private mapping) that the handler must fill, and that `finish_fault()`
///   will map.
///
/// The type is neither `Send` nor `Sync`: a fault is handled by a single task.
#[repr(transparent)]
pub struct VmFault {
    vmf: Opaque<bindings::vm_fault>,
}

impl VmFault {
    /// Creates a reference to a [`VmFault`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `vmf` is the `struct vm_fault` passed to a
    /// `vm_operations_struct` fault handler of a file mapping (or to a function such as
    /// `dax_iomap_fault()` called from one), and that `'a` does not extend beyond the return of
    /// that handler. The handler must not use `vmf` concurrently.
    #[inline]
    pub unsafe fn from_raw<'a>(vmf: *mut bindings::vm_fault) -> &'a Self {
        // SAFETY: The caller guarantees that `vmf` is valid for `'a` and satisfies the type
        // invariants. `VmFault` is `repr(transparent)` over `Opaque<bindings::vm_fault>`.
        unsafe { &*vmf.cast() }
    }

    /// Returns a raw pointer to the `struct vm_fault`.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::vm_fault {
        self.vmf.get()
    }

    /// Returns the flags of the fault.
    #[inline]
    pub fn flags(&self) -> FaultFlags {
        // SAFETY: By the type invariants the `vm_fault` is valid and only used by this task.
        FaultFlags(unsafe { (*self.as_ptr()).flags })
    }

    /// Returns whether the fault is a write fault (`FAULT_FLAG_WRITE`).
    #[inline]
    pub fn is_write(&self) -> bool {
        self.flags().contains(FaultFlag::Write)
    }

    /// Returns the faulting user address, rounded down to the size of the fault (a page for
    /// PTE faults).
    #[inline]
    pub fn address(&self) -> usize {
        // SAFETY: By the type invariants the `vm_fault` is valid. `address` is never changed.
        unsafe { (*self.as_ptr()).__bindgen_anon_1.address }
    }

    /// Returns the offset in the file, in pages, of [`VmFault::address`].
    #[inline]
    pub fn pgoff(&self) -> usize {
        // SAFETY: By the type invariants the `vm_fault` is valid. `pgoff` is never changed.
        unsafe { (*self.as_ptr()).__bindgen_anon_1.pgoff }
    }

    /// Returns the VMA the fault is in.
    #[inline]
    pub fn vma(&self) -> &VmaRef {
        // SAFETY: By the type invariants the `vm_fault` is valid. `vma` is never changed.
        let vma = unsafe { (*self.as_ptr()).__bindgen_anon_1.vma };
        // SAFETY: By the type invariants, the mmap read lock or the VMA lock is held while the
        // fault is handled, which is at least as long as `self` is borrowed.
        unsafe { VmaRef::from_raw(vma) }
    }

    /// Returns the file mapped by the VMA of the fault.
    ///
    /// The fault handlers this type is created in are those of file mappings, so this is only
    /// `None` if that is not the case.
    #[inline]
    pub fn file(&self) -> Option<&File> {
        self.vma().file()
    }

    /// Returns the address space of the file mapped by the VMA of the fault
    /// (`vmf->vma->vm_file->f_mapping`).
    #[inline]
    pub fn mapping(&self) -> Option<&AddressSpace> {
        self.file().map(AddressSpace::from_file)
    }

    /// Returns whether this is a copy-on-write fault: a write fault on a private mapping of a
    /// file, for which the handler fills a newly allocated anonymous page (`vmf->cow_page`)
    /// with the contents of the file and maps it.
    #[inline]
    pub fn is_cow(&self) -> bool {
        // SAFETY: By the type invariants the `vm_fault` is valid. `cow_page` is set before the
        // handler is called and not changed by it.
        !unsafe { (*self.as_ptr()).cow_page }.is_null()
    }

    /// Returns the page to fill for a copy-on-write fault, if this is one (`vmf->cow_page`).
    ///
    /// # Safety
    ///
    /// Called at most once for a fault: the page can only be filled and mapped once, before it
    /// is visible to anything else.
    #[inline]
    pub unsafe fn cow_page(&self) -> Option<CowPage<'_>> {
        if self.is_cow() {
            // INVARIANT: `cow_page` was checked to be non-null, so this is a copy-on-write fault,
            // and the caller takes its page once.
            Some(CowPage { vmf: self })
        } else {
            None
        }
    }

    /// Reads the PMD entry of the fault, `pmdp_get(vmf->pmd)`.
    #[inline]
    fn pmd(&self) -> bindings::pmd_t {
        // The entry may change concurrently: x86's `pmdp_get()` is the generic `READ_ONCE()`, the
        // volatile read here, with no helper call.
        #[cfg(CONFIG_X86)]
        {
            // SAFETY: By the type invariants the `vm_fault` is valid and `vmf->pmd` points to the
            // PMD entry covering the address, in a page table that is not freed while the mmap
            // or VMA lock is held.
            unsafe { core::ptr::read_volatile((*self.as_ptr()).pmd) }
        }
        #[cfg(not(CONFIG_X86))]
        {
            // SAFETY: As above; `pmdp_get()` reads it as the architecture must.
            unsafe { bindings::pmdp_get((*self.as_ptr()).pmd) }
        }
    }

    /// Returns whether the PMD entry of the fault is empty (`pmd_none(*vmf->pmd)`).
    ///
    /// The entry is read without the page table lock, so the result is only a snapshot.
    #[inline]
    pub fn pmd_is_none(&self) -> bool {
        // Every PMD fault asks. On x86-64 `pmd_none()` tests the value itself
        // (`native_pmd_val()`, paravirtualised or not) but for the accessed and dirty bits
        // (`_PAGE_KNL_ERRATUM_MASK`): test it here rather than through a helper call.
        #[cfg(CONFIG_X86_64)]
        {
            const KNL_ERRATUM_MASK: bindings::pmdval_t =
                (1 << bindings::_PAGE_BIT_DIRTY) | (1 << bindings::_PAGE_BIT_ACCESSED);
            self.pmd().pmd & !KNL_ERRATUM_MASK == 0
        }
        #[cfg(not(CONFIG_X86_64))]
        // SAFETY: `pmd_none()` only inspects a value.
        unsafe {
            bindings::pmd_none(self.pmd())
        }
    }

    /// Returns whether the PMD entry of the fault maps a huge page
    /// (`pmd_trans_huge(*vmf->pmd)`).
    ///
    /// The entry is read without the page table lock, so the result is only a snapshot.
    #[inline]
    pub fn pmd_is_trans_huge(&self) -> bool {
        // Every PTE fault asks. On x86-64 `pmd_trans_huge()` is `(pmd_val(pmd) & _PAGE_PSE) ==
        // _PAGE_PSE`, and `pmd_val()` the value itself unless paravirtualised (Xen PV): test the
        // bit here rather than through two helper calls.
        #[cfg(all(CONFIG_X86_64, CONFIG_TRANSPARENT_HUGEPAGE, not(CONFIG_PARAVIRT_XXL)))]
        {
            self.pmd().pmd & (1 << bindings::_PAGE_BIT_PSE) != 0
        }
        #[cfg(not(all(CONFIG_X86_64, CONFIG_TRANSPARENT_HUGEPAGE, not(CONFIG_PARAVIRT_XXL))))]
        // SAFETY: `pmd_trans_huge()` only inspects a value.
        unsafe {
            bindings::pmd_trans_huge(self.pmd())
        }
    }

    /// Splits a huge PMD mapping at the address of the fault into page table entries, if the PMD
    /// entry is one (`split_huge_pmd()`).
    ///
    /// This is what a huge fault handler does before returning [`VmFaultResult::FALLBACK`].
    #[inline]
    pub fn split_huge_pmd(&self) {
        // SAFETY: By the type invariants the `vm_fault` is valid, its VMA is locked for reading
        // and `vmf->pmd` covers `vmf->address` of `vmf->vma`. `split_huge_pmd()` takes the page
        // table lock itself.
        unsafe {
            bindings::split_huge_pmd(
                (*self.as_ptr()).__bindgen_anon_1.vma,
                (*self.as_ptr()).pmd,
                self.address(),
            )
        };
    }

    /// Maps the zero page for [`VmFault::address`] read-only at the address of the fault
    /// (`vmf_insert_page_mkwrite(vmf, pfn_to_page(zero_pfn(address)), false)`).
    ///
    /// The page frame mapped is [`zero_pfn(self.address())`](zero_pfn).
    #[inline]
    pub fn insert_zero_page(&self) -> VmFaultResult {
        // SAFETY: `zero_pfn()` returns the pfn of a zero page, which has a `struct page`.
        let page = unsafe { memory_model::pfn_to_page(zero_pfn(self.address())) };
        // SAFETY: By the type invariants this is a fault being handled on a locked VMA. The zero
        // page is always valid and is never freed. `vmf_insert_page_mkwrite()` checks that the
        // address is inside the VMA and does not take references on zero pages.
        VmFaultResult(unsafe { bindings::vmf_insert_page_mkwrite(self.as_ptr(), page, false) })
    }

    /// Maps the huge zero folio read-only with a PMD entry at the address of the fault, rounded
    /// down to the PMD size (`vmf_insert_folio_pmd(vmf, zero_folio, false)`).
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    #[inline]
    pub fn insert_huge_zero_folio(&self, folio: &HugeZeroFolio) -> VmFaultResult {
        // SAFETY: By the type invariants this is a fault being handled on a locked VMA and
        // `vmf->pmd` covers the address. The huge zero folio is valid, referenced by `folio`,
        // and mapped read-only. `vmf_insert_folio_pmd()` checks that the PMD is inside the VMA,
        // and takes the page table lock.
        VmFaultResult(unsafe {
            bindings::vmf_insert_folio_pmd(self.as_ptr(), folio.0.as_ptr(), false)
        })
    }

    /// Returns the huge zero folio, for read faults on holes at PMD size
    /// (`mm_get_huge_zero_folio()`).
    ///
    /// The mm of the fault keeps the huge zero folio alive until the mm is torn down; the
    /// returned [`HugeZeroFolio`] holds an additional reference. Returns `None` if the huge zero
    /// folio could not be allocated.
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    #[inline]
    pub fn huge_zero_folio(&self) -> Option<HugeZeroFolio> {
        // SAFETY: The mm of a VMA being faulted on is valid, and has users.
        let folio = unsafe { bindings::mm_get_huge_zero_folio(self.vma().mm().as_raw()) };
        if folio.is_null() {
            return None;
        }
        // SAFETY: The huge zero folio is valid and has a reference held for the mm, which
        // outlives this call.
        let folio = unsafe { Folio::from_raw(folio) };
        // INVARIANT: `mm_get_huge_zero_folio()` returned the huge zero folio.
        Some(HugeZeroFolio(ARef::from(folio)))
    }
}

/// A reference to the huge zero folio: the PMD-sized folio of zeroes that read faults on holes
/// map, read-only, at PMD size.
///
/// The folio is shared by every mapping of a hole: it can only be mapped read-only
/// ([`VmFault::insert_huge_zero_folio`]).
///
/// # Invariants
///
/// The folio is the huge zero folio.
pub struct HugeZeroFolio(ARef<Folio>);

impl HugeZeroFolio {
    /// The folio, to read its properties.
    #[inline]
    pub fn folio(&self) -> &Folio {
        &self.0
    }

    /// The page frame number of its first page.
    #[inline]
    pub fn pfn(&self) -> usize {
        self.0.pfn()
    }
}

/// The page of a copy-on-write fault, still to be filled.
///
/// The page must be filled before it may be mapped: [`CowPage::clear`] and
/// [`CowPage::copy_from_kernel`] return a [`FilledCowPage`], which can be mapped with
/// [`FilledCowPage::finish_fault`].
///
/// # Invariants
///
/// `vmf` is a copy-on-write fault: `vmf->cow_page` is not null.
pub struct CowPage<'a> {
    vmf: &'a VmFault,
}

impl<'a> CowPage<'a> {
    #[inline]
    fn cow_page_ptr(&self) -> *mut bindings::page {
        // SAFETY: By the type invariants of `VmFault` the `vm_fault` is valid.
        unsafe { (*self.vmf.as_ptr()).cow_page }
    }

    /// Fills the page with zeroes (`clear_user_highpage(vmf->cow_page, vmf->address)`).
    #[inline]
    pub fn clear(self) -> FilledCowPage<'a> {
        // SAFETY: By the type invariants `cow_page` is a valid page, newly allocated for this
        // fault and not mapped or used by anything else yet, so it may be written.
        unsafe { bindings::clear_user_highpage(self.cow_page_ptr(), self.vmf.address()) };
        // INVARIANT: The page was just filled.
        FilledCowPage { vmf: self.vmf }
    }

    /// Fills the page with a copy of the page at kernel address `src`
    /// (`copy_user_page()` on a `kmap_local_page()` mapping of the page).
    ///
    /// # Safety
    ///
    /// The caller must ensure that `src` is valid for reads of `PAGE_SIZE` bytes for the duration
    /// of the call. See `DaxMapping::copy_to_cow_page()` in `kernel::dax::device` for a safe way
    /// to fill the page from persistent memory.
    #[inline]
    pub unsafe fn copy_from_kernel(self, src: *const u8) -> FilledCowPage<'a> {
        // On x86-64 the page is in the direct map (no `HIGHMEM`), `kmap_local_page()` is
        // `page_address()` and `kunmap_local()` does nothing, and `copy_user_page()` is
        // `copy_page()`: only `copy_page()` is called.
        #[cfg(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP))]
        {
            // SAFETY: By the type invariants `cow_page` is a valid page in the direct map.
            let dst = unsafe { memory_model::page_address(self.cow_page_ptr()) };
            // SAFETY: `dst` is valid for writes of `PAGE_SIZE` bytes: the page was newly
            // allocated for this fault and is not used by anything else yet. The caller
            // guarantees that `src` is valid for reads of `PAGE_SIZE` bytes; `copy_page()` does
            // not modify the source despite its signature.
            unsafe { bindings::copy_page(dst, src.cast_mut().cast()) };
        }
        #[cfg(not(all(CONFIG_X86_64, CONFIG_SPARSEMEM_VMEMMAP)))]
        {
            // SAFETY: By the type invariants `cow_page` is a valid page, newly allocated for
            // this fault. `kmap_local_page()` maps it; the mapping is released below, in the
            // same context.
            let dst = unsafe { bindings::kmap_local_page(self.cow_page_ptr()) };
            // SAFETY: `dst` is valid for writes of `PAGE_SIZE` bytes, and the page is not used
            // by anything else yet. The caller guarantees that `src` is valid for reads of
            // `PAGE_SIZE` bytes; `copy_user_page()` does not modify the source despite its
            // signature.
            unsafe {
                bindings::copy_user_page(
                    dst,
                    src.cast_mut().cast(),
                    self.vmf.address(),
                    self.cow_page_ptr(),
                )
            };
            // SAFETY: `dst` was returned by `kmap_local_page()` above.
            unsafe { bindings::kunmap_local(dst) };
        }
        // INVARIANT: The page was just filled.
        FilledCowPage { vmf: self.vmf }
    }
}

/// The filled page of a copy-on-write fault, ready to be mapped.
///
/// # Invariants
///
/// `vmf` is a copy-on-write fault whose `cow_page` has been filled.
pub struct FilledCowPage<'a> {
    vmf: &'a VmFault,
}

impl FilledCowPage<'_> {
    /// Marks the page up to date and maps it at the address of the fault
    /// (`__SetPageUptodate(vmf->cow_page)` and `finish_fault()`, as `dax_fault_cow_page()` in
    /// `fs/dax.c` does).
    ///
    /// Returns [`VmFaultResult::NONE`] if the page was mapped; the fault handler then returns
    /// [`VmFaultResult::DONE_COW`].
    #[inline]
    pub fn finish_fault(self) -> VmFaultResult {
        // SAFETY: By the type invariants of `VmFault` the `vm_fault` is valid.
        let page = unsafe { (*self.vmf.as_ptr()).cow_page };
        // On x86 `__folio_mark_uptodate()` is a compiler barrier (`smp_wmb()`) and a non-atomic
        // `__set_bit()` of `PG_uptodate` in the flags of the folio's first page: do that here
        // rather than through the helper.
        #[cfg(CONFIG_X86)]
        {
            crate::sync::barrier::barrier();
            // SAFETY: By the type invariants of `Self` `cow_page` is a valid page that was
            // filled, and is not mapped or visible to anything else yet, so its flags may be
            // written non-atomically, as `__folio_mark_uptodate()` (which `__SetPageUptodate()`
            // is) does. It is the first page of the order-0 folio the core allocated for the
            // fault, so these are that folio's flags.
            unsafe { (*page).flags.f |= 1 << bindings::pageflags_PG_uptodate };
        }
        #[cfg(not(CONFIG_X86))]
        // SAFETY: By the type invariants of `Self` `cow_page` is a valid page that was filled,
        // and is not mapped yet, so it may be marked up to date with the non-atomic
        // `__folio_mark_uptodate()` (which `__SetPageUptodate()` is). The page is the first page
        // of the order-0 folio allocated by the core for the fault, so it is also that folio.
        unsafe {
            bindings::__folio_mark_uptodate(page.cast())
        };
        // SAFETY: By the type invariants this is a copy-on-write fault (a write fault on a
        // private mapping), so `finish_fault()` maps `vmf->cow_page`, which is filled and up to
        // date. The VMA is locked by the fault handler, and `finish_fault()` takes the page
        // table lock.
        VmFaultResult(unsafe { bindings::finish_fault(self.vmf.as_ptr()) })
    }
}
