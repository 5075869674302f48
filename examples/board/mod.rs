//! Board support for the examples when they run bare metal in QEMU (see `targets/`).
//!
//! Each example includes it with
//! `#[cfg(target_os = "none")] #[path = "board/mod.rs"] mod board;` and gets:
//!
//! - [`entry!`]: the reset entry point (`cortex-m-rt` or `riscv-rt`) calling the example's
//!   `fn() -> Result<(), &'static str>`, whose result becomes the exit status through
//!   semihosting (0 ok, 1 failed). A panic exits with 101 (the `semihosting` panic handler); a
//!   HardFault (Cortex-M), an unexpected interrupt or an exception (RISC-V) exits with 1, so a
//!   broken run never hangs CI.
//! - [`start_ticks`]: a periodic timer interrupt (SysTick on Cortex-M, the CLINT machine timer
//!   on RISC-V) that advances `baresync::wait::TickClock` and calls the example's handler: the
//!   example's "other thread".
//! - [`println!`]: semihosting output, on QEMU's stdout.
//!
//! The boards: `mps2-an386` (Cortex-M4F, 25 MHz), `microbit` (Cortex-M0, 16 MHz), `mps2-an505`
//! (Cortex-M33, 25 MHz), RISC-V `virt` (10 MHz machine timer). This module is not an example
//! itself: cargo only builds `examples/*.rs` and `examples/*/main.rs`.
#![allow(
    dead_code,
    unused_imports,
    unused_macros,
    reason = "each example (and the smp test) uses part of the board support"
)]

use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use core::time::Duration;

use baresync::wait::TickClock;
pub use semihosting::println;

/// The example's tick handler, as a `fn()` cast to a pointer; null until `start_ticks`.
static TICK_HANDLER: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
/// The tick period in microseconds (what `TickClock` advances by per tick).
static TICK_PERIOD_US: AtomicU32 = AtomicU32::new(0);
/// Ticks since `start_ticks`.
static TICKS: AtomicU32 = AtomicU32::new(0);

/// Defines the board's entry point, which runs `$main` and exits with its result.
macro_rules! entry {
    ($main:path) => {
        #[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
        #[cfg_attr(any(target_arch = "riscv32", target_arch = "riscv64"), riscv_rt::entry)]
        fn board_entry() -> ! {
            board::finish($main())
        }
    };
}
pub(crate) use entry;

/// Prints the verdict and ends the QEMU run: exit status 0 for `Ok`, 1 for `Err`.
pub fn finish(result: Result<(), &'static str>) -> ! {
    stop_ticks();
    match result {
        Ok(()) => {
            println!("ok");
            semihosting::process::exit(0)
        }
        Err(why) => {
            println!("FAILED: {why}");
            semihosting::process::exit(1)
        }
    }
}

/// The board `main` of an example whose pattern needs several threads that block on each other,
/// which one core with interrupt handlers cannot host.
pub fn host_only() -> Result<(), &'static str> {
    println!("host-only example: its threads block on each other, which needs an OS");
    Ok(())
}

/// Calls `handler` from the timer interrupt every `period` (and advances `TickClock` by it).
pub fn start_ticks(period: Duration, handler: fn()) {
    let period_us = u32::try_from(period.as_micros()).unwrap_or(u32::MAX);
    TICK_PERIOD_US.store(period_us, Ordering::Relaxed);
    // Release: the handler's Acquire load sees the period stored above.
    TICK_HANDLER.store(handler as *mut (), Ordering::Release);
    arch::start_timer(period_us);
}

/// Stops the timer interrupt.
pub fn stop_ticks() {
    arch::stop_timer();
}

/// Ticks since `start_ticks`.
pub fn ticks() -> u32 {
    TICKS.load(Ordering::Relaxed)
}

