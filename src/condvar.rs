//! `Condvar`: a 4-byte condition variable on a notification counter.
//!
//! # The word
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0..8 | waiters: how many callers are between registering and leaving `wait` (sticky at 255) |
//! | 8 (`SLEEPERS`) | a registered waiter may be asleep in the backend's `wait`: a notification must wake |
//! | 9..32 | sequence: bumped by every notification that finds a waiter |
//!
//! A waiter registers (count + 1) while it still holds the mutex, unlocks, and polls the word for
//! a bounded while ([`Wait::poll_pause`]) until the sequence moves. Only then does it set
//! `SLEEPERS` and sleep on the word. A notifier first reads the count: zero means nobody can be
//! waiting, so `notify_*` costs one load and no system call. Otherwise it bumps the sequence (so
//! every registered waiter that has not yet slept sees the change), and calls the backend's wake
//! only if `SLEEPERS` is set: a waiter that is still polling needs no system call, which makes a
//! quick hand-off between two running threads several times faster.
//!
//! `SLEEPERS` is cleared by a notification that wakes every waiter, and by the waiter whose
//! deregistration brings the count to zero (nobody is left to sleep). A `notify_one` that finds
//! several waiters leaves it set, since others may still sleep; the next notifications wake them.
//!
//! At 255 the count becomes sticky ("many"): it is then neither incremented nor decremented, and
//! every notification takes the slow path. The count only ever over-estimates, so no wake-up is
//! lost; very crowded condvars just lose the free notify.
//!
//! # Orderings
//!
//! Every access to the word is `Relaxed`: the mutex orders everything. A waiter registers while
//! holding the mutex and a notifier that changed the predicate did so under the same mutex, so
//! either the waiter's critical section came first (its unlock's Release and the notifier's lock's
//! Acquire make the registration visible to the notifier's load) or the notifier's came first (and
//! the waiter sees the new predicate before it ever registers). Data itself is published by the
//! mutex the waiter re-locks. As in std's futex condvar, there is no requeue: woken waiters contend
//! for the mutex themselves.
//!
//! `SLEEPERS` needs no more: the waiter sets it with a compare-exchange that expects the sequence
//! it registered in, and the notifier bumps the sequence with a read-modify-write, so the two meet
//! in the word's single modification order. Either the bump comes first, and the waiter's
//! exchange fails and it sees the notification, or the flag comes first, and the notifier sees it
//! and wakes; the backend's compare-and-sleep is atomic with its wake.
//!
//! A waiter could miss a notification only if the sequence wrapped (2^23 notifications) exactly
//! between its unlock and its sleep, the same residual risk every counter-based condvar accepts.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::mutex::MutexGuard;
use crate::primitive::{AtomicU32, Ordering, const_fn};
use crate::wait::{Deadline, Forever, Limit, Poll, Wait, WaitTimeout};

const WAITERS_MASK: u32 = 0xFF;
/// The sticky "many waiters" count.
const WAITERS_MANY: u32 = WAITERS_MASK;
/// A registered waiter may be asleep: a notification must call the backend's wake.
const SLEEPERS: u32 = WAITERS_MASK + 1;
/// One step of the sequence, above `SLEEPERS`.
const SEQ_ONE: u32 = SLEEPERS << 1;
/// The sequence bits.
const SEQ_MASK: u32 = !(SEQ_ONE - 1);

