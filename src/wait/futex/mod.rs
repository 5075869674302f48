//! The `Futex` backend: the operating system's wait-on-address call.
//!
//! One file per OS, chosen here and nowhere else:
//!
//! | OS | untimed wait / wake | timed wait | clock |
//! | --- | --- | --- | --- |
//! | Linux, Android | `futex(FUTEX_WAIT_PRIVATE / FUTEX_WAKE_PRIVATE)` | `FUTEX_WAIT_BITSET_PRIVATE`, absolute `CLOCK_MONOTONIC` deadline | `clock_gettime(CLOCK_MONOTONIC)` |
//! | macOS, iOS | `atomic-wait` (`__ulock_wait` / `__ulock_wake`) | `__ulock_wait` with a microsecond timeout | `clock_gettime(CLOCK_MONOTONIC)` |
//! | Windows | `atomic-wait` (`WaitOnAddress` / `WakeByAddress*`) | `WaitOnAddress` with a millisecond timeout | `QueryPerformanceCounter` |
//! | FreeBSD | `atomic-wait` (`_umtx_op`) | `_umtx_op(UMTX_OP_WAIT_UINT_PRIVATE)` with a relative timeout | `clock_gettime(CLOCK_MONOTONIC)` |
//!
//! Every timed wait loops against an absolute deadline on the monotonic clock, so interrupted
//! calls (EINTR) and early returns never shorten or lengthen the total wait.

use core::num::NonZeroUsize;
use core::time::Duration;

use super::{AtomicU32, Clock, ContextId, Deadline, Wait, WaitTimeout};

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod shared;

// The asymmetric fence: Linux `membarrier`, on x86 and x86-64 only (elsewhere a release and a
// `SeqCst` store are one instruction, so it would save publishers nothing); Miri cannot run it.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    any(target_arch = "x86", target_arch = "x86_64"),
    not(miri)
))]
mod membarrier;

/// No asymmetric fence: publishers keep their `SeqCst` stores, waiters never fence.
#[cfg(not(all(
    any(target_os = "linux", target_os = "android"),
    any(target_arch = "x86", target_arch = "x86_64"),
    not(miri)
)))]
mod membarrier {
    pub(super) fn light_publish() -> bool {
        false
    }
    pub(super) fn heavy_fence() -> bool {
        true
    }
    pub(super) fn is_costly() -> bool {
        false
    }
}

#[cfg_attr(any(target_os = "linux", target_os = "android"), path = "linux.rs")]
#[cfg_attr(target_vendor = "apple", path = "macos.rs")]
#[cfg_attr(windows, path = "windows.rs")]
#[cfg_attr(target_os = "freebsd", path = "freebsd.rs")]
mod os;

mod yielding;

/// The OS wait-on-address backend (hosted targets only).
///
/// Sleeping waiters cost no CPU; `wake_*` is one system call, which the primitives skip when
/// nobody sleeps. This is the backend behind the crate-root names on hosted targets.
///
/// # Examples
///
/// ```
/// static LOCK: baresync::futex::Mutex<Vec<u32>> = baresync::futex::Mutex::new(Vec::new());
/// std::thread::scope(|s| {
///     for i in 0..4 {
///         s.spawn(move || LOCK.lock().push(i));
///     }
/// });
/// assert_eq!(LOCK.lock().len(), 4);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Futex;

/// The OS monotonic clock (`CLOCK_MONOTONIC`, `QueryPerformanceCounter`): [`Futex`]'s clock and
/// [`Spin`](super::Spin)'s default one on hosted targets.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock;

impl Clock for MonotonicClock {
    #[inline]
    fn now() -> Duration {
        os::now()
    }
}

