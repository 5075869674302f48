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
//! | [`Spin`] | everywhere | spins on the word with `core::hint::spin_loop`, in bounded pauses; timed waits need a [`Clock`] |
//! | `Futex` | hosted targets | the OS address wait (Linux `futex`, macOS `__ulock_wait`, Windows `WaitOnAddress`, FreeBSD `_umtx_op`) |
//! | [`Hook`] | an RTOS, a kernel | forwards to functions the final binary registers with [`set_wait_hook!`](crate::set_wait_hook) |
//! | `Wfi` | single-core bare metal (Cortex-M, RISC-V machine mode) | masks interrupts, re-checks, sleeps with `WFI` until an interrupt; waking is free |
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

mod can_block;
mod clock;
mod context;
mod hook;
mod limit;
mod spin;
mod table;

pub(crate) use clock::Deadline;
#[cfg(feature = "std")]
pub use clock::StdClock;
pub use clock::{Clock, NoClock};
pub use context::ContextId;
pub use hook::{Hook, HookClock};
pub(crate) use limit::{Forever, Limit, Poll};
pub use spin::Spin;
pub use table::{Task, TaskTimeout, WaitTable};

cfg_futex! {
    mod futex;
    pub use futex::{Futex, MonotonicClock};
}

cfg_wfi! {
    mod cpu;
    mod wfi;
    pub use wfi::{TickClock, Wfi};
}

cfg_wfe! {
    mod wfe;
    pub use wfe::Wfe;
}

cfg_wfi_ipi! {
    mod wfi_ipi;
    pub use wfi_ipi::{Msip, WfiIpi};
}

/// The atomic word every backend waits on (`portable_atomic::AtomicU32`).
pub use crate::primitive::AtomicU32;

use core::time::Duration;

