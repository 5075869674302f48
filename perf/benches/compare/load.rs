//! The load mode: how the blocking paths behave when other threads want the cores.
//!
//! 1. Capacity-1 hand-offs: a producer sends `0, 1, 2, ...` through a queue (or slot) that holds
//!    one item, so every item is a hand-off, and a consumer checks the order. Producer and
//!    consumer are **not pinned** (the scheduler places them, as in a user's program, where the
//!    busy threads compete with them), with 0, 4 and 8 busy threads: unpinned threads that do
//!    arithmetic, started before each sample and stopped after it. A sample ends after
//!    `--load-items` hand-offs or after `--sample-ms`, whichever comes first (the producer then
//!    sends a stop value); the rate is hand-offs per second.
//! 2. Timed waits of 1 ms that nobody ends, under 4 busy threads: the time each call actually
//!    took (median, 99th percentile, maximum), measured on the main thread, unpinned. Up to 100
//!    waits per contender and sample, within four times `--sample-ms`.
//! 3. The cost of `lock_timeout(Duration::ZERO)` on a held lock next to `try_lock` (no busy
//!    threads), in nanoseconds per call: up to `--load-items` calls per sample, within
//!    `--sample-ms`.
//!
//! Contenders are interleaved sample by sample in every part, as in the throughput mode.

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use baresync::generic;
use baresync::wait::DefaultWait;
use serde_json::{Value, json};

use crate::common::Placement;
use crate::common::queue::{BlockingRecv, BlockingSend, run_ends};
use crate::{Options, Progress, Summary, ours, percentile, rate_table, significant, sorted};

/// The busy-thread counts of the hand-off part.
const BUSY_LEVELS: [usize; 3] = [0, 4, 8];
/// Busy threads during the timed waits.
const TIMED_WAIT_BUSY: usize = 4;
/// The timeout of every timed wait.
const TIMEOUT: Duration = Duration::from_millis(1);
/// Timed waits per contender and sample, fewer if the sample's time cap runs out: here four
/// times `--sample-ms`, so that a few waits fit even when each takes far longer than 1 ms.
const WAITS_PER_SAMPLE: usize = 100;
const WAIT_CAP_FACTOR: u32 = 4;
/// The value that ends a hand-off sample (never sent as an item).
const STOP: u64 = u64::MAX;

pub fn run(options: &Options) -> (String, Value) {
    let mut markdown = String::new();
    let (handoff_md, handoff) = hand_offs(options);
    markdown.push_str(&handoff_md);
    let (waits_md, waits) = timed_waits(options);
    markdown.push_str(&waits_md);
    let (zero_md, zero) = zero_timeout(options);
    markdown.push_str(&zero_md);
    let results = json!({ "handoff": handoff, "timed_waits": waits, "zero_timeout": zero });
    (markdown, results)
}

// ---------------------------------------------------------------------------------------------
// Busy threads and the time cap

/// Runs `f` while `n` unpinned threads spin doing arithmetic; they are all running before `f`
/// starts and stop after it returns.
fn with_busy_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    // Relaxed: a request to stop, which orders nothing; the join at the end of the scope does.
    let stop = AtomicBool::new(false);
    let started = std::sync::Barrier::new(n + 1);
    thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                started.wait();
                let mut x = 1u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..1000 {
                        x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                    }
                }
            });
        }
        started.wait();
        let result = f();
        stop.store(true, Ordering::Relaxed);
        result
    })
}

/// Runs `f(stop)`, with `stop` raised after `cap` unless `f` has returned by then.
fn with_time_cap<R>(cap: Duration, f: impl FnOnce(&AtomicBool) -> R) -> R {
    // Relaxed: `stop` only asks the producer to finish; the items themselves are ordered by the
    // queue under test.
    let stop = AtomicBool::new(false);
    let (finished, watch) = mpsc::channel::<()>();
    thread::scope(|s| {
        let stop = &stop;
        s.spawn(move || {
            if watch.recv_timeout(cap) == Err(mpsc::RecvTimeoutError::Timeout) {
                stop.store(true, Ordering::Relaxed);
            }
        });
        let result = f(stop);
        drop(finished); // wakes the watchdog at once
        result
    })
}

