// SPDX-License-Identifier: GPL-2.0

//! Exporting the symbols of a module to other modules.
//!
//! A module written in Rust exports a function to other modules the way C code does with
//! `EXPORT_SYMBOL()` and its variants: it defines the function unmangled, with the C calling
//! convention, and names it in one of the macros of this module next to the definition:
//!
//! ```ignore
//! use kernel::{bindings, export_symbol_gpl, prelude::*};
//!
//! /// Returns the number of widgets of `foo`.
//! ///
//! /// # Safety
//! ///
//! /// `foo` is a valid `struct foo`.
//! #[export(bindings = crate::bindings)]
//! pub unsafe extern "C" fn foo_widgets(foo: *const bindings::foo) -> u32 {
//!     // ...
//! }
//! export_symbol_gpl!(foo_widgets, bindings = crate::bindings);
//! ```
//!
//! [`#[export]`](macro@crate::prelude::export) disables the mangling of the name and, given the
//! Rust module of the bindings of the header that declares the function for its C users
//! (generated with `scripts/Makefile.bindgen`), checks at compile time that the definition has
//! the prototype of that declaration. The export macros check it too, given the same bindings:
//! what C users call through the declaration is what is exported.
//!
//! The macros emit what `include/linux/export.h` emits for C: an entry of the `.export_symbol`
//! section that holds the licence (`"GPL"`), the namespace and a reference to the symbol,
//! labelled `__export_symbol_<name>`. From it modpost adds the symbol to the `__ksymtab` of the
//! module and to `Module.symvers`, as for an export of C code, so that:
//!
//! - a module built against that `Module.symvers` resolves the symbol to the exporting module,
//!   depends on it, and keeps it loaded;
//! - a GPL-only symbol ([`export_symbol_gpl!`](crate::export_symbol_gpl),
//!   [`export_symbol_ns_gpl!`](crate::export_symbol_ns_gpl)) is refused to a module without a
//!   GPL-compatible licence, by modpost ("GPL-incompatible module uses GPL-only symbol") and by
//!   the module loader ("Unknown symbol");
//! - a namespaced symbol ([`export_symbol_ns_gpl!`](crate::export_symbol_ns_gpl)) is only
//!   available to modules that import the namespace (`MODULE_IMPORT_NS()`).
//!
//! Exports are GPL-only: a Rust module is built on the kernel crate, whose symbols are all
//! GPL-only, and must not pass them on to other licences.
//!
//! # Limits
//!
//! - The exported item is a function defined in the same crate and named by an identifier in
//!   scope, declared in the bindings given to the macro; it must not be mangled (modpost
//!   rejects an entry whose label and symbol names differ). Data is not meant to be exported:
//!   C code could write what Rust treats as immutable.
//! - With `CONFIG_MODVERSIONS` the symbols are not versioned: kbuild computes the CRCs of
//!   exports (with genksyms or, for Rust, gendwarfksyms) only for C objects and for the crates
//!   of `rust/`, not for the Rust objects of modules, so modpost warns that the "version
//!   generation failed" and `Module.symvers` records a CRC of 0; the loader then accepts users
//!   built against any version of the exporting module.
//! - `DEFAULT_SYMBOL_NAMESPACE` of C has no counterpart: every namespaced export names its
//!   namespace. `EXPORT_SYMBOL_FOR_MODULES()` has none either.
//! - `EXPORT_SYMBOL()` and `EXPORT_SYMBOL_NS()`, for any licence, have no counterpart.
//! - The code of the kernel crate itself does not use these macros: rust/exports.c exports all
//!   of its symbols, GPL-only, when it is built in.
//!
//! C header: [`include/linux/export.h`](srctree/include/linux/export.h)

/// Exports the function `sym` of a module to modules with a GPL-compatible licence only
/// (`EXPORT_SYMBOL_GPL()`).
///
/// `bindings` is the Rust module of the bindings of the header that declares `sym` for C: the
/// definition must have the type of that declaration, or the export does not compile.
///
/// See [the module documentation](crate::export).
#[macro_export]
macro_rules! export_symbol_gpl {
    ($sym:ident, bindings = $($bindings:ident)::+ $(,)?) => {
        $crate::__export_symbol!($sym, $($bindings)::+, "GPL", "");
    };
}

/// Exports the function `sym` of a module in the namespace `ns`, a string literal, to modules
/// with a GPL-compatible licence only (`EXPORT_SYMBOL_NS_GPL()`).
///
/// `bindings` is as for [`export_symbol_gpl!`](crate::export_symbol_gpl).
///
/// See [the module documentation](crate::export).
#[macro_export]
macro_rules! export_symbol_ns_gpl {
    ($sym:ident, $ns:literal, bindings = $($bindings:ident)::+ $(,)?) => {
        $crate::__export_symbol!($sym, $($bindings)::+, "GPL", $ns);
    };
}

/// The `.export_symbol` entry of `___EXPORT_SYMBOL()` in `include/linux/export.h`.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_symbol {
    ($sym:ident, $($bindings:ident)::+, $license:literal, $ns:literal) => {
        // `extern typeof(sym) sym;` of C: what C users call through the declaration is what is
        // defined. Both arms must coerce to one function pointer type.
        const _: () = {
            let _ = if true {
                $($bindings)::+::$sym
            } else {
                $sym
            };
        };
        const _: () = ::core::assert!(
            $crate::export::is_valid_namespace($ns),
            "a symbol namespace is printable ASCII without quotes, backslashes or braces, and \
             not a module: list"
        );
        // `__EXPORT_SYMBOL_REF()`: an address-sized reference to the symbol.
        #[cfg(target_pointer_width = "64")]
        $crate::__export_symbol!(@entry $sym, $license, $ns, ".balign 8", ".quad {sym}");
        #[cfg(target_pointer_width = "32")]
        $crate::__export_symbol!(@entry $sym, $license, $ns, ".balign 4", ".long {sym}");
    };
    (@entry $sym:ident, $license:literal, $ns:literal, $align:literal, $reference:literal) => {
        ::core::arch::global_asm!(
            ".section \".export_symbol\",\"a\"",
            ::core::concat!("__export_symbol_", ::core::stringify!($sym), ":"),
            ::core::concat!(".asciz \"", $license, "\""),
            ::core::concat!(".asciz \"", $ns, "\""),
            $align,
            $reference,
            ".previous",
            sym = sym $sym,
        );
    };
}

/// Whether `ns` is a symbol namespace these macros can emit: printable ASCII that can be
/// written between the quotes of an assembler string (no `"`, no `\\`) in a `global_asm!`
/// template (no `{`, no `}`), and not the `module:` list of `EXPORT_SYMBOL_FOR_MODULES()`,
/// which modpost treats apart.
#[doc(hidden)]
pub const fn is_valid_namespace(ns: &str) -> bool {
    let bytes = ns.as_bytes();
    const PREFIX: &[u8] = b"module:";
    if bytes.len() >= PREFIX.len() {
        let mut i = 0;
        let mut same = true;
        while i < PREFIX.len() {
            if bytes[i] != PREFIX[i] {
                same = false;
            }
            i += 1;
        }
        if same {
            return false;
        }
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < b' ' || b > b'~' || matches!(b, b'"' | b'\\' | b'{' | b'}') {
            return false;
        }
        i += 1;
    }
    true
}
