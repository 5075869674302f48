//! A test-only `wait::Hook` implementation: an address-keyed wait table over std's Mutex and
//! Condvar, the way an RTOS without futexes keys its wait queues, and a task id of its own (a
//! thread-local's address). Registered once per test binary, with the context.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use baresync::wait::{AtomicU32, Clock, ContextId, Wait, WaitTimeout};
use core::sync::atomic::Ordering;

/// One bucket per hash of the address; collisions only cause spurious wake-ups.
struct Bucket {
    lock: Mutex<()>,
    cond: Condvar,
}

const BUCKETS: usize = 64;
static TABLE: [Bucket; BUCKETS] = [const {
    Bucket {
        lock: Mutex::new(()),
        cond: Condvar::new(),
    }
}; BUCKETS];

fn bucket(word: *const AtomicU32) -> &'static Bucket {
    let addr = word as usize;
    &TABLE[(addr >> 2).wrapping_mul(0x9E37_79B9) % BUCKETS]
}

/// The registered hook.
pub struct ParkingHook;

impl Wait for ParkingHook {
    fn wait(word: &AtomicU32, expected: u32) {
        let b = bucket(word);
        // The check under the bucket lock is atomic with respect to `wake_*`, which take it too.
        let guard = b.lock.lock().unwrap();
        if word.load(Ordering::Relaxed) == expected {
            drop(b.cond.wait(guard).unwrap());
        }
    }

    fn wake_one(word: *const AtomicU32) {
        // Waiters of other addresses may share the bucket: wake them all, they re-check.
        Self::wake_all(word)
    }

    fn wake_all(word: *const AtomicU32) {
        let b = bucket(word);
        drop(b.lock.lock().unwrap());
        b.cond.notify_all();
    }
}

impl Clock for ParkingHook {
    fn now() -> Duration {
        static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

impl WaitTimeout for ParkingHook {
    type Clock = ParkingHook;

    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        let b = bucket(word);
        let guard = b.lock.lock().unwrap();
        if word.load(Ordering::Relaxed) != expected {
            return true;
        }
        // std's wait_timeout saturates huge durations itself.
        let (_guard, result) = b.cond.wait_timeout(guard, timeout).unwrap();
        !result.timed_out()
    }
}

// SAFETY: a thread-local's address differs between live threads, is fixed for a thread's life
// and is never 0.
unsafe impl ContextId for ParkingHook {
    fn current() -> core::num::NonZeroUsize {
        std::thread_local!(static TASK: u8 = const { 0 });
        TASK.with(|task| core::num::NonZeroUsize::new((task as *const u8).addr()).unwrap())
    }
}

baresync::set_wait_hook!(ParkingHook, context = ParkingHook);
