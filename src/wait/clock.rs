//! Clocks for timed waits, and the deadline arithmetic every timed operation shares.

use core::marker::PhantomData;
use core::time::Duration;

/// A monotonic clock.
///
/// `now` returns the time elapsed since an arbitrary origin fixed for the life of the program.
/// It must never go backwards. Resolution is the implementor's choice: a 1 kHz tick counter is a
/// fine clock; timed waits then round to that tick.
///
/// # Examples
///
/// A clock over a tick counter that a timer interrupt advances every millisecond:
///
/// ```
/// use baresync::wait::Clock;
/// use core::sync::atomic::{AtomicU32, Ordering};
/// use core::time::Duration;
///
/// static TICKS_MS: AtomicU32 = AtomicU32::new(0);
///
/// struct TickClock;
/// impl Clock for TickClock {
///     fn now() -> Duration {
///         Duration::from_millis(u64::from(TICKS_MS.load(Ordering::Relaxed)))
///     }
/// }
///
/// TICKS_MS.store(1500, Ordering::Relaxed);
/// assert_eq!(TickClock::now(), Duration::from_millis(1500));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a clock, so this backend has no timed methods",
    label = "no clock here: timed calls (`lock_timeout`, `wait_timeout`, `pop_timeout`, ...) need one",
    note = "name a clock in the backend, for example `Spin<MyClock>` or `Wfi<TickClock>` (see \
            `baresync::wait::Clock`), or use the untimed verb"
)]
pub trait Clock {
    /// The time elapsed since this clock's origin.
    fn now() -> Duration;
}

/// The absence of a clock: a [`Spin`](super::Spin) backend with it has no timed methods.
///
/// `NoClock` deliberately does not implement [`Clock`].
#[derive(Debug, Clone, Copy)]
pub struct NoClock;

/// A clock over `std::time::Instant` (feature `std`).
///
/// For hosted platforms the crate knows no OS clock for; on Linux, macOS, Windows and FreeBSD
/// [`MonotonicClock`](super::MonotonicClock) needs no `std`.
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy)]
pub struct StdClock;

#[cfg(feature = "std")]
impl Clock for StdClock {
    fn now() -> Duration {
        extern crate std;
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        ORIGIN.get_or_init(std::time::Instant::now).elapsed()
    }
}

/// An absolute point on clock `C` by which a timed operation must finish.
///
/// A timeout too large to represent (such as `Duration::MAX`) saturates to "never".
pub(crate) struct Deadline<C> {
    /// `None`: no deadline, wait as long as the platform can.
    at: Option<Duration>,
    clock: PhantomData<fn() -> C>,
}

impl<C: Clock> Deadline<C> {
    /// The deadline `timeout` from now.
    pub(crate) fn after(timeout: Duration) -> Self {
        // A zero timeout needs no clock read: it is already due.
        let at = if timeout.is_zero() {
            Some(Duration::ZERO)
        } else {
            C::now().checked_add(timeout)
        };
        Self {
            at,
            clock: PhantomData,
        }
    }

    /// The time left, or `None` once the deadline has passed.
    ///
    /// A zero timeout is due without a clock read, so a `*_timeout(Duration::ZERO)` call costs
    /// what its `try_` twin costs. Not inlined: every timed wait calls it several times, and one
    /// copy keeps the clock arithmetic out of each call site (it is large on 32-bit targets).
    #[inline(never)]
    pub(crate) fn remaining(&self) -> Option<Duration> {
        match self.at {
            None => Some(Duration::MAX),
            Some(Duration::ZERO) => None,
            Some(at) => at.checked_sub(C::now()).filter(|left| !left.is_zero()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portable_atomic::{AtomicU64, Ordering};

    static FAKE_NOW_MS: AtomicU64 = AtomicU64::new(1_000);
    struct Fake;
    impl Clock for Fake {
        fn now() -> Duration {
            Duration::from_millis(FAKE_NOW_MS.load(Ordering::Relaxed))
        }
    }

    #[test]
    fn deadline_arithmetic() {
        let zero = Deadline::<Fake>::after(Duration::ZERO);
        assert_eq!(zero.remaining(), None, "a zero timeout is already due");

        let never = Deadline::<Fake>::after(Duration::MAX);
        assert_eq!(
            never.remaining(),
            Some(Duration::MAX),
            "huge timeouts saturate"
        );

        let d = Deadline::<Fake>::after(Duration::from_millis(10));
        assert_eq!(d.remaining(), Some(Duration::from_millis(10)));
        FAKE_NOW_MS.fetch_add(4, Ordering::Relaxed);
        assert_eq!(d.remaining(), Some(Duration::from_millis(6)));
        FAKE_NOW_MS.fetch_add(6, Ordering::Relaxed);
        assert_eq!(d.remaining(), None);
    }
}