/// A condition variable: blocks a thread until another one notifies it, generic over backend `W`.
///
/// Use it with a [`Mutex`](crate::generic::Mutex) of the same backend (any mutex; one condvar
/// may serve several) and always wait in a predicate loop, most simply with
/// [`wait_while`](Self::wait_while): wake-ups may be spurious. Four bytes, `const`-constructible.
/// `notify_*` with no waiter costs one load and no system call.
///
/// # Which waiter wakes
///
/// `notify_one` wakes at least one waiter, not a chosen one. Every waiter still in its polling
/// phase sees the notification and returns (on `Spin`, every waiter); of the waiters asleep, the
/// backend wakes the one it picks. On `Futex` under Linux that is the longest asleep among
/// threads of equal priority; a backend that orders its sleepers by priority (real-time threads,
/// most RTOS wait queues) may wake a newer one, where Python's `Condition.notify` wakes the
/// oldest. So when the waiters of one condvar wait for different conditions, notify with
/// [`notify_all`](Self::notify_all), or give each condition its own condvar, as with std's.
///
/// # Interrupt safety
///
/// `notify_one`, `notify_all` and `notify_n` never block and may run in an interrupt handler;
/// the `wait*` methods block and must not.
///
/// # Examples
///
/// ```
/// use baresync::{Condvar, Mutex};
///
/// static READY: Mutex<bool> = Mutex::new(false);
/// static CHANGED: Condvar = Condvar::new();
///
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         *READY.lock() = true;
///         CHANGED.notify_one();
///     });
///     let ready = CHANGED.wait_while(READY.lock(), |ready| !*ready);
///     assert!(*ready);
/// });
/// ```
pub struct Condvar<W> {
    /// Waiter count (bits 0..8, sticky at 255) and notification sequence (bits 8..32).
    word: AtomicU32,
    backend: PhantomData<fn() -> W>,
}

/// Whether a timed [`Condvar`] wait ended because its time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// `true` when the wait returned because the timeout elapsed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let m = baresync::Mutex::new(());
    /// let cv = baresync::Condvar::new();
    /// let (_guard, result) = cv.wait_timeout(m.lock(), Duration::from_millis(1));
    /// assert!(result.timed_out());
    /// ```
    #[must_use]
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl<W> Condvar<W> {
    const_fn! {
        /// Creates a condition variable with no waiters.
        ///
        /// # Examples
        ///
        /// ```
        /// static CV: baresync::Condvar = baresync::Condvar::new();
        /// CV.notify_all(); // nobody waits: a single load
        /// ```
        pub fn new() -> Self {
            Self {
                word: AtomicU32::new(0),
                backend: PhantomData,
            }
        }
    }
}

