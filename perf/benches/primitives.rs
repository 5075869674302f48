//! Blocking primitives: baresync against std, parking_lot and spin, on the same workload in one run.
//!
//! Throughput everywhere (operations, round trips or rounds per second), so that every number of
//! a workload compares directly and `perf/bench_report.py` can divide them. The multi-threaded
//! groups use `iter_custom`: threads are spawned once per sample, pinned (`common::Placement`),
//! meet at a barrier, and the clock runs from the start barrier until the last one has finished.
//! Results are measured and reported, never asserted.
//!
//! | group | threads | what one element is | baresync | anchors |
//! | --- | --- | --- | --- | --- |
//! | `mutex_uncontended` | 1 | `*m.lock() += 1` | `Mutex` on Futex, Spin, Hook | `std`, `parking_lot`, `spin` |
//! | `mutex_contended` | 2 (one per core); 8 (four per core) | the same, all threads on one mutex | as above | as above |
//! | `notify_no_waiter` | 1 | `notify_one` on a condvar nobody waits on | `Condvar` | `std`, `parking_lot` |
//! | `condvar_pingpong` | 2 (cross-core; same core) | a round trip: each thread waits for its turn under the mutex, takes it, notifies | `Mutex` + `Condvar` | `std`, `parking_lot` |
//! | `event_pingpong` | 2 (cross-core; same core) | a round trip over two events (set, wait, clear) | `Event` | `Mutex<bool>` + `Condvar` of `std` and `parking_lot`; `thread::park`/`unpark` |
//! | `semaphore_pingpong` | 2 (cross-core; same core) | a round trip over two semaphores (release, acquire) | `Semaphore` | a `Mutex<u32>` + `Condvar` semaphore of `std` and `parking_lot` |
//! | `barrier` | 2 (one per core); 4 (two per core) | one round: every thread waits once | `Barrier` | `std`, `spin` |
//!
//! `baresync_*` names the backend (`futex` is the crate-root default on hosts). The `Hook`
//! backend is registered once below, forwarding to `Futex`: it measures the cost of the
//! link-time indirection. `Wfi` is for single-core bare metal and has no host benchmark.
//!
//! Run (in perf/): `cargo bench --bench primitives`; one group: `cargo bench --bench primitives -- barrier`.

mod common;

use std::hint::black_box;
use std::sync::Barrier as StdBarrier;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};
use std::time::Duration;

use baresync::generic;
use baresync::wait::{Futex, Hook, Spin, Wait};
use common::locks::{CounterLock, contended};
use common::{Placement, run};
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};

baresync::set_wait_hook!(Futex);

/// Lock/unlock pairs per iteration of a contended benchmark, whatever the number of threads.
const MUTEX_OPS: u64 = 100_000;
/// Round trips per iteration of a hand-off benchmark.
const ROUND_TRIPS: u64 = 1_000;
/// Rounds per iteration of a barrier benchmark.
const BARRIER_ROUNDS: u64 = 100;

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

// ---------------------------------------------------------------------------------------------
// Mutex

/// Calls `f!(name, type)` for every mutex benchmarked, baresync's first.
macro_rules! for_each_mutex {
    ($f:ident) => {
        $f!("baresync_futex", generic::Mutex<u64, Futex>);
        $f!("baresync_spin", generic::Mutex<u64, Spin>);
        $f!("baresync_hook", generic::Mutex<u64, Hook>);
        $f!("std", std::sync::Mutex<u64>);
        $f!("parking_lot", parking_lot::Mutex<u64>);
        $f!("spin", spin::Mutex<u64>);
    };
}

fn mutex_uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("mutex_uncontended");
    group.throughput(Throughput::Elements(1));
    macro_rules! bench {
        ($name:expr, $t:ty) => {
            group.bench_function(BenchmarkId::new($name, "1t"), |b| {
                let mutex = <$t as CounterLock>::new();
                let mutex = black_box(&mutex);
                b.iter(|| mutex.increment());
            });
        };
    }
    for_each_mutex!(bench);
    group.finish();
}

