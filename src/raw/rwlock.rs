//! `RawRwLock`: [`RwLock`](crate::generic::RwLock)'s protocol behind `lock_api::RawRwLock`.

use core::time::Duration;

use lock_api::GuardNoSend;

use crate::rwlock::RwLockState;
use crate::wait::{Clock, Wait, WaitTimeout};

/// The lock of [`RwLock`](crate::generic::RwLock) without its data, for
/// `lock_api::RwLock<RawRwLock<W>, T>`: the same two words, the same writer preference, the
/// same fast paths.
///
/// Implements `lock_api::RawRwLock` and `RawRwLockDowngrade` on every backend, and
/// `RawRwLockTimed` where the backend has a clock (`W: WaitTimeout`). Its timed `Instant` is a
/// reading of the backend's clock (`W::Clock::now()`, a `Duration` since the clock's origin).
/// Guards are not `Send` (`GuardNoSend`).
///
/// # Examples
///
/// ```
/// use baresync::raw::RawRwLock;
/// use baresync::wait::DefaultWait;
///
/// type RwLock<T> = lock_api::RwLock<RawRwLock<DefaultWait>, T>;
/// type RwLockWriteGuard<'a, T> = lock_api::RwLockWriteGuard<'a, RawRwLock<DefaultWait>, T>;
///
/// static TABLE: RwLock<Vec<u32>> = RwLock::new(Vec::new());
///
/// std::thread::scope(|s| {
///     for i in 0..4 {
///         s.spawn(move || TABLE.write().push(i));
///     }
/// });
/// let mut writer = TABLE.write();
/// writer.sort();
/// let reader = RwLockWriteGuard::downgrade(writer);
/// assert_eq!(*reader, [0, 1, 2, 3]);
/// ```
pub struct RawRwLock<W>(RwLockState<W>);

impl<W: Wait> core::fmt::Debug for RawRwLock<W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawRwLock")
            .field("is_locked", &self.0.is_locked())
            .field("is_locked_exclusive", &self.0.is_locked_exclusive())
            .finish()
    }
}

// SAFETY: the state machine is `RwLock`'s: a shared lock is held by any number of readers and
// never together with the exclusive one, which one writer holds at a time; `lock_*` and
// `try_lock_*` acquire (Acquire), `unlock_*` release (Release). Guards are not `Send`.
unsafe impl<W: Wait> lock_api::RawRwLock for RawRwLock<W> {
    const INIT: Self = Self(RwLockState::new());

    type GuardMarker = GuardNoSend;

    #[inline]
    fn lock_shared(&self) {
        self.0.read();
    }

    #[inline]
    fn try_lock_shared(&self) -> bool {
        self.0.try_read()
    }

    #[inline]
    unsafe fn unlock_shared(&self) {
        // SAFETY: lock_api's contract: the caller holds a shared lock.
        unsafe { self.0.unlock_read() }
    }

    #[inline]
    fn lock_exclusive(&self) {
        self.0.write();
    }

    #[inline]
    fn try_lock_exclusive(&self) -> bool {
        self.0.try_write()
    }

    #[inline]
    unsafe fn unlock_exclusive(&self) {
        // SAFETY: lock_api's contract: the caller holds the exclusive lock.
        unsafe { self.0.unlock_write() }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.0.is_locked()
    }

    #[inline]
    fn is_locked_exclusive(&self) -> bool {
        self.0.is_locked_exclusive()
    }
}

// SAFETY: `downgrade` turns the exclusive lock into a shared one in one atomic step.
unsafe impl<W: Wait> lock_api::RawRwLockDowngrade for RawRwLock<W> {
    #[inline]
    unsafe fn downgrade(&self) {
        // SAFETY: lock_api's contract: the caller holds the exclusive lock.
        unsafe { self.0.downgrade() }
    }
}

// SAFETY: the timed verbs take the same locks as the untimed ones, or none.
unsafe impl<W: WaitTimeout> lock_api::RawRwLockTimed for RawRwLock<W> {
    type Duration = Duration;
    /// A reading of `W::Clock`: the time since the clock's origin.
    type Instant = Duration;

    fn try_lock_shared_for(&self, timeout: Duration) -> bool {
        self.0.read_timeout(timeout)
    }

    fn try_lock_shared_until(&self, deadline: Duration) -> bool {
        self.0.read_timeout(until::<W>(deadline))
    }

    fn try_lock_exclusive_for(&self, timeout: Duration) -> bool {
        self.0.write_timeout(timeout)
    }

    fn try_lock_exclusive_until(&self, deadline: Duration) -> bool {
        self.0.write_timeout(until::<W>(deadline))
    }
}

/// The timeout that ends at `deadline` on `W`'s clock: zero once it has passed. The wait's own
/// deadline, computed from a later reading, is never earlier than `deadline`.
fn until<W: WaitTimeout>(deadline: Duration) -> Duration {
    deadline.saturating_sub(W::Clock::now())
}
