//! A `Mutex` and a `Condvar` shared between `main` and an interrupt handler, with only the
//! non-blocking verbs on the handler's side.
//!
//! The handler records one reading per tick into a `Mutex`-protected accumulator and notifies a
//! `Condvar`. It may not block, so it uses `try_lock`: when `main` holds the lock (the handler
//! interrupted it), `try_lock` returns `None` and the handler keeps the reading for its next tick.
//! `main` waits with `Condvar::wait_while` until enough readings are in, takes them, and keeps the
//! lock for a while on purpose so that the handler does find it held.
//!
//! Checked: every reading 1..=`READINGS` arrives exactly once (count and sum), and on a board the
//! handler found the lock held at least once (the `None` path ran).
//!
//! On a board (`targets/`) the handler is the timer interrupt and `main` sleeps in `wait_while`
//! on the `Wfi` backend; on the host a thread plays the interrupt.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
use baresync as sync;
#[cfg(target_os = "none")]
use baresync::wfi as sync;

use core::sync::atomic::{AtomicU32, Ordering};

const READINGS: u32 = 200;
/// `main` waits until this many readings are in (or all the rest).
const BATCH: u32 = 16;

/// Readings recorded and not yet taken by `main`.
struct Accumulator {
    sum: u32,
    count: u32,
}

static STATE: sync::Mutex<Accumulator> = sync::Mutex::new(Accumulator { sum: 0, count: 0 });
static NEW_READING: sync::Condvar = sync::Condvar::new();
/// The next reading the handler records (it is the only writer).
static NEXT: AtomicU32 = AtomicU32::new(1);
/// Ticks on which the handler found the lock held and kept its reading.
static DEFERRED: AtomicU32 = AtomicU32::new(0);

/// The interrupt handler's body: `try_lock` and `notify_one` only.
fn on_tick() {
    let reading = NEXT.load(Ordering::Relaxed);
    if reading > READINGS {
        return;
    }
    match STATE.try_lock() {
        Some(mut state) => {
            state.sum += reading;
            state.count += 1;
            drop(state);
            NEXT.store(reading + 1, Ordering::Relaxed);
            NEW_READING.notify_one();
        }
        // `main` holds the lock: we interrupted it, so waiting would never end. Retry next tick.
        None => DEFERRED.store(DEFERRED.load(Ordering::Relaxed) + 1, Ordering::Relaxed),
    }
}

/// `main`'s side: collect every reading. `hold` keeps the lock busy for a few ticks.
fn collect(start_ticks: impl FnOnce(), hold: fn()) -> Result<(u32, u32), &'static str> {
    start_ticks();
    let (mut sum, mut count) = (0u32, 0u32);
    while count < READINGS {
        let want = BATCH.min(READINGS - count);
        let mut state = NEW_READING.wait_while(STATE.lock(), |s| s.count < want);
        sum += state.sum;
        count += state.count;
        state.sum = 0;
        state.count = 0;
        // "Process" the batch with the lock held, long enough for a tick or two to hit it.
        hold();
        drop(state);
    }
    let expected_sum = READINGS * (READINGS + 1) / 2;
    if count != READINGS || sum != expected_sum {
        return Err("a reading was lost or counted twice");
    }
    Ok((count, sum))
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::sync::atomic::AtomicBool;
    use std::thread;
    use std::time::Duration;

    static STOP: AtomicBool = AtomicBool::new(false);
    let result = thread::scope(|s| {
        let result = collect(
            || {
                s.spawn(|| {
                    while !STOP.load(Ordering::Relaxed) {
                        on_tick();
                        thread::sleep(Duration::from_micros(100));
                    }
                });
            },
            || thread::sleep(Duration::from_millis(1)),
        );
        STOP.store(true, Ordering::Relaxed);
        result
    });
    let (count, sum) = result.unwrap_or_else(|why| panic!("{why}"));
    println!(
        "host: collected {count} readings (sum {sum}); the ticking thread found the lock held {} times",
        DEFERRED.load(Ordering::Relaxed)
    );
    println!("ok: every reading arrived exactly once");
}

#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    let (count, sum) = collect(
        || board::start_ticks(core::time::Duration::from_millis(1), on_tick),
        || {
            // Spin (interrupts on) until two ticks have passed.
            let start = board::ticks();
            while board::ticks().wrapping_sub(start) < 2 {
                core::hint::spin_loop();
            }
        },
    )?;
    let deferred = DEFERRED.load(Ordering::Relaxed);
    board::println!(
        "board: collected {count} readings (sum {sum}) from the timer interrupt; it found the \
         lock held {deferred} times and retried"
    );
    if deferred == 0 {
        return Err("the handler never found the lock held: the try_lock path did not run");
    }
    Ok(())
}
