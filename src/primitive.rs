//! The one place that names the atomic types, the cell for shared data and the spin hint.
//!
//! Everything else in the crate imports from here, so a model checker can swap in its own types:
//! `portable-atomic` normally (so targets without compare-and-swap work through `critical-section`),
//! loom's atomics and loom's checked `UnsafeCell` under `cfg(loom)`.

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

/// `count` busy-wait steps: CPU hints normally, nothing under loom (which cannot see time pass;
/// a caller that needs a scheduling point there calls [`spin_hint`]).
#[inline]
pub(crate) fn spin_hints(count: u32) {
    #[cfg(not(loom))]
    for _ in 0..count {
        core::hint::spin_loop();
    }
    #[cfg(loom)]
    let _ = count;
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

#[cfg(not(loom))]
use core::cell::UnsafeCell as RawUnsafeCell;
#[cfg(loom)]
use loom::cell::UnsafeCell as RawUnsafeCell;

/// `core::cell::UnsafeCell` behind the closure API of loom's checked cell (`with`/`with_mut`).
///
/// Normally a zero-cost wrapper. Under `cfg(loom)` it is loom's `UnsafeCell`, which records each
/// `with` as a read and each `with_mut` as a write of the value at that point of the execution and
/// fails the model on two accesses, one of them a write, that no happens-before edge orders: a
/// data race on a mutex's value or a queue slot. A reference that a closure hands back (a guard's
/// `deref`, `Ring::get`) is checked when it is taken, not for as long as it lives.
pub(crate) struct UnsafeCell<T: ?Sized>(RawUnsafeCell<T>);

impl<T> UnsafeCell<T> {
    const_fn! {
        /// A cell holding `value`.
        #[inline]
        pub(crate) fn new(value: T) -> Self {
            Self(RawUnsafeCell::new(value))
        }
    }

    /// The value, by consuming the cell.
    #[inline]
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a pointer for reading the value (a read access, under loom).
    #[inline]
    #[cfg_attr(loom, track_caller)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(not(loom))]
        return f(self.0.get());
        #[cfg(loom)]
        return self.0.with(f);
    }

    /// Calls `f` with a pointer for writing the value (a write access, under loom).
    #[inline]
    #[cfg_attr(loom, track_caller)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(not(loom))]
        return f(self.0.get());
        #[cfg(loom)]
        return self.0.with_mut(f);
    }

    /// The value, mutably: `&mut self` proves that no other access exists.
    #[inline]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        #[cfg(not(loom))]
        return self.0.get_mut();
        // SAFETY: `&mut self` excludes every other access for the borrow's lifetime.
        #[cfg(loom)]
        return self.0.with_mut(|value| unsafe { &mut *value });
    }
}

/// A `SeqCst` fence under loom, nothing otherwise: marks the two sides of a store-buffering
/// (Dekker) pair built from `SeqCst` operations.
///
/// The C++20 model, which Rust follows, forbids both loads of such a pair from missing the other
/// side's store when all four operations are `SeqCst`, and the queues' `EventCount` relies on exactly
/// that. loom does not model the total order of `SeqCst` loads and stores (it treats them as
/// acquire/release, see its README, "Unsupported features"), only `SeqCst` fences; without this
/// fence it reports lost wake-ups that the real memory model rules out. Placed right after the
/// waiter's announcement and right before the notifier's load, it gives loom the same guarantee
/// the `SeqCst` operations give real hardware, so the rest of the protocol can be model-checked.
/// The price: loom cannot tell whether the operations around it are really `SeqCst` (Miri can).
#[inline(always)]
pub(crate) fn loom_dekker_fence() {
    #[cfg(loom)]
    loom::sync::atomic::fence(Ordering::SeqCst);
}
