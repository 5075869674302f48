//! A fault-injecting wait backend: the OS futex underneath, with every liberty the `Wait`
//! contract allows taken at random.
//!
//! - `wait` returns spuriously (without sleeping, or after a short pause) about one time in four,
//!   and yields to the scheduler before sleeping about one time in eight;
//! - `wait_timeout` also returns early (reporting `true`, as a spurious wake-up) one time in four;
//! - `wake_one` and `wake_all` are delayed (a yield or a sleep of a few microseconds before the
//!   system call), which widens every window between a change and its wake-up, and `wake_one`
//!   sometimes wakes everyone ("at least one" is the contract);
//! - the queues' asymmetric fence stalls before its barrier and reports itself costly one time
//!   in two, so an SPSC waiter keeps switching between fencing and heavy mode.
//!
//! Every test body also runs on it (`for_each_backend!`), which shows that each primitive re-checks
//! its word after every return from `wait` and never relies on a wake-up being exact or prompt.
//! The choices come from a cheap per-thread xorshift generator, seeded differently per thread.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32 as StdAtomicU32, Ordering};
use std::thread;
use std::time::Duration;

use baresync::wait::{AtomicU32, ContextId, Futex, MonotonicClock, Wait, WaitTimeout};

thread_local! {
    static RNG: Cell<u32> = Cell::new(seed());
}

/// A distinct, non-zero seed per thread.
fn seed() -> u32 {
    static NEXT: StdAtomicU32 = StdAtomicU32::new(0x2545_F491);
    NEXT.fetch_add(0x9E37_79B9, Ordering::Relaxed) | 1
}

/// The next pseudo-random number of this thread.
pub fn roll() -> u32 {
    RNG.with(|rng| {
        let mut x = rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        rng.set(x);
        x
    })
}

/// Nothing, a yield, or a sleep of 1 to 16 microseconds.
pub fn stall() {
    let r = roll();
    match r % 4 {
        0 => thread::yield_now(),
        1 => thread::sleep(Duration::from_micros(u64::from(1 + (r >> 8) % 16))),
        _ => {}
    }
}

/// The fault-injecting backend; see the module docs.
pub struct Faulty;

impl Wait for Faulty {
    fn wait(word: &AtomicU32, expected: u32) {
        match roll() % 8 {
            0 | 1 => stall(), // a spurious return
            2 => {
                thread::yield_now();
                Futex::wait(word, expected);
            }
            _ => Futex::wait(word, expected),
        }
    }

    fn wake_one(word: *const AtomicU32) {
        stall();
        if roll().is_multiple_of(4) {
            Futex::wake_all(word);
        } else {
            Futex::wake_one(word);
        }
    }

    fn wake_all(word: *const AtomicU32) {
        stall();
        Futex::wake_all(word);
    }

    // The queues' asymmetric fence (membarrier on Linux), with a stall before the barrier so
    // publishers run between a waiter's announcement and its fence.
    fn light_publish() -> bool {
        Futex::light_publish()
    }

    fn heavy_fence() -> bool {
        stall();
        Futex::heavy_fence()
    }

    // Costly one time in two, so an SPSC waiter moves in and out of heavy mode all the time.
    fn heavy_fence_is_costly() -> bool {
        roll().is_multiple_of(2)
    }
}

impl WaitTimeout for Faulty {
    type Clock = MonotonicClock;

    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        if roll().is_multiple_of(4) {
            stall();
            return true; // early and spurious: the caller re-checks its own deadline
        }
        Futex::wait_timeout(word, expected, timeout)
    }
}

// SAFETY: the OS thread id, as `Futex`'s (whose contract this forwards).
unsafe impl ContextId for Faulty {
    fn current() -> core::num::NonZeroUsize {
        Futex::current()
    }
}

/// Every primitive and queue bound to [`Faulty`].
pub mod sync {
    baresync::backend_aliases!(super::Faulty, context);
}
