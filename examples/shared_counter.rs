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