// ---------------------------------------------------------------------------------------------
// 1. Capacity-1 hand-offs

/// Sends `0, 1, ...` until `max` items or `stop`, then `STOP`; the consumer checks the order.
/// Returns the time from the moment both threads are ready until both are done, and the number
/// of items handed off.
fn hand_off<T, R>(tx: T, rx: R, max: u64, stop: &AtomicBool) -> (Duration, u64)
where
    T: BlockingSend + Send,
    R: BlockingRecv + Send,
{
    run_ends(
        Placement::Free,
        vec![tx],
        vec![rx],
        |mut tx| {
            let mut item = 0;
            while item < max && !stop.load(Ordering::Relaxed) {
                tx.send(item);
                item += 1;
            }
            tx.send(STOP);
        },
        |mut rx| {
            let mut next = 0;
            loop {
                match rx.recv() {
                    STOP => break next,
                    item => assert_eq!(item, next, "hand-off lost or reordered an item"),
                }
                next += 1;
            }
        },
    )
}

/// A one-item slot under a baresync `Mutex`, and one `Condvar`: each of the two threads waits
/// only for the other, so `notify_one` always reaches the right one.
struct BaresyncSlot {
    slot: generic::Mutex<Option<u64>, DefaultWait>,
    changed: generic::Condvar<DefaultWait>,
}

impl BlockingSend for &BaresyncSlot {
    fn send(&mut self, item: u64) {
        let guard = self.slot.lock();
        let mut slot = self.changed.wait_while(guard, |s| s.is_some());
        *slot = Some(item);
        drop(slot);
        self.changed.notify_one();
    }
}

impl BlockingRecv for &BaresyncSlot {
    fn recv(&mut self) -> u64 {
        let guard = self.slot.lock();
        let mut slot = self.changed.wait_while(guard, |s| s.is_none());
        let item = slot.take().expect("waited for an item");
        drop(slot);
        self.changed.notify_one();
        item
    }
}

/// The same hand-off with `parking_lot`.
struct ParkingLotSlot {
    slot: parking_lot::Mutex<Option<u64>>,
    changed: parking_lot::Condvar,
}

impl BlockingSend for &ParkingLotSlot {
    fn send(&mut self, item: u64) {
        let mut slot = self.slot.lock();
        self.changed.wait_while(&mut slot, |s| s.is_some());
        *slot = Some(item);
        drop(slot);
        self.changed.notify_one();
    }
}

impl BlockingRecv for &ParkingLotSlot {
    fn recv(&mut self) -> u64 {
        let mut slot = self.slot.lock();
        self.changed.wait_while(&mut slot, |s| s.is_none());
        let item = slot.take().expect("waited for an item");
        drop(slot);
        self.changed.notify_one();
        item
    }
}

/// A one-item slot between two baresync `Semaphore`s: `empty` (one permit) and `full` (none).
struct SemaphoreSlot {
    empty: generic::Semaphore<DefaultWait>,
    full: generic::Semaphore<DefaultWait>,
    item: AtomicU64,
}

impl BlockingSend for &SemaphoreSlot {
    fn send(&mut self, item: u64) {
        self.empty.acquire().forget();
        // Relaxed: the semaphores order the slot. This store comes before `full.release`, whose
        // permit the consumer's `full.acquire` takes; the consumer's load comes before its
        // `empty.release`, whose permit the next `empty.acquire` above takes.
        self.item.store(item, Ordering::Relaxed);
        self.full.release(1);
    }
}

impl BlockingRecv for &SemaphoreSlot {
    fn recv(&mut self) -> u64 {
        self.full.acquire().forget();
        // Relaxed: see `send`.
        let item = self.item.load(Ordering::Relaxed);
        self.empty.release(1);
        item
    }
}

