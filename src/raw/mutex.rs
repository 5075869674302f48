//! `RawMutex`: the crate's `Mutex` lock word behind `lock_api::RawMutex`; `RawThreadId`:
//! a backend's `ContextId` behind `lock_api::GetThreadId`.

use core::fmt;
use core::marker::PhantomData;
use core::mem::forget;
use core::num::NonZeroUsize;
use core::time::Duration;

use crate::mutex::Mutex;
use crate::wait::{Clock, ContextId, Wait, WaitTimeout};

/// The lock word of [`Mutex`](crate::generic::Mutex) as a `lock_api::RawMutex`, on backend `W`.
///
/// Four bytes; the same protocol, fast paths and blocking as `Mutex` (it is a `Mutex<()>` whose
/// guards `lock_api` keeps). Guards are not `Send` (`lock_api::GuardNoSend`).
///
/// # Examples
///
/// ```
/// type Mutex<T> = lock_api::Mutex<baresync::raw::RawMutex<baresync::wait::DefaultWait>, T>;
///
/// static COUNT: Mutex<u32> = Mutex::new(0);
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| *COUNT.lock() += 1);
///     }
/// });
/// assert_eq!(*COUNT.lock(), 4);
/// ```
pub struct RawMutex<W: Wait> {
    lock: Mutex<(), W>,
}

// SAFETY: `Mutex` is exclusive: `lock` and `try_lock` succeed only on a free lock word, which
// stays taken until `unlock`. Its Acquire/Release orderings are what `lock_api` requires.
unsafe impl<W: Wait> lock_api::RawMutex for RawMutex<W> {
    /// An unlocked lock (`lock_api`'s `const` constructor: each use is a fresh copy).
    const INIT: Self = Self {
        lock: Mutex::new(()),
    };

    type GuardMarker = lock_api::GuardNoSend;

    #[inline]
    fn lock(&self) {
        // The guard's only effect is its unlock on drop; `unlock` below does that instead.
        forget(self.lock.lock());
    }

    #[inline]
    fn try_lock(&self) -> bool {
        self.lock.try_lock().map(forget).is_some()
    }

    #[inline]
    unsafe fn unlock(&self) {
        // The caller holds the lock (the trait's contract for `unlock`).
        self.lock.unlock();
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }
}

// SAFETY: as for `RawMutex`; a timed lock succeeds only as `lock` does.
unsafe impl<W: WaitTimeout> lock_api::RawMutexTimed for RawMutex<W> {
    type Duration = Duration;
    /// A point on the backend's clock: the time since its origin ([`Clock::now`]).
    type Instant = Duration;

    #[inline]
    fn try_lock_for(&self, timeout: Duration) -> bool {
        self.lock.lock_timeout(timeout).map(forget).is_some()
    }

    #[inline]
    fn try_lock_until(&self, deadline: Duration) -> bool {
        self.try_lock_for(deadline.saturating_sub(W::Clock::now()))
    }
}

impl<W: Wait> fmt::Debug for RawMutex<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawMutex")
            .field("is_locked", &self.lock.is_locked())
            .finish()
    }
}

/// A backend's [`ContextId`] as a `lock_api::GetThreadId`, for `lock_api::ReentrantMutex`.
///
/// # Examples
///
/// ```
/// use baresync::raw::{RawMutex, RawThreadId};
/// use baresync::wait::DefaultWait;
///
/// type ReentrantMutex<T> =
///     lock_api::ReentrantMutex<RawMutex<DefaultWait>, RawThreadId<DefaultWait>, T>;
///
/// let m = ReentrantMutex::new(3);
/// let outer = m.lock();
/// let inner = m.lock();
/// assert_eq!(*outer + *inner, 6);
/// ```
pub struct RawThreadId<W: ContextId>(PhantomData<fn() -> W>);

// SAFETY: `W::current` is unique among live contexts and fixed for each (the `ContextId`
// contract), which is `GetThreadId`'s contract.
unsafe impl<W: ContextId> lock_api::GetThreadId for RawThreadId<W> {
    const INIT: Self = Self(PhantomData);

    #[inline]
    fn nonzero_thread_id(&self) -> NonZeroUsize {
        W::current()
    }
}

impl<W: ContextId> fmt::Debug for RawThreadId<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawThreadId")
    }
}
