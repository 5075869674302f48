//! Timing helpers for the host tests: generous timeouts, the timeouts that overflow naive
//! conversions, the "never early, not absurdly late" check for timed calls, a watchdog that turns
//! a lost wake-up into a failure instead of a hang, and polling helpers.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Long enough that a correct implementation never runs out; a broken one fails instead of hanging.
pub const LONG: Duration = Duration::from_secs(30);

/// Timeouts that overflow a naive conversion: `timespec` seconds, Windows milliseconds, `Instant + d`.
pub const HUGE: [Duration; 5] = [
    Duration::MAX,
    Duration::from_secs(u64::MAX / 2 + 1),
    Duration::from_secs(i64::MAX as u64),
    Duration::from_secs(u32::MAX as u64 + 1),
    Duration::from_millis(u32::MAX as u64 + 1),
];

/// A timed call that ran out must not return before its timeout, nor absurdly late (ten times the
/// timeout plus `slack`).
pub fn assert_waited_within(elapsed: Duration, timeout: Duration, slack: Duration) {
    assert!(
        elapsed >= timeout,
        "returned early: {elapsed:?} < {timeout:?}"
    );
    let bound = timeout * 10 + slack;
    assert!(
        elapsed <= bound,
        "overslept: {elapsed:?} for a {timeout:?} timeout"
    );
}

/// [`assert_waited_within`] with one second of slack (the primitives' timed calls).
pub fn assert_waited(elapsed: Duration, timeout: Duration) {
    assert_waited_within(elapsed, timeout, Duration::from_secs(1));
}

/// [`assert_waited_within`] with five seconds of slack (the queues' timed calls, which retry
/// through more layers).
pub fn assert_waited_loosely(elapsed: Duration, timeout: Duration) {
    assert_waited_within(elapsed, timeout, Duration::from_secs(5));
}

/// Aborts the test binary if the returned sender is still alive after two minutes, so that a
/// lost wake-up in an untimed wait is reported as a failure rather than a hang. Drop the sender
/// to disarm it.
pub fn watchdog(what: &'static str) -> mpsc::Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    thread::spawn(move || {
        if rx.recv_timeout(Duration::from_secs(120)) == Err(mpsc::RecvTimeoutError::Timeout) {
            eprintln!("watchdog: `{what}` still blocked after 120 s (lost wake-up?); aborting");
            std::process::abort();
        }
    });
    tx
}

/// Polls `cond` every millisecond for up to ten seconds; returns whether it became true.
pub fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Spins (yielding) until `flag` is set.
pub fn wait_flag(flag: &AtomicBool) {
    while !flag.load(Ordering::Acquire) {
        thread::yield_now();
    }
}

/// Spins (yielding) until `counter` reaches `n`.
pub fn wait_count(counter: &AtomicU32, n: u32) {
    while counter.load(Ordering::Acquire) < n {
        thread::yield_now();
    }
}
