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
//! export_symbol_gpl!(foo_widgets);
//! ```
//!
//! [`#[export]`](macro@crate::prelude::export) disables the mangling of the name and, given the
//! Rust module of the bindings of the header that declares the function for its C users
//! (generated with `scripts/Makefile.bindgen`), checks at compile time that the definition has
//! the prototype of that declaration.
//!
//! The macros emit what `include/linux/export.h` emits for C: an entry of the `.export_symbol`
//! section that holds the licence (`"GPL"` or `""`), the namespace and a reference to the
//! symbol, labelled `__export_symbol_<name>`. From it modpost adds the symbol to the `__ksymtab`
//! of the module and to `Module.symvers`, as for an export of C code, so that:
//!
//! - a module built against that `Module.symvers` resolves the symbol to the exporting module,
//!   depends on it, and keeps it loaded;
//! - a GPL-only symbol ([`export_symbol_gpl!`](crate::export_symbol_gpl),
//!   [`export_symbol_ns_gpl!`](crate::export_symbol_ns_gpl)) is refused to a module without a
//!   GPL-compatible licence, by modpost ("GPL-incompatible module uses GPL-only symbol") and by
//!   the module loader ("Unknown symbol");
//! - a namespaced symbol ([`export_symbol_ns!`](crate::export_symbol_ns),
//!   [`export_symbol_ns_gpl!`](crate::export_symbol_ns_gpl)) is only available to modules that
//!   import the namespace (`MODULE_IMPORT_NS()`).
//!
//! # Limits
//!
//! - The exported item is a function defined in the same crate and named by an identifier in
//!   scope; it must not be mangled (modpost rejects an entry whose label and symbol names
//!   differ). Data cannot be exported.
//! - With `CONFIG_MODVERSIONS` the symbols are not versioned: kbuild computes the CRCs of
//!   exports (with genksyms or, for Rust, gendwarfksyms) only for C objects and for the crates
//!   of `rust/`, not for the Rust objects of modules, so modpost warns that the "version
//!   generation failed" and `Module.symvers` records a CRC of 0; the loader then accepts users
//!   built against any version of the exporting module.
//! - `DEFAULT_SYMBOL_NAMESPACE` of C has no counterpart: every namespaced export names its
//!   namespace. `EXPORT_SYMBOL_FOR_MODULES()` has none either.
//! - The code of the kernel crate itself does not use these macros: rust/exports.c exports all
//!   of its symbols, GPL-only, when it is built in.
//!
//! C header: [`include/linux/export.h`](srctree/include/linux/export.h)

/// Exports the function `sym` of a module to modules of any licence (`EXPORT_SYMBOL()`).
///
/// See [the module documentation](crate::export).
#[macro_export]
macro_rules! export_symbol {
    ($sym:ident $(,)?) => {
        $crate::__export_symbol!($sym, "", "");
    };
}

/// Exports the function `sym` of a module to modules with a GPL-compatible licence only
/// (`EXPORT_SYMBOL_GPL()`).
///
/// See [the module documentation](crate::export).
#[macro_export]
macro_rules! export_symbol_gpl {
    ($sym:ident $(,)?) => {
        $crate::__export_symbol!($sym, "GPL", "");
    };
}

/// Exports the function `sym` of a module in the namespace `ns`, a string literal
/// (`EXPORT_SYMBOL_NS()`).
///
/// See [the module documentation](crate::export).
#[macro_export]
macro_rules! export_symbol_ns {
    ($sym:ident, $ns:literal $(,)?) => {
        $crate::__export_symbol!($sym, "", $ns);
    };
}

/// Exports the function `sym` of a module in the namespace `ns`, a string literal, to modules
/// with a GPL-compatible licence only (`EXPORT_SYMBOL_NS_GPL()`).
///
/// See [the module documentation](crate::export).
#[macro_export]
macro_rules! export_symbol_ns_gpl {
    ($sym:ident, $ns:literal $(,)?) => {
        $crate::__export_symbol!($sym, "GPL", $ns);
    };
}

/// The `.export_symbol` entry of `___EXPORT_SYMBOL()` in `include/linux/export.h`.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_symbol {
    ($sym:ident, $license:literal, $ns:literal) => {
        const _: () = ::core::assert!(
            $crate::export::is_valid_namespace($ns),
            "a symbol namespace is printable ASCII without quotes or backslashes"
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

/// Whether `ns` can be written between the quotes of an assembler string: printable ASCII, no
/// `"` and no `\`.
#[doc(hidden)]
pub const fn is_valid_namespace(ns: &str) -> bool {
    let bytes = ns.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < b' ' || b > b'~' || b == b'"' || b == b'\\' {
            return false;
        }
        i += 1;
    }
    true
}
