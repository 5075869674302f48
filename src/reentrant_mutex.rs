//! `ReentrantMutex`: a lock its holder may take again (Python's `RLock`).
//!
//! # The words
//!
//! | field | meaning | written by |
//! | --- | --- | --- |
//! | `lock` | the crate's [`Mutex`] lock word (`UNLOCKED`, `LOCKED`, `CONTENDED`) | the `Mutex` protocol |
//! | `owner` | the [`ContextId`] of the holder, 0 when nobody holds the lock | the holder only: set after taking `lock`, cleared before releasing it |
//! | `count` | how many guards the holder has (1 or more while held) | the holder only |
//!
//! `lock` compares the caller's id with `owner`: equal, the caller is the holder and only
//! counts one more guard (no atomic read-modify-write); otherwise it takes `lock` as a
//! `Mutex` does (blocking through the backend) and then writes its id and a count of 1. The
//! last guard's drop clears `owner` and releases `lock`.
//!
//! `owner` is read and written Relaxed. A caller reads its own id there only if it wrote it
//! itself (ids are unique among live contexts): then it holds the lock, and program order makes
//! the read see its own write. Any other value, stale or not, means "not mine", and the caller
//! goes through `lock`, whose Acquire and Release publish the value. Before releasing, the
//! holder overwrites its id with 0, so it never later reads its own id back as a stale value.
//! (std's `ReentrantLock` and parking_lot's `ReentrantMutex` use the same argument.)

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::time::Duration;

use crate::mutex::Mutex;
use crate::primitive::{AtomicUsize, Ordering, UnsafeCell, const_fn};
use crate::wait::{ContextId, Wait, WaitTimeout};

/// A mutual-exclusion lock that the context holding it may lock again (Python's `RLock`),
/// generic over backend `W`.
///
/// The holder may call [`lock`](Self::lock) again without deadlocking; the lock is released
/// when the last of its guards drops. Guards give `&T` only, since several may exist at once:
/// put a `Cell` or `RefCell` inside for mutation. No poisoning.
///
/// It has to tell which thread (or execution context) runs, so it exists only for backends
/// implementing [`ContextId`]: `futex`, `hook` (registered with a context) and `wfi` on
/// Cortex-M; not `spin` (see [`ContextId`] for why).
///
/// # Interrupt safety
///
/// `try_lock` never blocks and may run in an interrupt handler: on `Wfi`, a handler is a
/// context of its own, so it gets `None` while thread mode holds the lock. `lock` and
/// `lock_timeout` block and must not run in a handler.
///
/// # Examples
///
/// A method that takes the lock calls another that takes it again:
///
/// ```
/// use baresync::ReentrantMutex;
/// use std::cell::RefCell;
///
/// struct Log(ReentrantMutex<RefCell<Vec<String>>>);
///
/// impl Log {
///     fn write(&self, line: &str) {
///         self.0.lock().borrow_mut().push(line.to_owned());
///     }
///     fn write_pair(&self, a: &str, b: &str) {
///         let _both = self.0.lock(); // nobody writes between the two lines
///         self.write(a); // locks again: fine, same thread
///         self.write(b);
///     }
/// }
///
/// let log = Log(ReentrantMutex::new(RefCell::new(Vec::new())));
/// std::thread::scope(|s| {
///     for i in 0..4 {
///         let log = &log;
///         s.spawn(move || log.write_pair(&format!("{i}a"), &format!("{i}b")));
///     }
/// });
/// let lines = log.0.lock().borrow().clone();
/// assert_eq!(lines.len(), 8);
/// for pair in lines.chunks(2) {
///     assert_eq!(pair[0][..1], pair[1][..1], "pairs never interleave");
/// }
/// ```
pub struct ReentrantMutex<T: ?Sized, W: Wait + ContextId> {
    /// Taken by the first guard of a holder, released by its last; see the module docs.
    lock: Mutex<(), W>,
    /// The holder's id, 0 when free; see the module docs for why Relaxed suffices.
    owner: AtomicUsize,
    /// The holder's guard count; touched only by the holder.
    count: UnsafeCell<u32>,
    data: T,
}

// SAFETY: one context at a time holds the lock and reads `T` through its guards, so `T: Send`
// suffices to share it (as std's `ReentrantLock` and parking_lot's `ReentrantMutex`); `count`
// is touched only by the holder.
unsafe impl<T: ?Sized + Send, W: Wait + ContextId> Sync for ReentrantMutex<T, W> {}
// SAFETY: owning the lock is owning `T`.
unsafe impl<T: ?Sized + Send, W: Wait + ContextId> Send for ReentrantMutex<T, W> {}

