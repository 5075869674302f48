//! Instruction counts of the uncontended paths, and the sizes table: a plain program, not a
//! timing benchmark.
//!
//! Each operation is one `#[inline(never)]`, unmangled function `icount_<name>`, so callgrind can
//! count exactly the instructions executed inside it (`--toggle-collect=icount_<name>`, callees
//! included). `perf/icount.sh` runs every operation `N` and `2N` times under callgrind and
//! divides the difference by `N`, which cancels one-time costs (lazy symbol binding, first-touch
//! page faults in the kernel are not counted anyway). The counts include the function's own
//! `ret`; the `empty` and `increment` rows are the baselines to subtract.
//!
//! Queue operations run on a queue kept half full (512 of 1024 items), the steady state of a
//! stream, so that index caches behave as they do under load: every row pushes one item and
//! pops one.
//!
//! Usage (the binary `cargo bench --manifest-path perf/Cargo.toml --bench icount --no-run` builds):
//!
//! ```text
//! icount list           the operation names, one a line, with what each does
//! icount run NAME N     calls icount_NAME N times
//! icount sizes          the sizes table (Markdown)
//! ```
//!
//! Run by `cargo bench` (with no arguments, or criterion's `--bench`), it prints the sizes table.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use baresync::generic;
use baresync::wait::{Futex, Hook, Spin};

baresync::set_wait_hook!(Futex);

/// Counts the bytes allocated, for the heap column of the sizes table.
struct CountingAllocator;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to `System` unchanged; the counter has no effect on allocation.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on as is.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Queue capacity of every queue row.
const CAP: usize = 1024;
/// Items kept in a queue while its row runs.
const PREFILL: usize = CAP / 2;

