//! `Mutex`: a 4-byte lock on the three-state word.
//!
//! # The lock word
//!
//! | value | meaning |
//! | --- | --- |
//! | `UNLOCKED` (0) | free |
//! | `LOCKED` (1) | held, and no caller sleeps on the word |
//! | `CONTENDED` (2) | held, and callers may sleep on the word: unlock must wake one |
//!
//! Uncontended `lock` is one compare-exchange (0 → 1) and `unlock` one locked decrement (1 → 0)
//! with no wake: 6 instructions on x86-64 for the pair. A caller that must sleep first polls for a
//! bounded while (`Wait::lock_poll_pause`, or `poll_pause` for a timed caller: on `Futex` a short
//! spin, then yields), then swaps in `CONTENDED` so the holder knows to wake it (its decrement
//! leaves 1, and it swaps 0 in and wakes); a woken caller takes the lock as `CONTENDED` again
//! because others may still sleep (one extra wake at the end of a convoy, never a lost one). A
//! timed caller that has slept and runs out of time does the same before it leaves, taking the lock
//! if it is free or marking it `CONTENDED`: the unlock that woke it may have meant the wake for the
//! next sleeper. With a backend that needs no wake ([`Wait::WAKE_NEEDED`] is false, as for `Spin`),
//! `CONTENDED` is never used and unlock is a plain release store.
//!
//! # References
//!
//! Ulrich Drepper, *Futexes Are Tricky* (2011), "mutex, take 2"; std's
//! `sys/sync/mutex/futex.rs`.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::time::Duration;

use crate::primitive::{AtomicU32, Ordering, UnsafeCell, const_fn};
use crate::wait::{Deadline, Forever, Limit, Poll, Wait, WaitTimeout};

const UNLOCKED: u32 = 0;
const LOCKED: u32 = 1;
const CONTENDED: u32 = 2;

/// How the polling phase of `lock` ended.
enum Polled {
    /// The lock is ours (as `LOCKED`).
    Taken,
    /// Not taken; the last state seen.
    Held(u32),
}

