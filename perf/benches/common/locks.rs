//! The mutexes under test behind one interface, and the contended-counter workload that the
//! criterion suite (`benches/primitives.rs`) and the fair harness (`benches/compare/`) share.

use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use baresync::generic;
use baresync::wait::{ContextId, Wait};

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

/// A reentrant mutex around a counter: the holder locks it twice (an outer and a nested guard)
/// and increments through the inner one, the shape of Python's `RLock` methods calling each other.
pub trait ReentrantCounterLock {
    fn new() -> Self;
    /// Lock, lock again, `+= 1`, unlock twice.
    fn increment_nested(&self);
    fn value(&self) -> u64;
}

impl<W: Wait + ContextId> ReentrantCounterLock for generic::ReentrantMutex<Cell<u64>, W> {
    fn new() -> Self {
        generic::ReentrantMutex::new(Cell::new(0))
    }
    #[inline]
    fn increment_nested(&self) {
        let outer = self.lock();
        let inner = self.lock();
        inner.set(outer.get() + 1);
    }
    fn value(&self) -> u64 {
        self.lock().get()
    }
}

impl ReentrantCounterLock for parking_lot::ReentrantMutex<Cell<u64>> {
    fn new() -> Self {
        parking_lot::ReentrantMutex::new(Cell::new(0))
    }
    #[inline]
    fn increment_nested(&self) {
        let outer = self.lock();
        let inner = self.lock();
        inner.set(outer.get() + 1);
    }
    fn value(&self) -> u64 {
        self.lock().get()
    }
}

/// One thread makes `ops` nested increments on an uncontended reentrant lock; returns the time.
pub fn reentrant_uncontended<M: ReentrantCounterLock>(ops: u64) -> Duration {
    let mutex = M::new();
    let start = Instant::now();
    for _ in 0..ops {
        black_box(&mutex).increment_nested();
    }
    let elapsed = start.elapsed();
    assert_eq!(mutex.value(), ops, "lost increments");
    elapsed
}
