//! Wait backends: how a blocked caller sleeps and how it is woken.
//!
//! Every blocking primitive in this crate is generic over a backend `W: Wait`. The contract is
//! futex-shaped and keyed by the address of a 32-bit atomic word:
//!
//! - [`Wait::wait`]`(word, expected)` blocks while `*word == expected`. The comparison and the
//!   decision to sleep are atomic with respect to [`Wait::wake_one`] / [`Wait::wake_all`] on the same
//!   address: a wake issued after the word changed is never lost. It may return spuriously.
//! - [`WaitTimeout::wait_timeout`] is the same with a bound; it returns `false` when time ran out.
//! - `wake_one(addr)` / `wake_all(addr)` take the word's *address* and never dereference it: a waker
//!   may call them after the waiter returned and freed the primitive. The address is only a key.
//!
//! `wait` orders nothing by itself: callers re-load the word (with the ordering they need) after
//! every return, and treat every return as possibly spurious. A wrong backend therefore costs
//! liveness, never soundness, which is why [`Wait`] is a safe trait.
//!
//! # Backends shipped
//!
//! | backend | where | how it waits |
//! | --- | --- | --- |
//! | [`Spin`] | everywhere | spins with bounded exponential backoff; timed waits need a [`Clock`] |
//! | `Futex` | hosted targets | the OS address wait (Linux `futex`, macOS `__ulock_wait`, Windows `WaitOnAddress`, FreeBSD `_umtx_op`) |
//! | [`Hook`] | an RTOS, a kernel | forwards to functions the final binary registers with [`set_wait_hook!`](crate::set_wait_hook) |
//!
//! [`DefaultWait`] is `Futex` on hosted targets and [`Spin`] on `target_os = "none"`.
//!
//! # Timed waits and clocks
//!
//! Timed operations (`lock_timeout`, `wait_timeout`, `pop_timeout`, ...) exist only for backends
//! that implement [`WaitTimeout`], which names a [`Clock`]. A backend that cannot tell time simply
//! has no timed methods, so a timed call can never compile into a busy loop that never ends.
//! [`Spin`] takes its clock as a type parameter: on hosted targets it defaults to the OS monotonic
//! clock; on `target_os = "none"` it defaults to [`NoClock`] (no timed methods) until you name one.
//!
//! # Writing a backend
//!
//! 1. Make a zero-sized type.
//! 2. Implement [`Wait`]: sleep in `wait` only while the word still holds `expected` (re-check
//!    under whatever lock or interrupt mask makes the check atomic with your wake), and wake in
//!    `wake_one` / `wake_all`.
//! 3. Optionally implement [`Clock`] and [`WaitTimeout`] to get the timed methods.
//! 4. Bind the primitives to it with [`backend_aliases!`](crate::backend_aliases), or use the
//!    generic forms in [`crate::generic`] directly.
//!
//! ```
//! use baresync::wait::{AtomicU32, Wait};
//! use core::sync::atomic::Ordering;
//!
//! /// A backend that yields to the host scheduler between polls.
//! struct Yield;
//!
//! impl Wait for Yield {
//!     // A bounded pause (one yield): nobody wakes a polling backend.
//!     fn wait(word: &AtomicU32, expected: u32) {
//!         if word.load(Ordering::Relaxed) == expected {
//!             std::thread::yield_now();
//!         }
//!     }
//!     fn wake_one(_word: *const AtomicU32) {}
//!     fn wake_all(_word: *const AtomicU32) {}
//!     // Waiters poll, so the primitives may skip waking altogether.
//!     const WAKE_NEEDED: bool = false;
//! }
//!
//! mod yielding {
//!     baresync::backend_aliases!(super::Yield);
//! }
//!
//! static COUNT: yielding::Mutex<u32> = yielding::Mutex::new(0);
//!
//! fn main() {
//!     std::thread::scope(|s| {
//!         for _ in 0..4 {
//!             s.spawn(|| *COUNT.lock() += 1);
//!         }
//!     });
//!     assert_eq!(*COUNT.lock(), 4);
//! }
//! ```

