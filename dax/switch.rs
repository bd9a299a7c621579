// SPDX-License-Identifier: GPL-2.0

//! The switch between the Rust and the C fault paths: debugfs `rust_dax/rust_path`.
//!
//! Switched on (`1`), the module's paths are registered with the seam of `fs/dax.c` and serve
//! every call. Switched off (`0`), they are unregistered, as if the module were not loaded:
//! `fs/dax.c` serves every call behind nothing but its disabled static branch, so the C path
//! measured with the module switched off is the C path of a kernel without it. Unregistering
//! waits for the calls in flight in the module.

use kernel::{
    dax::fault::Registration,
    debugfs::{Dir, File},
    new_mutex,
    prelude::*,
    sync::Mutex,
    uaccess::UserSliceReader,
};

use crate::RustDaxOps;

/// The registration of the module's fault paths, while switched on.
#[pin_data]
pub(crate) struct Switch {
    #[pin]
    registration: Mutex<Option<Registration<RustDaxOps>>>,
}

impl Switch {
    /// A switch, on (registered) or off.
    fn new(on: bool) -> Result<impl PinInit<Self>> {
        let registration = if on {
            Some(Registration::new().inspect_err(|e| {
                pr_err!("cannot register the DAX fault paths: {e:?}\n");
            })?)
        } else {
            None
        };
        Ok(pin_init!(Self {
            registration <- new_mutex!(registration),
        }))
    }

    /// Switches to the Rust paths (`true`) or to C.
    fn set(&self, on: bool) -> Result {
        let mut registration = self.registration.lock();
        if on && registration.is_none() {
            *registration = Some(Registration::new()?);
        } else if !on {
            // Unregisters, waiting for the calls in flight.
            *registration = None;
        }
        Ok(())
    }

    fn is_on(&self) -> bool {
        self.registration.lock().is_some()
    }
}

fn parse(reader: &mut UserSliceReader) -> Result<bool> {
    let mut buf = [0u8; 8];
    let n = reader.len().min(buf.len());
    reader.read_slice(&mut buf[..n])?;
    match core::str::from_utf8(&buf[..n]).map_err(|_| EINVAL)?.trim() {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(EINVAL),
    }
}

/// The debugfs file `rust_path` in `dir`, owning the switch: removing the file (on unload)
/// unregisters the fault paths.
pub(crate) fn create(dir: &Dir, on: bool) -> Result<Pin<KBox<File<Switch>>>> {
    KBox::pin_init(
        dir.read_write_callback_file(
            c"rust_path",
            Switch::new(on)?,
            &|s: &Switch, f| writeln!(f, "{}", u8::from(s.is_on())),
            &|s: &Switch, reader: &mut UserSliceReader| s.set(parse(reader)?),
        ),
        GFP_KERNEL,
    )
}