type HandOff = Box<dyn Fn(u64, &AtomicBool) -> (Duration, u64)>;

fn hand_off_contenders() -> Vec<(&'static str, HandOff)> {
    vec![
        (
            "baresync_mpmc",
            Box::new(|max, stop| {
                let queue = generic::MpmcQueue::<u64, 1, DefaultWait>::new();
                hand_off(&queue, &queue, max, stop)
            }),
        ),
        (
            "baresync_spsc",
            Box::new(|max, stop| {
                let mut queue = generic::SpscQueue::<u64, 1, DefaultWait>::new();
                let (tx, rx) = queue.split();
                hand_off(tx, rx, max, stop)
            }),
        ),
        (
            "baresync_condvar",
            Box::new(|max, stop| {
                let slot = BaresyncSlot {
                    slot: generic::Mutex::new(None),
                    changed: generic::Condvar::new(),
                };
                hand_off(&slot, &slot, max, stop)
            }),
        ),
        (
            "baresync_semaphore",
            Box::new(|max, stop| {
                let slot = SemaphoreSlot {
                    empty: generic::Semaphore::new(1),
                    full: generic::Semaphore::new(0),
                    item: AtomicU64::new(0),
                };
                hand_off(&slot, &slot, max, stop)
            }),
        ),
        (
            "std_sync_channel",
            Box::new(|max, stop| {
                let (tx, rx) = mpsc::sync_channel::<u64>(1);
                hand_off(tx, rx, max, stop)
            }),
        ),
        (
            "parking_lot_condvar",
            Box::new(|max, stop| {
                let slot = ParkingLotSlot {
                    slot: parking_lot::Mutex::new(None),
                    changed: parking_lot::Condvar::new(),
                };
                hand_off(&slot, &slot, max, stop)
            }),
        ),
    ]
}

fn hand_offs(options: &Options) -> (String, Value) {
    let contenders = hand_off_contenders();
    let mut markdown = format!(
        "### Capacity-1 hand-offs per second (load_handoff)\n\n\
         A producer sends `0, 1, 2, ...` through a queue or slot of capacity 1, a consumer checks \
         the order. Producer and consumer **unpinned**; busy threads (unpinned, arithmetic) run \
         through each sample. A sample ends after {} hand-offs or {} ms. `baresync_condvar`: \
         `Mutex<Option<u64>>` + one `Condvar`; `baresync_semaphore`: two `Semaphore`s around a \
         slot; anchors `std::sync::mpsc::sync_channel(1)` and `parking_lot`'s \
         `Mutex<Option<u64>>` + `Condvar`.\n\n",
        options.load_items,
        options.sample_cap.as_millis()
    );
    let mut levels = Vec::new();
    for busy in BUSY_LEVELS {
        let mut rates = vec![Vec::new(); contenders.len()];
        let progress = Progress::new(format!("load_handoff, {busy} busy threads,"));
        for sample in 1..=options.samples {
            progress.sample(sample, options.samples);
            for ((_, run), rates) in contenders.iter().zip(&mut rates) {
                let (elapsed, items) = with_busy_threads(busy, || {
                    with_time_cap(options.sample_cap, |stop| run(options.load_items, stop))
                });
                rates.push(items as f64 / elapsed.as_secs_f64());
            }
        }
        progress.done();
        let rows: Vec<_> = contenders
            .iter()
            .zip(&rates)
            .map(|((name, _), r)| (*name, Summary::of(r)))
            .collect();
        let _ = write!(markdown, "{busy} busy threads:\n\n{}\n", rate_table(&rows));
        let results: Vec<Value> = contenders
            .iter()
            .zip(&rates)
            .map(|((name, _), r)| {
                json!({
                    "contender": name,
                    "ours": ours(name),
                    "rates": r,
                    "summary": Summary::of(r).json(),
                })
            })
            .collect();
        levels.push(json!({ "busy": busy, "contenders": results }));
    }
    (markdown, Value::Array(levels))
}