/// A mutual-exclusion lock protecting a `T`, generic over its wait backend `W`.
///
/// Four bytes plus `T`, `const`-constructible (usable in a `static`), no poisoning. The guard
/// unlocks on drop, also while unwinding from a panic.
///
/// Most code names it through an alias: `baresync::Mutex<T>` (the default backend),
/// `baresync::spin::Mutex<T>`, `baresync::futex::Mutex<T>` or `baresync::hook::Mutex<T>`.
///
/// # Interrupt safety
///
/// `try_lock` never blocks and may be called from an interrupt handler, but a handler that
/// interrupted the lock's holder on a single core can never acquire it: use `try_lock` there and
/// handle `None`. `lock` and `lock_timeout` block and must not run in an interrupt handler.
///
/// # Examples
///
/// ```
/// use baresync::Mutex;
///
/// static COUNTER: Mutex<u32> = Mutex::new(0);
///
/// std::thread::scope(|s| {
///     for _ in 0..8 {
///         s.spawn(|| {
///             for _ in 0..1000 {
///                 *COUNTER.lock() += 1;
///             }
///         });
///     }
/// });
/// assert_eq!(*COUNTER.lock(), 8000);
/// ```
pub struct Mutex<T: ?Sized, W> {
    /// `UNLOCKED`, `LOCKED` or `CONTENDED`; see the module docs.
    state: AtomicU32,
    backend: PhantomData<fn() -> W>,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one thread at a time, so moving `T` between threads
// (`T: Send`) is all that sharing the mutex requires, as for `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send, W> Sync for Mutex<T, W> {}
// SAFETY: owning the mutex is owning `T`.
unsafe impl<T: ?Sized + Send, W> Send for Mutex<T, W> {}

impl<T, W> Mutex<T, W> {
    const_fn! {
        /// Creates an unlocked mutex holding `value`.
        ///
        /// # Examples
        ///
        /// ```
        /// static M: baresync::Mutex<[u8; 4]> = baresync::Mutex::new([0; 4]);
        /// assert_eq!(*M.lock(), [0; 4]);
        /// ```
        pub fn new(value: T) -> Self {
            Self {
                state: AtomicU32::new(UNLOCKED),
                backend: PhantomData,
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the mutex and returns the value it protected.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = baresync::Mutex::new(String::from("hi"));
    /// assert_eq!(m.into_inner(), "hi");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized, W> Mutex<T, W> {
    /// Whether the lock is held right now (a snapshot, stale as soon as it returns).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = baresync::Mutex::new(());
    /// let g = m.lock();
    /// assert!(m.is_locked());
    /// drop(g);
    /// assert!(!m.is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) != UNLOCKED
    }

    /// Mutable access through `&mut self`: no locking is needed, the borrow proves exclusivity.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = baresync::Mutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Takes a free lock as `LOCKED`. Acquire: pairs with the Release in `unlock`, so the previous
    /// holder's writes are visible to this one.
    #[inline]
    fn acquire(&self) -> bool {
        self.state
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// [`acquire`](Self::acquire), but allowed to fail spuriously: for loops that try again
    /// anyway, where it compiles to a single load-linked/store-conditional pair on LL/SC
    /// targets (Arm, RISC-V) instead of a nested retry loop. Acquire: as in `acquire`.
    #[inline]
    fn acquire_weak(&self) -> bool {
        self.state
            .compare_exchange_weak(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Takes the lock as `CONTENDED` if it is free, else marks it so the holder wakes us; returns
    /// whether the lock is now ours. Acquire: as in `acquire`.
    #[inline]
    fn acquire_or_announce(&self) -> bool {
        self.state.swap(CONTENDED, Ordering::Acquire) == UNLOCKED
    }
}

impl<T: ?Sized, W: Wait> Mutex<T, W> {
    /// Acquires the lock, blocking the caller until it is free.
    ///
    /// Not reentrant: locking a mutex the caller already holds deadlocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = baresync::Mutex::new(vec![1]);
    /// m.lock().push(2);
    /// assert_eq!(*m.lock(), [1, 2]);
    /// ```
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T, W> {
        if !W::WAKE_NEEDED {
            self.lock_polling(&Forever);
        } else if !self.acquire() {
            self.lock_contended(&Forever);
        }
        MutexGuard::new(self)
    }

    /// Acquires the lock if it is free, without blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = baresync::Mutex::new(1);
    /// let guard = m.try_lock().expect("free");
    /// assert!(m.try_lock().is_none(), "held by `guard`");
    /// drop(guard);
    /// assert!(m.try_lock().is_some());
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T, W>> {
        self.acquire().then(|| MutexGuard::new(self))
    }

    /// `lock` and `lock_timeout` on a polling backend ([`Wait::WAKE_NEEDED`] false, as `Spin`):
    /// returns once the lock is ours (`L::DONE`) or `limit` expired first (`L::EXPIRED`).
    ///
    /// Nobody needs waking, so the word never becomes `CONTENDED`, and `W::wait` is the bounded
    /// pause while it holds `LOCKED`: it returns as soon as the word changes (it only reads it,
    /// so spinning leaves the holder's cache line alone), and the compare-exchange then runs
    /// about once per change. One weak compare-exchange, the fast path's too, keeps it as small
    /// as a plain spinlock.
    #[inline]
    fn lock_polling<L: Limit<W>>(&self, limit: &L) -> L::Outcome {
        loop {
            if self.acquire_weak() {
                return L::DONE;
            }
            // Test before test-and-set: pause while the lock looks held. Relaxed: a hint; the
            // compare-exchange decides, with Acquire.
            while self.state.load(Ordering::Relaxed) == LOCKED {
                if !limit.sleep(&self.state, LOCKED) {
                    return L::EXPIRED;
                }
            }
        }
    }

    /// The slow path of `lock` and `lock_timeout` on a backend that wakes its sleepers: returns
    /// once the lock is ours (`L::DONE`) or `limit` expired first (`L::EXPIRED`, never for
    /// `Forever`).
    #[cold]
    fn lock_contended<L: Limit<W>>(&self, limit: &L) -> L::Outcome {
        // Poll while the holder runs; a lock seen free before we ever slept is taken as LOCKED,
        // as nobody sleeps yet. A woken caller takes it as CONTENDED instead, since others may
        // still sleep (one spare wake at the end of a convoy, never a lost one).
        let mut woken = false;
        loop {
            let state = match self.poll(woken, limit) {
                Polled::Taken => return L::DONE,
                Polled::Held(state) => state,
            };
            // A caller out of time gives up before announcing itself: it never leaves the
            // holder a wake to pay for a sleeper that is not there. One that has slept, though,
            // may have been woken by an unlock for whoever came next (which left the word
            // UNLOCKED): leaving with that wake would strand the others still asleep. It takes
            // the lock if it is free, or marks it CONTENDED for its holder to wake the next one.
            if limit.expired() {
                if woken && self.acquire_or_announce() {
                    return L::DONE;
                }
                return L::EXPIRED;
            }
            if state != CONTENDED && self.acquire_or_announce() {
                return L::DONE;
            }
            if !limit.sleep(&self.state, CONTENDED) {
                // The word may stay CONTENDED with nobody asleep: the holder pays one spare wake.
                return L::EXPIRED;
            }
            woken = true;
        }
    }

    /// The polling phase of `lock` (see [`Wait::lock_poll_pause`]), ended early by `limit`.
    ///
    /// Takes a lock seen free as `LOCKED`, unless `woken` (the caller has slept, so others may
    /// sleep too: it must take the lock as `CONTENDED` and returns `Held(UNLOCKED)` to do so).
    /// Otherwise returns the state that ended the phase: `LOCKED` when it ran out, `CONTENDED`
    /// at once, since someone already sleeps and must be woken in turn (spinning past them would
    /// only delay them).
    #[inline]
    fn poll<L: Limit<W>>(&self, woken: bool, limit: &L) -> Polled {
        let mut poll = Poll::new();
        loop {
            match self.state.load(Ordering::Relaxed) {
                UNLOCKED if woken => return Polled::Held(UNLOCKED),
                UNLOCKED if self.acquire() => return Polled::Taken,
                // Taken by someone else between the load and the exchange: poll on.
                UNLOCKED => {}
                LOCKED if poll.lock_pause::<W, L>(limit) => {}
                state => return Polled::Held(state),
            }
        }
    }

    /// Releases the lock; called by the guard's `Drop`, and by the types that keep the lock
    /// past a forgotten guard (`ReentrantMutex`, `raw::RawMutex`). The caller holds the lock.
    #[inline]
    pub(crate) fn unlock(&self) {
        // Release: publishes this critical section's writes to the next holder's Acquire.
        if W::WAKE_NEEDED {
            // While we hold the lock the word is LOCKED or CONTENDED. From LOCKED the decrement
            // unlocks. From CONTENDED it leaves LOCKED: we still hold the lock, only unmarked,
            // and `unlock_contended` releases it and wakes a sleeper, as if the word had stayed
            // CONTENDED (see there). One locked decrement needs no register, which keeps the
            // inlined lock/unlock pair free of stack traffic.
            if self.state.fetch_sub(1, Ordering::Release) != LOCKED {
                self.unlock_contended();
            }
        } else {
            self.state.store(UNLOCKED, Ordering::Release);
        }
    }

    /// Releases a lock that was `CONTENDED` (now marked `LOCKED` by `unlock`) and wakes one
    /// sleeper.
    ///
    /// Between `unlock`'s decrement and this swap the lock looks held without sleepers: nobody
    /// can take it, and a caller that comes to sleep meanwhile swaps CONTENDED in, which this
    /// swap overwrites. No wake-up is lost: we wake one sleeper unconditionally, and a woken
    /// caller takes the lock as CONTENDED again, so its own unlock wakes the next (the same
    /// argument as for std's futex mutex, whose unlock swaps UNLOCKED in and wakes on CONTENDED).
    /// A caller that announced itself but has not slept yet finds the word changed and does not
    /// sleep at all.
    #[cold]
    #[inline(never)]
    fn unlock_contended(&self) {
        // Release: as in `unlock`.
        self.state.swap(UNLOCKED, Ordering::Release);
        W::wake_one(&self.state);
    }
}

impl<T: ?Sized, W: WaitTimeout> Mutex<T, W> {
    /// Acquires the lock, blocking for at most `timeout`; `None` if it stayed held.
    ///
    /// A zero timeout behaves as [`try_lock`](Self::try_lock); `Duration::MAX` waits as long as the
    /// platform can, without overflow. Only backends with a clock have this method.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let m = baresync::Mutex::new(0);
    /// let held = m.lock();
    /// assert!(m.lock_timeout(Duration::from_millis(10)).is_none());
    /// drop(held);
    /// assert!(m.lock_timeout(Duration::from_millis(10)).is_some());
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> Option<MutexGuard<'_, T, W>> {
        // A zero timeout is `try_lock` itself: the slow path would answer the same after a call,
        // a deadline check and a look at the lock word (2.5 times `try_lock`'s time).
        if timeout.is_zero() {
            return self.try_lock();
        }
        let taken = if W::WAKE_NEEDED {
            self.acquire() || self.lock_contended(&Deadline::<W::Clock>::after(timeout))
        } else {
            self.lock_polling(&Deadline::<W::Clock>::after(timeout))
        };
        taken.then(|| MutexGuard::new(self))
    }
}

impl<T: Default, W> Default for Mutex<T, W> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T, W> From<T> for Mutex<T, W> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug, W: Wait> fmt::Debug for Mutex<T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// Exclusive access to a [`Mutex`]'s value; unlocks on drop.
///
/// Not `Send`: a lock is released by the context that took it (some RTOS mutexes require it, and
/// it keeps guards out of interrupt handlers that outlive them).
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized, W: Wait> {
    mutex: &'a Mutex<T, W>,
    /// `*const ()` makes the guard `!Send`.
    not_send: PhantomData<*const ()>,
}

// SAFETY: a shared guard only gives `&T`, so it may be shared when `T: Sync`, as std's guard.
unsafe impl<T: ?Sized + Sync, W: Wait> Sync for MutexGuard<'_, T, W> {}

impl<'a, T: ?Sized, W: Wait> MutexGuard<'a, T, W> {
    #[inline]
    fn new(mutex: &'a Mutex<T, W>) -> Self {
        Self {
            mutex,
            not_send: PhantomData,
        }
    }

    /// The mutex this guard locks (used by `Condvar` to unlock and relock it).
    #[inline]
    pub(crate) fn mutex(&self) -> &'a Mutex<T, W> {
        self.mutex
    }
}

impl<T: ?Sized, W: Wait> MutexGuard<'_, T, W> {
    /// Gives up the lock without running the guard's drop, for `Condvar`: the caller re-locks.
    #[inline]
    pub(crate) fn unlock_for_wait(self) {
        let mutex = self.mutex;
        core::mem::forget(self);
        mutex.unlock();
    }
}

impl<T: ?Sized, W: Wait> Deref for MutexGuard<'_, T, W> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this context holds the lock, so no `&mut T` exists
        // elsewhere. (Under loom, `with` checks that this access happens-after the last holder's.)
        self.mutex.data.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized, W: Wait> DerefMut for MutexGuard<'_, T, W> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: holding the lock grants exclusive access, and `&mut self` makes this borrow unique.
        self.mutex.data.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T: ?Sized, W: Wait> Drop for MutexGuard<'_, T, W> {
    #[inline]
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

impl<T: ?Sized + fmt::Debug, W: Wait> fmt::Debug for MutexGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, W: Wait> fmt::Display for MutexGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