// ---------------------------------------------------------------------------------------------
// The measured functions. Each takes what it works on by reference, as a caller would.

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_empty() {
    // An opaque no-op (it compiles to nothing), so the call itself is not optimised away.
    black_box(());
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_increment(x: &Cell<u64>) {
    x.set(x.get() + 1);
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mutex_futex(m: &generic::Mutex<u64, Futex>) {
    *m.lock() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mutex_spin(m: &generic::Mutex<u64, Spin>) {
    *m.lock() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mutex_hook(m: &generic::Mutex<u64, Hook>) {
    *m.lock() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mutex_std(m: &std::sync::Mutex<u64>) {
    *m.lock().unwrap() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mutex_parking_lot(m: &parking_lot::Mutex<u64>) {
    *m.lock() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mutex_spin_crate(m: &spin::Mutex<u64>) {
    *m.lock() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mutex_reentrant_futex(m: &generic::ReentrantMutex<Cell<u64>, Futex>) {
    let g = m.lock();
    g.set(g.get() + 1);
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mutex_reentrant_parking_lot(m: &parking_lot::ReentrantMutex<Cell<u64>>) {
    let g = m.lock();
    g.set(g.get() + 1);
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_once_lock_get_futex(c: &generic::OnceLock<u64, Futex>) -> u64 {
    *c.get_or_init(|| 0)
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_once_lock_get_std(c: &std::sync::OnceLock<u64>) -> u64 {
    *c.get_or_init(|| 0)
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_lazy_lock_futex(l: &generic::LazyLock<u64, fn() -> u64, Futex>) -> u64 {
    **l
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_lazy_lock_std(l: &std::sync::LazyLock<u64>) -> u64 {
    **l
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_read_futex(l: &generic::RwLock<u64, Futex>) -> u64 {
    *l.read()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_read_spin(l: &generic::RwLock<u64, Spin>) -> u64 {
    *l.read()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_read_std(l: &std::sync::RwLock<u64>) -> u64 {
    *l.read().unwrap()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_read_parking_lot(l: &parking_lot::RwLock<u64>) -> u64 {
    *l.read()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_read_spin_crate(l: &spin::RwLock<u64>) -> u64 {
    *l.read()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_write_futex(l: &generic::RwLock<u64, Futex>) {
    *l.write() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_write_spin(l: &generic::RwLock<u64, Spin>) {
    *l.write() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_write_std(l: &std::sync::RwLock<u64>) {
    *l.write().unwrap() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_write_parking_lot(l: &parking_lot::RwLock<u64>) {
    *l.write() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_rwlock_write_spin_crate(l: &spin::RwLock<u64>) {
    *l.write() += 1;
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_notify_one_futex(c: &generic::Condvar<Futex>) {
    c.notify_one();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_notify_all_futex(c: &generic::Condvar<Futex>) {
    c.notify_all();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_notify_one_std(c: &std::sync::Condvar) {
    c.notify_one();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_notify_one_parking_lot(c: &parking_lot::Condvar) {
    c.notify_one();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_event_set_when_set(e: &generic::Event<Futex>) {
    e.set();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_event_set_clear(e: &generic::Event<Futex>) {
    e.set();
    e.clear();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_semaphore_release_acquire_futex(s: &generic::Semaphore<Futex>) {
    s.release(1);
    s.try_acquire().expect("released").forget();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_semaphore_release_acquire_spin(s: &generic::Semaphore<Spin>) {
    s.release(1);
    s.try_acquire().expect("released").forget();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_barrier1_futex(b: &generic::Barrier<Futex>) {
    b.wait();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_barrier1_std(b: &std::sync::Barrier) {
    b.wait();
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_barrier1_spin_crate(b: &spin::Barrier) {
    b.wait();
}

type Spsc<'a, W> = (
    generic::Producer<'a, u64, CAP, W>,
    generic::Consumer<'a, u64, CAP, W>,
);

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_spsc_futex(q: &Spsc<'_, Futex>, x: u64) -> u64 {
    q.0.try_push(x).unwrap();
    q.1.try_pop().unwrap()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_spsc_spin(q: &Spsc<'_, Spin>, x: u64) -> u64 {
    q.0.try_push(x).unwrap();
    q.1.try_pop().unwrap()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_spsc_rtrb(q: &mut (rtrb::Producer<u64>, rtrb::Consumer<u64>), x: u64) -> u64 {
    q.0.push(x).unwrap();
    q.1.pop().unwrap()
}

type HeaplessHalves<'a> = (
    heapless::spsc::Producer<'a, u64>,
    heapless::spsc::Consumer<'a, u64>,
);

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_spsc_heapless(q: &mut HeaplessHalves<'_>, x: u64) -> u64 {
    q.0.enqueue(x).unwrap();
    q.1.dequeue().unwrap()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mpmc_futex(q: &generic::MpmcQueue<u64, CAP, Futex>, x: u64) -> u64 {
    q.try_push(x).unwrap();
    q.try_pop().unwrap()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mpmc_spin(q: &generic::MpmcQueue<u64, CAP, Spin>, x: u64) -> u64 {
    q.try_push(x).unwrap();
    q.try_pop().unwrap()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mpmc_arrayqueue(q: &crossbeam_queue::ArrayQueue<u64>, x: u64) -> u64 {
    q.push(x).unwrap();
    q.pop().unwrap()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_mpmc_crossbeam_channel(
    q: &(
        crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>,
    ),
    x: u64,
) -> u64 {
    q.0.try_send(x).unwrap();
    q.1.try_recv().unwrap()
}

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_priority_futex(q: &generic::PriorityQueue<u64, CAP, Futex>, x: u64) -> u64 {
    q.try_push(x).unwrap();
    q.try_pop().unwrap()
}

/// The anchor of `PriorityQueue`: a heap under a `parking_lot` mutex, with the two notifications
/// a blocking queue makes (`not_empty` after a push, `not_full` after a pop).
type ParkingLotHeap = (
    parking_lot::Mutex<BinaryHeap<u64>>,
    parking_lot::Condvar,
    parking_lot::Condvar,
);

#[unsafe(no_mangle)]
#[inline(never)]
fn icount_priority_parking_lot(q: &ParkingLotHeap, x: u64) -> u64 {
    let mut heap = q.0.lock();
    assert!(heap.len() < CAP);
    heap.push(x);
    drop(heap);
    q.1.notify_one();
    let item = q.0.lock().pop().unwrap();
    q.2.notify_one();
    item
}

// ---------------------------------------------------------------------------------------------
// The driver

/// One measured operation: its name (the function is `icount_<name>`), what it does, and a
/// runner that calls it `n` times.
struct Op {
    name: &'static str,
    what: &'static str,
    run: fn(u64),
}

macro_rules! repeat {
    ($n:expr, $call:expr) => {
        for _ in 0..$n {
            black_box($call);
        }
    };
}

const OPS: &[Op] = &[
    Op {
        name: "empty",
        what: "baseline: a call that does nothing",
        run: |n| repeat!(n, icount_empty()),
    },
    Op {
        name: "increment",
        what: "baseline: a call that increments a counter",
        run: |n| {
            let x = Cell::new(0);
            repeat!(n, icount_increment(black_box(&x)));
        },
    },
    Op {
        name: "mutex_futex",
        what: "baresync `Mutex` (`Futex`): lock, increment, unlock",
        run: |n| {
            let m = generic::Mutex::new(0);
            repeat!(n, icount_mutex_futex(black_box(&m)));
        },
    },
    Op {
        name: "mutex_spin",
        what: "baresync `Mutex` (`Spin`): lock, increment, unlock",
        run: |n| {
            let m = generic::Mutex::new(0);
            repeat!(n, icount_mutex_spin(black_box(&m)));
        },
    },
    Op {
        name: "mutex_hook",
        what: "baresync `Mutex` (`Hook`): lock, increment, unlock",
        run: |n| {
            let m = generic::Mutex::new(0);
            repeat!(n, icount_mutex_hook(black_box(&m)));
        },
    },
    Op {
        name: "mutex_std",
        what: "std `Mutex`: lock, increment, unlock",
        run: |n| {
            let m = std::sync::Mutex::new(0);
            repeat!(n, icount_mutex_std(black_box(&m)));
        },
    },
    Op {
        name: "mutex_parking_lot",
        what: "parking_lot `Mutex`: lock, increment, unlock",
        run: |n| {
            let m = parking_lot::Mutex::new(0);
            repeat!(n, icount_mutex_parking_lot(black_box(&m)));
        },
    },
    Op {
        name: "mutex_spin_crate",
        what: "spin `Mutex`: lock, increment, unlock",
        run: |n| {
            let m = spin::Mutex::new(0);
            repeat!(n, icount_mutex_spin_crate(black_box(&m)));
        },
    },
    Op {
        name: "mutex_reentrant_futex",
        what: "baresync `ReentrantMutex` (`Futex`): lock, increment, unlock",
        run: |n| {
            let m = generic::ReentrantMutex::new(Cell::new(0));
            repeat!(n, icount_mutex_reentrant_futex(black_box(&m)));
        },
    },
    Op {
        name: "mutex_reentrant_parking_lot",
        what: "parking_lot `ReentrantMutex`: lock, increment, unlock",
        run: |n| {
            let m = parking_lot::ReentrantMutex::new(Cell::new(0));
            repeat!(n, icount_mutex_reentrant_parking_lot(black_box(&m)));
        },
    },
    Op {
        name: "once_lock_get_futex",
        what: "baresync `OnceLock::get_or_init`, already initialised",
        run: |n| {
            let c = generic::OnceLock::new();
            c.set(1).unwrap();
            repeat!(n, icount_once_lock_get_futex(black_box(&c)));
        },
    },
    Op {
        name: "once_lock_get_std",
        what: "std `OnceLock::get_or_init`, already initialised",
        run: |n| {
            let c = std::sync::OnceLock::new();
            c.set(1).unwrap();
            repeat!(n, icount_once_lock_get_std(black_box(&c)));
        },
    },
    Op {
        name: "lazy_lock_futex",
        what: "baresync `LazyLock` deref, already forced",
        run: |n| {
            let l = generic::LazyLock::<u64, fn() -> u64, Futex>::new(|| 1);
            let _ = *l;
            repeat!(n, icount_lazy_lock_futex(black_box(&l)));
        },
    },
    Op {
        name: "lazy_lock_std",
        what: "std `LazyLock` deref, already forced",
        run: |n| {
            let l = std::sync::LazyLock::<u64>::new(|| 1);
            let _ = *l;
            repeat!(n, icount_lazy_lock_std(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_read_futex",
        what: "baresync `RwLock` (`Futex`): read lock, read, unlock",
        run: |n| {
            let l = generic::RwLock::new(0);
            repeat!(n, icount_rwlock_read_futex(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_read_spin",
        what: "baresync `RwLock` (`Spin`): read lock, read, unlock",
        run: |n| {
            let l = generic::RwLock::new(0);
            repeat!(n, icount_rwlock_read_spin(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_read_std",
        what: "std `RwLock`: read lock, read, unlock",
        run: |n| {
            let l = std::sync::RwLock::new(0);
            repeat!(n, icount_rwlock_read_std(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_read_parking_lot",
        what: "parking_lot `RwLock`: read lock, read, unlock",
        run: |n| {
            let l = parking_lot::RwLock::new(0);
            repeat!(n, icount_rwlock_read_parking_lot(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_read_spin_crate",
        what: "spin `RwLock`: read lock, read, unlock",
        run: |n| {
            let l = spin::RwLock::new(0);
            repeat!(n, icount_rwlock_read_spin_crate(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_write_futex",
        what: "baresync `RwLock` (`Futex`): write lock, increment, unlock",
        run: |n| {
            let l = generic::RwLock::new(0);
            repeat!(n, icount_rwlock_write_futex(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_write_spin",
        what: "baresync `RwLock` (`Spin`): write lock, increment, unlock",
        run: |n| {
            let l = generic::RwLock::new(0);
            repeat!(n, icount_rwlock_write_spin(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_write_std",
        what: "std `RwLock`: write lock, increment, unlock",
        run: |n| {
            let l = std::sync::RwLock::new(0);
            repeat!(n, icount_rwlock_write_std(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_write_parking_lot",
        what: "parking_lot `RwLock`: write lock, increment, unlock",
        run: |n| {
            let l = parking_lot::RwLock::new(0);
            repeat!(n, icount_rwlock_write_parking_lot(black_box(&l)));
        },
    },
    Op {
        name: "rwlock_write_spin_crate",
        what: "spin `RwLock`: write lock, increment, unlock",
        run: |n| {
            let l = spin::RwLock::new(0);
            repeat!(n, icount_rwlock_write_spin_crate(black_box(&l)));
        },
    },
    Op {
        name: "notify_one_futex",
        what: "baresync `Condvar::notify_one`, nobody waiting",
        run: |n| {
            let c = generic::Condvar::new();
            repeat!(n, icount_notify_one_futex(black_box(&c)));
        },
    },
    Op {
        name: "notify_all_futex",
        what: "baresync `Condvar::notify_all`, nobody waiting",
        run: |n| {
            let c = generic::Condvar::new();
            repeat!(n, icount_notify_all_futex(black_box(&c)));
        },
    },
    Op {
        name: "notify_one_std",
        what: "std `Condvar::notify_one`, nobody waiting",
        run: |n| {
            let c = std::sync::Condvar::new();
            repeat!(n, icount_notify_one_std(black_box(&c)));
        },
    },
    Op {
        name: "notify_one_parking_lot",
        what: "parking_lot `Condvar::notify_one`, nobody waiting",
        run: |n| {
            let c = parking_lot::Condvar::new();
            repeat!(n, icount_notify_one_parking_lot(black_box(&c)));
        },
    },
    Op {
        name: "event_set_when_set",
        what: "baresync `Event::set` on a set event",
        run: |n| {
            let e = generic::Event::new();
            e.set();
            repeat!(n, icount_event_set_when_set(black_box(&e)));
        },
    },
    Op {
        name: "event_set_clear",
        what: "baresync `Event`: `set` (nobody waiting), then `clear`",
        run: |n| {
            let e = generic::Event::new();
            repeat!(n, icount_event_set_clear(black_box(&e)));
        },
    },
    Op {
        name: "semaphore_release_acquire_futex",
        what: "baresync `Semaphore` (`Futex`): `release(1)` (nobody waiting), `try_acquire`",
        run: |n| {
            let s = generic::Semaphore::new(0);
            repeat!(n, icount_semaphore_release_acquire_futex(black_box(&s)));
        },
    },
    Op {
        name: "semaphore_release_acquire_spin",
        what: "baresync `Semaphore` (`Spin`): `release(1)`, `try_acquire`",
        run: |n| {
            let s = generic::Semaphore::new(0);
            repeat!(n, icount_semaphore_release_acquire_spin(black_box(&s)));
        },
    },
    Op {
        name: "barrier1_futex",
        what: "baresync `Barrier` of one party: `wait`",
        run: |n| {
            let b = generic::Barrier::new(1);
            repeat!(n, icount_barrier1_futex(black_box(&b)));
        },
    },
    Op {
        name: "barrier1_std",
        what: "std `Barrier` of one party: `wait`",
        run: |n| {
            let b = std::sync::Barrier::new(1);
            repeat!(n, icount_barrier1_std(black_box(&b)));
        },
    },
    Op {
        name: "barrier1_spin_crate",
        what: "spin `Barrier` of one party: `wait`",
        run: |n| {
            let b = spin::Barrier::new(1);
            repeat!(n, icount_barrier1_spin_crate(black_box(&b)));
        },
    },
    Op {
        name: "spsc_futex",
        what: "baresync `SpscQueue` (`Futex`): `try_push`, `try_pop`",
        run: |n| {
            let mut q = generic::SpscQueue::<u64, CAP, Futex>::new();
            let halves = q.split();
            (0..PREFILL as u64).for_each(|i| halves.0.try_push(i).unwrap());
            repeat!(n, icount_spsc_futex(black_box(&halves), 1));
        },
    },
    Op {
        name: "spsc_spin",
        what: "baresync `SpscQueue` (`Spin`): `try_push`, `try_pop`",
        run: |n| {
            let mut q = generic::SpscQueue::<u64, CAP, Spin>::new();
            let halves = q.split();
            (0..PREFILL as u64).for_each(|i| halves.0.try_push(i).unwrap());
            repeat!(n, icount_spsc_spin(black_box(&halves), 1));
        },
    },
    Op {
        name: "spsc_rtrb",
        what: "rtrb: `push`, `pop`",
        run: |n| {
            let mut halves = rtrb::RingBuffer::new(CAP);
            (0..PREFILL as u64).for_each(|i| halves.0.push(i).unwrap());
            repeat!(n, icount_spsc_rtrb(black_box(&mut halves), 1));
        },
    },
    Op {
        name: "spsc_heapless",
        what: "`heapless::spsc` (split): `enqueue`, `dequeue`",
        run: |n| {
            let mut q = heapless::spsc::Queue::<u64, { CAP + 1 }>::new();
            let mut halves = q.split();
            (0..PREFILL as u64).for_each(|i| halves.0.enqueue(i).unwrap());
            repeat!(n, icount_spsc_heapless(black_box(&mut halves), 1));
        },
    },
    Op {
        name: "mpmc_futex",
        what: "baresync `MpmcQueue` (`Futex`): `try_push`, `try_pop`",
        run: |n| {
            let q = generic::MpmcQueue::<u64, CAP, Futex>::new();
            (0..PREFILL as u64).for_each(|i| q.try_push(i).unwrap());
            repeat!(n, icount_mpmc_futex(black_box(&q), 1));
        },
    },
    Op {
        name: "mpmc_spin",
        what: "baresync `MpmcQueue` (`Spin`): `try_push`, `try_pop`",
        run: |n| {
            let q = generic::MpmcQueue::<u64, CAP, Spin>::new();
            (0..PREFILL as u64).for_each(|i| q.try_push(i).unwrap());
            repeat!(n, icount_mpmc_spin(black_box(&q), 1));
        },
    },
    Op {
        name: "mpmc_arrayqueue",
        what: "crossbeam `ArrayQueue`: `push`, `pop`",
        run: |n| {
            let q = crossbeam_queue::ArrayQueue::new(CAP);
            (0..PREFILL as u64).for_each(|i| q.push(i).unwrap());
            repeat!(n, icount_mpmc_arrayqueue(black_box(&q), 1));
        },
    },
    Op {
        name: "mpmc_crossbeam_channel",
        what: "`crossbeam_channel::bounded`: `try_send`, `try_recv`",
        run: |n| {
            let q = crossbeam_channel::bounded(CAP);
            (0..PREFILL as u64).for_each(|i| q.0.try_send(i).unwrap());
            repeat!(n, icount_mpmc_crossbeam_channel(black_box(&q), 1));
        },
    },
    Op {
        name: "priority_futex",
        what: "baresync `PriorityQueue` (`Futex`): `try_push`, `try_pop`",
        run: |n| {
            let q = generic::PriorityQueue::<u64, CAP, Futex>::new();
            (0..PREFILL as u64).for_each(|i| q.try_push(i).unwrap());
            repeat!(n, icount_priority_futex(black_box(&q), 1));
        },
    },
    Op {
        name: "priority_parking_lot",
        what: "parking_lot `Mutex<BinaryHeap>` + 2 `Condvar`s: push, notify, pop, notify",
        run: |n| {
            let q: ParkingLotHeap = (
                parking_lot::Mutex::new(BinaryHeap::with_capacity(CAP)),
                parking_lot::Condvar::new(),
                parking_lot::Condvar::new(),
            );
            (0..PREFILL as u64).for_each(|i| q.0.lock().push(i));
            repeat!(n, icount_priority_parking_lot(black_box(&q), 1));
        },
    },
];

// ---------------------------------------------------------------------------------------------
// Sizes

/// Bytes allocated on the heap while `make` runs, and the value it made.
fn heap_bytes<T>(make: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let value = make();
    (value, ALLOCATED.load(Ordering::Relaxed) - before)
}

/// A row: what it is, its inline size (in a `static` or on the stack), and what it allocates.
fn row<T>(what: &str, make: impl FnOnce() -> T) {
    let (value, heap) = heap_bytes(make);
    let inline = size_of_val(&value);
    println!("| {what} | {inline} | {heap} | {} |", inline + heap);
    drop(value);
}

fn sizes() {
    println!("| type | inline bytes | heap bytes | total |");
    println!("| --- | ---: | ---: | ---: |");
    row("baresync `Mutex<()>` (any backend)", || {
        generic::Mutex::<(), Futex>::new(())
    });
    row("std `Mutex<()>`", || std::sync::Mutex::new(()));
    row("parking_lot `Mutex<()>`", || parking_lot::Mutex::new(()));
    row("spin `Mutex<()>`", || spin::Mutex::new(()));
    row("baresync `ReentrantMutex<()>` (Futex)", || {
        generic::ReentrantMutex::<(), Futex>::new(())
    });
    row("parking_lot `ReentrantMutex<()>`", || {
        parking_lot::ReentrantMutex::new(())
    });
    row("baresync `Once`", generic::Once::<Futex>::new);
    row("std `Once`", std::sync::Once::new);
    row(
        "baresync `OnceLock<u64>`",
        generic::OnceLock::<u64, Futex>::new,
    );
    row("std `OnceLock<u64>`", std::sync::OnceLock::<u64>::new);
    row("baresync `LazyLock<u64>`", || {
        generic::LazyLock::<u64, fn() -> u64, Futex>::new(|| 0)
    });
    row("std `LazyLock<u64>`", || {
        std::sync::LazyLock::<u64>::new(|| 0)
    });
    row("baresync `RwLock<()>` (any backend)", || {
        generic::RwLock::<(), Futex>::new(())
    });
    row("std `RwLock<()>`", || std::sync::RwLock::new(()));
    row("parking_lot `RwLock<()>`", || parking_lot::RwLock::new(()));
    row("spin `RwLock<()>`", || spin::RwLock::new(()));
    row("baresync `Condvar`", generic::Condvar::<Futex>::new);
    row("std `Condvar`", std::sync::Condvar::new);
    row("parking_lot `Condvar`", parking_lot::Condvar::new);
    row("baresync `Event`", generic::Event::<Futex>::new);
    row("std `Mutex<bool>` + `Condvar` (an event)", || {
        (std::sync::Mutex::new(false), std::sync::Condvar::new())
    });
    row("parking_lot `Mutex<bool>` + `Condvar` (an event)", || {
        (parking_lot::Mutex::new(false), parking_lot::Condvar::new())
    });
    row("baresync `Semaphore`", || {
        generic::Semaphore::<Futex>::new(0)
    });
    row("std `Mutex<u32>` + `Condvar` (a semaphore)", || {
        (std::sync::Mutex::new(0u32), std::sync::Condvar::new())
    });
    row("baresync `Barrier`", || generic::Barrier::<Futex>::new(2));
    row("std `Barrier`", || std::sync::Barrier::new(2));
    row("spin `Barrier`", || spin::Barrier::new(2));
    row("baresync `SpscQueue<u64, 16>`", || {
        generic::SpscQueue::<u64, 16, Futex>::new()
    });
    row("heapless `spsc::Queue<u64, 17>` (holds 16)", || {
        heapless::spsc::Queue::<u64, 17>::new()
    });
    row("rtrb `RingBuffer::<u64>::new(16)` (both halves)", || {
        rtrb::RingBuffer::<u64>::new(16)
    });
    row("baresync `SpscQueue<u64, 1024>`", || {
        generic::SpscQueue::<u64, 1024, Futex>::new()
    });
    row("heapless `spsc::Queue<u64, 1025>` (holds 1024)", || {
        heapless::spsc::Queue::<u64, 1025>::new()
    });
    row("rtrb `RingBuffer::<u64>::new(1024)` (both halves)", || {
        rtrb::RingBuffer::<u64>::new(1024)
    });
    row("baresync `MpmcQueue<u64, 1024>`", || {
        generic::MpmcQueue::<u64, 1024, Futex>::new()
    });
    row("crossbeam `ArrayQueue::<u64>::new(1024)`", || {
        crossbeam_queue::ArrayQueue::<u64>::new(1024)
    });
    row(
        "crossbeam_channel `bounded::<u64>(1024)` (both ends)",
        || crossbeam_channel::bounded::<u64>(1024),
    );
    row("baresync `PriorityQueue<u64, 1024>`", || {
        generic::PriorityQueue::<u64, 1024, Futex>::new()
    });
    row(
        "parking_lot `Mutex<BinaryHeap<u64>>` (capacity 1024) + 2 `Condvar`s",
        || -> ParkingLotHeap {
            (
                parking_lot::Mutex::new(BinaryHeap::with_capacity(1024)),
                parking_lot::Condvar::new(),
                parking_lot::Condvar::new(),
            )
        },
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["list"] => {
            for op in OPS {
                println!("{}\t{}", op.name, op.what);
            }
        }
        ["run", name, n] => {
            let op = OPS
                .iter()
                .find(|op| op.name == *name)
                .unwrap_or_else(|| panic!("no operation {name}: see `icount list`"));
            (op.run)(n.parse().expect("a count"));
        }
        ["sizes"] | [] | ["--bench", ..] => sizes(),
        _ => {
            eprintln!("usage: icount list | run NAME N | sizes");
            std::process::exit(2);
        }
    }
}
