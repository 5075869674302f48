//! An interrupt sets an `Event` and releases a `Semaphore`; `main` blocks on both.
//!
//! A driver's shape: an interrupt handler reports "link up" once (an `Event`) and then one permit
//! per received frame (a counting `Semaphore`), with the non-blocking `set` and `release`; `main`
//! waits for the link, then takes one permit per frame with `acquire`. The timed forms show the
//! deadline side: `wait_timeout` before the link is up, and `acquire_timeout` once the frames
//! stop, both give up after their time.
//!
//! On a board (`targets/`) the handler is the timer interrupt and the backend is
//! `Wfi<TickClock>`: `main` sleeps with `WFI`, and the same tick interrupt advances the clock the
//! timed waits measure. On the host a thread plays the interrupt and the backend is the default
//! (futex) one.
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

/// The primitives on `Wfi` with the tick clock, so that the timed methods exist on the board.
#[cfg(target_os = "none")]
mod sync {
    baresync::backend_aliases!(baresync::wait::Wfi<baresync::wait::TickClock>);
}
#[cfg(not(target_os = "none"))]
use baresync as sync;

/// The tick on which the handler reports the link up.
const LINK_UP_TICK: u32 = 20;
/// Frames the handler receives after the link is up, one per tick.
const FRAMES: u32 = 100;

static LINK_UP: sync::Event = sync::Event::new();
static FRAME_READY: sync::Semaphore = sync::Semaphore::new(0);
/// Handler ticks (the handler is the only writer).
static TICK: AtomicU32 = AtomicU32::new(0);

/// The interrupt handler's body: only the non-blocking `set` and `release`.
fn on_tick() {
    let tick = TICK.load(Ordering::Relaxed) + 1;
    TICK.store(tick, Ordering::Relaxed);
    if tick == LINK_UP_TICK {
        LINK_UP.set();
    } else if tick > LINK_UP_TICK && tick <= LINK_UP_TICK + FRAMES {
        FRAME_READY.release(1);
    }
}

/// `main`'s side. `now` reads the clock the timed waits use; `tick` is how long one tick lasts.
fn run(now: fn() -> Duration, tick: Duration) -> Result<u32, &'static str> {
    // 1. Too early: the link comes up at tick 20, a 5-tick wait gives up (and not early).
    let start = now();
    if LINK_UP.wait_timeout(5 * tick) {
        return Err("the link came up too early");
    }
    if now() - start < 5 * tick {
        return Err("wait_timeout returned before its timeout");
    }
    // 2. Block until the handler sets the event.
    LINK_UP.wait();
    if TICK.load(Ordering::Relaxed) < LINK_UP_TICK {
        return Err("Event::wait returned before the event was set");
    }
    // 3. One permit per frame; each acquire blocks until the handler releases one.
    let mut frames = 0;
    while frames < FRAMES {
        FRAME_READY.acquire().forget();
        frames += 1;
    }
    // 4. No more frames: a bounded acquire gives up.
    if FRAME_READY.acquire_timeout(5 * tick).is_some() {
        return Err("a permit appeared after the last frame");
    }
    if FRAME_READY.available_permits() != 0 {
        return Err("permits left over");
    }
    Ok(frames)
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::sync::OnceLock;
    use std::sync::atomic::AtomicBool;
    use std::thread;
    use std::time::Instant;

    static START: OnceLock<Instant> = OnceLock::new();
    static STOP: AtomicBool = AtomicBool::new(false);
    START.get_or_init(Instant::now);
    let tick = Duration::from_millis(2);
    let frames = thread::scope(|s| {
        s.spawn(move || {
            // The "interrupt".
            while !STOP.load(Ordering::Relaxed) {
                thread::sleep(tick);
                on_tick();
            }
        });
        let frames = run(|| START.get().unwrap().elapsed(), tick);
        STOP.store(true, Ordering::Relaxed);
        frames
    });
    let frames = frames.unwrap_or_else(|why| panic!("{why}"));
    println!("host: link up after {LINK_UP_TICK} ticks, then {frames} frames, one permit each");
    println!("ok: Event and Semaphore driven from the ticking thread");
}

#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    use baresync::wait::{Clock, TickClock};

    let tick = Duration::from_millis(1);
    board::start_ticks(tick, on_tick);
    let frames = run(TickClock::now, tick)?;
    board::println!(
        "board: link up at tick {LINK_UP_TICK}, then {frames} frames, one permit each; \
         the timed waits gave up on TickClock ({} ms at the end)",
        TickClock::now().as_millis()
    );
    Ok(())
}
