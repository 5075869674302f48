//! Queue throughput: baresync against established queues, on the same workload in one run.
//!
//! Every benchmark moves `ITEMS` integers per iteration from the producer thread(s) to the
//! consumer thread(s) and reports throughput in elements per second, so the numbers of one
//! workload compare directly. Threads are spawned once per sample (`iter_custom`), pinned one
//! producer and one consumer per core (`common::Placement`), meet at a barrier, and the clock
//! runs from the start barrier until the last thread has finished. Results are measured and
//! reported, never asserted; `perf/bench_report.py` prints baresync's throughput relative to
//! the best anchor of each workload.
//!
//! | group | threads | verbs | baresync | anchors |
//! | --- | --- | --- | --- | --- |
//! | `spsc_try` | 1 producer, 1 consumer | `try_` verbs, spinning on Full/Empty | `SpscQueue` (futex and spin backends) | `rtrb`, `heapless::spsc::Queue` (split), `crossbeam_queue::ArrayQueue` |
//! | `mpmc_try` | 2p2c, 4p4c | `try_` verbs, spinning | `MpmcQueue` (futex and spin backends) | `crossbeam_queue::ArrayQueue` |
//! | `mpmc_blocking` | 2p2c, 4p4c | blocking `push`/`pop` | `MpmcQueue` | `crossbeam_channel::bounded` |
//! | `spsc_blocking` | 1 producer, 1 consumer | blocking `push`/`pop` | `SpscQueue`, `MpmcQueue` | `std::sync::mpsc::sync_channel`, `crossbeam_channel::bounded` |
//! | `priority` | 1p1c, 2p2c | blocking `push`/`pop` | `PriorityQueue` | a `BinaryHeap` under a `parking_lot` or `std` `Mutex`, with two `Condvar`s |
//!
//! `baresync` is the crate-root queue (the futex backend on hosts): a push or pop that may have to
//! wake a sleeper publishes with `SeqCst`. `baresync_spin` is the same queue on `wait::Spin`, whose
//! wakes are no-ops, so it publishes with `Release`: the difference is the price of blocking support.
//!
//! Every queue holds the same number of items: 16 or 1024 for the SPSC groups, 1024 for the MPMC
//! and priority ones (`heapless::spsc::Queue<T, N>` holds `N - 1`, so it is declared with 17 and 1025).
//! Sampling is flat (every sample runs the same number of iterations): an iteration of a small
//! queue takes tens of milliseconds on a busy machine, too long for criterion's linear sampling.
//! A spinning caller uses `spin()` after each failed attempt: a `spin_loop` hint, and a `yield_now`
//! in place of every 64th one, the same for every queue, so that a preempted partner on an
//! oversubscribed machine costs a time slice at most.
//!
//! Run (in perf/): `cargo bench --bench queues`; one group: `cargo bench --bench queues -- spsc_try`.

mod common;

use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use baresync::generic::{MpmcQueue, SpscQueue};
use baresync::wait::{DefaultWait, Spin, Wait};
use common::{Placement, spin};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};

/// Items moved per iteration, whatever the number of threads.
const ITEMS: u64 = 100_000;

/// Runs `producers` and `consumers` threads, `iters` times `ITEMS` items in all, and returns the
/// time from the moment all of them are ready until the last one finishes.
///
/// `produce(thread, count)` pushes the values `0..count`; `consume(thread, count)` pops `count`
/// items and returns their sum, checked after the clock has stopped. Threads are pinned, thread
/// `k` (producers first) to core `k mod 2`: one producer and one consumer per core.
fn run<P, C>(iters: u64, producers: u64, consumers: u64, produce: P, consume: C) -> Duration
where
    P: Fn(u64, u64) + Sync,
    C: Fn(u64, u64) -> u64 + Sync,
{
    let total = iters * ITEMS;
    assert!(total.is_multiple_of(producers) && total.is_multiple_of(consumers));
    let per_producer = total / producers;
    let per_consumer = total / consumers;
    let threads = (producers + consumers) as usize;
    let (elapsed, sum) = common::run(threads, Placement::Spread(2), |k| {
        let k = k as u64;
        if k < producers {
            produce(k, per_producer);
            0
        } else {
            consume(k - producers, per_consumer)
        }
    });
    let expected = producers * (per_producer * (per_producer - 1) / 2);
    assert_eq!(sum, expected, "items lost or duplicated");
    elapsed
}

