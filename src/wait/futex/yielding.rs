//! The yields of `Futex`'s polling phase, and when to skip them: a polling phase bounded in time,
//! not in yields.
//!
//! A yield is worth its system call when the partner a waiter waits for is ready to run on the
//! waiter's own core (more threads than cores, or both pinned to one core): it runs at once,
//! instead of after a futex sleep and wake. With a free core it costs about half a microsecond
//! and works as a longer spin. But when other threads are busy on the core, a yield gives the
//! core away for a whole time slice (milliseconds), and a waiter that yields a dozen times per
//! hand-off runs a few dozen hand-offs per second where a futex sleep runs tens of thousands.
//!
//! So each yield is timed. One that kept the core away for longer than [`SLOW_YIELD`] ends the
//! polling phase at once (the caller announces itself and sleeps), and tells every waiter of the
//! process to skip yielding for a while: the machine is busy, and sleeping through the backend
//! is what gets a waiter the core back first (the scheduler favours a thread that wakes from a
//! sleep over one that yielded). Meanwhile waiters poll by spinning a little longer instead, as
//! std's channels do (a partner running on another core often answers within microseconds). After that while, one yield probes the machine again; each
//! probe that is slow again doubles the while, from [`QUIET_MIN_MS`] up to [`QUIET_MAX_MS`], and a fast
//! one brings it back to the minimum. On a busy machine a wait pays at most one slow yield, and
//! the process one every `QUIET_MAX_MS` once the load lasts; on a quiet machine nothing changes.

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use super::os;

/// A yield that kept the core away longer than this means other threads wanted it.
const SLOW_YIELD: Duration = Duration::from_micros(50);

/// How long waiters skip yielding after a slow yield, at first...
const QUIET_MIN_MS: u32 = 20;
/// ...and at most, after slow probes in a row.
const QUIET_MAX_MS: u32 = 640;

/// Until when (the monotonic clock in milliseconds, wrapping) waiters skip yielding.
static QUIET_UNTIL_MS: AtomicU32 = AtomicU32::new(0);
/// How long the next skipping lasts, in milliseconds (0 until the first slow yield).
static QUIET_MS: AtomicU32 = AtomicU32::new(0);

/// The clock in milliseconds, wrapping at 2^32 (49 days): only differences are used.
fn now_ms(now: Duration) -> u32 {
    now.as_millis() as u32
}

/// What [`pause`] did.
pub(super) enum Pause {
    /// Yielded, and got the core back at once: poll on.
    Yielded,
    /// Yielded, and the core was away for long: the machine is busy, stop polling.
    Slow,
    /// Did not yield: the machine was busy a moment ago (see the module docs).
    Skipped,
}

/// One yielding pause of the polling phase, unless the machine is busy (see the module docs).
pub(super) fn pause() -> Pause {
    let start = os::now();
    // Relaxed, here and below: hints shared by all waiters, and each value is a whole answer; a
    // stale one costs one more (or one fewer) yield.
    let quiet_until = QUIET_UNTIL_MS.load(Ordering::Relaxed);
    if (now_ms(start).wrapping_sub(quiet_until) as i32) < 0 {
        return Pause::Skipped;
    }
    os::yield_now();
    let end = os::now();
    let quiet = QUIET_MS.load(Ordering::Relaxed);
    if end.saturating_sub(start) <= SLOW_YIELD {
        if quiet != 0 {
            // The machine has quietened down: start from the minimum after the next slow yield.
            QUIET_MS.store(0, Ordering::Relaxed);
        }
        return Pause::Yielded;
    }
    let quiet = quiet.saturating_mul(2).clamp(QUIET_MIN_MS, QUIET_MAX_MS);
    QUIET_MS.store(quiet, Ordering::Relaxed);
    QUIET_UNTIL_MS.store(now_ms(end).wrapping_add(quiet), Ordering::Relaxed);
    Pause::Slow
}
