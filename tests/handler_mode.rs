//! The debug-build check that a blocking call in an interrupt handler panics instead of hanging.
//!
//! `harness = false`. On a Cortex-M board (`cargo test --target thumbv7em-none-eabihf --test
//! handler_mode`), `main` holds a `spin::Mutex` and the SysTick handler calls the blocking `lock`
//! on it: on one core that would spin forever, since the holder cannot run until the handler
//! returns. In a debug build the backend's handler-mode check (IPSR != 0) must panic with a
//! message saying so (`had to wait inside an interrupt handler`), which the semihosting panic
//! handler turns into exit status 101. **This program is expected to fail**: `.ci/run` checks
//! that it fails with that message. (A release build has no check and hangs until the runner's
//! `timeout`.)
//!
//! **RISC-V has no handler-mode register**, so `Spin` cannot tell a handler from thread code: the
//! `spin::Mutex` version of this test would spin until the runner's `timeout` (60 s) and then
//! fail with status 124, by design. What RISC-V can tell is that taking a trap clears
//! `mstatus.MIE`, and `Wfi`, which only an interrupt can wake, refuses to wait with it clear. So
//! on RISC-V the machine-timer handler blocks on a `wfi::Event` that nobody sets, and the expected
//! panic is `had to wait on the Wfi backend with mstatus.MIE clear`. A handler that blocks on
//! `Spin` (or on `WfiIpi`, which another hart may end) is not caught there.
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
board::entry!(block_in_a_tick_handler);

#[cfg(all(target_os = "none", target_arch = "arm"))]
static LOCK: baresync::spin::Mutex<u32> = baresync::spin::Mutex::new(0);

/// Blocks on the lock that `main` holds: the mistake the check is there to catch.
#[cfg(all(target_os = "none", target_arch = "arm"))]
fn blocking_handler() {
    *LOCK.lock() += 1;
}

/// Nobody sets it: the handler below would sleep on it forever.
#[cfg(all(target_os = "none", not(target_arch = "arm")))]
static NEVER: baresync::wfi::Event = baresync::wfi::Event::new();

/// Blocks on `Wfi` inside the machine-timer handler, with `mstatus.MIE` cleared by the trap.
#[cfg(all(target_os = "none", not(target_arch = "arm")))]
fn blocking_handler() {
    NEVER.wait();
}

#[cfg(all(target_os = "none", not(target_arch = "arm")))]
fn block_in_a_tick_handler() -> Result<(), &'static str> {
    board::println!("handler_mode: the next tick's handler will block on a wfi::Event");
    board::start_ticks(core::time::Duration::from_millis(1), blocking_handler);
    let start = board::ticks();
    while board::ticks() == start {
        core::hint::spin_loop();
    }
    Err("the handler returned from a wait on an event that nobody sets")
}

#[cfg(all(target_os = "none", target_arch = "arm"))]
fn block_in_a_tick_handler() -> Result<(), &'static str> {
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