pub(crate) use spin::spin_pause;

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

    /// `false` when [`poll_pause`](Self::poll_pause) never pauses: the primitives then skip the
    /// polling phase altogether, including the clock reads a timed wait would make in it. `Wfi`
    /// sets it: on one core only an interrupt can change the word, and an interrupt also ends the
    /// sleep, so polling first would only delay it.
    const POLLS: bool = true;

    /// One pause of the polling phase that comes before sleeping: a caller that has to wait
    /// first re-checks its condition between pauses, and only when this returns `false` does it
    /// announce itself (so that wakers must call `wake_*`) and call [`wait`](Self::wait).
    ///
    /// `round` is 0 for the first pause of a wait, then 1, 2, ... Return `true` after pausing
    /// to poll again, or `false`, without pausing, once polling should stop; the phase must end
    /// after a bounded number of rounds, and once it has returned `false` it returns `false` for
    /// every later round. A hand-off whose partner answers within the phase costs
    /// no system call on either side; one that takes longer costs the phase on top of the sleep.
    ///
    /// The default spins: `2^round` spin hints for rounds 0 to 5, 63 hints in all (well under
    /// 2 µs on current cores), then stops. `Futex` adds yields to the OS scheduler (about 16 µs
    /// of them), so that a partner waiting for the same core gets it.
    ///
    /// A timed wait checks its deadline before every pause (unless [`POLLS`](Self::POLLS) is
    /// `false`), so the phase ends at the deadline and a zero timeout never pauses at all.
    #[inline]
    fn poll_pause(round: u32) -> bool {
        spin_pause(round, 6)
    }

    /// One pause of the polling phase of an untimed lock wait: a caller of `Mutex::lock`, of
    /// the untimed `RwLock` verbs, or of what is built on them (`ReentrantMutex`,
    /// `raw::RawMutex` and `raw::RawRwLock`, the lock of `PriorityQueue` and `LifoQueue`) that
    /// waits for the lock to be released (a reader also waits out a writer that only waits).
    /// Same contract as [`poll_pause`](Self::poll_pause), which the default calls, and like it
    /// never called when [`POLLS`](Self::POLLS) is `false`. Timed lock waits (`lock_timeout`,
    /// `read_timeout`, ...) call `poll_pause`.
    ///
    /// Overriding it is optional: only a backend whose `poll_pause` reacts to what the machine
    /// is doing needs to, and a backend that forwards `poll_pause` to another backend should
    /// forward this too. A hand-off waiter (an `Event`, a queue) waits for one partner and
    /// wants the core back as soon as that partner acts; a lock waiter waits for whichever
    /// thread holds the lock, and with more threads than cores that is often a thread waiting
    /// for the waiter's own core. `Futex` yields the same way in both, but a slow yield of a
    /// lock waiter ends that wait's phase only: it does not count towards the run of slow yields
    /// of hand-off waiters that makes every waiter skip its yields for a while (see its
    /// `poll_pause`).
    #[inline]
    fn lock_poll_pause(round: u32) -> bool {
        Self::poll_pause(round)
    }

    /// Whether a queue's publisher may skip the hardware store-load fence between publishing an
    /// item (or a free slot) and checking for sleepers, ordering the two with a compiler fence
    /// only. Called on every push and pop, so it must be cheap.
    ///
    /// The default, `false`, keeps the portable protocol: the publishing store is `SeqCst`. A
    /// backend returns `true` only if its [`heavy_fence`](Self::heavy_fence) is an asymmetric
    /// fence: once this has returned `true` on any thread, every later `heavy_fence` must execute
    /// a full memory barrier on every thread of the program or return `false`, as Linux's
    /// `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` does (the `Futex` backend on Linux x86 and
    /// x86-64, where a release store is cheaper than a `SeqCst` one; on AArch64 and RISC-V they
    /// cost the same, so it does not use the fence there). Once it has returned `true` on any
    /// thread, it must return `true` on every thread from then on (`Futex` reads its state with
    /// a read-modify-write when unsure); a backend that must stop fencing keeps returning `true`
    /// and makes `heavy_fence` return `false`. Get this wrong and a waiter can sleep through an
    /// item.
    #[inline]
    fn light_publish() -> bool {
        false
    }

    /// Called by a queue's waiter between announcing itself and re-checking, right before it
    /// sleeps; see [`light_publish`](Self::light_publish). Returns whether the barrier ran: a
    /// waiter whose fence failed does not sleep on that announcement (it re-checks and tries
    /// again), so a failing fence costs CPU, never a wake-up. The default does nothing and
    /// returns `true`.
    #[inline]
    fn heavy_fence() -> bool {
        true
    }

    /// Whether [`heavy_fence`](Self::heavy_fence) has been costly lately, compared with a full
    /// barrier in every publication. A queue's waiter then asks its publisher to follow each
    /// store with a `SeqCst` read-modify-write for a while and stops fencing. `Futex` times its
    /// `membarrier` calls (a fraction of a microsecond on an idle machine, ten or more while
    /// other threads of the process run on the other cores: it interrupts each of them) and
    /// reports them costly when a slow one follows the previous one within 50 µs. The default,
    /// `false`, never asks.
    #[inline]
    fn heavy_fence_is_costly() -> bool {
        false
    }
}

/// A [`Wait`] backend that can also wait with a time limit.
#[diagnostic::on_unimplemented(
    message = "the wait backend `{Self}` has no clock, so it has no timed methods",
    label = "a backend without a clock",
    note = "name a clock: `Spin<MyClock>` or `Wfi<TickClock>` (see `baresync::wait::Clock`), or \
            implement `WaitTimeout` for your backend; or use the untimed verb"
)]
pub trait WaitTimeout: Wait {
    /// The clock deadlines are measured on.
    type Clock: Clock;

