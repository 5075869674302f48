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
//! std's channels do (a partner running on another core often answers within microseconds).
//! After that while, one yield probes the machine again; each probe that is slow again doubles
//! the while, from [`QUIET_MIN_MS`] up to [`QUIET_MAX_MS`], and a fast one brings it back to the
//! minimum. On a busy machine a wait pays at most one slow yield, and
//! the process one every `QUIET_MAX_MS` once the load lasts; on a quiet machine nothing changes.
//!
//! On a quiet machine the yields last about [`YIELD_BUDGET`] in all: [`yields`] turns it into a
//! count from a running average of what a fast yield costs here (it settles within a quarter of
//! the typical cost, so the phase lasts 13-21 µs). The budget has to outlast the time a woken
//! thread takes to run again, or two waiters that take turns (a barrier, a ping-pong) keep
//! putting each other to sleep: once one has slept, its partner reaches the next wait first and
//! gives up before it arrives. A fixed 12 yields did on an Intel VM (a two-thread `Barrier`:
//! 0.23 futex calls per round, 0.25 M rounds/s); with the budget the average settled at 300-330
//! ns there, about 50 yields, and the same program made 8 k futex calls in 1.2 M rounds, at
//! 2.3-4.1 M rounds/s (spin's `Barrier` 2.2-3.3).

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use super::os;

/// A yield that kept the core away longer than this means other threads wanted it.
const SLOW_YIELD: Duration = Duration::from_micros(50);

/// How long the yields of one polling phase last in all, on a quiet machine (module docs).
const YIELD_BUDGET: Duration = Duration::from_micros(16);
/// The fewest and the most yields in one polling phase, whatever the measured cost.
pub(super) const MIN_YIELDS: u32 = 4;
const MAX_YIELDS: u32 = 64;

/// What a fast yield costs, with the clock reading that times it, in nanoseconds: a running
/// average (weight 1/8) of the yields that came back within [`YIELD_SAMPLE_MAX`]. 600 until
/// measured.
static FAST_YIELD_NS: AtomicU32 = AtomicU32::new(600);
/// Yields that took longer than this (but less than [`SLOW_YIELD`]) let another thread run for a
/// while: they measure its work, not the cost of a yield, and are left out of the average.
const YIELD_SAMPLE_MAX: Duration = Duration::from_micros(4);

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

/// How many yields fit in [`YIELD_BUDGET`] on this machine (between [`MIN_YIELDS`] and
/// [`MAX_YIELDS`]).
#[inline]
pub(super) fn yields() -> u32 {
    // Relaxed: a hint (see `pause`).
    let cost = FAST_YIELD_NS.load(Ordering::Relaxed).max(1);
    (YIELD_BUDGET.as_nanos() as u32 / cost).clamp(MIN_YIELDS, MAX_YIELDS)
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
    let took = end.saturating_sub(start);
    if took <= SLOW_YIELD {
        if took <= YIELD_SAMPLE_MAX {
            // The running average moves by an eighth of the difference, and only for a sample
            // more than a quarter away from it: waiters rarely write the shared line, and the
            // average settles within a quarter of the typical cost.
            let sample = took.as_nanos() as u32;
            let average = FAST_YIELD_NS.load(Ordering::Relaxed);
            if sample.abs_diff(average) > average / 4 {
                let next = (average - average / 8).saturating_add(sample / 8);
                FAST_YIELD_NS.store(next.max(1), Ordering::Relaxed);
            }
        }
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
