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

use super::{AtomicU32, Clock, Deadline, NoClock, Wait, WaitTimeout, assert_can_block};

#[cfg(target_arch = "arm")]
pub(super) use arch::exception_number;
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
/// - **One core.** The wait ends only on an interrupt. On several cores, a word changed by another
///   core wakes nobody: use `SEV`/`WFE` (Cortex-M) or an inter-processor interrupt in a backend of
///   your own, [`Spin`](super::Spin), or an RTOS through [`Hook`](super::Hook).
/// - **The thread side blocks, handlers do not.** A handler that blocks waits for the code it
///   interrupted, forever; in debug builds on Cortex-M that panics instead (see the crate's
///   "Interrupt safety" section). Handlers use the `try_` verbs and the other non-blocking ones.
/// - **Interrupts enabled.** Blocking inside a critical section (interrupts masked) would sleep
///   until an interrupt is pending and then never run it; debug builds panic.
/// - **Privileged code.** It reads and writes PRIMASK on Cortex-M (privileged thread mode, the
///   reset default) and `mstatus` on RISC-V (machine mode, as `riscv-rt` runs).
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

impl<C> Wait for Wfi<C> {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32) {
        assert_can_block();
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
        assert_can_block();
        let deadline = Deadline::<C>::after(timeout);
        // Relaxed: as in `wait`, the caller re-loads with the ordering it needs.
        while word.load(Ordering::Relaxed) == expected {
            if deadline.remaining().is_none() {
                return false;
            }
            sleep_while(word, expected);
        }
        true
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
        core::num::NonZeroUsize::MIN.saturating_add(exception_number() as usize)
    }
}

/// One masked check, and a `WFI` if the word still holds `expected`; returns after the next
/// interrupt (whose handler has run by then) or at once if the word changed.
#[inline]
fn sleep_while(word: &AtomicU32, expected: u32) {
    let was_enabled = arch::disable_interrupts();
    debug_assert!(
        was_enabled,
        "baresync: blocking on the Wfi backend with interrupts masked (inside a critical \
         section?): the interrupt that would end the wait could never run"
    );
    if word.load(Ordering::Relaxed) == expected {
        arch::wait_for_interrupt();
    }
    if was_enabled {
        arch::enable_interrupts();
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
/// clock: on several cores, write a [`Clock`] over a timer all cores can read (such as RISC-V
/// `mtime`).
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
        let was_enabled = arch::disable_interrupts();
        let now = read_nanos().saturating_add(by);
        // Relaxed: interrupts are masked on the only core, so no reader runs in between.
        TICK_NANOS_LO.store(now as u32, Ordering::Relaxed);
        TICK_NANOS_HI.store((now >> 32) as u32, Ordering::Relaxed);
        if was_enabled {
            arch::enable_interrupts();
        }
    }
}

impl Clock for TickClock {
    fn now() -> Duration {
        let was_enabled = arch::disable_interrupts();
        let nanos = read_nanos();
        if was_enabled {
            arch::enable_interrupts();
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

/// The three instructions the backend needs, per architecture.
#[cfg(target_arch = "arm")]
mod arch {
    use core::arch::asm;

    /// Masks interrupts (PRIMASK = 1); returns whether they were enabled before.
    #[inline(always)]
    pub(super) fn disable_interrupts() -> bool {
        let primask: u32;
        // SAFETY: reads PRIMASK into a register; no memory, stack or flags are touched.
        unsafe {
            asm!("mrs {}, PRIMASK", out(reg) primask, options(nomem, nostack, preserves_flags))
        };
        // SAFETY: `cpsid i` only sets PRIMASK (privileged code, see `Wfi`'s docs). No `nomem`:
        // it is a compiler barrier, so the word is loaded after interrupts are masked.
        unsafe { asm!("cpsid i", options(nostack, preserves_flags)) };
        primask & 1 == 0
    }

    /// Unmasks interrupts (PRIMASK = 0); a pending handler runs right after.
    #[inline(always)]
    pub(super) fn enable_interrupts() {
        // SAFETY: `cpsie i` only clears PRIMASK; the caller masked it and it was clear before.
        // No `nomem`: handlers that run now may write memory the caller reads next.
        unsafe { asm!("cpsie i", options(nostack, preserves_flags)) };
    }

    /// The active exception number (IPSR bits 0..9): 0 in thread mode.
    #[inline(always)]
    pub(crate) fn exception_number() -> u32 {
        let ipsr: u32;
        // SAFETY: reads IPSR into a register; no memory, stack or flags are touched.
        unsafe { asm!("mrs {}, IPSR", out(reg) ipsr, options(nomem, nostack, preserves_flags)) };
        ipsr & 0x1FF
    }

    /// Sleeps until an interrupt is pending (also when PRIMASK masks it).
    #[inline(always)]
    pub(super) fn wait_for_interrupt() {
        // SAFETY: `wfi` only suspends execution until an interrupt or debug event is pending.
        unsafe { asm!("wfi", options(nostack, preserves_flags)) };
    }
}

/// The three instructions the backend needs, per architecture.
#[cfg(any(target_arch = "riscv32", target_arch = "riscv64"))]
mod arch {
    use core::arch::asm;

    /// `mstatus.MIE`: machine-mode global interrupt enable.
    const MSTATUS_MIE: usize = 1 << 3;

    /// Clears `mstatus.MIE`; returns whether it was set before.
    #[inline(always)]
    pub(super) fn disable_interrupts() -> bool {
        let mstatus: usize;
        // SAFETY: atomically reads `mstatus` and clears MIE (machine mode, see `Wfi`'s docs). No
        // `nomem`: it is a compiler barrier, so the word is loaded after interrupts are masked.
        unsafe { asm!("csrrci {}, mstatus, 8", out(reg) mstatus, options(nostack)) };
        mstatus & MSTATUS_MIE != 0
    }

    /// Sets `mstatus.MIE`; a pending handler runs right after.
    #[inline(always)]
    pub(super) fn enable_interrupts() {
        // SAFETY: sets MIE, which the caller cleared and which was set before. No `nomem`:
        // handlers that run now may write memory the caller reads next.
        unsafe { asm!("csrsi mstatus, 8", options(nostack)) };
    }

    /// Sleeps until an enabled interrupt is pending (also while `mstatus.MIE` masks it).
    #[inline(always)]
    pub(super) fn wait_for_interrupt() {
        // SAFETY: `wfi` only stalls the hart until an interrupt is pending (it may also return
        // at once, which the caller's re-check tolerates).
        unsafe { asm!("wfi", options(nostack)) };
    }
}
