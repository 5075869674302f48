//! A checker waits on a `Condvar` until a shared counter reaches a threshold.
//!
//! Ports Python's `threading.Condition` threshold pattern:
//!
//! ```text
//! with cond:                                   # checker
//!     cond.wait_for(lambda: counter >= 5)
//! with cond:                                   # each incrementer
//!     counter += 1
//!     cond.notify_all()
//! ```
//!
//! Three incrementers add 1 three times each (9 in total) and notify after every step. The
//! checker must wake with the counter at 5 or more, however the threads interleave. A final
//! `wait_timeout_while` for a threshold nobody reaches shows the bounded form timing out.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "the board main uses part of the shared code")
)]

use baresync::{Condvar, Mutex};

const THRESHOLD: u32 = 5;
const INCREMENTERS: u32 = 3;
const STEPS: u32 = 3;

static COUNTER: Mutex<u32> = Mutex::new(0);
static CHANGED: Condvar = Condvar::new();

/// Adds one and wakes the checker; returns the new value.
fn increment() -> u32 {
    let mut counter = COUNTER.lock();
    *counter += 1;
    CHANGED.notify_all();
    *counter
}

/// Blocks until the counter reaches `THRESHOLD`; returns the value it saw then.
fn wait_for_threshold() -> u32 {
    let counter = CHANGED.wait_while(COUNTER.lock(), |counter| *counter < THRESHOLD);
    *counter
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;
    use std::time::{Duration, Instant};

    let seen = thread::scope(|s| {
        let checker = s.spawn(|| {
            println!("checker: waiting for the counter to reach {THRESHOLD}");
            let seen = wait_for_threshold();
            println!("checker: woke up with the counter at {seen}");
            seen
        });
        for id in 0..INCREMENTERS {
            s.spawn(move || {
                for _ in 0..STEPS {
                    thread::sleep(Duration::from_millis(10));
                    let now = increment();
                    println!("incrementer {id}: counter = {now}");
                }
            });
        }
        checker.join().unwrap()
    });
    assert!(
        seen >= THRESHOLD,
        "the checker woke at {seen}, below {THRESHOLD}"
    );
    let total = *COUNTER.lock();
    assert_eq!(total, INCREMENTERS * STEPS);

    // The bounded form: a threshold nobody will reach times out, and the lock is held again.
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    let (counter, result) = CHANGED.wait_timeout_while(COUNTER.lock(), timeout, |c| *c < 100);
    let waited = start.elapsed();
    println!(
        "checker: waiting for 100 with a {timeout:?} limit: timed out = {}",
        result.timed_out()
    );
    assert!(result.timed_out(), "nobody reached 100");
    assert!(waited >= timeout, "wait_timeout_while returned early");
    assert_eq!(*counter, total);
    drop(counter);
    println!("ok: the checker woke at {seen} (>= {THRESHOLD}); final counter {total}");
}

// On a board (one core, see targets/): `main` is the checker, waiting in `wait_while`, and a
// timer interrupt is the incrementers. The handler may not block: it increments with `try_lock`
// (retrying on the next tick if it interrupted `main` inside the lock) and wakes the checker with
// `notify_all`. (`wait_timeout_while` needs a clock: see board_event_semaphore for timed waits.)
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
fn on_tick() {
    if let Some(mut counter) = COUNTER.try_lock()
        && *counter < INCREMENTERS * STEPS
    {
        *counter += 1;
        drop(counter);
        CHANGED.notify_all();
    }
}

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    board::start_ticks(core::time::Duration::from_millis(1), on_tick);
    let seen = wait_for_threshold();
    board::println!("checker: woke up with the counter at {seen} (threshold {THRESHOLD})");
    if seen < THRESHOLD {
        return Err("the checker woke below the threshold");
    }
    while *COUNTER.lock() < INCREMENTERS * STEPS {
        core::hint::spin_loop();
    }
    Ok(())
}
