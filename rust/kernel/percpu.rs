// SPDX-License-Identifier: GPL-2.0

//! Per-CPU counters.
//!
//! A [`PerCpuCounter`] is a `u64` per-CPU variable used as an event counter, the way
//! `count_vm_event()` counts: an event adds to the slot of the CPU it happens on with
//! `this_cpu_inc()`, which takes no lock and writes no cache line another CPU writes, and a
//! reader sums the slots of every possible CPU. The slots only grow, so on 64-bit architectures,
//! where a slot is read in one load, a sum taken while events are counted lies between the
//! totals at the start and at the end of the read.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

use crate::{
    bindings,
    cpu::{nr_cpu_ids, CpuId},
    cpumask::Cpumask,
    sync::atomic::{Atomic, Relaxed},
};
use core::cell::UnsafeCell;

/// A `u64` counter with a slot on every possible CPU.
///
/// Made by [`per_cpu_counter!`](crate::per_cpu_counter), as a rule in a `static`.
///
/// # Examples
///
/// ```
/// use kernel::{per_cpu_counter, percpu::PerCpuCounter};
///
/// static FAULTS: PerCpuCounter = per_cpu_counter!();
///
/// let before = FAULTS.sum();
/// FAULTS.inc();
/// FAULTS.add(2);
/// assert_eq!(FAULTS.sum() - before, 3);
/// ```
///
/// # Invariants
///
/// `slot` is the address of a `u64` per-CPU variable that lives for as long as the counter and
/// is used only through [`PerCpuCounter`]s: added to by `this_cpu` operations, read through
/// `per_cpu_ptr()`.
pub struct PerCpuCounter {
    slot: *mut u64,
}

// SAFETY: A slot is only changed by `this_cpu_add()`, one read-modify-write of the slot of the
// CPU that runs it that neither preemption nor an interrupt can split, and only read with single
// atomic loads (`READ_ONCE()`), so a counter can be used from any thread and in any context but
// NMI (the generic `this_cpu_add()` of some architectures disables interrupts, not NMIs).
unsafe impl Send for PerCpuCounter {}

// SAFETY: As above.
unsafe impl Sync for PerCpuCounter {}

impl PerCpuCounter {
    /// Makes a counter of the per-CPU variable at `slot`; [`per_cpu_counter!`] is the way to make
    /// one.
    ///
    /// # Safety
    ///
    /// `slot` is the address of a `u64` per-CPU variable (in `PER_CPU_BASE_SECTION`) that lives
    /// for as long as the counter and is used only through [`PerCpuCounter`]s.
    ///
    /// [`per_cpu_counter!`]: crate::per_cpu_counter
    #[doc(hidden)]
    pub const unsafe fn from_raw(slot: *mut u64) -> Self {
        // INVARIANT: The caller guarantees that `slot` is such a variable.
        Self { slot }
    }

    /// Adds one on this CPU: `this_cpu_inc()`.
    #[inline]
    pub fn inc(&self) {
        #[cfg(all(CONFIG_X86_64, CONFIG_SMP))]
        // SAFETY: By the type invariant, `self.slot` is a per-CPU variable, and `%gs` is based at
        // this CPU's per-CPU offset: this adds to this CPU's slot, in one instruction
        // (`percpu_unary_op()` of `arch/x86/include/asm/percpu.h`).
        unsafe {
            crate::asm!("incq %gs:({slot})"; slot = in(reg) self.slot, options(nostack))
        };
        #[cfg(not(all(CONFIG_X86_64, CONFIG_SMP)))]
        self.add(1);
    }

    /// Adds `n` on this CPU: `this_cpu_add()`.
    #[inline]
    pub fn add(&self, n: u64) {
        #[cfg(all(CONFIG_X86_64, CONFIG_SMP))]
        // SAFETY: As in `inc()` (`percpu_add_op()`).
        unsafe {
            crate::asm!(
                "addq {n}, %gs:({slot})";
                slot = in(reg) self.slot,
                n = in(reg) n,
                options(nostack)
            )
        };
        #[cfg(not(all(CONFIG_X86_64, CONFIG_SMP)))]
        // SAFETY: By the type invariant, `self.slot` is a per-CPU variable.
        unsafe {
            bindings::this_cpu_add_u64(self.slot, n)
        };
    }

    /// The slot of `cpu`, zero if `cpu` is not a possible CPU: `per_cpu(var, cpu)`.
    pub fn get(&self, cpu: CpuId) -> u64 {
        if !cpu_possible(cpu) {
            return 0;
        }
        // SAFETY: By the type invariant, `self.slot` is a per-CPU variable, and `cpu` is a
        // possible CPU, so it has a per-CPU area.
        let slot = unsafe { bindings::per_cpu_ptr(self.slot.cast(), cpu.as_u32()) }.cast::<u64>();
        // SAFETY: `slot` is the `u64` of `cpu`, aligned and valid for as long as `self`. Every
        // other access to it is a `this_cpu` operation of that CPU, a single instruction on its
        // own slot that neither preemption nor an interrupt splits, or a load like this one:
        // marked accesses that do not race with an atomic load (`READ_ONCE()`).
        unsafe { Atomic::<u64>::from_ptr(slot) }.load(Relaxed)
    }