/// The body of the timer interrupt.
fn on_tick() {
    TICKS.store(
        TICKS.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
    let period_us = TICK_PERIOD_US.load(Ordering::Relaxed);
    TickClock::advance(Duration::from_micros(u64::from(period_us)));
    let handler = TICK_HANDLER.load(Ordering::Acquire);
    if !handler.is_null() {
        // SAFETY: the only non-null value ever stored is a `fn()` cast to a pointer
        // (`start_ticks`); function and data pointers have the same size on these targets.
        let handler = unsafe { core::mem::transmute::<*mut (), fn()>(handler) };
        handler();
    }
}

#[cfg(target_arch = "arm")]
mod arch {
    use cortex_m::peripheral::syst::SystClkSource;
    use cortex_m_rt::{ExceptionFrame, exception};

    /// SysTick counts core cycles: mps2-an386/an505 run at 25 MHz, the microbit (the only
    /// board without compare-and-swap) at 16 MHz.
    const CORE_HZ: u32 = if cfg!(target_has_atomic = "32") {
        25_000_000
    } else {
        16_000_000
    };

    pub(super) fn start_timer(period_us: u32) {
        // SAFETY: the board module is the only user of SYST, from thread mode.
        let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
        let reload = (u64::from(CORE_HZ) * u64::from(period_us) / 1_000_000).clamp(2, 1 << 24);
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(reload as u32 - 1);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
    }

    pub(super) fn stop_timer() {
        // SAFETY: as in `start_timer`.
        let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
        syst.disable_interrupt();
        syst.disable_counter();
    }

    #[exception]
    fn SysTick() {
        super::on_tick();
    }

    #[exception]
    unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
        semihosting::println!("FAILED: HardFault at pc={:#x}", frame.pc());
        semihosting::process::exit(1)
    }

    #[exception]
    unsafe fn DefaultHandler(irqn: i16) {
        semihosting::println!("FAILED: unexpected interrupt {irqn}");
        semihosting::process::exit(1)
    }
}

#[cfg(any(target_arch = "riscv32", target_arch = "riscv64"))]
mod arch {
    use riscv::interrupt::Interrupt;

    /// The CLINT of QEMU `virt`: hart 0's `mtimecmp`, and `mtime` (10 MHz).
    const MTIMECMP: usize = 0x0200_4000;
    const MTIME: usize = 0x0200_BFF8;
    const MTIME_HZ: u64 = 10_000_000;

    static PERIOD: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

    fn mtime() -> u64 {
        loop {
            // SAFETY: MTIME is the CLINT's always-readable timer register on QEMU `virt`.
            let (hi, lo, hi2) = unsafe {
                (
                    ((MTIME + 4) as *const u32).read_volatile(),
                    (MTIME as *const u32).read_volatile(),
                    ((MTIME + 4) as *const u32).read_volatile(),
                )
            };
            if hi == hi2 {
                return (u64::from(hi) << 32) | u64::from(lo);
            }
        }
    }

    fn set_mtimecmp(at: u64) {
        // SAFETY: hart 0's MTIMECMP register; the high word is parked at MAX first so no
        // spurious interrupt fires between the two halves.
        unsafe {
            ((MTIMECMP + 4) as *mut u32).write_volatile(u32::MAX);
            (MTIMECMP as *mut u32).write_volatile(at as u32);
            ((MTIMECMP + 4) as *mut u32).write_volatile((at >> 32) as u32);
        }
    }

    pub(super) fn start_timer(period_us: u32) {
        let period = (MTIME_HZ * u64::from(period_us) / 1_000_000).max(1);
        PERIOD.store(period as u32, core::sync::atomic::Ordering::Relaxed);
        set_mtimecmp(mtime() + period);
        // SAFETY: the handler below is defined; enabling interrupts is what the examples want.
        unsafe {
            riscv::interrupt::enable_interrupt(Interrupt::MachineTimer);
            riscv::interrupt::enable();
        }
    }

    pub(super) fn stop_timer() {
        riscv::interrupt::disable_interrupt(Interrupt::MachineTimer);
    }

    #[riscv_rt::core_interrupt(Interrupt::MachineTimer)]
    fn machine_timer() {
        let period = u64::from(PERIOD.load(core::sync::atomic::Ordering::Relaxed));
        set_mtimecmp(mtime() + period);
        super::on_tick();
    }

    #[unsafe(export_name = "ExceptionHandler")]
    fn exception_handler(frame: &riscv_rt::TrapFrame) -> ! {
        semihosting::println!(
            "FAILED: exception, mcause={:#x} mepc={:#x} ra={:#x}",
            riscv::register::mcause::read().bits(),
            riscv::register::mepc::read(),
            frame.ra
        );
        semihosting::process::exit(1)
    }

    #[unsafe(export_name = "DefaultHandler")]
    fn default_handler() {
        semihosting::println!("FAILED: unexpected interrupt");
        semihosting::process::exit(1)
    }
}
