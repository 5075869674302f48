//! The futex backend, counting the callers inside its `wait`: a test acts only once a caller
//! really sleeps (poll `SLEEPING` with `timing::eventually`), instead of sleeping and hoping.
//!
//! One counter per test binary: use it from one test at a time.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use baresync::wait::{AtomicU32 as WaitWord, Futex, MonotonicClock, Wait, WaitTimeout};

/// Callers inside `Watched::wait` right now.
pub static SLEEPING: AtomicU32 = AtomicU32::new(0);

/// The futex backend, counting its sleepers.
pub struct Watched;

impl Wait for Watched {
    fn wait(word: &WaitWord, expected: u32) {
        SLEEPING.fetch_add(1, Ordering::SeqCst);
        Futex::wait(word, expected);
        SLEEPING.fetch_sub(1, Ordering::SeqCst);
    }
    fn wake_one(word: *const WaitWord) {
        Futex::wake_one(word);
    }
    fn wake_all(word: *const WaitWord) {
        Futex::wake_all(word);
    }
}

impl WaitTimeout for Watched {
    type Clock = MonotonicClock;
    fn wait_timeout(word: &WaitWord, expected: u32, timeout: Duration) -> bool {
        Futex::wait_timeout(word, expected, timeout)
    }
}

/// Every primitive and queue bound to [`Watched`].
pub mod sync {
    baresync::backend_aliases!(super::Watched);
}
