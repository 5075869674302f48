//! The debug-build check that a blocking call in an interrupt handler panics instead of hanging.
//!
//! `harness = false`. On a Cortex-M board (`cargo test --target thumbv7em-none-eabihf --test
//! handler_mode`), `main` holds a `spin::Mutex` and the SysTick handler calls the blocking `lock`
//! on it: on one core that would spin forever, since the holder cannot run until the handler
//! returns. In a debug build the backend's handler-mode check must panic with a message saying so,
//! which the semihosting panic handler turns into exit status 101. **This program is expected to
//! fail**: `.ci/run` checks that it fails with that message. (A release build has no check and
//! hangs until the runner's `timeout`.)
//!
//! On the host there are no interrupt handlers; it only says so.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    println!(
        "handler_mode: the host has no interrupt handlers; run it on a Cortex-M board (expected to panic there)"
    );
}

#[cfg(target_os = "none")]
#[path = "../examples/board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(hold_lock_across_a_tick);

#[cfg(target_os = "none")]
static LOCK: baresync::spin::Mutex<u32> = baresync::spin::Mutex::new(0);

/// Blocks on the lock that `main` holds: the mistake the check is there to catch.
#[cfg(target_os = "none")]
fn blocking_handler() {
    *LOCK.lock() += 1;
}

#[cfg(target_os = "none")]
fn hold_lock_across_a_tick() -> Result<(), &'static str> {
    let guard = LOCK.lock();
    board::println!("handler_mode: main holds the lock; the next tick's handler will block on it");
    board::start_ticks(core::time::Duration::from_millis(1), blocking_handler);
    let start = board::ticks();
    while board::ticks() == start {
        core::hint::spin_loop();
    }
    drop(guard);
    Err("the handler returned from a blocking lock that main held")
}
