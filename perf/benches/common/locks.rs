//! The mutexes under test behind one interface, and the contended-counter workload that the
//! criterion suite (`benches/primitives.rs`) and the fair harness (`benches/compare/`) share.

use std::time::Duration;

use baresync::generic;
use baresync::wait::Wait;

use super::{Placement, run};

/// A mutex around a counter: the one operation every mutex benchmark repeats.
pub trait CounterLock: Sync {
    fn new() -> Self;
    /// `*lock() += 1`.
    fn increment(&self);
    fn value(&self) -> u64;
}

impl<W: Wait> CounterLock for generic::Mutex<u64, W> {
    fn new() -> Self {
        generic::Mutex::new(0)
    }
    #[inline]
    fn increment(&self) {
        *self.lock() += 1;
    }
    fn value(&self) -> u64 {
        *self.lock()
    }
}

impl CounterLock for std::sync::Mutex<u64> {
    fn new() -> Self {
        std::sync::Mutex::new(0)
    }
    #[inline]
    fn increment(&self) {
        *self.lock().unwrap() += 1;
    }
    fn value(&self) -> u64 {
        *self.lock().unwrap()
    }
}

impl CounterLock for parking_lot::Mutex<u64> {
    fn new() -> Self {
        parking_lot::Mutex::new(0)
    }
    #[inline]
    fn increment(&self) {
        *self.lock() += 1;
    }
    fn value(&self) -> u64 {
        *self.lock()
    }
}

impl CounterLock for spin::Mutex<u64> {
    fn new() -> Self {
        spin::Mutex::new(0)
    }
    #[inline]
    fn increment(&self) {
        *self.lock() += 1;
    }
    fn value(&self) -> u64 {
        *self.lock()
    }
}

/// `threads` threads on two cores (thread `k` on core `k mod 2`) share `ops` increments of one
/// counter; returns the time from the moment all are ready until the last one finishes.
pub fn contended<M: CounterLock>(threads: u64, ops: u64) -> Duration {
    let mutex = M::new();
    let per_thread = ops / threads;
    let (elapsed, _) = run(threads as usize, Placement::Spread(2), |_| {
        for _ in 0..per_thread {
            mutex.increment();
        }
        0
    });
    assert_eq!(mutex.value(), per_thread * threads, "lost increments");
    elapsed
}
