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
    fs::{address_space::AddressSpace, File},
    impl_flags,
    mm::{folio::Folio, memory_model, virt::VmaRef, Mm},
    page::PAGE_SHIFT,
    sync::aref::ARef,
    types::Opaque,
};

mod cow;
mod result;

/// The number of pages a PMD maps.
const PMD_NR: usize = 1 << bindings::PMD_ORDER;

/// The number of bytes a PMD maps.
const PMD_SIZE: usize = PMD_NR << PAGE_SHIFT;

pub use cow::{CowPage, FilledCowPage};
pub use result::VmFaultResult;

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
    // computed without a helper call unless the helpers are inlined.
    #[cfg(all(
        CONFIG_X86_64,
        CONFIG_SPARSEMEM_VMEMMAP,
        not(CONFIG_RUST_INLINE_HELPERS)
    ))]
    {
        let _ = address;
        // SAFETY: `__zero_page` is set during early boot to the zero page, a valid `struct page`,
        // and is read-only after init.
        unsafe { memory_model::page_to_pfn(bindings::__zero_page) }
    }
    #[cfg(not(all(
        CONFIG_X86_64,
        CONFIG_SPARSEMEM_VMEMMAP,
        not(CONFIG_RUST_INLINE_HELPERS)
    )))]
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

    /// Returns whether the PMD around the address of the fault lies inside the VMA, so that a
    /// PMD entry may map it (`vmf_insert_folio_pmd()` only checks that its start does).
    #[inline]
    pub fn pmd_in_vma(&self) -> bool {
        let vma = self.vma();
        let start = self.address() & !(PMD_SIZE - 1);
        start >= vma.start()
            && start
                .checked_add(PMD_SIZE)
                .is_some_and(|end| end <= vma.end())
    }

    /// Returns whether the address of the fault and its offset in the file are at the same
    /// offset in a PMD (their colour), so that a PMD at the address maps the PMD of the file
    /// that holds the offset.
    #[inline]
    pub fn pmd_colour_matches(&self) -> bool {
        (self.pgoff() ^ (self.address() >> PAGE_SHIFT)) & (PMD_NR - 1) == 0
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
            // SAFETY: `cow_page` was checked to be non-null, so this is a copy-on-write fault,
            // and the caller takes its page once.
            Some(unsafe { CowPage::new(self) })
        } else {
            None
        }
    }

    /// Reads the PMD entry of the fault, `pmdp_get(vmf->pmd)`.
    #[inline]
    fn pmd(&self) -> bindings::pmd_t {
        // The entry may change concurrently: x86's `pmdp_get()` is the generic `READ_ONCE()`,
        // without `CONFIG_RUST_INLINE_HELPERS` the volatile read here, with no helper call.
        #[cfg(all(CONFIG_X86, not(CONFIG_RUST_INLINE_HELPERS)))]
        {
            // SAFETY: By the type invariants the `vm_fault` is valid and `vmf->pmd` points to the
            // PMD entry covering the address, in a page table that is not freed while the mmap
            // or VMA lock is held.
            unsafe { core::ptr::read_volatile((*self.as_ptr()).pmd) }
        }
        #[cfg(not(all(CONFIG_X86, not(CONFIG_RUST_INLINE_HELPERS))))]
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
        pmd_none(self.pmd())
    }

    /// Returns whether the PMD entry of the fault maps a huge page
    /// (`pmd_trans_huge(*vmf->pmd)`).
    ///
    /// The entry is read without the page table lock, so the result is only a snapshot.
    #[inline]
    pub fn pmd_is_trans_huge(&self) -> bool {
        pmd_trans_huge(self.pmd())
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
        VmFaultResult::from_raw(unsafe {
            bindings::vmf_insert_page_mkwrite(self.as_ptr(), page, false)
        })
    }

    /// Maps the huge zero folio read-only with a PMD entry at the address of the fault, rounded
    /// down to the PMD size (`vmf_insert_folio_pmd(vmf, zero_folio, false)`).
    ///
    /// Warns and returns [`VmFaultResult::FALLBACK`] if the PMD is not inside the VMA
    /// ([`VmFault::pmd_in_vma`]).
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    #[inline]
    pub fn insert_huge_zero_folio(&self, folio: &HugeZeroFolio) -> VmFaultResult {
        if crate::warn_on_once!(!self.pmd_in_vma()) {
            return VmFaultResult::FALLBACK;
        }
        // SAFETY: By the type invariants this is a fault being handled on a locked VMA and
        // `vmf->pmd` covers the address. The PMD is inside the VMA (checked above). The huge
        // zero folio is valid, referenced by `folio`, and mapped read-only.
        // `vmf_insert_folio_pmd()` takes the page table lock.
        VmFaultResult::from_raw(unsafe {
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

/// `pmd_none(pmd)`.
///
/// Every PMD fault asks. On x86-64 `pmd_none()` tests the value itself (`native_pmd_val()`,
/// paravirtualised or not) but for the accessed and dirty bits (`_PAGE_KNL_ERRATUM_MASK`):
/// without `CONFIG_RUST_INLINE_HELPERS` that test is done here rather than through a helper
/// call. KUnit `rust_mm_fault` compares it with the C function.
#[inline]
fn pmd_none(pmd: bindings::pmd_t) -> bool {
    #[cfg(all(CONFIG_X86_64, not(CONFIG_RUST_INLINE_HELPERS)))]
    {
        const KNL_ERRATUM_MASK: bindings::pmdval_t =
            (1 << bindings::_PAGE_BIT_DIRTY) | (1 << bindings::_PAGE_BIT_ACCESSED);
        pmd.pmd & !KNL_ERRATUM_MASK == 0
    }
    #[cfg(not(all(CONFIG_X86_64, not(CONFIG_RUST_INLINE_HELPERS))))]
    // SAFETY: `pmd_none()` only inspects a value.
    unsafe {
        bindings::pmd_none(pmd)
    }
}

/// `pmd_trans_huge(pmd)`.
///
/// Every PTE fault asks. On x86-64 `pmd_trans_huge()` is `(pmd_val(pmd) & _PAGE_PSE) ==
/// _PAGE_PSE`, and `pmd_val()` the value itself unless paravirtualised (Xen PV): without
/// `CONFIG_RUST_INLINE_HELPERS` the bit is tested here rather than through two helper calls.
/// KUnit `rust_mm_fault` compares it with the C function.
#[inline]
fn pmd_trans_huge(pmd: bindings::pmd_t) -> bool {
    #[cfg(all(
        CONFIG_X86_64,
        CONFIG_TRANSPARENT_HUGEPAGE,
        not(CONFIG_PARAVIRT_XXL),
        not(CONFIG_RUST_INLINE_HELPERS)
    ))]
    {
        pmd.pmd & (1 << bindings::_PAGE_BIT_PSE) != 0
    }
    #[cfg(not(all(
        CONFIG_X86_64,
        CONFIG_TRANSPARENT_HUGEPAGE,
        not(CONFIG_PARAVIRT_XXL),
        not(CONFIG_RUST_INLINE_HELPERS)
    )))]
    // SAFETY: `pmd_trans_huge()` only inspects a value.
    unsafe {
        bindings::pmd_trans_huge(pmd)
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

#[macros::kunit_tests(rust_mm_fault)]
mod tests {
    use super::*;
    use crate::{alloc::KBox, prelude::*};

    /// Whether a PMD fits a fault at `address` and file page `pgoff` in a VMA from `start` to
    /// `end`: (inside the VMA, same colour).
    fn pmd_fit(start: usize, end: usize, address: usize, pgoff: usize) -> Result<(bool, bool)> {
        let vma = KBox::new(Opaque::<bindings::vm_area_struct>::zeroed(), GFP_KERNEL)?;
        let vmf = KBox::new(Opaque::<bindings::vm_fault>::zeroed(), GFP_KERNEL)?;
        // SAFETY: Both allocations are zeroed structures owned by the test: only the fields that
        // `pmd_in_vma()` and `pmd_colour_matches()` read are set, and nothing else sees them.
        let vmf = unsafe {
            let v = &mut (*vma.get()).__bindgen_anon_1.__bindgen_anon_1;
            v.vm_start = start;
            v.vm_end = end;
            let f = &mut (*vmf.get()).__bindgen_anon_1;
            f.vma = vma.get();
            f.address = address;
            f.pgoff = pgoff;
            VmFault::from_raw(vmf.get())
        };
        Ok((vmf.pmd_in_vma(), vmf.pmd_colour_matches()))
    }

    /// A PMD maps a fault only if it lies inside the VMA and maps the faulting offset.
    #[test]
    fn pmd_geometry() -> Result {
        const BASE: usize = 0x4000_0000;
        let page = 1 << PAGE_SHIFT;
        let pmd = PMD_SIZE;
        // The second PMD of a 4-PMD VMA, file offset aligned as the address.
        assert_eq!(
            pmd_fit(BASE, BASE + 4 * pmd, BASE + pmd + 3 * page, PMD_NR + 3)?,
            (true, true)
        );
        // The whole VMA is one PMD.
        assert_eq!(pmd_fit(BASE, BASE + pmd, BASE + 5 * page, 5)?, (true, true));
        // The PMD would end past the VMA, or start before it.
        assert_eq!(
            pmd_fit(BASE, BASE + pmd + page, BASE + pmd, PMD_NR)?,
            (false, true)
        );
        assert_eq!(
            pmd_fit(BASE + page, BASE + 2 * pmd, BASE + page, 1)?,
            (false, true)
        );
        // The file offset is one page off the address's colour.
        assert_eq!(
            pmd_fit(BASE, BASE + 4 * pmd, BASE + pmd, PMD_NR + 1)?,
            (true, false)
        );
        Ok(())
    }

    /// `pmd_none()` and `pmd_trans_huge()` of PMD values, as the C functions give them.
    #[cfg(CONFIG_X86_64)]
    #[test]
    fn pmd_tests_are_c() {
        let bits = [
            bindings::_PAGE_BIT_PRESENT,
            bindings::_PAGE_BIT_RW,
            bindings::_PAGE_BIT_ACCESSED,
            bindings::_PAGE_BIT_DIRTY,
            bindings::_PAGE_BIT_PSE,
        ];
        // Every combination of those bits, alone and with a frame number.
        for set in 0..1u32 << bits.len() {
            let flags = bits
                .iter()
                .enumerate()
                .filter(|(i, _)| set & (1 << i) != 0)
                .fold(0, |v: bindings::pmdval_t, (_, &bit)| v | (1 << bit));
            for pfn in [0, 0x1234] {
                let pmd = bindings::pmd_t {
                    pmd: flags | (pfn << crate::page::PAGE_SHIFT),
                };
                // SAFETY: The C function only inspects a value.
                let none = unsafe { bindings::pmd_none(pmd) };
                // SAFETY: As above.
                let huge = unsafe { bindings::pmd_trans_huge(pmd) };
                assert_eq!(pmd_none(pmd), none);
                assert_eq!(pmd_trans_huge(pmd), huge);
            }
        }
    }
}
