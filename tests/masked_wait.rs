//! The debug-build check that blocking while the producer's interrupt is masked panics, naming the
//! mask, instead of sleeping forever.
//!
//! `harness = false`. On each board, `main` first blocks on a `wfi::Event` that an interrupt sets,
//! unmasked, and shows that this works; then it masks that interrupt and blocks again. In a debug
//! build the backend's check must panic with a message naming the mask (the semihosting panic
//! handler exits with status 101). **This program is expected to fail**: `.ci/run` checks that it
//! fails with the message of each board's mask:
//!
//! | board | producer | mask | message |
//! | --- | --- | --- | --- |
//! | `mps2-an386` (thumbv7em), `mps2-an505` (thumbv8m.main) | PendSV at priority 0x80, pended by SysTick | BASEPRI = 0x80, as an RTIC lock at that ceiling | `had to wait with BASEPRI = 0x80` |
//! | `microbit` (thumbv6m: no BASEPRI) | PendSV, pended by SysTick | PRIMASK (a critical section) | `had to wait with PRIMASK set` |
//! | RISC-V `virt` | the machine timer | `mie.MTIE` cleared, no other source enabled | `every machine interrupt source disabled in mie` |
//!
//! On the Mainline boards SysTick keeps priority 0, which BASEPRI cannot mask: it is also a
//! watchdog that fails the run with a clear message if the wait does not panic (a release build,
//! which has no check). On the microbit and RISC-V a release build hangs until the runner's
//! `timeout` instead: the mask stops the watchdog too.
//!
//! On the host there are no interrupt masks; it only says so.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    println!(
        "masked_wait: the host has no interrupt masks; run it on a board (expected to panic there)"
    );
}

#[cfg(target_os = "none")]
#[path = "../examples/board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(block_with_the_producer_masked);

/// Set by the producer interrupt; `main` blocks on it.
#[cfg(target_os = "none")]
static READY: baresync::wfi::Event = baresync::wfi::Event::new();

#[cfg(target_os = "none")]
fn block_with_the_producer_masked() -> Result<(), &'static str> {
    use core::time::Duration;

    producer::start();
    board::start_ticks(Duration::from_millis(1), producer::on_tick);
    READY.wait();
    board::println!(
        "masked_wait: unmasked, the producer ({}) ended the wait",
        producer::NAME
    );

    // Mask first, then clear: the masked producer cannot set the event again in between.
    producer::mask();
    READY.clear();
    board::println!(
        "masked_wait: {}; blocking on the event now must panic (debug build)",
        producer::MASK
    );
    READY.wait();
    Err("the wait returned although its producer was masked")
}

/// Cortex-M: PendSV is the producer, pended by every SysTick.
#[cfg(all(target_os = "none", target_arch = "arm"))]
mod producer {
    use cortex_m::peripheral::SCB;
    use cortex_m::peripheral::scb::SystemHandler;
    use cortex_m_rt::exception;

    /// PendSV's priority: less urgent than SysTick (0), so BASEPRI at this value masks PendSV
    /// but not SysTick.
    const PRIORITY: u8 = 0x80;

    pub const NAME: &str = "PendSV, pended by SysTick";

    #[cfg(baresync_cortex_m_mainline)]
    pub const MASK: &str = "BASEPRI = 0x80 masks PendSV (priority 0x80), as an RTIC lock would";
    #[cfg(not(baresync_cortex_m_mainline))]
    pub const MASK: &str = "inside a critical section (PRIMASK set; ARMv6-M has no BASEPRI)";

    /// Ticks after masking at which the watchdog fails the run (Mainline boards only).
    #[cfg(baresync_cortex_m_mainline)]
    const WATCHDOG_TICKS: u32 = 100;
    #[cfg(baresync_cortex_m_mainline)]
    static MASKED_AT: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

    pub fn start() {
        // SAFETY: called once before the ticks start; nothing else sets priorities here.
        unsafe {
            cortex_m::Peripherals::steal()
                .SCB
                .set_priority(SystemHandler::PendSV, PRIORITY)
        };
    }

    pub fn on_tick() {
        SCB::set_pendsv();
        #[cfg(baresync_cortex_m_mainline)]
        {
            use core::sync::atomic::Ordering;
            let masked_at = MASKED_AT.load(Ordering::Relaxed);
            if masked_at != 0 && super::board::ticks().wrapping_sub(masked_at) > WATCHDOG_TICKS {
                super::board::println!(
                    "FAILED: still blocked {WATCHDOG_TICKS} ticks after masking the producer, \
                     and nothing panicked (a release build has no check)"
                );
                semihosting::process::exit(1);
            }
        }
    }

    #[cfg(baresync_cortex_m_mainline)]
    pub fn mask() {
        use core::sync::atomic::Ordering;
        MASKED_AT.store(super::board::ticks().max(1), Ordering::Relaxed);
        // SAFETY: raising BASEPRI only masks interrupts; this program never lowers it again.
        unsafe { cortex_m::register::basepri::write(PRIORITY) };
    }

    #[cfg(not(baresync_cortex_m_mainline))]
    pub fn mask() {
        // The critical section of `cortex-m`'s single-core implementation: PRIMASK stays set
        // for the rest of the run, as if `main` blocked inside `critical_section::with`.
        cortex_m::interrupt::disable();
    }

    #[exception]
    fn PendSV() {
        super::READY.set();
    }
}

/// RISC-V: the machine-timer tick is the producer.
#[cfg(all(
    target_os = "none",
    any(target_arch = "riscv32", target_arch = "riscv64")
))]
mod producer {
    pub const NAME: &str = "the machine-timer interrupt";
    pub const MASK: &str = "mie.MTIE cleared (the timer paused), no other source enabled in mie";

    pub fn start() {}

    pub fn on_tick() {
        super::READY.set();
    }

    pub fn mask() {
        super::board::stop_ticks();
    }
}
