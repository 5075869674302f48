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
//! polling phase at once (the caller announces itself and sleeps). A hand-off waiter's slow yield
//! also tells every waiter of the process to skip yielding for a while, once it is the
//! [`SLOW_RUN`]th in a row (each within [`CLOSE_YIELDS`] fast yields of the one before): the
//! machine is busy, and sleeping through the backend is what gets a waiter the core back first
//! (the scheduler favours a thread that wakes from a sleep over one that yielded). Meanwhile
//! waiters poll by spinning a little longer instead, as std's channels do (a partner running on
//! another core often answers within microseconds). After that while, one yield probes the
//! machine again; each probe that is slow again doubles the while, from [`QUIET_MIN_MS`] up to
//! [`QUIET_MAX_MS`], and a fast one brings it back to the minimum. On a busy machine a hand-off
//! wait pays at most one slow yield, and the process [`SLOW_RUN`] when the load begins and one
//! every `QUIET_MAX_MS` once it lasts; on a quiet machine nothing changes.
//!
//! A lone slow yield says little: a host that preempted the virtual CPU, a thread being created
//! or moved to the core, each keeps a yield away for 50-100 us now and then. On an Intel VM two
//! threads pinned to one core and handing an `Event` to each other met 40-80 of them in 600 k
//! round trips, none over 1 ms; while a single one started a while, those whiles skipped 0.4-0.9
//! M yields, and each hand-off in them spun on the core its partner needed before it slept: 260-330
//! k round trips/s against 480 k for `thread::park`. Counting runs, 590 k. Where the machine is
//! busy, or where our own waiters take turns at a core with long runs in between (an `MpmcQueue`
//! with 2 producers and 2 consumers on 2 cores, whose slow yields came within a few dozen fast ones
//! of each other), the runs start whiles as before.
//!
//! Untimed lock waits ([`lock_pause`]) respect a quiet while but never start one, nor count
//! towards a run: their slow yields are mostly the process's own threads taking turns at the
//! lock. So in a process whose only waits are untimed lock waits, each contended `lock` on a busy
//! machine may pay one slow yield (parking_lot's pays up to seven); hand-off waits that pay one
//! in a run turn everyone's yields off as before. Timed lock waits are hand-off waits here, so
//! that no yield overruns their deadline by a time slice.
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

/// How many slow yields of hand-off waiters in a row start a quiet while (module docs).
const SLOW_RUN: u32 = 3;
/// Two slow yields with fewer fast yields than this between them are in a row.
const CLOSE_YIELDS: u32 = 1024;

/// How long waiters skip yielding after a run of slow yields, at first...
const QUIET_MIN_MS: u32 = 20;
/// ...and at most, after slow probes in a row.
const QUIET_MAX_MS: u32 = 640;

/// The process's quiet while: when waiters skip their yields (module docs).
static QUIET: Quiet = Quiet::new();

/// A quiet while: started by a run of slow yields, doubled by slow probes in a row, reset by a
/// fast one.
struct Quiet {
    /// Until when (the monotonic clock in milliseconds, wrapping) waiters skip yielding; 0
    /// before the first while (a while that would end at 0 ends at 1).
    until_ms: AtomicU32,
    /// How long the next while lasts, in milliseconds: 0 until the first while, and again after
    /// each fast yield.
    length_ms: AtomicU32,
    /// Fast yields since the last slow yield of a hand-off waiter, counted up to
    /// [`CLOSE_YIELDS`].
    fast_since_slow: AtomicU32,
    /// Slow yields of hand-off waiters in a row (see [`CLOSE_YIELDS`]), up to [`SLOW_RUN`].
    slow_run: AtomicU32,
}

impl Quiet {
    const fn new() -> Self {
        Self {
            until_ms: AtomicU32::new(0),
            length_ms: AtomicU32::new(0),
            fast_since_slow: AtomicU32::new(0),
            slow_run: AtomicU32::new(0),
        }
    }

    /// Whether waiters skip their yields at `now`.
    fn is_on(&self, now: Duration) -> bool {
        // Relaxed, here and below: hints shared by all waiters, and each value is a whole
        // answer; a stale one costs one more (or one fewer) yield.
        let until = self.until_ms.load(Ordering::Relaxed);
        // On while `now` is before `until`, which a slow yield set at most `QUIET_MAX_MS` ahead.
        // (The signed difference this replaces read a clock 2^31 ms or more past `until` as
        // before it: from the start of a process on a machine up for 25 to 49 days, yields were
        // off for up to 25 days, since a skipped yield never rewrites `until`.)
        let left = until.wrapping_sub(now_ms(now));
        until != 0 && left != 0 && left <= QUIET_MAX_MS
    }

