//! A timer interrupt produces samples into an `SpscQueue`; `main` blocks in `pop` until each one
//! arrives.
//!
//! The embedded shape of a producer/consumer pair: the producer is an interrupt handler (an ADC
//! conversion-complete or SysTick handler), so it may only use the wait-free `try_push`; the
//! consumer is `main`, which blocks in `pop`. On a board (`cargo run --example board_spsc_systick
//! --target thumbv7em-none-eabihf`, see `targets/`) the handler is SysTick (machine timer on
//! RISC-V) and `main` blocks on the `Wfi` backend: it sleeps with `WFI` between ticks instead of
//! spinning. On the host a thread plays the interrupt and the queue is the default (futex) one.
//!
//! The handler keeps a sample it could not push (queue full) and retries on the next tick, so
//! the check is exact: `main` receives 0, 1, 2, ... `SAMPLES - 1`, in order, none lost.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
use baresync as sync;
#[cfg(target_os = "none")]
use baresync::wfi as sync;

use core::sync::atomic::{AtomicU32, Ordering};

const SAMPLES: u32 = 300;
const CAPACITY: usize = 8;

static QUEUE: sync::SpscQueue<u32, CAPACITY> = sync::SpscQueue::new();
/// The producing half, handed to the interrupt once at start-up. The handler only `try_lock`s
/// it; `main` never touches it after start-up, so that never fails.
static PRODUCER: sync::Mutex<Option<sync::Producer<'static, u32, CAPACITY>>> =
    sync::Mutex::new(None);
/// The next sample the handler produces (it is the only writer).
static NEXT: AtomicU32 = AtomicU32::new(0);
/// Ticks on which the queue was full and the sample had to wait for the next tick.
static FULL: AtomicU32 = AtomicU32::new(0);

/// The interrupt handler's body: produce one sample per tick, never block.
fn on_tick() {
    let next = NEXT.load(Ordering::Relaxed);
    if next >= SAMPLES {
        return;
    }
    let Some(producer) = PRODUCER.try_lock() else {
        return;
    };
    let Some(producer) = producer.as_ref() else {
        return;
    };
    match producer.try_push(next) {
        Ok(()) => NEXT.store(next + 1, Ordering::Relaxed),
        Err(_full) => FULL.store(FULL.load(Ordering::Relaxed) + 1, Ordering::Relaxed),
    }
}

/// `main`'s side: hand the producer to the handler, then pop every sample and check the order.
fn consume(start_ticks: impl FnOnce()) -> Result<u32, &'static str> {
    let (producer, consumer) = QUEUE.try_split().ok_or("the queue was split twice")?;
    *PRODUCER.lock() = Some(producer);
    start_ticks();
    for expected in 0..SAMPLES {
        let sample = consumer.pop().map_err(|_| "the queue closed early")?;
        if sample != expected {
            return Err("a sample was lost or arrived out of order");
        }
    }
    if consumer.try_pop().is_ok() {
        return Err("the handler produced more than SAMPLES");
    }
    Ok(SAMPLES)
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::sync::atomic::AtomicBool;
    use std::thread;
    use std::time::Duration;

    static STOP: AtomicBool = AtomicBool::new(false);
    let received = thread::scope(|s| {
        let result = consume(|| {
            s.spawn(|| {
                // The "interrupt": one tick every 100 µs.
                while !STOP.load(Ordering::Relaxed) {
                    on_tick();
                    thread::sleep(Duration::from_micros(100));
                }
            });
        });
        STOP.store(true, Ordering::Relaxed);
        result
    });
    let received = received.unwrap_or_else(|why| panic!("{why}"));
    println!(
        "host: received {received} samples in order from the ticking thread ({} ticks found the queue full)",
        FULL.load(Ordering::Relaxed)
    );
    println!("ok: every sample arrived once, in order");
}

#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    use core::time::Duration;

    let received = consume(|| board::start_ticks(Duration::from_millis(1), on_tick))?;
    let ticks = board::ticks();
    board::println!(
        "board: received {received} samples in order from the timer interrupt in {ticks} ticks, \
         main asleep in pop (WFI) between them; {} ticks found the queue full",
        FULL.load(Ordering::Relaxed)
    );
    // main sleeps between ticks and wakes on each one, so it keeps up: one tick per sample.
    if ticks < SAMPLES {
        return Err("fewer ticks than samples");
    }
    Ok(())
}
