//! A timer interrupt uses a `PriorityQueue` and a `LifoQueue` through their `try_` verbs every
//! 50 µs, while `main` pushes and pops on the same queues 20,000 times.
//!
//! On one core, an interrupt handler that preempts `main` in the middle of a queue operation must
//! still get an answer: it cannot wait for `main`, which cannot run until the handler returns. On
//! bare metal the lock-based queues guard their state with a critical section, so a holder is
//! never preempted and a handler's `try_push`/`try_pop` never waits; this program would hang
//! (and fail CI by its timeout) if it ever did. On a board (`cargo run --example
//! board_locked_queues_irq --target thumbv7em-none-eabihf`, see `targets/`) the handler is
//! SysTick (the machine timer on RISC-V); on the host a thread plays the interrupt.
//!
//! The check is exact: for each queue, every item pushed (by either side) is popped exactly once
//! (by either side) or still queued at the end.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
use baresync as sync;
#[cfg(target_os = "none")]
use baresync::spin as sync;

use core::sync::atomic::{AtomicU32, Ordering};

/// Operations `main` performs on each queue.
const MAIN_OPS: u32 = 20_000;
const CAPACITY: usize = 8;

static PRIORITY: sync::PriorityQueue<u32, CAPACITY> = sync::PriorityQueue::new();
static STACK: sync::LifoQueue<u32, CAPACITY> = sync::LifoQueue::new();

/// Counts kept by one side (`main` or the handler) for one queue. Each side is the only writer
/// of its own counts, so loads and stores suffice (no read-modify-write: thumbv6m has none).
struct Counts {
    pushed: AtomicU32,
    popped: AtomicU32,
}

impl Counts {
    const fn new() -> Self {
        Self {
            pushed: AtomicU32::new(0),
            popped: AtomicU32::new(0),
        }
    }

    fn bump(counter: &AtomicU32) {
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }
}

/// `[priority queue, stack]`, for `main` and for the handler.
static MAIN: [Counts; 2] = [Counts::new(), Counts::new()];
static IRQ: [Counts; 2] = [Counts::new(), Counts::new()];
/// Handler calls.
static TICKS: AtomicU32 = AtomicU32::new(0);

/// One step on a queue through its `try_` verbs: push if `push`, else pop; counted in `counts`.
fn step(
    push: bool,
    value: u32,
    counts: &Counts,
    try_push: impl FnOnce(u32) -> bool,
    try_pop: impl FnOnce() -> bool,
) {
    if push {
        if try_push(value) {
            Counts::bump(&counts.pushed);
        }
    } else if try_pop() {
        Counts::bump(&counts.popped);
    }
}

/// The interrupt handler's body: one push or pop on each queue, never blocking.
fn on_tick() {
    let tick = TICKS.load(Ordering::Relaxed);
    TICKS.store(tick + 1, Ordering::Relaxed);
    // Mostly pushes, so that `main`'s pops find items the handler put there.
    let push = !tick.is_multiple_of(3);
    step(
        push,
        tick,
        &IRQ[0],
        |v| PRIORITY.try_push(v).is_ok(),
        || PRIORITY.try_pop().is_ok(),
    );
    step(
        push,
        tick,
        &IRQ[1],
        |v| STACK.try_push(v).is_ok(),
        || STACK.try_pop().is_ok(),
    );
}

/// `main`'s side: `MAIN_OPS` pushes and pops on each queue, alternating in runs.
fn run_main() {
    for i in 0..MAIN_OPS {
        let push = (i / 5) % 2 == 0;
        step(
            push,
            i,
            &MAIN[0],
            |v| PRIORITY.try_push(v).is_ok(),
            || PRIORITY.try_pop().is_ok(),
        );
        step(
            push,
            i,
            &MAIN[1],
            |v| STACK.try_push(v).is_ok(),
            || STACK.try_pop().is_ok(),
        );
    }
}

/// After the handler has stopped: drains both queues and checks that every item was popped once
/// or is still there. Returns the total operations that succeeded on both sides.
fn check() -> Result<u32, &'static str> {
    let mut left = [0u32; 2];
    while PRIORITY.try_pop().is_ok() {
        left[0] += 1;
    }
    while STACK.try_pop().is_ok() {
        left[1] += 1;
    }
    let mut total = 0;
    for q in 0..2 {
        let pushed = MAIN[q].pushed.load(Ordering::Relaxed) + IRQ[q].pushed.load(Ordering::Relaxed);
        let popped = MAIN[q].popped.load(Ordering::Relaxed) + IRQ[q].popped.load(Ordering::Relaxed);
        if pushed != popped + left[q] {
            return Err("an item was lost or popped twice");
        }
        total += pushed + popped;
    }
    if IRQ.iter().all(|c| c.pushed.load(Ordering::Relaxed) == 0) {
        return Err("the handler never pushed");
    }
    Ok(total)
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::sync::atomic::AtomicBool;
    use std::thread;
    use std::time::Duration;

    static STOP: AtomicBool = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            // The "interrupt": one tick every 50 µs.
            while !STOP.load(Ordering::Relaxed) {
                on_tick();
                thread::sleep(Duration::from_micros(50));
            }
        });
        // Let a few ticks in before main starts, as the board's timer does.
        thread::sleep(Duration::from_millis(1));
        run_main();
        STOP.store(true, Ordering::Relaxed);
    });
    let total = check().unwrap_or_else(|why| panic!("{why}"));
    println!(
        "host: {total} successful pushes and pops, {} ticks of the interrupt thread",
        TICKS.load(Ordering::Relaxed)
    );
    println!("ok: every item was popped once or is still queued");
}

#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    use core::time::Duration;

    board::start_ticks(Duration::from_micros(50), on_tick);
    run_main();
    board::stop_ticks();
    let total = check()?;
    board::println!(
        "board: {total} successful pushes and pops, {} ticks of the timer interrupt, none waited",
        TICKS.load(Ordering::Relaxed)
    );
    Ok(())
}