impl<T, W: Wait + ContextId> ReentrantMutex<T, W> {
    const_fn! {
        /// Creates an unlocked reentrant mutex holding `value`.
        ///
        /// # Examples
        ///
        /// ```
        /// static R: baresync::ReentrantMutex<u8> = baresync::ReentrantMutex::new(1);
        /// assert_eq!(*R.lock(), 1);
        /// ```
        pub fn new(value: T) -> Self {
            Self {
                lock: Mutex::new(()),
                owner: AtomicUsize::new(0),
                count: UnsafeCell::new(0),
                data: value,
            }
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = baresync::ReentrantMutex::new(vec![1]);
    /// assert_eq!(r.into_inner(), [1]);
    /// ```
    pub fn into_inner(self) -> T {
        self.data
    }
}

impl<T: ?Sized, W: Wait + ContextId> ReentrantMutex<T, W> {
    /// Whether some context holds the lock (a snapshot, stale as soon as it returns).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = baresync::ReentrantMutex::new(());
    /// let g = r.lock();
    /// assert!(r.is_locked());
    /// drop(g);
    /// assert!(!r.is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }

    /// Mutable access through `&mut self`: no locking is needed, the borrow proves exclusivity.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut r = baresync::ReentrantMutex::new(1);
    /// *r.get_mut() += 1;
    /// assert_eq!(*r.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Locks, blocking until no other context holds the lock; the holder locks again at once.
    ///
    /// # Panics
    ///
    /// If the holder already has `u32::MAX` guards.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = baresync::ReentrantMutex::new(5);
    /// let a = r.lock();
    /// let b = r.lock();
    /// assert_eq!(*a + *b, 10);
    /// ```
    #[inline]
    pub fn lock(&self) -> ReentrantMutexGuard<'_, T, W> {
        let me = W::current().get();
        if !self.lock_again(me) {
            core::mem::forget(self.lock.lock());
            self.take_ownership(me);
        }
        ReentrantMutexGuard::new(self)
    }

    /// Locks if no other context holds the lock, without blocking.
    ///
    /// # Panics
    ///
    /// If the holder already has `u32::MAX` guards.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = baresync::ReentrantMutex::new(());
    /// let outer = r.try_lock().expect("free");
    /// let inner = r.try_lock().expect("held by this thread");
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert!(r.try_lock().is_none(), "held by the other thread"));
    /// });
    /// drop((inner, outer));
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, T, W>> {
        let me = W::current().get();
        if !self.lock_again(me) {
            core::mem::forget(self.lock.try_lock()?);
            self.take_ownership(me);
        }
        Some(ReentrantMutexGuard::new(self))
    }

    /// If the caller (`me`) holds the lock, counts one more guard and returns `true`.
    #[inline]
    fn lock_again(&self, me: usize) -> bool {
        // Relaxed: see the module docs.
        if self.owner.load(Ordering::Relaxed) != me {
            return false;
        }
        // SAFETY: `owner == me`: the caller holds the lock, and only the holder touches `count`.
        self.count.with_mut(|count| unsafe {
            *count = match (*count).checked_add(1) {
                Some(count) => count,
                None => too_many_guards(),
            };
        });
        true
    }

    /// Records the caller (`me`), who has just taken `lock`, as the holder of one guard.
    #[inline]
    fn take_ownership(&self, me: usize) {
        // Relaxed: see the module docs; `lock` was taken with Acquire.
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: the caller holds `lock`, so it is the only one to touch `count`.
        self.count.with_mut(|count| unsafe { *count = 1 });
    }

    /// Drops one guard of the holder; the last one releases the lock. Called by the guard's
    /// `Drop`.
    #[inline]
    fn unlock(&self) {
        // SAFETY: a guard exists, so the caller holds the lock and alone touches `count`.
        let left = self.count.with_mut(|count| unsafe {
            *count -= 1;
            *count
        });
        if left == 0 {
            // Relaxed: see the module docs; `unlock` releases with Release right after.
            self.owner.store(0, Ordering::Relaxed);
            self.lock.unlock();
        }
    }
}