    /// The sum of the slots of every possible CPU.
    pub fn sum(&self) -> u64 {
        (0..nr_cpu_ids())
            .filter_map(CpuId::from_u32)
            .fold(0, |sum, cpu| sum.wrapping_add(self.get(cpu)))
    }
}

/// Whether `cpu` is in `cpu_possible_mask`.
fn cpu_possible(cpu: CpuId) -> bool {
    // SAFETY: `__cpu_possible_mask` is a valid CPU mask for the kernel's life.
    let possible = unsafe { Cpumask::from_raw(&raw const bindings::__cpu_possible_mask) };
    possible.test(cpu)
}

/// The storage of a per-CPU counter, only named by [`per_cpu_counter!`].
///
/// [`per_cpu_counter!`]: crate::per_cpu_counter
#[doc(hidden)]
#[repr(transparent)]
pub struct PerCpuSlot(UnsafeCell<u64>);

// SAFETY: The slot is only used through `PerCpuCounter`, which is `Sync`.
unsafe impl Sync for PerCpuSlot {}

impl PerCpuSlot {
    #[doc(hidden)]
    pub const fn new() -> Self {
        Self(UnsafeCell::new(0))
    }
}

/// Defines a `u64` per-CPU variable, `DEFINE_PER_CPU(u64, ...)`, and makes a [`PerCpuCounter`]
/// of it.
///
/// The variable is a `static` of its own for each place the macro is written, so that the
/// counters made in one place (in a loop, say) count in the same slots. On an SMP kernel it
/// is in the per-CPU section, which the kernel, and the module loader for a module, copies
/// into the per-CPU area of each possible CPU.
///
/// # Examples
///
/// ```
/// use kernel::{per_cpu_counter, percpu::PerCpuCounter};
///
/// struct Stats {
///     reads: PerCpuCounter,
///     writes: PerCpuCounter,
/// }
///
/// static STATS: Stats = Stats {
///     reads: per_cpu_counter!(),
///     writes: per_cpu_counter!(),
/// };
///
/// let writes = STATS.writes.sum();
/// STATS.reads.inc();
/// assert_eq!(STATS.writes.sum(), writes);
/// ```
///
/// [`PerCpuCounter`]: crate::percpu::PerCpuCounter
#[macro_export]
macro_rules! per_cpu_counter {
    () => {{
        #[cfg_attr(CONFIG_SMP, link_section = ".data..percpu")]
        static SLOT: $crate::percpu::PerCpuSlot = $crate::percpu::PerCpuSlot::new();
        // SAFETY: `SLOT` is a `u64` (`PerCpuSlot` is transparent) in the per-CPU section, for the
        // life of the kernel or module, used only by the counters made here.
        unsafe {
            $crate::percpu::PerCpuCounter::from_raw((&raw const SLOT).cast::<u64>().cast_mut())
        }
    }};
}

#[macros::kunit_tests(rust_kernel_percpu)]
mod tests {
    use super::*;
    use crate::{error::to_result, prelude::*};
    use core::ffi::c_void;

    #[test]
    fn sum_of_incs_and_adds() {
        static COUNTER: PerCpuCounter = crate::per_cpu_counter!();
        let before = COUNTER.sum();
        for _ in 0..1000 {
            COUNTER.inc();
        }
        COUNTER.add(24);
        assert_eq!(COUNTER.sum() - before, 1024);
    }

    /// Counts on each online CPU in turn, a different number of times on each: every CPU's
    /// slot must read what was counted on that CPU, and the sum all of it.
    #[test]
    fn counts_in_the_slot_of_the_cpu() -> Result {
        static COUNTER: PerCpuCounter = crate::per_cpu_counter!();
        extern "C" fn count(n: *mut c_void) {
            for _ in 0..n.addr() {
                COUNTER.inc();
            }
        }
        let mut total = 0;
        let mut cpus = 0;
        for cpu in (0..nr_cpu_ids()).filter_map(CpuId::from_u32) {
            let n = 2 * cpu.as_u32() as usize + 1;
            // SAFETY: `count()` may run in any context; the call waits for it to end.
            let ret = unsafe {
                bindings::smp_call_function_single(
                    cpu.into(),
                    Some(count),
                    core::ptr::without_provenance_mut(n),
                    true,
                )
            };
            if ret == ENXIO.to_errno() {
                continue; // Not online.
            }
            to_result(ret)?;
            assert_eq!(COUNTER.get(cpu), n as u64);
            total += n as u64;
            cpus += 1;
        }
        assert!(cpus >= 1);
        assert_eq!(COUNTER.sum(), total);
        Ok(())
    }
}
