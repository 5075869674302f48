//! A timer fills a `PriorityQueue` with jobs; `main` runs them most urgent first.
//!
//! Every tick the timer interrupt queues one job with a priority. When a batch is complete it
//! hands the queue to `main` by setting an `Event`; `main` pops the batch (greatest priority
//! first, equal priorities in the order they were queued), marks each job done (`task_done`,
//! then `join` confirms none is left) and hands the queue back with a second `Event`.
//!
//! Why the hand-over: `PriorityQueue` keeps its heap under a short internal lock, so even its
//! `try_` verbs are not for interrupt handlers that could preempt a holder on the same core. Here
//! the handler and `main` never use the queue at the same time, so the handler never finds the
//! lock held. (If it did, the debug build's handler-mode check would panic rather than hang.)
//! For a queue that both sides use at once, take `SpscQueue` or `MpmcQueue`.
//!
//! On a board (`targets/`) the interrupt is the timer and `main` sleeps on the `Wfi` backend; on
//! the host a thread plays the interrupt.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
use baresync as sync;
#[cfg(target_os = "none")]
use baresync::wfi as sync;

use core::cmp::Ordering as CmpOrdering;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const BATCHES: u32 = 3;
const BATCH: u32 = 12;

/// A job: ordered by priority only, so equal priorities keep their queueing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Job {
    priority: u8,
    id: u32,
}

impl Ord for Job {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.priority.cmp(&other.priority)
    }
}

impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

static JOBS: sync::PriorityQueue<Job, 16> = sync::PriorityQueue::new();
/// Set by the handler when a batch is queued: `main` owns the queue.
static BATCH_QUEUED: sync::Event = sync::Event::new();
/// Set by `main` when the batch is done: the handler owns the queue.
static QUEUE_FREE: sync::Event = sync::Event::new();
/// The next job id (the handler is the only writer).
static NEXT_ID: AtomicU32 = AtomicU32::new(0);
/// Set by the handler if a push it expected to succeed failed.
static PUSH_FAILED: AtomicBool = AtomicBool::new(false);

/// A spread of priorities 0..5 with repeats, so equal priorities occur in every batch.
fn priority_of(id: u32) -> u8 {
    ((id * 7 + 3) % 5) as u8
}

/// The interrupt handler's body: queue one job per tick while it owns the queue.
fn on_tick() {
    if !QUEUE_FREE.is_set() {
        return;
    }
    let id = NEXT_ID.load(Ordering::Relaxed);
    if id >= BATCHES * BATCH {
        return;
    }
    let job = Job {
        priority: priority_of(id),
        id,
    };
    if JOBS.try_push(job).is_err() {
        PUSH_FAILED.store(true, Ordering::Relaxed);
    }
    NEXT_ID.store(id + 1, Ordering::Relaxed);
    if (id + 1).is_multiple_of(BATCH) {
        // Hand the queue over: from now on only `main` touches it.
        QUEUE_FREE.clear();
        BATCH_QUEUED.set();
    }
}

/// `main`'s side: run every batch and check the order. Returns the number of jobs run.
fn run(start_ticks: impl FnOnce()) -> Result<u32, &'static str> {
    QUEUE_FREE.set();
    start_ticks();
    let mut ran = 0;
    for _ in 0..BATCHES {
        BATCH_QUEUED.wait();
        BATCH_QUEUED.clear();
        let mut previous: Option<Job> = None;
        for _ in 0..BATCH {
            let job = JOBS.pop().map_err(|_| "the job queue closed")?;
            if let Some(prev) = previous {
                let in_order = prev.priority > job.priority
                    || (prev.priority == job.priority && prev.id < job.id);
                if !in_order {
                    return Err("jobs popped out of priority order");
                }
            }
            previous = Some(job);
            ran += 1;
            JOBS.task_done().map_err(|_| "task_done called too often")?;
        }
        if !JOBS.is_empty() {
            return Err("the batch had more jobs than queued");
        }
        // Every job of the batch is marked done: returns at once.
        JOBS.join();
        QUEUE_FREE.set();
    }
    if PUSH_FAILED.load(Ordering::Relaxed) {
        return Err("the handler found the queue full or locked");
    }
    Ok(ran)
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;
    use std::time::Duration;

    static STOP: AtomicBool = AtomicBool::new(false);
    let ran = thread::scope(|s| {
        let ran = run(|| {
            s.spawn(|| {
                while !STOP.load(Ordering::Relaxed) {
                    on_tick();
                    thread::sleep(Duration::from_micros(200));
                }
            });
        });
        STOP.store(true, Ordering::Relaxed);
        ran
    });
    let ran = ran.unwrap_or_else(|why| panic!("{why}"));
    println!(
        "host: ran {ran} jobs in {BATCHES} batches, most urgent first, ties in queueing order"
    );
    println!("ok: priority order held in every batch");
}

#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    let ran = run(|| board::start_ticks(core::time::Duration::from_millis(1), on_tick))?;
    board::println!(
        "board: ran {ran} jobs queued by the timer interrupt in {BATCHES} batches, most urgent \
         first, ties in queueing order"
    );
    Ok(())
}