impl<W: Wait> Condvar<W> {
    /// Registers a waiter; returns whether it was counted and the word it registered into.
    fn register(&self) -> (bool, u32) {
        // Relaxed: see the module docs (the mutex, still held, orders the registration).
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            if word & WAITERS_MASK == WAITERS_MANY {
                return (false, word);
            }
            match self.word.compare_exchange_weak(
                word,
                word + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return (true, word + 1),
                Err(now) => word = now,
            }
        }
    }

    /// Undoes `register`, unless the count went sticky meanwhile; the last waiter out clears
    /// `SLEEPERS` (nobody is left who could sleep).
    fn deregister(&self, counted: bool) {
        if !counted {
            return;
        }
        // Relaxed: only the count and the flag change; nothing is published.
        let _ = self
            .word
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |word| {
                let waiters = word & WAITERS_MASK;
                (waiters != WAITERS_MANY).then(|| {
                    if waiters == 1 {
                        (word - 1) & !SLEEPERS
                    } else {
                        word - 1
                    }
                })
            });
    }

    /// Returns `true` once the sequence differs from the one in `registered` (a notification):
    /// polls first, then announces itself with `SLEEPERS` and sleeps on the word until it changes
    /// (see the module docs). Returns `false` once `limit` has expired (never for `Forever`),
    /// without announcing itself after that.
    #[inline]
    fn await_notification<L: Limit<W>>(&self, registered: u32, limit: &L) -> bool {
        let mut poll = Poll::new();
        loop {
            // Relaxed: see the module docs.
            let now = self.word.load(Ordering::Relaxed);
            if now & SEQ_MASK != registered & SEQ_MASK {
                return true;
            }
            if poll.pause::<W, L>(limit) {
                continue;
            }
            if limit.expired() {
                return false;
            }
            let key = now | SLEEPERS;
            // Announce the sleeper; on failure the word changed: look again. Relaxed: see the
            // module docs (the flag and the sequence meet in the word's modification order).
            if W::WAKE_NEEDED
                && now & SLEEPERS == 0
                && self
                    .word
                    .compare_exchange(now, key, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            if !limit.sleep(&self.word, if W::WAKE_NEEDED { key } else { now }) {
                return false;
            }
        }
    }

    /// The one wait of `wait`, `wait_timeout` and `wait_timeout_while`: registers, unlocks,
    /// awaits a notification within `limit`, re-locks. Returns the guard and whether it was
    /// notified (always, for `Forever`).
    fn wait_until<'a, T: ?Sized, L: Limit<W>>(
        &self,
        guard: MutexGuard<'a, T, W>,
        limit: &L,
    ) -> (MutexGuard<'a, T, W>, bool) {
        let mutex = guard.mutex();
        let (counted, registered) = self.register();
        guard.unlock_for_wait();
        let notified = self.await_notification(registered, limit);
        self.deregister(counted);
        (mutex.lock(), notified)
    }

    /// Blocks until this condvar is notified, releasing `guard`'s mutex meanwhile and re-locking
    /// it before returning.
    ///
    /// May wake spuriously: call it in a loop that re-checks the condition, or use
    /// [`wait_while`](Self::wait_while).
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{Condvar, Mutex};
    ///
    /// static QUEUE: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    /// static NOT_EMPTY: Condvar = Condvar::new();
    ///
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         QUEUE.lock().push(7);
    ///         NOT_EMPTY.notify_one();
    ///     });
    ///     let mut queue = QUEUE.lock();
    ///     while queue.is_empty() {
    ///         queue = NOT_EMPTY.wait(queue);
    ///     }
    ///     assert_eq!(queue.pop(), Some(7));
    /// });
    /// ```
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T, W>) -> MutexGuard<'a, T, W> {
        self.wait_until(guard, &Forever).0
    }

    /// Blocks while `condition` returns `true`, re-checking it under the lock after every wake-up.
    ///
    /// Returns the guard with the condition false. This is Python's `Condition.wait_for`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{Condvar, Mutex};
    ///
    /// static COUNT: Mutex<u32> = Mutex::new(0);
    /// static CHANGED: Condvar = Condvar::new();
    ///
    /// std::thread::scope(|s| {
    ///     for _ in 0..5 {
    ///         s.spawn(|| {
    ///             *COUNT.lock() += 1;
    ///             CHANGED.notify_all();
    ///         });
    ///     }
    ///     let count = CHANGED.wait_while(COUNT.lock(), |n| *n < 5);
    ///     assert_eq!(*count, 5);
    /// });
    /// ```
    pub fn wait_while<'a, T: ?Sized, F>(
        &self,
        mut guard: MutexGuard<'a, T, W>,
        mut condition: F,
    ) -> MutexGuard<'a, T, W>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Wakes one waiter, if any (no system call when nobody waits).
    ///
    /// # Examples
    ///
    /// ```
    /// let cv = baresync::Condvar::new();
    /// cv.notify_one();
    /// ```
    #[inline]
    pub fn notify_one(&self) {
        self.notify_n(1);
    }

    /// Wakes every waiter (no system call when nobody waits).
    ///
    /// # Examples
    ///
    /// ```
    /// let cv = baresync::Condvar::new();
    /// cv.notify_all();
    /// ```
    #[inline]
    pub fn notify_all(&self) {
        self.notify_n(u32::MAX);
    }

    /// Wakes up to `n` waiters; `u32::MAX` wakes them all (Python's `Condition.notify(n)`).
    ///
    /// Like `notify_one`, a notification may also release waiters that had registered but not
    /// yet gone to sleep, beyond `n`; a predicate loop absorbs that.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{Condvar, Mutex};
    ///
    /// static TOKENS: Mutex<u32> = Mutex::new(0);
    /// static CV: Condvar = Condvar::new();
    ///
    /// std::thread::scope(|s| {
    ///     for _ in 0..3 {
    ///         s.spawn(|| {
    ///             let mut tokens = CV.wait_while(TOKENS.lock(), |t| *t == 0);
    ///             *tokens -= 1;
    ///         });
    ///     }
    ///     *TOKENS.lock() += 3;
    ///     CV.notify_n(3);
    /// });
    /// assert_eq!(*TOKENS.lock(), 0);
    /// ```
    #[inline]
    pub fn notify_n(&self, n: u32) {
        // Relaxed: see the module docs. Only the test decides here (one load, one test), so the
        // slow path reads the count again, inside its read-modify-write.
        if self.word.load(Ordering::Relaxed) & WAITERS_MASK == 0 || n == 0 {
            return;
        }
        self.notify_slow(n);
    }

    #[cold]
    fn notify_slow(&self, n: u32) {
        // Whether this notification wakes every waiter, by the count of `word`.
        let all = |word: u32| {
            let waiters = word & WAITERS_MASK;
            waiters == WAITERS_MANY || n >= waiters
        };
        // Bump the sequence (wrapping off the top is fine) so registered waiters see a change;
        // a notification that wakes everyone also clears `SLEEPERS`. Relaxed: see the module docs.
        let old = match self
            .word
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |word| {
                let bumped = word.wrapping_add(SEQ_ONE);
                Some(if all(word) {
                    bumped & !SLEEPERS
                } else {
                    bumped
                })
            }) {
            Ok(old) | Err(old) => old,
        };
        if old & SLEEPERS == 0 {
            // Every registered waiter is still polling and sees the new sequence.
            return;
        }
        if all(old) {
            W::wake_all(&self.word);
        } else {
            for _ in 0..n {
                W::wake_one(&self.word);
            }
        }
    }
}