    /// What a yield from `start` to `end` says: `Yielded` if it was fast (the machine is quiet
    /// again: the next while starts from the minimum), else `Slow`. A slow yield of a hand-off
    /// waiter (`slow_starts_while`) starts a while if it ends a run of [`SLOW_RUN`]; a lock
    /// waiter's neither starts one nor counts (see [`lock_pause`]).
    fn after_yield(&self, start: Duration, end: Duration, slow_starts_while: bool) -> Pause {
        let length = self.length_ms.load(Ordering::Relaxed);
        if end.saturating_sub(start) <= SLOW_YIELD {
            if length != 0 {
                self.length_ms.store(0, Ordering::Relaxed);
            }
            // Written only until it reaches its cap: yields on a quiet machine then only load it.
            let fast = self.fast_since_slow.load(Ordering::Relaxed);
            if fast < CLOSE_YIELDS {
                self.fast_since_slow.store(fast + 1, Ordering::Relaxed);
            }
            return Pause::Yielded;
        }
        if slow_starts_while && self.ends_a_run() {
            let length = length.saturating_mul(2).clamp(QUIET_MIN_MS, QUIET_MAX_MS);
            self.length_ms.store(length, Ordering::Relaxed);
            let until = now_ms(end).wrapping_add(length).max(1);
            self.until_ms.store(until, Ordering::Relaxed);
        }
        Pause::Slow
    }

    /// Counts a hand-off waiter's slow yield; `true` if it is at least the [`SLOW_RUN`]th in a
    /// row. (Yields skipped in a while count as nothing, so a slow probe after it continues the
    /// run and doubles the while.)
    fn ends_a_run(&self) -> bool {
        let fast = self.fast_since_slow.load(Ordering::Relaxed);
        if fast != 0 {
            self.fast_since_slow.store(0, Ordering::Relaxed);
        }
        let run = if fast >= CLOSE_YIELDS {
            1
        } else {
            (self.slow_run.load(Ordering::Relaxed) + 1).min(SLOW_RUN)
        };
        self.slow_run.store(run, Ordering::Relaxed);
        run == SLOW_RUN
    }
}

/// The clock in milliseconds, wrapping at 2^32 (49 days): only differences are used.
fn now_ms(now: Duration) -> u32 {
    now.as_millis() as u32
}

/// How many yields fit in [`YIELD_BUDGET`] on this machine (between [`MIN_YIELDS`] and
/// [`MAX_YIELDS`]).
#[inline]
pub(super) fn yields() -> u32 {
    // Relaxed: a hint (see `Quiet::is_on`).
    let cost = FAST_YIELD_NS.load(Ordering::Relaxed).max(1);
    (YIELD_BUDGET.as_nanos() as u32 / cost).clamp(MIN_YIELDS, MAX_YIELDS)
}

/// What [`pause`] or [`lock_pause`] did.
pub(super) enum Pause {
    /// Yielded, and got the core back at once: poll on.
    Yielded,
    /// Yielded, and the core was away for long: stop polling.
    Slow,
    /// Did not yield: the machine was busy a moment ago (see the module docs).
    Skipped,
}

/// One yielding pause of the polling phase, unless the machine is busy (see the module docs).
pub(super) fn pause() -> Pause {
    pause_unless_quiet(true)
}

/// One yielding pause of a lock's polling phase: as [`pause`], but a slow yield only ends this
/// wait's phase. It does not start a quiet while.
///
/// A lock's holder is a thread of this process, and so, usually, is whatever kept the core
/// away: with more threads than cores, a lock waiter's yield runs the holder or another thread
/// that takes and releases the lock in turn (8 threads on 2 cores, `*lock() += 1`: most yields
/// are slow). Taking that for a busy machine turned the yields of every waiter off for good,
/// and the lock's waiters slept and were woken through system calls instead of handing the
/// core to each other. A while that a hand-off waiter started is respected all the same.
pub(super) fn lock_pause() -> Pause {
    pause_unless_quiet(false)
}

fn pause_unless_quiet(slow_starts_while: bool) -> Pause {
    let start = os::now();
    if QUIET.is_on(start) {
        return Pause::Skipped;
    }
    let end = timed_yield(start);
    QUIET.after_yield(start, end, slow_starts_while)
}