impl<T: ?Sized, W: WaitTimeout + ContextId> ReentrantMutex<T, W> {
    /// Locks, blocking for at most `timeout` while another context holds the lock; `None` if
    /// it stayed held. The holder locks again at once.
    ///
    /// A zero timeout is [`try_lock`](Self::try_lock); `Duration::MAX` waits as long as the
    /// platform can.
    ///
    /// # Panics
    ///
    /// If the holder already has `u32::MAX` guards.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let r = baresync::ReentrantMutex::new(());
    /// let held = r.lock();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert!(r.lock_timeout(Duration::from_millis(5)).is_none()));
    /// });
    /// assert!(r.lock_timeout(Duration::from_millis(5)).is_some(), "the holder");
    /// drop(held);
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> Option<ReentrantMutexGuard<'_, T, W>> {
        let me = W::current().get();
        if !self.lock_again(me) {
            core::mem::forget(self.lock.lock_timeout(timeout)?);
            self.take_ownership(me);
        }
        Some(ReentrantMutexGuard::new(self))
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn too_many_guards() -> ! {
    panic!("ReentrantMutex: the holder locked it u32::MAX times (recursion count overflow)")
}

impl<T: Default, W: Wait + ContextId> Default for ReentrantMutex<T, W> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T, W: Wait + ContextId> From<T> for ReentrantMutex<T, W> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug, W: Wait + ContextId> fmt::Debug for ReentrantMutex<T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ReentrantMutex");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// Shared access to a [`ReentrantMutex`]'s value; the holder's last guard unlocks on drop.
///
/// Derefs to `&T` only: the holder may have several guards at once. Not `Send`: it belongs to
/// the context that locked.
#[must_use = "the guard counts as a lock only while it lives"]
pub struct ReentrantMutexGuard<'a, T: ?Sized, W: Wait + ContextId> {
    mutex: &'a ReentrantMutex<T, W>,
    /// `*const ()` makes the guard `!Send`: the lock belongs to the context that took it.
    not_send: PhantomData<*const ()>,
}

// SAFETY: a shared guard only gives `&T`, so it may be shared when `T: Sync`, as std's guard.
unsafe impl<T: ?Sized + Sync, W: Wait + ContextId> Sync for ReentrantMutexGuard<'_, T, W> {}

impl<'a, T: ?Sized, W: Wait + ContextId> ReentrantMutexGuard<'a, T, W> {
    #[inline]
    fn new(mutex: &'a ReentrantMutex<T, W>) -> Self {
        Self {
            mutex,
            not_send: PhantomData,
        }
    }
}

impl<T: ?Sized, W: Wait + ContextId> Deref for ReentrantMutexGuard<'_, T, W> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.mutex.data
    }
}

impl<T: ?Sized, W: Wait + ContextId> Drop for ReentrantMutexGuard<'_, T, W> {
    #[inline]
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

impl<T: ?Sized + fmt::Debug, W: Wait + ContextId> fmt::Debug for ReentrantMutexGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, W: Wait + ContextId> fmt::Display for ReentrantMutexGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::wait::Spin;

    /// A test backend: `Spin`'s waits, one fixed context (the tests are single-threaded).
    struct OneContext;

    impl Wait for OneContext {
        fn wait(word: &crate::wait::AtomicU32, expected: u32) {
            Spin::<crate::wait::NoClock>::wait(word, expected)
        }
        fn wake_one(_: *const crate::wait::AtomicU32) {}
        fn wake_all(_: *const crate::wait::AtomicU32) {}
        const WAKE_NEEDED: bool = false;
    }

    // SAFETY: only used by the single-threaded tests below.
    unsafe impl ContextId for OneContext {
        fn current() -> core::num::NonZeroUsize {
            core::num::NonZeroUsize::MIN
        }
    }

    /// `count` of a held lock; the test thread is the holder.
    fn count(m: &ReentrantMutex<u8, OneContext>) -> u32 {
        // SAFETY: the test thread holds the lock, and only the holder touches `count`.
        m.count.with(|count| unsafe { *count })
    }

    /// Sets `count` of a held lock; the test thread is the holder.
    fn set_count(m: &ReentrantMutex<u8, OneContext>, value: u32) {
        // SAFETY: as in `count`.
        m.count.with_mut(|count| unsafe { *count = value });
    }

    #[test]
    fn the_last_count_before_overflow_is_reached_and_the_next_lock_panics() {
        extern crate std;
        use std::panic::{AssertUnwindSafe, catch_unwind};

        let m = ReentrantMutex::<u8, OneContext>::new(7);
        let outer = m.lock();
        // Jump to the last count instead of locking four billion times.
        set_count(&m, u32::MAX - 1);
        let last = m.lock();
        assert_eq!(count(&m), u32::MAX);
        let overflow = catch_unwind(AssertUnwindSafe(|| m.lock()));
        let message = overflow
            .err()
            .and_then(|p| p.downcast_ref::<&'static str>().copied());
        assert!(
            message.is_some_and(|m| m.contains("recursion count overflow")),
            "{message:?}"
        );
        assert!(catch_unwind(AssertUnwindSafe(|| m.try_lock())).is_err());
        // The count is intact, and the guards still release the lock.
        assert_eq!(count(&m), u32::MAX);
        drop(last);
        set_count(&m, 1);
        drop(outer);
        assert!(!m.is_locked());
        assert_eq!(m.owner.load(Ordering::Relaxed), 0);
    }
}