impl Wait for Futex {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32) {
        os::wait(word, expected)
    }

    #[inline]
    fn wake_one(word: *const AtomicU32) {
        os::wake_one(word)
    }

    #[inline]
    fn wake_all(word: *const AtomicU32) {
        os::wake_all(word)
    }

    /// Spins briefly, then yields: 7 spin hints (rounds 0-2, about 0.1-0.2 µs), then yields to
    /// the OS scheduler for about 16 µs (as many yields as fit, 4 to 64, by a running measure of
    /// their cost: 26 where a yield costs 0.6 µs), then sleeps; but a yield that kept the core
    /// away for long ends the phase, and for a while after a run of three such yields waiters
    /// spin a little longer instead of yielding (127 hints in all).
    ///
    /// A futex wake-up costs the waker a system call and the sleeper tens of microseconds across
    /// cores, so a partner that answers within the phase makes the hand-off many times faster.
    /// The yields matter when the partner waits for this very core (both threads on one core,
    /// or more threads than cores): it runs at once instead of after a sleep and a wake-up. A
    /// waiter whose partner is elsewhere polls for about 16 µs before it sleeps, longer than a
    /// woken thread takes to run again (see `yielding.rs`). On a busy machine, though, each yield
    /// would give the core to a busy thread for a whole time slice: the phase is bounded in time,
    /// not in yields (see `yielding.rs`), so a wait there pays at most one slow yield, and once
    /// three waits in a row have paid one, the process's waiters stop yielding for a while.
    #[inline]
    fn poll_pause(round: u32) -> bool {
        Self::pause_with(round, yielding::pause)
    }

    /// As [`poll_pause`](Self::poll_pause), except that a slow yield ends this wait's phase
    /// only: it does not make the other waiters of the process skip their yields (see
    /// `yielding.rs`, `lock_pause`).
    #[inline]
    fn lock_poll_pause(round: u32) -> bool {
        Self::pause_with(round, yielding::lock_pause)
    }

    /// `true` on Linux x86 and x86-64 once the process is registered for `membarrier` (at the
    /// first call).
    #[inline]
    fn light_publish() -> bool {
        membarrier::light_publish()
    }

    /// `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` on Linux, once registered; a fraction of
    /// a microsecond to tens of them, paid only by a queue waiter that is about to sleep.
    #[inline]
    fn heavy_fence() -> bool {
        membarrier::heavy_fence()
    }

    /// `true` when the last `membarrier` was slow (over 4 µs) and began within 50 µs of the one
    /// before.
    #[inline]
    fn heavy_fence_is_costly() -> bool {
        membarrier::is_costly()
    }
}

// SAFETY: `os::current_thread` is the OS's handle of the calling thread (`pthread_self` or
// its value read inline as the thread pointer, `GetCurrentThreadId`): distinct for every live thread of the process, fixed for a thread's
// life, never 0. The OS may reuse it once the thread has exited, which `ContextId` allows.
unsafe impl ContextId for Futex {
    #[inline]
    fn current() -> NonZeroUsize {
        os::current_thread()
    }
}

impl Futex {
    /// Round `round` of a polling phase whose yields `yield_once` makes.
    #[inline]
    fn pause_with(round: u32, yield_once: fn() -> yielding::Pause) -> bool {
        if round < Self::SPIN_ROUNDS {
            return super::spin_pause(round, Self::SPIN_ROUNDS);
        }
        if round >= Self::SPIN_ROUNDS + yielding::yields() {
            return false;
        }
        match yield_once() {
            yielding::Pause::Yielded => true,
            yielding::Pause::Slow => false,
            // A busy machine: spin on instead, up to `2^BUSY_SPIN_ROUNDS - 1` hints in all.
            yielding::Pause::Skipped => super::spin_pause(round, Self::BUSY_SPIN_ROUNDS),
        }
    }

    /// Rounds of exponential spinning in [`Wait::poll_pause`]: `2^0 + 2^1 + 2^2` = 7 hints.
    const SPIN_ROUNDS: u32 = 3;
    /// Rounds of spinning in all while the machine is busy and yields are skipped: 127 hints,
    /// a few microseconds (std's channels spin as long before they block).
    const BUSY_SPIN_ROUNDS: u32 = 7;
}

// The busy-machine spin runs its 127 hints only if the phase is not over first.
const _: () = assert!(Futex::SPIN_ROUNDS + yielding::MIN_YIELDS >= Futex::BUSY_SPIN_ROUNDS);

impl WaitTimeout for Futex {
    type Clock = MonotonicClock;

    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        let deadline = Deadline::<MonotonicClock>::after(timeout);
        loop {
            let Some(left) = deadline.remaining() else {
                return false;
            };
            // `os::wait_for` returns false only when its own timeout ran out; an interruption or
            // early return loops back here and waits for what is left of the deadline.
            match os::wait_for(word, expected, left) {
                os::Wake::Returned => return true,
                os::Wake::Interrupted | os::Wake::TimedOut => {
                    if word.load(crate::primitive::Ordering::Relaxed) != expected {
                        return true;
                    }
                }
            }
        }
    }
}
