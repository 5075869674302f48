//! The sleeping backend for multi-core Cortex-M: `WFE` until an event, `DSB; SEV` to wake.
//!
//! Compiled only on bare-metal Cortex-M (`cfg_wfe!` in `cfg.rs`); every M profile has `WFE` and
//! `SEV`, in privileged and unprivileged mode alike.
//!
//! # Why the check-then-sleep is race-free across cores
//!
//! Each core has a one-bit event register. `SEV` sets it on every core, its own included; taking
//! or returning from an exception sets it on the core that does; `WFE` clears it and returns at
//! once if it was set, and otherwise sleeps until it is set.
//!
//! The waiter loads the word (1) and, if it still holds `expected`, executes `WFE` (2). A waker
//! changes the word (a) and then, because a sleeper may wait for that change, calls `wake_*`
//! (the primitives do whenever their bookkeeping says someone sleeps: `WAKE_NEEDED` is `true`),
//! which executes `DSB` (b) and `SEV` (c).
//!
//! - If (1) sees the change, the waiter does not sleep.
//! - If (1) reads the old value, (a) came after (1) in the word's order, so (c) comes after (1)
//!   too. If (c) comes before (2), the register is set and (2) returns at once; if after, (2) is
//!   asleep and (c) ends it. Either way `wait` returns and the caller re-checks. `DSB` completes
//!   the store before the event, so that re-check sees the new value.
//! - A waker on the waiter's own core (an interrupt handler) runs the same `SEV`, which sets the
//!   local register; the exception return sets it too.
//!
//! A register left set by an earlier event only makes one `WFE` return at once: a spurious
//! return, which every primitive tolerates. No interrupt is masked at any point, which is why
//! `Wfe` works unprivileged; but an interrupt masked by the caller (PRIMASK, FAULTMASK, BASEPRI)
//! does not end a `WFE`, so debug builds refuse to block then, as for every backend.
//!
//! # Orderings
//!
//! The word is loaded Relaxed: `wait` orders nothing (callers re-load with the ordering they
//! need). `wake_*` start with `DSB`, a full barrier, so that the change that preceded the wake is
//! complete, visible to every core, before any core wakes to re-check it.

use core::marker::PhantomData;
use core::time::Duration;

use super::{
    AtomicU32, Clock, NoClock, Wait, WaitTimeout, assert_can_block, cpu, pause_until_deadline,
};
use crate::primitive::Ordering;

/// The sleeping backend for multi-core Cortex-M: waiters sleep in `WFE`, wakers execute
/// `DSB; SEV`, which wakes every core.
///
/// Use it where the word may be changed by another core (RP2040, RP2350, the dual-core
/// STM32H7, ...) and the waiter should sleep rather than spin; it also works on one core, where
/// interrupt handlers are the wakers (they execute `SEV` too). The names bound to it are in
/// `baresync::wfe`. The race-freedom argument is in the module source (`src/wait/wfe.rs`).
///
/// - `wait` polls for a moment first (a partner on another core often answers within it), then
///   loads the word and, if unchanged, sleeps in `WFE` until any event: a `SEV` from any core, or
///   an interrupt taken on this one.
/// - `wake_one` and `wake_all` are the same `DSB; SEV`: an event has no address, so every
///   sleeping core wakes and re-checks its own word. Spurious returns cost a re-check each.
/// - Handlers still use only the non-blocking verbs; a blocking verb that has to wait in a handler,
///   or with interrupts masked, panics in debug builds (see the crate's "Interrupt safety").
/// - Other code that sleeps in `WFE` (a HAL's spin lock, a multi-core FIFO) shares the event
///   register: it may see spurious returns, as may `Wfe`.
///
/// QEMU implements `WFE` as a no-op: there a `Wfe` waiter spins. The protocol still runs there
/// (this crate's board tests do), but a missing `SEV` cannot show up as a hang in QEMU.
///
/// `C` is the [`Clock`] for timed waits; it defaults to [`NoClock`] (no timed methods). A timed
/// wait checks its deadline each time the core wakes, so a periodic timer interrupt bounds how
/// late it notices. [`TickClock`](super::TickClock) is single-core: on several cores use a clock
/// over a timer every core can read.
///
/// # Examples
///
/// Core 1 produces, core 0 sleeps in `pop` until an item arrives:
///
/// ```ignore
/// static ITEMS: baresync::wfe::MpmcQueue<u32, 16> = baresync::wfe::MpmcQueue::new();
///
/// // core 1
/// ITEMS.push(read_sensor()).unwrap(); // wakes core 0 with SEV if it sleeps
///
/// // core 0: WFE between items instead of spinning
/// let item = ITEMS.pop()?;
/// ```
pub struct Wfe<C = NoClock>(PhantomData<fn() -> C>);

impl<C> core::fmt::Debug for Wfe<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Wfe")
    }
}

impl<C> Wait for Wfe<C> {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32) {
        assert_can_block();
        sleep_while(word, expected);
    }

    #[inline]
    fn wake_one(_word: *const AtomicU32) {
        cpu::send_event();
    }

    #[inline]
    fn wake_all(_word: *const AtomicU32) {
        cpu::send_event();
    }
}

impl<C: Clock> WaitTimeout for Wfe<C> {
    type Clock = C;

    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        assert_can_block();
        pause_until_deadline::<C>(word, expected, timeout, || sleep_while(word, expected))
    }
}

/// One check, and a `WFE` if the word still holds `expected` (see the module docs).
#[inline]
fn sleep_while(word: &AtomicU32, expected: u32) {
    // Relaxed: the caller re-loads with the ordering it needs.
    if word.load(Ordering::Relaxed) == expected {
        cpu::wait_for_event();
    }
}