// ---------------------------------------------------------------------------------------------
// 2. Timed waits under load

fn timed_waits(options: &Options) -> (String, Value) {
    let event = generic::Event::<DefaultWait>::new();
    let pair = (
        generic::Mutex::<(), DefaultWait>::new(()),
        generic::Condvar::<DefaultWait>::new(),
    );
    let std_pair = (std::sync::Mutex::new(()), std::sync::Condvar::new());
    let held = generic::Mutex::<(), DefaultWait>::new(());
    let parking_lot_held = parking_lot::Mutex::new(());
    // Each returns whether the call timed out, as it should: nobody sets, notifies or unlocks.
    let calls: [(&str, &str, &dyn Fn() -> bool); 5] = [
        ("baresync_event", "baresync `Event::wait_timeout`", &|| {
            !event.wait_timeout(TIMEOUT)
        }),
        (
            "baresync_condvar",
            "baresync `Condvar::wait_timeout`",
            &|| pair.1.wait_timeout(pair.0.lock(), TIMEOUT).1.timed_out(),
        ),
        (
            "baresync_mutex",
            "baresync `Mutex::lock_timeout`, lock held by another thread",
            &|| held.lock_timeout(TIMEOUT).is_none(),
        ),
        ("std_condvar", "std `Condvar::wait_timeout`", &|| {
            let guard = std_pair.0.lock().unwrap();
            std_pair
                .1
                .wait_timeout(guard, TIMEOUT)
                .unwrap()
                .1
                .timed_out()
        }),
        (
            "parking_lot_mutex",
            "parking_lot `Mutex::try_lock_for`, lock held by another thread",
            &|| parking_lot_held.try_lock_for(TIMEOUT).is_none(),
        ),
    ];

    // Per call: every wait's duration in microseconds, and how many did not time out.
    let mut waits = vec![Vec::new(); calls.len()];
    let mut not_timed_out = vec![0u64; calls.len()];
    let (holding, held_now) = mpsc::channel::<()>();
    let (release, released) = mpsc::channel::<()>();
    thread::scope(|s| {
        let (held, parking_lot_held) = (&held, &parking_lot_held);
        s.spawn(move || {
            let _guards = (held.lock(), parking_lot_held.lock());
            holding.send(()).expect("main thread waits");
            released.recv().ok();
        });
        held_now.recv().expect("holder started");
        with_busy_threads(TIMED_WAIT_BUSY, || {
            let progress = Progress::new("load_timed_waits");
            for sample in 1..=options.samples {
                progress.sample(sample, options.samples);
                for (i, (_, _, call)) in calls.iter().enumerate() {
                    let sample_start = Instant::now();
                    for _ in 0..WAITS_PER_SAMPLE {
                        if sample_start.elapsed() >= options.sample_cap * WAIT_CAP_FACTOR {
                            break;
                        }
                        let t0 = Instant::now();
                        let timed_out = call();
                        waits[i].push(t0.elapsed().as_secs_f64() * 1e6);
                        not_timed_out[i] += u64::from(!timed_out);
                    }
                }
            }
            progress.done();
        });
        release.send(()).expect("holder waits");
    });

    let timeout_us = TIMEOUT.as_secs_f64() * 1e6;
    let mut markdown = format!(
        "### Timed waits of 1 ms under {TIMED_WAIT_BUSY} busy threads (load_timed_waits)\n\n\
         Nobody sets, notifies or unlocks: each call should return after 1 ms. The time each \
         actually took, measured on the main thread (unpinned): per contender and sample, \
         {WAITS_PER_SAMPLE} waits or as many as start within {} ms.\n\n\
         | call | waits | median | p99 | max | returned before 1 ms | did not time out |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        (options.sample_cap * WAIT_CAP_FACTOR).as_millis()
    );
    let mut results = Vec::new();
    for (((id, what, _), times), failed) in calls.iter().zip(&waits).zip(&not_timed_out) {
        let s = sorted(times);
        let (median, p99, max) = (percentile(&s, 50.0), percentile(&s, 99.0), s[s.len() - 1]);
        let early = s.iter().filter(|&&t| t < timeout_us).count();
        let _ = writeln!(
            markdown,
            "| {what} | {} | {} µs | {} µs | {} µs | {early} | {failed} |",
            s.len(),
            significant(median),
            significant(p99),
            significant(max)
        );
        results.push(json!({
            "contender": id,
            "ours": ours(id),
            "call": what,
            "waits": s.len(),
            "median_us": median,
            "p99_us": p99,
            "max_us": max,
            "early": early,
            "not_timed_out": failed,
        }));
    }
    markdown.push('\n');
    let value = json!({ "timeout_us": timeout_us, "busy": TIMED_WAIT_BUSY, "contenders": results });
    (markdown, value)
}