mod clock;
mod hook;
mod spin;

pub(crate) use clock::Deadline;
#[cfg(feature = "std")]
pub use clock::StdClock;
pub use clock::{Clock, NoClock};
pub use hook::{Hook, HookClock};
pub use spin::{Backoff, Spin};

cfg_futex! {
    mod futex;
    pub use futex::{Futex, MonotonicClock};
}

/// The atomic word every backend waits on (`portable_atomic::AtomicU32`).
pub use crate::primitive::AtomicU32;

use core::time::Duration;

/// A way to block until a 32-bit word changes, and to wake those blocked on it.
///
/// Implementors are zero-sized markers with associated functions (no state), so a primitive
/// carries its backend at no cost. See the [module documentation](self) for the contract.
pub trait Wait {
    /// Blocks while `*word == expected`. May return spuriously; callers re-check.
    fn wait(word: &AtomicU32, expected: u32);

    /// Wakes at least one caller blocked in `wait` on `word`, if there is one.
    ///
    /// `word` is only a key: implementations must not dereference it.
    fn wake_one(word: *const AtomicU32);

    /// Wakes every caller blocked in `wait` on `word`.
    ///
    /// `word` is only a key: implementations must not dereference it.
    fn wake_all(word: *const AtomicU32);

    /// `false` when waiters find out about changes by polling (as with [`Spin`]), so nothing
    /// ever wakes them and `wake_*` are no-ops.
    ///
    /// Primitives use it to skip their waiter bookkeeping: with [`Spin`], `Mutex::unlock` is a
    /// single release store. The price is a stronger contract on `wait`: since no waker will ever
    /// call `wake_*`, a polling backend's `wait` must return after a bounded pause even when the
    /// word never changes (queues use it as "pause, then poll again"). Keep the default `true`
    /// for a backend that sleeps until woken, even if its `wake_*` are free (an interrupt-driven
    /// backend relies on the word changing before it sleeps).
    const WAKE_NEEDED: bool = true;
}

/// A [`Wait`] backend that can also wait with a time limit.
pub trait WaitTimeout: Wait {
    /// The clock deadlines are measured on.
    type Clock: Clock;

    /// Blocks while `*word == expected`, for at most about `timeout`.
    ///
    /// Returns `false` when the time ran out, `true` otherwise (woken, value changed, or
    /// spuriously). Callers re-check the word and their own deadline either way.
    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool;
}

/// The backend the crate-root names use: `Futex` on hosted targets, [`Spin`] on bare metal.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_vendor = "apple",
    windows
))]
pub type DefaultWait = Futex;

/// The backend the crate-root names use: `Futex` on hosted targets, [`Spin`] on bare metal.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_vendor = "apple",
    windows
)))]
pub type DefaultWait = Spin;

/// The clock [`Spin`] uses when none is named: the OS monotonic clock where there is one.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_vendor = "apple",
    windows
))]
pub type DefaultSpinClock = MonotonicClock;

/// The clock [`Spin`] uses when none is named: none on bare metal, so no timed methods.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_vendor = "apple",
    windows
)))]
pub type DefaultSpinClock = NoClock;

/// Waits on `word` while it holds `expected`, but not past `deadline`.
///
/// Returns `false`, without waiting, once the deadline has passed; `true` after a wait (which may
/// have been cut short). This is the loop step every timed operation shares: try, then
/// `wait_until`, then try again, so a zero timeout behaves exactly like a `try_` call.
pub(crate) fn wait_until<W: WaitTimeout>(
    word: &AtomicU32,
    expected: u32,
    deadline: &Deadline<W::Clock>,
) -> bool {
    match deadline.remaining() {
        None => false,
        Some(left) => {
            W::wait_timeout(word, expected, left);
            true
        }
    }
}
