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
//! A spinning caller uses `SpinHint` after each failed attempt: a `spin_loop` hint, and a
//! `yield_now` in place of every 64th one, the same for every queue, so that a preempted partner
//! on an oversubscribed machine costs a time slice at most. This suite measures that loop only;
//! `benches/compare/` adds the `crossbeam_utils::Backoff` loop, interleaves the contenders and
//! moves a fixed number of items per sample.
//!
//! The queues and the transfer loop are in `common/queue.rs`, shared with `benches/compare/`.
//!
//! Run (in perf/): `cargo bench --bench queues`; one group: `cargo bench --bench queues -- spsc_try`.

mod common;

use std::time::Duration;

use baresync::wait::{DefaultWait, Spin};
use common::queue::{
    ParkingLotHeap, Shape, SpinHint, StdHeap, array_queue_try, baresync_mpmc_blocking,
    baresync_mpmc_try, baresync_priority, baresync_spsc_blocking, baresync_spsc_try,
    crossbeam_channel_blocking, heap_anchor, heapless_try, rtrb_try, std_sync_channel_blocking,
};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};

/// Items moved per iteration, whatever the number of threads.
const ITEMS: u64 = 100_000;

// ---------------------------------------------------------------------------------------------
// Groups

/// A group of `ITEMS` elements per iteration, sampled flat.
fn queue_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(ITEMS));
    group.sampling_mode(SamplingMode::Flat);
    group
}

fn spsc_try(c: &mut Criterion) {
    let mut group = queue_group(c, "spsc_try");
    for cap in [16, 1024] {
        let id = |name| BenchmarkId::new(name, format!("cap{cap}"));
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| match cap {
                16 => baresync_spsc_try::<SpinHint, DefaultWait, 16>(iters * ITEMS),
                _ => baresync_spsc_try::<SpinHint, DefaultWait, 1024>(iters * ITEMS),
            })
        });
        group.bench_function(id("baresync_spin"), |b| {
            b.iter_custom(|iters| match cap {
                16 => baresync_spsc_try::<SpinHint, Spin, 16>(iters * ITEMS),
                _ => baresync_spsc_try::<SpinHint, Spin, 1024>(iters * ITEMS),
            })
        });
        group.bench_function(id("rtrb"), |b| {
            b.iter_custom(|iters| rtrb_try::<SpinHint>(cap, iters * ITEMS))
        });
        group.bench_function(id("heapless"), |b| {
            b.iter_custom(|iters| match cap {
                16 => heapless_try::<SpinHint, 17>(iters * ITEMS),
                _ => heapless_try::<SpinHint, 1025>(iters * ITEMS),
            })
        });
        group.bench_function(id("crossbeam_arrayqueue"), |b| {
            b.iter_custom(|iters| array_queue_try::<SpinHint>(cap, ONE_TO_ONE, iters * ITEMS))
        });
    }
    group.finish();
}

const ONE_TO_ONE: Shape = Shape::new(1, 1);

fn mpmc_try(c: &mut Criterion) {
    let mut group = queue_group(c, "mpmc_try");
    for threads in [2, 4] {
        let shape = Shape::new(threads, threads);
        let id = |name| BenchmarkId::new(name, format!("{threads}p{threads}c_cap1024"));
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| {
                baresync_mpmc_try::<SpinHint, DefaultWait, 1024>(shape, iters * ITEMS)
            })
        });
        group.bench_function(id("baresync_spin"), |b| {
            b.iter_custom(|iters| baresync_mpmc_try::<SpinHint, Spin, 1024>(shape, iters * ITEMS))
        });
        group.bench_function(id("crossbeam_arrayqueue"), |b| {
            b.iter_custom(|iters| array_queue_try::<SpinHint>(1024, shape, iters * ITEMS))
        });
    }
    group.finish();
}

fn mpmc_blocking(c: &mut Criterion) {
    let mut group = queue_group(c, "mpmc_blocking");
    for threads in [2, 4] {
        let shape = Shape::new(threads, threads);
        let id = |name| BenchmarkId::new(name, format!("{threads}p{threads}c_cap1024"));
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| baresync_mpmc_blocking::<DefaultWait, 1024>(shape, iters * ITEMS))
        });
        group.bench_function(id("crossbeam_channel"), |b| {
            b.iter_custom(|iters| crossbeam_channel_blocking(1024, shape, iters * ITEMS))
        });
    }
    group.finish();
}

fn spsc_blocking(c: &mut Criterion) {
    let mut group = queue_group(c, "spsc_blocking");
    for cap in [16, 1024] {
        let id = |name| BenchmarkId::new(name, format!("cap{cap}"));
        group.bench_function(id("baresync_spsc"), |b| {
            b.iter_custom(|iters| match cap {
                16 => baresync_spsc_blocking::<DefaultWait, 16>(iters * ITEMS),
                _ => baresync_spsc_blocking::<DefaultWait, 1024>(iters * ITEMS),
            })
        });
        group.bench_function(id("baresync_mpmc"), |b| {
            b.iter_custom(|iters| match cap {
                16 => baresync_mpmc_blocking::<DefaultWait, 16>(ONE_TO_ONE, iters * ITEMS),
                _ => baresync_mpmc_blocking::<DefaultWait, 1024>(ONE_TO_ONE, iters * ITEMS),
            })
        });
        group.bench_function(id("std_sync_channel"), |b| {
            b.iter_custom(|iters| std_sync_channel_blocking(cap, iters * ITEMS))
        });
        group.bench_function(id("crossbeam_channel"), |b| {
            b.iter_custom(|iters| crossbeam_channel_blocking(cap, ONE_TO_ONE, iters * ITEMS))
        });
    }
    group.finish();
}

fn priority(c: &mut Criterion) {
    let mut group = queue_group(c, "priority");
    for threads in [1, 2] {
        let shape = Shape::new(threads, threads);
        let id = |name| BenchmarkId::new(name, format!("{threads}p{threads}c_cap1024"));
        group.bench_function(id("baresync"), |b| {
            b.iter_custom(|iters| baresync_priority::<DefaultWait, 1024>(shape, iters * ITEMS))
        });
        group.bench_function(id("parking_lot_heap"), |b| {
            b.iter_custom(|iters| heap_anchor::<ParkingLotHeap>(1024, shape, iters * ITEMS))
        });
        group.bench_function(id("std_heap"), |b| {
            b.iter_custom(|iters| heap_anchor::<StdHeap>(1024, shape, iters * ITEMS))
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