// ---------------------------------------------------------------------------------------------
// 3. A zero timeout on a held lock

fn zero_timeout(options: &Options) -> (String, Value) {
    let baresync = generic::Mutex::<(), DefaultWait>::new(());
    let parking_lot = parking_lot::Mutex::new(());
    let std = std::sync::Mutex::new(());
    // This thread holds all three; each call must fail.
    let _held = (baresync.lock(), parking_lot.lock(), std.lock().unwrap());
    let calls: [(&str, &str, &dyn Fn() -> bool); 5] = [
        (
            "baresync_lock_timeout_zero",
            "baresync `Mutex::lock_timeout(Duration::ZERO)`",
            &|| baresync.lock_timeout(Duration::ZERO).is_none(),
        ),
        ("baresync_try_lock", "baresync `Mutex::try_lock`", &|| {
            baresync.try_lock().is_none()
        }),
        (
            "parking_lot_try_lock_for_zero",
            "parking_lot `Mutex::try_lock_for(Duration::ZERO)`",
            &|| parking_lot.try_lock_for(Duration::ZERO).is_none(),
        ),
        (
            "parking_lot_try_lock",
            "parking_lot `Mutex::try_lock`",
            &|| parking_lot.try_lock().is_none(),
        ),
        ("std_try_lock", "std `Mutex::try_lock`", &|| {
            std.try_lock().is_err()
        }),
    ];
    const CHUNK: u64 = 256;
    let mut ns = vec![Vec::new(); calls.len()];
    let progress = Progress::new("load_zero_timeout");
    for sample in 1..=options.samples {
        progress.sample(sample, options.samples);
        for ((_, _, call), ns) in calls.iter().zip(&mut ns) {
            let (start, mut done) = (Instant::now(), 0u64);
            while done < options.load_items && start.elapsed() < options.sample_cap {
                for _ in 0..CHUNK {
                    assert!(black_box(call()), "locked a held lock");
                }
                done += CHUNK;
            }
            ns.push(start.elapsed().as_secs_f64() * 1e9 / done as f64);
        }
    }
    progress.done();
    let mut markdown = String::from(
        "### A zero timeout on a held lock (load_zero_timeout)\n\n\
         The calling thread holds the lock; no busy threads. Nanoseconds per call.\n\n\
         | call | median | min-max |\n| --- | ---: | ---: |\n",
    );
    let mut results = Vec::new();
    for ((id, what, _), ns) in calls.iter().zip(&ns) {
        let s = Summary::of(ns);
        let _ = writeln!(
            markdown,
            "| {what} | {} ns | {}-{} ns |",
            significant(s.median),
            significant(s.min),
            significant(s.max)
        );
        results.push(json!({
            "contender": id,
            "ours": ours(id),
            "call": what,
            "ns": ns,
            "summary": s.json(),
        }));
    }
    markdown.push('\n');
    (markdown, json!({ "contenders": results }))
}