// ---------------------------------------------------------------------------------------------
// SPSC, try verbs

fn spsc_try_baresync<W: Wait, const N: usize>(iters: u64) -> Duration {
    let mut queue = SpscQueue::<u64, N, W>::new();
    let (producer, consumer) = queue.split();
    // The halves are `Send` but not `Sync`: as for every SPSC anchor, each thread takes its half
    // through a mutex, once per sample, outside the timed loop.
    let (producer, consumer) = (
        std::sync::Mutex::new(producer),
        std::sync::Mutex::new(consumer),
    );
    run(
        iters,
        1,
        1,
        |_, count| {
            let producer = producer.lock().unwrap();
            let mut failures = 0;
            for i in 0..count {
                let mut item = i;
                while let Err(e) = producer.try_push(item) {
                    item = e.into_inner();
                    spin(&mut failures);
                }
            }
        },
        |_, count| {
            let consumer = consumer.lock().unwrap();
            let (mut sum, mut failures) = (0, 0);
            for _ in 0..count {
                loop {
                    match consumer.try_pop() {
                        Ok(item) => {
                            sum += black_box(item);
                            break;
                        }
                        Err(_) => spin(&mut failures),
                    }
                }
            }
            sum
        },
    )
}

fn spsc_try_rtrb(iters: u64, capacity: usize) -> Duration {
    let (producer, consumer) = rtrb::RingBuffer::<u64>::new(capacity);
    let (producer, consumer) = (
        std::sync::Mutex::new(producer),
        std::sync::Mutex::new(consumer),
    );
    run(
        iters,
        1,
        1,
        |_, count| {
            let mut producer = producer.lock().unwrap();
            let mut failures = 0;
            for i in 0..count {
                let mut item = i;
                while let Err(rtrb::PushError::Full(back)) = producer.push(item) {
                    item = back;
                    spin(&mut failures);
                }
            }
        },
        |_, count| {
            let mut consumer = consumer.lock().unwrap();
            let (mut sum, mut failures) = (0, 0);
            for _ in 0..count {
                loop {
                    match consumer.pop() {
                        Ok(item) => {
                            sum += black_box(item);
                            break;
                        }
                        Err(_) => spin(&mut failures),
                    }
                }
            }
            sum
        },
    )
}

/// `N` is heapless's storage size: the queue holds `N - 1` items.
fn spsc_try_heapless<const N: usize>(iters: u64) -> Duration {
    let mut queue = heapless::spsc::Queue::<u64, N>::new();
    let (producer, consumer) = queue.split();
    let (producer, consumer) = (
        std::sync::Mutex::new(producer),
        std::sync::Mutex::new(consumer),
    );
    run(
        iters,
        1,
        1,
        |_, count| {
            let mut producer = producer.lock().unwrap();
            let mut failures = 0;
            for i in 0..count {
                let mut item = i;
                while let Err(back) = producer.enqueue(item) {
                    item = back;
                    spin(&mut failures);
                }
            }
        },
        |_, count| {
            let mut consumer = consumer.lock().unwrap();
            let (mut sum, mut failures) = (0, 0);
            for _ in 0..count {
                loop {
                    match consumer.dequeue() {
                        Some(item) => {
                            sum += black_box(item);
                            break;
                        }
                        None => spin(&mut failures),
                    }
                }
            }
            sum
        },
    )
}

fn try_array_queue(iters: u64, capacity: usize, producers: u64, consumers: u64) -> Duration {
    let queue = crossbeam_queue::ArrayQueue::<u64>::new(capacity);
    run(
        iters,
        producers,
        consumers,
        |_, count| {
            let mut failures = 0;
            for i in 0..count {
                let mut item = i;
                while let Err(back) = queue.push(item) {
                    item = back;
                    spin(&mut failures);
                }
            }
        },
        |_, count| {
            let (mut sum, mut failures) = (0, 0);
            for _ in 0..count {
                loop {
                    match queue.pop() {
                        Some(item) => {
                            sum += black_box(item);
                            break;
                        }
                        None => spin(&mut failures),
                    }
                }
            }
            sum
        },
    )
}