/// Yields once, feeds a fast yield into the running average, and returns the clock after it.
fn timed_yield(start: Duration) -> Duration {
    os::yield_now();
    let end = os::now();
    let took = end.saturating_sub(start);
    if took <= YIELD_SAMPLE_MAX {
        // The running average moves by an eighth of the difference, and only for a sample more
        // than a quarter away from it: waiters rarely write the shared line, and the average
        // settles within a quarter of the typical cost. Relaxed: a hint (see `Quiet::is_on`).
        let sample = took.as_nanos() as u32;
        let average = FAST_YIELD_NS.load(Ordering::Relaxed);
        if sample.abs_diff(average) > average / 4 {
            let next = (average - average / 8).saturating_add(sample / 8);
            FAST_YIELD_NS.store(next.max(1), Ordering::Relaxed);
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A time that `Quiet`'s wrapping arithmetic reads as any other.
    const START: Duration = Duration::from_secs(5);
    /// The end of a slow yield from `START`, and of a fast one.
    const SLOW: Duration = START.saturating_add(SLOW_YIELD.saturating_mul(2));
    const FAST: Duration = START.saturating_add(SLOW_YIELD);

    /// Hand-off waiters' slow yields, `count` of them in a row.
    fn slow_yields(quiet: &Quiet, count: u32) {
        for _ in 0..count {
            assert!(matches!(quiet.after_yield(START, SLOW, true), Pause::Slow));
        }
    }

    /// `count` fast yields.
    fn fast_yields(quiet: &Quiet, count: u32) {
        for _ in 0..count {
            assert!(matches!(quiet.after_yield(START, FAST, true), Pause::Yielded));
        }
    }

    #[test]
    fn a_run_of_slow_yields_of_hand_off_waiters_starts_a_quiet_while() {
        let quiet = Quiet::new();
        slow_yields(&quiet, SLOW_RUN - 1);
        assert!(!quiet.is_on(SLOW), "not before the run is complete");
        // Fast yields between them, fewer than `CLOSE_YIELDS`, do not break the run.
        fast_yields(&quiet, CLOSE_YIELDS - 1);
        slow_yields(&quiet, 1);
        assert!(quiet.is_on(SLOW), "a run of slow yields: a quiet while");
        let over = SLOW + Duration::from_millis(QUIET_MIN_MS.into());
        assert!(!quiet.is_on(over), "the first while lasts the minimum");
    }

    #[test]
    fn a_lone_slow_yield_starts_no_quiet_while() {
        // A host preempting the virtual CPU now and then, on an otherwise quiet machine.
        let quiet = Quiet::new();
        for _ in 0..10 {
            fast_yields(&quiet, CLOSE_YIELDS);
            slow_yields(&quiet, 1);
            assert!(!quiet.is_on(SLOW), "one slow yield after many fast ones: no while");
        }
        // Nor does the slow yield of a lock waiter count towards a run.
        fast_yields(&quiet, CLOSE_YIELDS);
        slow_yields(&quiet, SLOW_RUN - 1);
        assert!(matches!(quiet.after_yield(START, SLOW, false), Pause::Slow));
        assert!(!quiet.is_on(SLOW), "lock waiter: no quiet while");
        slow_yields(&quiet, 1);
        assert!(quiet.is_on(SLOW), "the hand-off waiter's completes the run");
    }

    #[test]
    fn a_lock_waiters_slow_yield_does_not_count_towards_a_run() {
        let quiet = Quiet::new();
        fast_yields(&quiet, CLOSE_YIELDS);
        for _ in 1..SLOW_RUN {
            slow_yields(&quiet, 1);
            assert!(matches!(quiet.after_yield(START, SLOW, false), Pause::Slow));
        }
        assert!(!quiet.is_on(SLOW), "a run of hand-off waiters' slow yields is not complete");
    }

    #[test]
    fn no_quiet_while_before_the_first_slow_yield_whatever_the_clock_reads() {
        // The clock is the time since boot: on a machine up for 25 to 49 days (or any multiple
        // of 49.7 days plus that), its milliseconds as a `u32` are 2^31 or more past the initial
        // `until` of 0.
        let quiet = Quiet::new();
        for now_ms in [0, 1, 1 << 30, (1 << 31) - 1, 1 << 31, 3_000_000_000, u32::MAX] {
            let now = Duration::from_millis(now_ms.into());
            assert!(!quiet.is_on(now), "quiet at {now_ms} ms without a slow yield");
        }
        // Nor long after a while has ended.
        slow_yields(&quiet, SLOW_RUN);
        assert!(quiet.is_on(SLOW));
        let later = SLOW + Duration::from_millis(1 << 31);
        assert!(!quiet.is_on(later), "quiet 2^31 ms after the while began");
    }

    #[test]
    fn slow_probes_double_the_while_and_a_fast_one_resets_it() {
        let quiet = Quiet::new();
        slow_yields(&quiet, SLOW_RUN);
        // The probe after the while: slow again, so it continues the run.
        slow_yields(&quiet, 1);
        let min = Duration::from_millis(QUIET_MIN_MS.into());
        assert!(quiet.is_on(SLOW + min), "the second while lasts twice the minimum");
        // A lock waiter's slow yield neither lengthens nor ends it.
        quiet.after_yield(START, SLOW, false);
        assert!(quiet.is_on(SLOW + min));
        assert!(!quiet.is_on(SLOW + min * 2));

        assert!(matches!(quiet.after_yield(START, FAST, false), Pause::Yielded));
        slow_yields(&quiet, 1);
        assert!(
            !quiet.is_on(SLOW + min),
            "after a fast yield the while is the minimum again"
        );
    }
}