fn mutex_contended(c: &mut Criterion) {
    let mut group = c.benchmark_group("mutex_contended");
    group.throughput(Throughput::Elements(MUTEX_OPS));
    group.sampling_mode(SamplingMode::Flat);
    for (threads, parameter) in [(2, "2t"), (8, "8t_2cores")] {
        macro_rules! bench {
            ($name:expr, $t:ty) => {
                group.bench_function(BenchmarkId::new($name, parameter), |b| {
                    b.iter_custom(|iters| contended::<$t>(threads, iters * MUTEX_OPS))
                });
            };
        }
        for_each_mutex!(bench);
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Condvar

/// A turn counter under a mutex with one condition variable: thread `me` (0 or 1) waits until
/// the counter's parity is `me`, bumps it and notifies the other.
trait TurnTaking: Sync {
    fn new() -> Self;
    fn take_turn(&self, me: u64);
    fn notify_nobody(&self);
}

impl<W: Wait> TurnTaking for (generic::Mutex<u64, W>, generic::Condvar<W>) {
    fn new() -> Self {
        (generic::Mutex::new(0), generic::Condvar::new())
    }
    #[inline]
    fn take_turn(&self, me: u64) {
        let mut turn = self.1.wait_while(self.0.lock(), |t| *t % 2 != me);
        *turn += 1;
        drop(turn);
        self.1.notify_one();
    }
    #[inline]
    fn notify_nobody(&self) {
        self.1.notify_one();
    }
}

impl TurnTaking for (std::sync::Mutex<u64>, std::sync::Condvar) {
    fn new() -> Self {
        (std::sync::Mutex::new(0), std::sync::Condvar::new())
    }
    #[inline]
    fn take_turn(&self, me: u64) {
        let guard = self.0.lock().unwrap();
        let mut turn = self.1.wait_while(guard, |t| *t % 2 != me).unwrap();
        *turn += 1;
        drop(turn);
        self.1.notify_one();
    }
    #[inline]
    fn notify_nobody(&self) {
        self.1.notify_one();
    }
}

impl TurnTaking for (parking_lot::Mutex<u64>, parking_lot::Condvar) {
    fn new() -> Self {
        (parking_lot::Mutex::new(0), parking_lot::Condvar::new())
    }
    #[inline]
    fn take_turn(&self, me: u64) {
        let mut turn = self.0.lock();
        self.1.wait_while(&mut turn, |t| *t % 2 != me);
        *turn += 1;
        drop(turn);
        self.1.notify_one();
    }
    #[inline]
    fn notify_nobody(&self) {
        self.1.notify_one();
    }
}

/// Calls `f!(name, type)` for every mutex-and-condvar pair benchmarked.
macro_rules! for_each_condvar {
    ($f:ident) => {
        $f!(
            "baresync",
            (generic::Mutex<u64, Futex>, generic::Condvar<Futex>)
        );
        $f!("std", (std::sync::Mutex<u64>, std::sync::Condvar));
        $f!(
            "parking_lot",
            (parking_lot::Mutex<u64>, parking_lot::Condvar)
        );
    };
}

fn notify_no_waiter(c: &mut Criterion) {
    let mut group = c.benchmark_group("notify_no_waiter");
    group.throughput(Throughput::Elements(1));
    macro_rules! bench {
        ($name:expr, $t:ty) => {
            group.bench_function(BenchmarkId::new($name, "1t"), |b| {
                let pair = <$t as TurnTaking>::new();
                let pair = black_box(&pair);
                b.iter(|| pair.notify_nobody());
            });
        };
    }
    for_each_condvar!(bench);
    group.finish();
}

fn condvar_round_trips<P: TurnTaking>(iters: u64, placement: Placement) -> Duration {
    let pair = P::new();
    let rounds = iters * ROUND_TRIPS;
    let (elapsed, _) = run(2, placement, |k| {
        for _ in 0..rounds {
            pair.take_turn(k as u64);
        }
        0
    });
    elapsed
}

/// The two placements of every hand-off: a thread per core, then both threads on one core.
const HANDOFF_PLACEMENTS: [(&str, Placement); 2] = [
    ("cross_core", Placement::Spread(2)),
    ("same_core", Placement::SameCore),
];

fn handoff_group<'a>(c: &'a mut Criterion, name: &str) -> Group<'a> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(ROUND_TRIPS));
    group.sampling_mode(SamplingMode::Flat);
    group
}