// ---------------------------------------------------------------------------------------------
// MPMC, try verbs

fn try_baresync_mpmc<W: Wait, const N: usize>(
    iters: u64,
    producers: u64,
    consumers: u64,
) -> Duration {
    let queue = MpmcQueue::<u64, N, W>::new();
    run(
        iters,
        producers,
        consumers,
        |_, count| {
            let mut failures = 0;
            for i in 0..count {
                let mut item = i;
                while let Err(e) = queue.try_push(item) {
                    item = e.into_inner();
                    spin(&mut failures);
                }
            }
        },
        |_, count| {
            let (mut sum, mut failures) = (0, 0);
            for _ in 0..count {
                loop {
                    match queue.try_pop() {
                        Ok(item) => {
                            sum += black_box(item);
                            break;
                        }
                        Err(_) => spin(&mut failures),
                    }
                }
            }
            sum
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Blocking verbs

fn blocking_baresync_spsc<const N: usize>(iters: u64) -> Duration {
    let mut queue = baresync::SpscQueue::<u64, N>::new();
    let (producer, consumer) = queue.split();
    let (producer, consumer) = (
        std::sync::Mutex::new(producer),
        std::sync::Mutex::new(consumer),
    );
    run(
        iters,
        1,
        1,
        |_, count| {
            let producer = producer.lock().unwrap();
            for i in 0..count {
                producer.push(i).unwrap();
            }
        },
        |_, count| {
            let consumer = consumer.lock().unwrap();
            (0..count).map(|_| black_box(consumer.pop().unwrap())).sum()
        },
    )
}

fn blocking_baresync_mpmc<const N: usize>(iters: u64, producers: u64, consumers: u64) -> Duration {
    let queue = baresync::MpmcQueue::<u64, N>::new();
    run(
        iters,
        producers,
        consumers,
        |_, count| {
            for i in 0..count {
                queue.push(i).unwrap();
            }
        },
        |_, count| (0..count).map(|_| black_box(queue.pop().unwrap())).sum(),
    )
}

fn blocking_crossbeam_channel(
    iters: u64,
    capacity: usize,
    producers: u64,
    consumers: u64,
) -> Duration {
    let (sender, receiver) = crossbeam_channel::bounded::<u64>(capacity);
    run(
        iters,
        producers,
        consumers,
        |_, count| {
            let sender = sender.clone();
            for i in 0..count {
                sender.send(i).unwrap();
            }
        },
        |_, count| {
            let receiver = receiver.clone();
            (0..count)
                .map(|_| black_box(receiver.recv().unwrap()))
                .sum()
        },
    )
}

fn blocking_std_sync_channel(iters: u64, capacity: usize) -> Duration {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<u64>(capacity);
    // `Receiver` is not `Sync`: the one consumer takes it through a mutex, once per sample.
    let receiver = std::sync::Mutex::new(receiver);
    run(
        iters,
        1,
        1,
        |_, count| {
            let sender = sender.clone();
            for i in 0..count {
                sender.send(i).unwrap();
            }
        },
        |_, count| {
            let receiver = receiver.lock().unwrap();
            (0..count)
                .map(|_| black_box(receiver.recv().unwrap()))
                .sum()
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Priority queues, blocking verbs

fn blocking_baresync_priority<const N: usize>(
    iters: u64,
    producers: u64,
    consumers: u64,
) -> Duration {
    let queue = baresync::PriorityQueue::<u64, N>::new();
    run(
        iters,
        producers,
        consumers,
        |_, count| {
            for i in 0..count {
                queue.push(i).unwrap();
            }
        },
        |_, count| (0..count).map(|_| black_box(queue.pop().unwrap())).sum(),
    )
}

/// What a user of `std` or `parking_lot` writes for a bounded, blocking priority queue: a
/// `BinaryHeap` (allocated once, at full capacity) under a mutex, and two condvars.
trait HeapAnchor: Sync {
    fn with_capacity(capacity: usize) -> Self;
    fn push(&self, item: u64);
    fn pop(&self) -> u64;
}

struct StdHeap {
    heap: std::sync::Mutex<BinaryHeap<u64>>,
    not_empty: std::sync::Condvar,
    not_full: std::sync::Condvar,
    capacity: usize,
}

impl HeapAnchor for StdHeap {
    fn with_capacity(capacity: usize) -> Self {
        StdHeap {
            heap: std::sync::Mutex::new(BinaryHeap::with_capacity(capacity)),
            not_empty: std::sync::Condvar::new(),
            not_full: std::sync::Condvar::new(),
            capacity,
        }
    }
    fn push(&self, item: u64) {
        let guard = self.heap.lock().unwrap();
        let mut heap = self
            .not_full
            .wait_while(guard, |h| h.len() >= self.capacity)
            .unwrap();
        heap.push(item);
        drop(heap);
        self.not_empty.notify_one();
    }
    fn pop(&self) -> u64 {
        let guard = self.heap.lock().unwrap();
        let mut heap = self.not_empty.wait_while(guard, |h| h.is_empty()).unwrap();
        let item = heap.pop().unwrap();
        drop(heap);
        self.not_full.notify_one();
        item
    }
}

struct ParkingLotHeap {
    heap: parking_lot::Mutex<BinaryHeap<u64>>,
    not_empty: parking_lot::Condvar,
    not_full: parking_lot::Condvar,
    capacity: usize,
}

impl HeapAnchor for ParkingLotHeap {
    fn with_capacity(capacity: usize) -> Self {
        ParkingLotHeap {
            heap: parking_lot::Mutex::new(BinaryHeap::with_capacity(capacity)),
            not_empty: parking_lot::Condvar::new(),
            not_full: parking_lot::Condvar::new(),
            capacity,
        }
    }
    fn push(&self, item: u64) {
        let mut heap = self.heap.lock();
        self.not_full
            .wait_while(&mut heap, |h| h.len() >= self.capacity);
        heap.push(item);
        drop(heap);
        self.not_empty.notify_one();
    }
    fn pop(&self) -> u64 {
        let mut heap = self.heap.lock();
        self.not_empty.wait_while(&mut heap, |h| h.is_empty());
        let item = heap.pop().unwrap();
        drop(heap);
        self.not_full.notify_one();
        item
    }
}

fn blocking_heap_anchor<H: HeapAnchor>(
    iters: u64,
    capacity: usize,
    producers: u64,
    consumers: u64,
) -> Duration {
    let heap = H::with_capacity(capacity);
    run(
        iters,
        producers,
        consumers,
        |_, count| {
            for i in 0..count {
                heap.push(i);
            }
        },
        |_, count| (0..count).map(|_| black_box(heap.pop())).sum(),
    )
}

// ---------------------------------------------------------------------------------------------
// Groups

fn spsc_try(c: &mut Criterion) {
    let mut group = c.benchmark_group("spsc_try");
    group.throughput(Throughput::Elements(ITEMS));
    group.sampling_mode(SamplingMode::Flat);
    for cap in [16, 1024] {
        let id = |name| BenchmarkId::new(name, format!("cap{cap}"));
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| match cap {
                16 => spsc_try_baresync::<DefaultWait, 16>(iters),
                _ => spsc_try_baresync::<DefaultWait, 1024>(iters),
            })
        });
        group.bench_function(id("baresync_spin"), |b| {
            b.iter_custom(|iters| match cap {
                16 => spsc_try_baresync::<Spin, 16>(iters),
                _ => spsc_try_baresync::<Spin, 1024>(iters),
            })
        });
        group.bench_function(id("rtrb"), |b| {
            b.iter_custom(|iters| spsc_try_rtrb(iters, cap))
        });
        group.bench_function(id("heapless"), |b| {
            b.iter_custom(|iters| match cap {
                16 => spsc_try_heapless::<17>(iters),
                _ => spsc_try_heapless::<1025>(iters),
            })
        });
        group.bench_function(id("crossbeam_arrayqueue"), |b| {
            b.iter_custom(|iters| try_array_queue(iters, cap, 1, 1))
        });
    }
    group.finish();
}

fn mpmc_try(c: &mut Criterion) {
    let mut group = c.benchmark_group("mpmc_try");
    group.throughput(Throughput::Elements(ITEMS));
    group.sampling_mode(SamplingMode::Flat);
    for threads in [2, 4] {
        let id = |name| BenchmarkId::new(name, format!("{threads}p{threads}c_cap1024"));
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| try_baresync_mpmc::<DefaultWait, 1024>(iters, threads, threads))
        });
        group.bench_function(id("baresync_spin"), |b| {
            b.iter_custom(|iters| try_baresync_mpmc::<Spin, 1024>(iters, threads, threads))
        });
        group.bench_function(id("crossbeam_arrayqueue"), |b| {
            b.iter_custom(|iters| try_array_queue(iters, 1024, threads, threads))
        });
    }
    group.finish();
}

