//! The spinning backend and its bounded exponential backoff.

use core::marker::PhantomData;
use core::time::Duration;

use super::{AtomicU32, Clock, Wait, WaitTimeout, assert_can_block, pause_until_deadline};
use crate::primitive::{Ordering, spin_hint};

/// Bounded exponential backoff for busy-wait loops.
///
/// Each [`snooze`](Backoff::snooze) spins twice as long as the previous one (with
/// `core::hint::spin_loop`), up to `2^MAX_SHIFT` hints per call, so a waiter backs off the contended
/// cache line quickly but never stalls for long once the word changes.
///
/// # Examples
///
/// ```
/// use baresync::wait::Backoff;
/// use core::sync::atomic::{AtomicBool, Ordering};
///
/// let ready = AtomicBool::new(true);
/// let mut backoff = Backoff::new();
/// while !ready.load(Ordering::Acquire) {
///     backoff.snooze();
/// }
/// ```
#[derive(Debug, Default)]
pub struct Backoff {
    shift: u32,
}

impl Backoff {
    /// The longest snooze is `2^MAX_SHIFT` spin hints (64: about a hundred nanoseconds to a
    /// microsecond, depending on the core).
    pub const MAX_SHIFT: u32 = 6;

    /// A backoff at its shortest step.
    pub const fn new() -> Self {
        Self { shift: 0 }
    }

    /// Spins for the current step, then doubles the next one (up to the bound).
    #[inline]
    pub fn snooze(&mut self) {
        spin_step(self.shift);
        // loom: the first step exhausts the backoff (see `spin_step`).
        self.shift = if cfg!(loom) {
            Self::MAX_SHIFT
        } else {
            (self.shift + 1).min(Self::MAX_SHIFT)
        };
    }

    /// Whether the bound has been reached: a caller that can sleep should do so now.
    #[inline]
    pub fn is_exhausted(&self) -> bool {
        self.shift >= Self::MAX_SHIFT
    }
}

/// One step of a spin ramp: `2^shift` spin hints, the step of [`Backoff`] and of
/// [`spin_pause`].
///
/// Under `cfg(loom)`, one scheduling point whatever the step: loom explores schedules, not time,
/// and callers then end their ramp after the first step, so they reach their sleeping path (the
/// protocol under test) without dozens of yields that only multiply the states loom must visit.
#[inline]
fn spin_step(shift: u32) {
    if cfg!(loom) {
        spin_hint();
        return;
    }
    for _ in 0..1u32 << shift.min(16) {
        spin_hint();
    }
}

/// The default [`Wait::poll_pause`](super::Wait::poll_pause): step `round` of a spin ramp of
/// `rounds` steps, then `false` (under loom, after the first step: see `spin_step`).
#[inline]
pub(crate) fn spin_pause(round: u32, rounds: u32) -> bool {
    let rounds = if cfg!(loom) { rounds.min(1) } else { rounds };
    if round >= rounds {
        return false;
    }
    spin_step(round);
    true
}

/// The spinning backend: waiters poll the word with [`Backoff`]; waking costs nothing.
///
/// `wait` spins for one backoff ramp at most and then returns (spuriously, if the word did not
/// change); the primitives loop around it.
///
/// Works on every target, needs no OS and no registration. It burns the CPU while it waits, so it
/// suits multi-core bare metal, short waits and tests; on a single core without preemption a
/// blocking call can only return if an interrupt changes the word.
///
/// `C` is the [`Clock`] for timed waits. It defaults to the OS monotonic clock on hosted targets
/// and to [`NoClock`](super::NoClock) on bare metal, where `Spin` then has no timed methods; name
/// your own clock with `Spin<MyClock>` to get them.
///
/// # Examples
///
/// ```
/// static LOCK: baresync::spin::Mutex<u32> = baresync::spin::Mutex::new(0);
/// *LOCK.lock() += 1;
/// assert_eq!(*LOCK.lock(), 1);
/// ```
pub struct Spin<C = super::DefaultSpinClock>(PhantomData<fn() -> C>);

impl<C> Wait for Spin<C> {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32) {
        assert_can_block();
        // Relaxed: `wait` orders nothing; the caller re-loads with the ordering it needs.
        // Bounded, as `WAKE_NEEDED = false` requires: one backoff ramp (63 spin hints in all),
        // then a spurious return, so callers whose condition is not this word can pause here.
        #[cfg(not(loom))]
        {
            let mut backoff = Backoff::new();
            while word.load(Ordering::Relaxed) == expected && !backoff.is_exhausted() {
                backoff.snooze();
            }
        }
        // loom explores schedules, not time: one check, then let another thread run (a
        // spurious return, which the contract allows).
        #[cfg(loom)]
        if word.load(Ordering::Relaxed) == expected {
            spin_hint();
        }
    }

    #[inline]
    fn wake_one(_word: *const AtomicU32) {}

    #[inline]
    fn wake_all(_word: *const AtomicU32) {}

    const WAKE_NEEDED: bool = false;
}

impl<C: Clock> WaitTimeout for Spin<C> {
    type Clock = C;

    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        assert_can_block();
        let mut backoff = Backoff::new();
        pause_until_deadline::<C>(word, expected, timeout, || backoff.snooze())
    }
}
