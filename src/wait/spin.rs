//! The spinning backend, and the spin ramp of the default polling phase.

use core::marker::PhantomData;
use core::time::Duration;

use super::{AtomicU32, Clock, Wait, WaitTimeout, assert_can_block, pause_until_deadline};
use crate::primitive::{spin_hint, spin_hints};

/// One step of a spin ramp: `2^shift` spin hints, the step of [`spin_pause`].
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
    spin_hints(1 << shift.min(16));
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

/// The spinning backend: waiters poll their word, one spin hint per `wait`; waking costs nothing.
///
/// `wait` is one spin hint, then a (spurious) return: the primitives loop around it, re-reading
/// their word, so a caller spins with `core::hint::spin_loop` until its condition holds.
///
/// Works on every target, needs no OS and no registration. It burns the CPU while it waits, so it
/// suits multi-core bare metal, short waits and tests; on a single core without preemption a
/// blocking call can only return if an interrupt changes the word. With preemption it never
/// gives its core up early: two host threads sharing one core hand over once per scheduler time
/// slice (an echo through two `SpscQueue`s took 8 ms per round trip on Linux, against half a
/// microsecond with a core each). On hosts where threads may share a core, use `Futex`.
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

impl<C> core::fmt::Debug for Spin<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Spin")
    }
}

impl<C> Wait for Spin<C> {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32) {
        assert_can_block();
        // Bounded, as `WAKE_NEEDED = false` requires: one spin hint, then a (spurious) return;
        // the callers re-read their word or condition between pauses, with the ordering they
        // need. A read-only spin of that kind leaves a lock holder's cache line alone, so no
        // backoff ramp is needed to spare it. (Under loom, the hint is a scheduling point.)
        let _ = (word, expected);
        spin_hint();
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
        pause_until_deadline::<C>(word, expected, timeout, spin_hint)
    }
}
