// SPDX-License-Identifier: GPL-2.0
//! `builtin::finish_sync_fault()` hands its pfn to C, which maps it writable: only the pfn the
//! filesystem passed to `dax_finish_sync_fault()` may get there, as a `SyncFaultPfn`, which
//! safe code cannot make (the `FaultOps` adapter does). Reopened by taking a `DaxPfn`.
// expect: E0308

use kernel::{
    dax::{fault::builtin, pfn::DaxPfn},
    mm::fault::VmFault,
};

pub fn map_any(vmf: &VmFault, pfn: DaxPfn<'_>) {
    let _ = builtin::finish_sync_fault(vmf, pfn);
}
