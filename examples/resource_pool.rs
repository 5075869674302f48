//! Five workers share a resource that admits at most two at once, through a `Semaphore`.
//!
//! Ports Python's `threading.Semaphore` resource-pool pattern:
//!
//! ```text
//! pool = threading.Semaphore(2)
//! def worker():
//!     with pool:          # at most 2 workers in here
//!         use_resource()
//! ```
//!
//! Each worker holds a permit (a guard that releases on drop) while it uses the resource. The
//! example measures how many workers were inside at once and checks that it is exactly two: never
//! more (the semaphore's job), and two in practice (the pool is used). It then shows the
//! non-blocking and bounded forms on an exhausted pool.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::Semaphore;

/// Two permits: two slots in the resource.
static POOL: Semaphore = Semaphore::new(PERMITS);

const PERMITS: u32 = 2;
const WORKERS: u32 = 5;

#[cfg(not(target_os = "none"))]
fn main() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::thread;
    use std::time::Duration;

    // Workers inside the resource now, and the most there ever were.
    static INSIDE: AtomicU32 = AtomicU32::new(0);
    static MOST_INSIDE: AtomicU32 = AtomicU32::new(0);

    thread::scope(|s| {
        for worker in 0..WORKERS {
            s.spawn(move || {
                let permit = POOL.acquire();
                let now = INSIDE.fetch_add(1, Ordering::SeqCst) + 1;
                MOST_INSIDE.fetch_max(now, Ordering::SeqCst);
                println!("worker {worker}: entered, {now} inside");
                thread::sleep(Duration::from_millis(50));
                INSIDE.fetch_sub(1, Ordering::SeqCst);
                println!("worker {worker}: leaving");
                drop(permit);
            });
        }
    });

    let most = MOST_INSIDE.load(Ordering::SeqCst);
    println!("most workers inside at once: {most} (limit {PERMITS})");
    assert!(most <= PERMITS, "the semaphore let {most} workers in");
    assert_eq!(most, PERMITS, "the pool was never fully used");
    assert_eq!(
        POOL.available_permits(),
        PERMITS,
        "a permit was not returned"
    );

    // An exhausted pool: the non-blocking and bounded forms give up instead of blocking.
    let a = POOL.acquire();
    let b = POOL.acquire();
    assert_eq!(POOL.available_permits(), 0);
    assert!(POOL.try_acquire().is_none(), "try_acquire on an empty pool");
    assert!(POOL.acquire_timeout(Duration::from_millis(10)).is_none());
    println!("pool exhausted: try_acquire and acquire_timeout(10ms) both gave up");
    drop((a, b));
    assert_eq!(POOL.available_permits(), PERMITS);
    println!("ok: never more than {PERMITS} workers inside");
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