impl<W: WaitTimeout> Condvar<W> {
    /// Like [`wait`](Self::wait), but gives up after `timeout`.
    ///
    /// Returns the re-locked guard and whether the time ran out. A huge timeout such as
    /// `Duration::MAX` waits as long as the platform can.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let m = baresync::Mutex::new(false);
    /// let cv = baresync::Condvar::new();
    /// let (flag, result) = cv.wait_timeout(m.lock(), Duration::from_millis(5));
    /// assert!(result.timed_out());
    /// assert!(!*flag);
    /// ```
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T, W>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T, W>, WaitTimeoutResult) {
        let (guard, notified) = self.wait_until(guard, &Deadline::<W::Clock>::after(timeout));
        (guard, WaitTimeoutResult(!notified))
    }

    /// Waits while `condition` holds, for at most `timeout` in total.
    ///
    /// Returns the guard and whether the time ran out with the condition still true.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let m = baresync::Mutex::new(0);
    /// let cv = baresync::Condvar::new();
    /// let (n, result) = cv.wait_timeout_while(m.lock(), Duration::from_millis(5), |n| *n == 0);
    /// assert!(result.timed_out());
    /// assert_eq!(*n, 0);
    /// ```
    pub fn wait_timeout_while<'a, T: ?Sized, F>(
        &self,
        mut guard: MutexGuard<'a, T, W>,
        timeout: Duration,
        mut condition: F,
    ) -> (MutexGuard<'a, T, W>, WaitTimeoutResult)
    where
        F: FnMut(&mut T) -> bool,
    {
        let deadline = Deadline::<W::Clock>::after(timeout);
        while condition(&mut *guard) {
            let (next, notified) = self.wait_until(guard, &deadline);
            guard = next;
            if !notified {
                let still = condition(&mut *guard);
                return (guard, WaitTimeoutResult(still));
            }
        }
        (guard, WaitTimeoutResult(false))
    }
}

impl<W> Default for Condvar<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> fmt::Debug for Condvar<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