    /// Blocks while `*word == expected`, for at most about `timeout`.
    ///
    /// Returns `false` when the time ran out, `true` otherwise (woken, value changed, or
    /// spuriously). Callers re-check the word and their own deadline either way.
    ///
    /// `timeout` may be as long as `Duration::MAX`: the primitives pass that for a wait with no
    /// end in reach of the clock (a timed verb given `Duration::MAX`). Do not add it to the
    /// clock unchecked; capping it and returning `false` early is fine, since the caller loops.
    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool;
}

// The predicate (hosted targets with an OS wait call, and not under loom) is `cfg_futex!`'s.
cfg_futex! {
    if {
        /// The backend the crate-root names use: `Futex` on hosted targets, [`Spin`] on bare metal.
        pub type DefaultWait = Futex;

        /// The clock [`Spin`] uses when none is named: the OS monotonic clock where there is one.
        pub type DefaultSpinClock = MonotonicClock;
    } else {
        /// The backend the crate-root names use: `Futex` on hosted targets, [`Spin`] on bare metal
        /// (and under `cfg(loom)`, which cannot model a kernel futex).
        pub type DefaultWait = Spin;

        /// The clock [`Spin`] uses when none is named: none on bare metal (and under `cfg(loom)`),
        /// so no timed methods.
        pub type DefaultSpinClock = NoClock;
    }
}

/// The timed wait of the backends whose `wait` is one bounded pause or one sleep until any event
/// ([`Spin`], `Wfi`, `Wfe`, `WfiIpi`): calls `pause` while `*word == expected`, until the word
/// changes (`true`) or the deadline `timeout` from now on clock `C` has passed (`false`).
///
/// The deadline is checked before every pause, so a zero timeout never pauses, and a sleeping
/// backend notices it at its next wake-up (a timer interrupt bounds the overshoot).
#[inline]
pub(crate) fn pause_until_deadline<C: Clock>(
    word: &AtomicU32,
    expected: u32,
    timeout: Duration,
    mut pause: impl FnMut(),
) -> bool {
    let deadline = Deadline::<C>::after(timeout);
    // Relaxed: `wait_timeout` orders nothing; the caller re-loads with the ordering it needs.
    while word.load(crate::primitive::Ordering::Relaxed) == expected {
        if deadline.remaining().is_none() {
            return false;
        }
        pause();
    }
    true
}

/// Panics if the caller may not block where it runs: in an interrupt handler, or with interrupts
/// masked (debug builds on bare-metal Cortex-M and RISC-V; see `can_block.rs` for the registers
/// and why).
///
/// On one core, a handler that blocks waits for the code it interrupted, which cannot run until
/// the handler returns; code that masked interrupts and then blocks waits for a handler that
/// cannot run. Without this check the firmware just hangs.
///
/// Why here, in the backends' `wait` and `wait_timeout` ([`Spin`], `Wfi`, `Wfe`, `WfiIpi`) and
/// nowhere else: every blocking verb of every primitive and queue (`lock`, `wait`, `acquire`,
/// `push`, `pop`, `join`, their timed forms) reaches its backend's wait exactly when it has to
/// wait, so one check covers them all and costs nothing on their fast paths. A blocking verb that
/// does not have to wait (a free lock, a set event, a non-empty queue) returns without reaching
/// it: it cannot deadlock, so it does not panic either, but it is still a bug to rely on that in a
/// handler.
///
/// It also fires on a multi-core Cortex-M, where another core could end the wait: waiting in a
/// handler or inside a critical section there needs a design of its own (or a release build).
#[inline]
pub(crate) fn assert_can_block() {
    can_block::check_can_block();
}

cfg_wfi! {
    /// [`assert_can_block`], plus what a backend that only an interrupt wakes (`Wfi`) needs: an
    /// interrupt that can end its `WFI` (RISC-V: `mstatus.MIE` and a source in `mie`), and a
    /// mask that works (Cortex-M: privileged thread mode).
    #[inline]
    pub(crate) fn assert_can_sleep_until_interrupt() {
        can_block::check_can_block();
        can_block::check_can_sleep_until_interrupt();
    }
}
