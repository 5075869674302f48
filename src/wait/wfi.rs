//! The interrupt-aware backend for single-core bare metal, and a clock an interrupt drives.
//!
//! Compiled only on `target_os = "none"` for Cortex-M and RISC-V (machine mode); see
//! `cfg_wfi!` in `cfg.rs`.
//!
//! # Why the check-then-sleep is race-free
//!
//! On one core, the only thing that can change a word a blocked caller waits on is an interrupt
//! handler. `wait` masks interrupts, re-checks the word and only then executes `WFI`. A handler
//! that runs before the mask was set has already changed the word, so the re-check sees it and
//! `wait` does not sleep. A handler that becomes pending after the mask was set cannot run, but it
//! still ends the `WFI`: both Cortex-M (PRIMASK) and RISC-V (`mstatus.MIE`) wake from `WFI` on a
//! pending interrupt whatever the global mask says. Unmasking then lets the handler run, and the
//! caller re-checks. No wake-up is lost, provided the handler changed the word: hence
//! `WAKE_NEEDED` stays `true` (see [`Wfi`]), while `wake_*` have nothing to do.
//!
//! # Orderings
//!
//! The word is loaded Relaxed: `wait` orders nothing (callers re-load with the ordering they
//! need). The mask, `WFI` and unmask are `asm!` blocks without `nomem`, so the compiler keeps the
//! load between them.

use core::marker::PhantomData;
use core::time::Duration;

use super::{
    AtomicU32, Clock, NoClock, Wait, WaitTimeout, assert_can_sleep_until_interrupt, cpu,
    pause_until_deadline,
};
use crate::primitive::Ordering;

/// The interrupt-aware backend for single-core bare metal: sleeps with `WFI` until an interrupt.
///
/// [`wait`](Wait::wait) masks interrupts, re-checks the word, executes `WFI` (Cortex-M) or `wfi`
/// (RISC-V) so that the next pending interrupt wakes the core, restores the previous interrupt
/// mask (the pending handler runs now) and returns; the primitive re-checks. Waking is free:
/// `wake_one`/`wake_all` do nothing, because the interrupt itself ends the `WFI`. But
/// [`WAKE_NEEDED`](Wait::WAKE_NEEDED) stays `true`: the primitives must keep their "someone
/// sleeps" bookkeeping so that a handler's `try_push`, `set` or `release` *changes the word* the
/// sleeper re-checks under the mask. (A queue's state is not that word; without the bookkeeping,
/// a handler that pushed between the caller's last look and the mask would leave it asleep
/// until some later interrupt.) A handler pays one load when nobody sleeps. Names bound to it are
/// in `baresync::wfi`.
///
/// # Scope
///
/// - **One core.** The wait ends only on an interrupt of this core. On several cores, a word
///   changed by another core wakes nobody, and nothing in the target triple tells: `thumbv6m`
///   covers the dual-core RP2040, `thumbv8m.main` the RP2350, `thumbv7em` the dual-core STM32H7.
///   There, use `Wfe` (Cortex-M: `WFE`/`SEV`), `WfiIpi` (RISC-V:
///   `WFI` and a software interrupt to the other harts), [`Spin`](super::Spin), or an RTOS
///   through [`Hook`](super::Hook).
/// - **The thread side blocks, handlers do not.** A handler that blocks waits for the code it
///   interrupted, forever. Handlers use the `try_` verbs and the other non-blocking ones.
/// - **Interrupts enabled.** Blocking with interrupts masked (a critical section; on ARMv7-M and
///   ARMv8-M Mainline also FAULTMASK, or BASEPRI as RTIC's locks use it) sleeps until an
///   interrupt is pending and then never runs its handler.
/// - **Privileged code.** It masks with `cpsid i` on Cortex-M, which unprivileged thread mode
///   silently ignores (the check-then-sleep race then reopens), and with `mstatus` on RISC-V
///   (machine mode, as `riscv-rt` runs; other modes trap). Thread mode is privileged out of
///   reset; an RTOS that runs tasks unprivileged needs [`Hook`](super::Hook).
///
/// Debug builds check the last three before every sleep and panic, naming the register, instead
/// of hanging (Cortex-M: IPSR, PRIMASK, FAULTMASK, BASEPRI, CONTROL.nPRIV; RISC-V: `mstatus.MIE`,
/// which a trap clears, so a handler that blocks is caught too, and `mie`, where at least one
/// machine interrupt source must be enabled). See the crate's "Interrupt safety" section.
///
/// `C` is the [`Clock`] for timed waits. It defaults to [`NoClock`]: no timed methods until you
/// name one, for example [`TickClock`] driven by your SysTick or machine-timer interrupt:
/// `baresync::wait::Wfi<baresync::wait::TickClock>`. Timed waits check the deadline each time an
/// interrupt wakes the core, so the clock's own tick interrupt keeps them honest.
///
/// # Examples
///
/// A SysTick handler produces samples; `main` sleeps in `pop` until one arrives
/// (`examples/board_spsc_systick.rs` is the full program):
///
/// ```ignore
/// static SAMPLES: baresync::wfi::SpscQueue<u16, 8> = baresync::wfi::SpscQueue::new();
///
/// #[exception]
/// fn SysTick() {
///     // Wait-free, never blocks: fine in a handler. A full queue drops the sample.
///     let _ = PRODUCER.try_push(read_adc());
/// }
///
/// // main: sleeps with WFI between ticks instead of spinning.
/// let sample = CONSUMER.pop()?;
/// ```
pub struct Wfi<C = NoClock>(PhantomData<fn() -> C>);

