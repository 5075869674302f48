//! The mutexes and reader-writer locks under test behind one interface each, and the workloads
//! that the criterion suite (`benches/primitives.rs`) and the fair harness (`benches/compare/`)
//! share: the contended counter, and the read-mostly counter.

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

/// A reader-writer lock around a counter: the two operations the read-mostly workload mixes.
pub trait ReadMostlyLock: Sync {
    fn new() -> Self;
    /// `*read()`.
    fn get(&self) -> u64;
    /// `*write() += 1`.
    fn increment(&self);
}

macro_rules! read_mostly_lock {
    ($t:ty, $read:ident, $write:ident $(, $unwrap:ident)?) => {
        fn new() -> Self {
            <$t>::new(0)
        }
        #[inline]
        fn get(&self) -> u64 {
            *self.$read()$(.$unwrap())?
        }
        #[inline]
        fn increment(&self) {
            *self.$write()$(.$unwrap())? += 1;
        }
    };
}

impl<W: Wait> ReadMostlyLock for generic::RwLock<u64, W> {
    read_mostly_lock!(generic::RwLock<u64, W>, read, write);
}

impl ReadMostlyLock for std::sync::RwLock<u64> {
    read_mostly_lock!(std::sync::RwLock<u64>, read, write, unwrap);
}

impl ReadMostlyLock for parking_lot::RwLock<u64> {
    read_mostly_lock!(parking_lot::RwLock<u64>, read, write);
}

impl ReadMostlyLock for spin::RwLock<u64> {
    read_mostly_lock!(spin::RwLock<u64>, read, write);
}

/// One write in this many operations of the read-mostly workload.
pub const READS_PER_WRITE: u64 = 100;

/// `threads` threads on two cores (thread `k` on core `k mod 2`) share `ops` operations on one
/// lock: every `READS_PER_WRITE`-th operation of a thread is `*write() += 1`, the others
/// `*read()`. Returns the time from the moment all are ready until the last one finishes.
pub fn read_mostly<L: ReadMostlyLock>(threads: u64, ops: u64) -> Duration {
    let lock = L::new();
    let per_thread = ops / threads;
    let (elapsed, _) = run(threads as usize, Placement::Spread(2), |_| {
        for i in 1..=per_thread {
            if i % READS_PER_WRITE == 0 {
                lock.increment();
            } else {
                black_box(lock.get());
            }
        }
        0
    });
    let writes = per_thread / READS_PER_WRITE * threads;
    assert_eq!(lock.get(), writes, "lost writes");
    elapsed
}
