//! The one place that names the atomic types and the spin hint.
//!
//! Everything else in the crate imports from here, so a model checker can swap in its own types:
//! `portable-atomic` normally (so targets without compare-and-swap work through `critical-section`),
//! loom's atomics under `cfg(loom)`.

#[cfg(not(loom))]
#[allow(unused_imports, reason = "AtomicUsize is for the queues")]
pub use portable_atomic::{AtomicU32, AtomicUsize, Ordering};

#[cfg(loom)]
pub use loom::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// One busy-wait step: a CPU hint normally, a scheduling point under loom (which cannot see time pass).
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(not(loom))]
    core::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// Declares a constructor `const` normally and non-`const` under loom, whose atomics have no
/// `const fn new`.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $name:ident $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $name $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $name $($rest)*
    };
}
pub(crate) use const_fn;
