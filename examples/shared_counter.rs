//! Ten threads increment one counter behind a `Mutex`; no increment is lost.
//!
//! Ports Python's `threading.Lock` shared-counter pattern:
//!
//! ```text
//! lock = threading.Lock()
//! def work():
//!     global counter
//!     for _ in range(10_000):
//!         with lock:
//!             counter += 1
//! ```
//!
//! Each increment is a read-modify-write under the lock, so the result is exactly
//! 10 threads x 10 000 = 100 000. The example checks it and exits non-zero otherwise.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "the board main uses part of the shared code")
)]

use baresync::Mutex;

const THREADS: u32 = 10;
const INCREMENTS: u32 = 10_000;

static COUNTER: Mutex<u32> = Mutex::new(0);

/// One worker's share of the work.
fn work() {
    for _ in 0..INCREMENTS {
        *COUNTER.lock() += 1;
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;
    use std::time::Instant;

    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(work);
        }
    });
    let elapsed = start.elapsed();

    let total = *COUNTER.lock();
    let expected = THREADS * INCREMENTS;
    println!("{THREADS} threads x {INCREMENTS} increments = {total} (in {elapsed:?})");
    assert_eq!(total, expected, "increments were lost");
    assert!(!COUNTER.is_locked(), "every guard was dropped");
    println!("ok: exactly {expected}");
}

// On a board (one core, see targets/): `main` is one "thread" running `work`, and a timer
// interrupt is the other. The handler may not block, so it adds with `try_lock` and, when it
// interrupted `main` inside the lock, skips that tick: no increment is lost either way.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
mod on_board {
    use super::COUNTER;
    use core::sync::atomic::{AtomicU32, Ordering};

    /// Increments the handler makes.
    pub(crate) const HANDLER_INCREMENTS: u32 = 50;
    /// Increments the handler made, and ticks on which it found the lock held.
    pub(crate) static ADDED: AtomicU32 = AtomicU32::new(0);
    pub(crate) static LOCK_HELD: AtomicU32 = AtomicU32::new(0);

    /// The timer interrupt: `try_lock` only.
    pub(crate) fn on_tick() {
        let added = ADDED.load(Ordering::Relaxed);
        if added >= HANDLER_INCREMENTS {
            return;
        }
        match COUNTER.try_lock() {
            Some(mut counter) => {
                *counter += 1;
                ADDED.store(added + 1, Ordering::Relaxed);
            }
            None => LOCK_HELD.store(LOCK_HELD.load(Ordering::Relaxed) + 1, Ordering::Relaxed),
        }
    }
}

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    use core::sync::atomic::Ordering;
    use on_board::{ADDED, HANDLER_INCREMENTS, LOCK_HELD, on_tick};

    board::start_ticks(core::time::Duration::from_micros(100), on_tick);
    work();
    while ADDED.load(Ordering::Relaxed) < HANDLER_INCREMENTS {
        core::hint::spin_loop();
    }
    let total = *COUNTER.lock();
    board::println!(
        "board: main made {INCREMENTS} increments, the timer interrupt {HANDLER_INCREMENTS} \
         (it found the lock held on {} ticks): counter = {total}",
        LOCK_HELD.load(Ordering::Relaxed)
    );
    if total != INCREMENTS + HANDLER_INCREMENTS {
        return Err("increments were lost");
    }
    Ok(())
}