fn mpmc_blocking(c: &mut Criterion) {
    let mut group = c.benchmark_group("mpmc_blocking");
    group.throughput(Throughput::Elements(ITEMS));
    group.sampling_mode(SamplingMode::Flat);
    for threads in [2, 4] {
        let id = |name| BenchmarkId::new(name, format!("{threads}p{threads}c_cap1024"));
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| blocking_baresync_mpmc::<1024>(iters, threads, threads))
        });
        group.bench_function(id("crossbeam_channel"), |b| {
            b.iter_custom(|iters| blocking_crossbeam_channel(iters, 1024, threads, threads))
        });
    }
    group.finish();
}

fn spsc_blocking(c: &mut Criterion) {
    let mut group = c.benchmark_group("spsc_blocking");
    group.throughput(Throughput::Elements(ITEMS));
    group.sampling_mode(SamplingMode::Flat);
    for cap in [16, 1024] {
        let id = |name| BenchmarkId::new(name, format!("cap{cap}"));
        group.bench_function(id("baresync_spsc"), |b| {
            b.iter_custom(|iters| match cap {
                16 => blocking_baresync_spsc::<16>(iters),
                _ => blocking_baresync_spsc::<1024>(iters),
            })
        });
        group.bench_function(id("baresync_mpmc"), |b| {
            b.iter_custom(|iters| match cap {
                16 => blocking_baresync_mpmc::<16>(iters, 1, 1),
                _ => blocking_baresync_mpmc::<1024>(iters, 1, 1),
            })
        });
        group.bench_function(id("std_sync_channel"), |b| {
            b.iter_custom(|iters| blocking_std_sync_channel(iters, cap))
        });
        group.bench_function(id("crossbeam_channel"), |b| {
            b.iter_custom(|iters| blocking_crossbeam_channel(iters, cap, 1, 1))
        });
    }
    group.finish();
}

fn priority(c: &mut Criterion) {
    let mut group = c.benchmark_group("priority");
    group.throughput(Throughput::Elements(ITEMS));
    group.sampling_mode(SamplingMode::Flat);
    for threads in [1, 2] {
        let id = |name| BenchmarkId::new(name, format!("{threads}p{threads}c_cap1024"));
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| blocking_baresync_priority::<1024>(iters, threads, threads))
        });
        group.bench_function(id("parking_lot_heap"), |b| {
            b.iter_custom(|iters| {
                blocking_heap_anchor::<ParkingLotHeap>(iters, 1024, threads, threads)
            })
        });
        group.bench_function(id("std_heap"), |b| {
            b.iter_custom(|iters| blocking_heap_anchor::<StdHeap>(iters, 1024, threads, threads))
        });
    }
    group.finish();
}

/// Short by default, so the whole file runs in a few minutes on 2 cores; criterion's command-line
/// options (`--measurement-time`, `--sample-size`, ...) override it.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

fn main() {
    let mut criterion = config().configure_from_args();
    spsc_try(&mut criterion);
    mpmc_try(&mut criterion);
    mpmc_blocking(&mut criterion);
    spsc_blocking(&mut criterion);
    priority(&mut criterion);
    criterion.final_summary();
}
