//! An interrupt publishes a calibration value once through a `OnceLock`; `main` waits for it,
//! and initialises its own tables once with `Once` and `LazyLock`.
//!
//! A driver's shape: the sensor's interrupt measures an offset when the hardware settles (tick
//! 10 here) and publishes it with `OnceLock::set`, which never blocks when the handler is the
//! only context that initialises the cell; later ticks find it set (`set` hands their value
//! back) and read it with `get`, one load. `main` first gives up on a bounded `wait_timeout`
//! (too early, and not early), then blocks in `wait` until the value is there. Meanwhile it
//! runs its own one-time set-up through `Once::call_once` and a `LazyLock` table, each exactly
//! once however often it asks.
//!
//! On a board (`targets/`) the handler is the timer interrupt and the backend is
//! `Wfi<TickClock>`: `main` sleeps with `WFI` until the interrupt that sets the value. On the
//! host a thread plays the interrupt and the backend is the default (futex) one.
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::sync::atomic::Ordering;

// portable-atomic's (a `fetch_add` on thumbv6m too, through critical-section).
use baresync::wait::AtomicU32;
use core::time::Duration;

/// The primitives on `Wfi` with the tick clock, so that the timed methods exist on the board.
#[cfg(target_os = "none")]
mod sync {
    baresync::backend_aliases!(baresync::wait::Wfi<baresync::wait::TickClock>);
}
#[cfg(not(target_os = "none"))]
use baresync as sync;

/// The tick on which the hardware has settled and the handler measures the offset.
const SETTLED_TICK: u32 = 10;
/// Ticks the example runs for after the value is set.
const MORE_TICKS: u32 = 10;
/// What the "measurement" reads.
const OFFSET: i32 = -37;

static CALIBRATION: sync::OnceLock<i32> = sync::OnceLock::new();
static SETUP: sync::Once = sync::Once::new();
/// A gain table, computed on first use from the calibration.
static GAINS: sync::LazyLock<[i32; 8]> = sync::LazyLock::new(|| {
    TABLE_BUILDS.fetch_add(1, Ordering::Relaxed);
    let offset = CALIBRATION.get().copied().unwrap_or(0);
    let mut gains = [0; 8];
    let mut i = 0;
    while i < 8 {
        gains[i] = (i as i32 + 1) * 100 + offset;
        i += 1;
    }
    gains
});

/// Handler ticks (the handler is the only writer). Release/Acquire: `main` (on the host,
/// another thread) sees the counters below as they were at the tick it reads.
static TICK: AtomicU32 = AtomicU32::new(0);
/// Ticks on which the handler found the value already set (`set` handed its value back).
static ALREADY_SET: AtomicU32 = AtomicU32::new(0);
/// Ticks on which the handler read the value with `get`.
static READ_BY_HANDLER: AtomicU32 = AtomicU32::new(0);
static SETUP_RUNS: AtomicU32 = AtomicU32::new(0);
static TABLE_BUILDS: AtomicU32 = AtomicU32::new(0);

/// The interrupt handler's body: `set` (never blocks here: nobody else initialises the cell)
/// and `get` only.
fn on_tick() {
    let tick = TICK.load(Ordering::Relaxed) + 1;
    if tick >= SETTLED_TICK && CALIBRATION.set(OFFSET).is_err() {
        ALREADY_SET.fetch_add(1, Ordering::Relaxed);
    }
    if CALIBRATION.get() == Some(&OFFSET) {
        READ_BY_HANDLER.fetch_add(1, Ordering::Relaxed);
    }
    TICK.store(tick, Ordering::Release);
}

/// `main`'s side. `now` reads the clock the timed waits use; `tick` is how long one tick lasts.
fn run(now: fn() -> Duration, tick: Duration) -> Result<i32, &'static str> {
    for _ in 0..3 {
        SETUP.call_once(|| {
            SETUP_RUNS.fetch_add(1, Ordering::Relaxed);
        });
    }
    // 1. Too early: the value comes at tick 10, a 3-tick wait gives up (and not early).
    let start = now();
    if CALIBRATION.wait_timeout(3 * tick).is_some() {
        return Err("the calibration came too early");
    }
    if now() - start < 3 * tick {
        return Err("wait_timeout returned before its timeout");
    }
    // 2. Block until the handler publishes it.
    let offset = *CALIBRATION.wait();
    if offset != OFFSET {
        return Err("OnceLock::wait returned before the value was set");
    }
    // 3. The table, built on first use from the calibration; later reads are one load.
    if GAINS[0] != 100 + OFFSET || GAINS[7] != 800 + OFFSET {
        return Err("the gain table was built without the calibration");
    }
    // 4. Let the handler run a few more ticks: each finds the value set, and reads it.
    let until = SETTLED_TICK + MORE_TICKS;
    while TICK.load(Ordering::Acquire) < until {
        core::hint::spin_loop();
    }
    if ALREADY_SET.load(Ordering::Relaxed) < MORE_TICKS {
        return Err("a later set did not find the value there");
    }
    if READ_BY_HANDLER.load(Ordering::Relaxed) < MORE_TICKS + 1 {
        return Err("the handler did not read the value");
    }
    if SETUP_RUNS.load(Ordering::Relaxed) != 1 || !SETUP.is_completed() {
        return Err("the set-up did not run exactly once");
    }
    if sync::LazyLock::force(&GAINS)[3] != 400 + OFFSET || TABLE_BUILDS.load(Ordering::Relaxed) != 1
    {
        return Err("the table was not built exactly once");
    }
    Ok(offset)
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
    let offset = thread::scope(|s| {
        s.spawn(move || {
            // The "interrupt".
            while !STOP.load(Ordering::Relaxed) {
                thread::sleep(tick);
                on_tick();
            }
        });
        let offset = run(|| START.get().unwrap().elapsed(), tick);
        STOP.store(true, Ordering::Relaxed);
        offset
    });
    let offset = offset.unwrap_or_else(|why| panic!("{why}"));
    println!(
        "host: calibration {offset} published at tick {SETTLED_TICK}, gains {:?}",
        *GAINS
    );
    println!("ok: OnceLock set once by the ticking thread; Once and LazyLock ran once");
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
    let offset = run(TickClock::now, tick)?;
    board::println!(
        "board: calibration {offset} published by the tick handler at tick {SETTLED_TICK}; \
         main slept in OnceLock::wait; Once and LazyLock ran once (gains {:?})",
        *GAINS
    );
    Ok(())
}