fn condvar_pingpong(c: &mut Criterion) {
    let mut group = handoff_group(c, "condvar_pingpong");
    for (parameter, placement) in HANDOFF_PLACEMENTS {
        macro_rules! bench {
            ($name:expr, $t:ty) => {
                group.bench_function(BenchmarkId::new($name, parameter), |b| {
                    b.iter_custom(|iters| condvar_round_trips::<$t>(iters, placement))
                });
            };
        }
        for_each_condvar!(bench);
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Event

/// A settable flag with one waiter at a time.
trait Flag: Sync {
    fn new() -> Self;
    fn set(&self);
    fn wait(&self);
    fn clear(&self);
    /// Called once by the thread that will wait on this flag, before anyone sets it.
    fn register_waiter(&self) {}
}

impl<W: Wait> Flag for generic::Event<W> {
    fn new() -> Self {
        generic::Event::new()
    }
    #[inline]
    fn set(&self) {
        generic::Event::set(self);
    }
    #[inline]
    fn wait(&self) {
        generic::Event::wait(self);
    }
    #[inline]
    fn clear(&self) {
        generic::Event::clear(self);
    }
}

/// The usual event of a std user: a flag under a mutex, and a condvar.
impl Flag for (std::sync::Mutex<bool>, std::sync::Condvar) {
    fn new() -> Self {
        (std::sync::Mutex::new(false), std::sync::Condvar::new())
    }
    #[inline]
    fn set(&self) {
        *self.0.lock().unwrap() = true;
        self.1.notify_all();
    }
    #[inline]
    fn wait(&self) {
        let guard = self.0.lock().unwrap();
        drop(self.1.wait_while(guard, |set| !*set).unwrap());
    }
    #[inline]
    fn clear(&self) {
        *self.0.lock().unwrap() = false;
    }
}

impl Flag for (parking_lot::Mutex<bool>, parking_lot::Condvar) {
    fn new() -> Self {
        (parking_lot::Mutex::new(false), parking_lot::Condvar::new())
    }
    #[inline]
    fn set(&self) {
        *self.0.lock() = true;
        self.1.notify_all();
    }
    #[inline]
    fn wait(&self) {
        let mut set = self.0.lock();
        self.1.wait_while(&mut set, |set| !*set);
    }
    #[inline]
    fn clear(&self) {
        *self.0.lock() = false;
    }
}

/// An atomic flag with `thread::park`/`unpark` for the one waiter.
struct Park {
    flag: AtomicBool,
    waiter: OnceLock<Thread>,
}

impl Flag for Park {
    fn new() -> Self {
        Park {
            flag: AtomicBool::new(false),
            waiter: OnceLock::new(),
        }
    }
    #[inline]
    fn set(&self) {
        // Release: pairs with the Acquire in `wait`, as an event publishes what its setter wrote.
        self.flag.store(true, Ordering::Release);
        self.waiter.get().expect("registered").unpark();
    }
    #[inline]
    fn wait(&self) {
        while !self.flag.load(Ordering::Acquire) {
            thread::park();
        }
    }
    #[inline]
    fn clear(&self) {
        self.flag.store(false, Ordering::Relaxed);
    }
    fn register_waiter(&self) {
        self.waiter.set(thread::current()).expect("one waiter");
    }
}

/// Thread 0 sets `ping` and waits for `pong`; thread 1 waits for `ping` and sets `pong`. A waiter
/// clears its flag before answering, so the next set always finds it clear.
fn event_round_trips<F: Flag>(iters: u64, placement: Placement) -> Duration {
    let (ping, pong) = (F::new(), F::new());
    let registered = StdBarrier::new(2);
    let rounds = iters * ROUND_TRIPS;
    let (elapsed, _) = run(2, placement, |k| {
        if k == 0 {
            pong.register_waiter();
            registered.wait();
            for _ in 0..rounds {
                ping.set();
                pong.wait();
                pong.clear();
            }
        } else {
            ping.register_waiter();
            registered.wait();
            for _ in 0..rounds {
                ping.wait();
                ping.clear();
                pong.set();
            }
        }
        0
    });
    elapsed
}

fn event_pingpong(c: &mut Criterion) {
    let mut group = handoff_group(c, "event_pingpong");
    for (parameter, placement) in HANDOFF_PLACEMENTS {
        let id = |name| BenchmarkId::new(name, parameter);
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| event_round_trips::<generic::Event<Futex>>(iters, placement))
        });
        group.bench_function(id("std"), |b| {
            b.iter_custom(|iters| {
                event_round_trips::<(std::sync::Mutex<bool>, std::sync::Condvar)>(iters, placement)
            })
        });
        group.bench_function(id("parking_lot"), |b| {
            b.iter_custom(|iters| {
                event_round_trips::<(parking_lot::Mutex<bool>, parking_lot::Condvar)>(
                    iters, placement,
                )
            })
        });
        group.bench_function(id("std_park"), |b| {
            b.iter_custom(|iters| event_round_trips::<Park>(iters, placement))
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Semaphore

/// A counting semaphore that starts with no permit.
trait Permits: Sync {
    fn new() -> Self;
    fn release(&self);
    fn acquire(&self);
}

impl<W: Wait> Permits for generic::Semaphore<W> {
    fn new() -> Self {
        generic::Semaphore::new(0)
    }
    #[inline]
    fn release(&self) {
        generic::Semaphore::release(self, 1);
    }
    #[inline]
    fn acquire(&self) {
        generic::Semaphore::acquire(self).forget();
    }
}

/// The usual semaphore of a std user: a count under a mutex, and a condvar.
impl Permits for (std::sync::Mutex<u32>, std::sync::Condvar) {
    fn new() -> Self {
        (std::sync::Mutex::new(0), std::sync::Condvar::new())
    }
    #[inline]
    fn release(&self) {
        *self.0.lock().unwrap() += 1;
        self.1.notify_one();
    }
    #[inline]
    fn acquire(&self) {
        let guard = self.0.lock().unwrap();
        *self.1.wait_while(guard, |n| *n == 0).unwrap() -= 1;
    }
}

impl Permits for (parking_lot::Mutex<u32>, parking_lot::Condvar) {
    fn new() -> Self {
        (parking_lot::Mutex::new(0), parking_lot::Condvar::new())
    }
    #[inline]
    fn release(&self) {
        *self.0.lock() += 1;
        self.1.notify_one();
    }
    #[inline]
    fn acquire(&self) {
        let mut n = self.0.lock();
        self.1.wait_while(&mut n, |n| *n == 0);
        *n -= 1;
    }
}

/// Thread 0 releases `ping` and acquires `pong`; thread 1 the other way round.
fn semaphore_round_trips<S: Permits>(iters: u64, placement: Placement) -> Duration {
    let (ping, pong) = (S::new(), S::new());
    let rounds = iters * ROUND_TRIPS;
    let (elapsed, _) = run(2, placement, |k| {
        for _ in 0..rounds {
            if k == 0 {
                ping.release();
                pong.acquire();
            } else {
                ping.acquire();
                pong.release();
            }
        }
        0
    });
    elapsed
}

fn semaphore_pingpong(c: &mut Criterion) {
    let mut group = handoff_group(c, "semaphore_pingpong");
    for (parameter, placement) in HANDOFF_PLACEMENTS {
        let id = |name| BenchmarkId::new(name, parameter);
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| {
                semaphore_round_trips::<generic::Semaphore<Futex>>(iters, placement)
            })
        });
        group.bench_function(id("std"), |b| {
            b.iter_custom(|iters| {
                semaphore_round_trips::<(std::sync::Mutex<u32>, std::sync::Condvar)>(
                    iters, placement,
                )
            })
        });
        group.bench_function(id("parking_lot"), |b| {
            b.iter_custom(|iters| {
                semaphore_round_trips::<(parking_lot::Mutex<u32>, parking_lot::Condvar)>(
                    iters, placement,
                )
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Barrier

trait Rendezvous: Sync {
    fn new(parties: usize) -> Self;
    fn wait(&self);
}

impl<W: Wait> Rendezvous for generic::Barrier<W> {
    fn new(parties: usize) -> Self {
        generic::Barrier::new(parties as u32)
    }
    #[inline]
    fn wait(&self) {
        generic::Barrier::wait(self);
    }
}

impl Rendezvous for std::sync::Barrier {
    fn new(parties: usize) -> Self {
        std::sync::Barrier::new(parties)
    }
    #[inline]
    fn wait(&self) {
        std::sync::Barrier::wait(self);
    }
}

impl Rendezvous for spin::Barrier {
    fn new(parties: usize) -> Self {
        spin::Barrier::new(parties)
    }
    #[inline]
    fn wait(&self) {
        spin::Barrier::wait(self);
    }
}

fn barrier_rounds<B: Rendezvous>(iters: u64, threads: usize) -> Duration {
    let barrier = B::new(threads);
    let rounds = iters * BARRIER_ROUNDS;
    let (elapsed, _) = run(threads, Placement::Spread(2), |_| {
        for _ in 0..rounds {
            barrier.wait();
        }
        0
    });
    elapsed
}

fn barrier(c: &mut Criterion) {
    let mut group = c.benchmark_group("barrier");
    group.throughput(Throughput::Elements(BARRIER_ROUNDS));
    group.sampling_mode(SamplingMode::Flat);
    for (threads, parameter) in [(2, "2t"), (4, "4t_2cores")] {
        let id = |name| BenchmarkId::new(name, parameter);
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| barrier_rounds::<generic::Barrier<Futex>>(iters, threads))
        });
        group.bench_function(id("std"), |b| {
            b.iter_custom(|iters| barrier_rounds::<std::sync::Barrier>(iters, threads))
        });
        group.bench_function(id("spin"), |b| {
            b.iter_custom(|iters| barrier_rounds::<spin::Barrier>(iters, threads))
        });
    }
    group.finish();
}

/// Short by default, so the whole file runs in about five minutes on 2 cores; criterion's
/// command-line options (`--measurement-time`, `--sample-size`, ...) override it.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

fn main() {
    let mut criterion = config().configure_from_args();
    mutex_uncontended(&mut criterion);
    mutex_contended(&mut criterion);
    notify_no_waiter(&mut criterion);
    condvar_pingpong(&mut criterion);
    event_pingpong(&mut criterion);
    semaphore_pingpong(&mut criterion);
    barrier(&mut criterion);
    criterion.final_summary();
}