impl<C> core::fmt::Debug for Wfi<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Wfi")
    }
}

impl<C> Wait for Wfi<C> {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32) {
        assert_can_sleep_until_interrupt();
        sleep_while(word, expected);
    }

    #[inline]
    fn wake_one(_word: *const AtomicU32) {}

    #[inline]
    fn wake_all(_word: *const AtomicU32) {}

    // `WAKE_NEEDED` stays `true` although waking is free: see the type's docs.

    /// No polling: on one core only an interrupt can change the word, and an interrupt ends the
    /// sleep as well, so spinning first would only delay it.
    const POLLS: bool = false;
}

impl<C: Clock> WaitTimeout for Wfi<C> {
    type Clock = C;

    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        assert_can_sleep_until_interrupt();
        pause_until_deadline::<C>(word, expected, timeout, || sleep_while(word, expected))
    }
}

/// On Cortex-M a context is thread mode or one exception handler (see `wait::ContextId`).
// SAFETY: IPSR holds the active exception number, 0 in thread mode. On one core (`Wfi`'s scope)
// without an RTOS, thread mode is one context; an exception cannot preempt itself, so while a
// handler runs no other live context has its number. The id is that number plus one: never 0.
#[cfg(target_arch = "arm")]
unsafe impl<C> super::ContextId for Wfi<C> {
    #[inline]
    fn current() -> core::num::NonZeroUsize {
        // The number has 9 bits: the addition cannot overflow.
        core::num::NonZeroUsize::MIN.saturating_add(cpu::exception_number() as usize)
    }
}

/// One masked check, and a `WFI` if the word still holds `expected`; returns after the next
/// interrupt (whose handler has run by then) or at once if the word changed.
#[inline]
fn sleep_while(word: &AtomicU32, expected: u32) {
    // Masked on entry (a critical section) is refused by the debug check; a release build
    // leaves the mask as it found it.
    let was_enabled = cpu::disable_interrupts();
    if word.load(Ordering::Relaxed) == expected {
        cpu::wait_for_interrupt();
    }
    if was_enabled {
        cpu::enable_interrupts();
    }
}

/// A monotonic clock that the firmware's timer interrupt drives: [`TickClock::advance`] adds
/// the tick period, [`Clock::now`] reads the sum.
///
/// For timed waits on bare metal, where the crate knows no hardware timer: call
/// `TickClock::advance` from the SysTick (Cortex-M) or machine-timer (RISC-V) handler you
/// already have, and name the clock in the backend, `Wfi<TickClock>` or `Spin<TickClock>`.
/// (A cycle counter such as Cortex-M's DWT `CYCCNT` needs no interrupt, but QEMU does not model
/// it: it reads 0 there, so a clock on it never advances.)
///
/// The time is kept in nanoseconds in a `u64` (584 years), as two 32-bit words updated and read
/// with interrupts masked, so a reader never sees half an update. That makes it a single-core
/// clock for privileged code (see [`Wfi`]'s scope): on several cores, write a [`Clock`] over a
/// timer all cores can read (such as RISC-V `mtime`).
///
/// # Examples
///
/// ```ignore
/// use baresync::wait::{TickClock, Wfi};
/// use core::time::Duration;
///
/// mod sync {
///     // sync::Mutex, sync::Event, ... with lock_timeout, wait_timeout, ...
///     baresync::backend_aliases!(baresync::wait::Wfi<baresync::wait::TickClock>);
/// }
///
/// #[exception]
/// fn SysTick() {
///     // SysTick reloads every millisecond.
///     TickClock::advance(Duration::from_millis(1));
/// }
///
/// static READY: sync::Event = sync::Event::new();
/// // main: gives up after 50 ticks.
/// let ready = READY.wait_timeout(Duration::from_millis(50));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TickClock;

/// Nanoseconds since boot, low and high words. Written only with interrupts masked.
static TICK_NANOS_LO: AtomicU32 = AtomicU32::new(0);
static TICK_NANOS_HI: AtomicU32 = AtomicU32::new(0);

impl TickClock {
    /// Moves the clock forward by `by` (saturating at about 584 years).
    ///
    /// Call it from the timer interrupt with the timer's period. Interrupt-safe: it masks
    /// interrupts for a few instructions and restores the previous mask.
    pub fn advance(by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let was_enabled = cpu::disable_interrupts();
        let now = read_nanos().saturating_add(by);
        // Relaxed: interrupts are masked on the only core, so no reader runs in between.
        TICK_NANOS_LO.store(now as u32, Ordering::Relaxed);
        TICK_NANOS_HI.store((now >> 32) as u32, Ordering::Relaxed);
        if was_enabled {
            cpu::enable_interrupts();
        }
    }
}

impl Clock for TickClock {
    fn now() -> Duration {
        let was_enabled = cpu::disable_interrupts();
        let nanos = read_nanos();
        if was_enabled {
            cpu::enable_interrupts();
        }
        Duration::from_nanos(nanos)
    }
}

/// The clock's value; the caller has masked interrupts.
#[inline]
fn read_nanos() -> u64 {
    // Relaxed: see `advance`.
    let lo = TICK_NANOS_LO.load(Ordering::Relaxed);
    let hi = TICK_NANOS_HI.load(Ordering::Relaxed);
    (u64::from(hi) << 32) | u64::from(lo)
}
