//! `Semaphore` and `BoundedSemaphore`: counting semaphores on one word.
//!
//! # The word
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0..31 | available permits, at most [`Semaphore::MAX_PERMITS`] |
//! | 31 (`SLEEPERS`) | someone may sleep on the word: `release` must wake |
//!
//! Like the mutex's `CONTENDED` state, `SLEEPERS` is cleared by the `release` that wakes, and a
//! woken caller sets it again when it takes a permit, because others may still sleep. Unlike a
//! mutex, more permits may arrive before the woken caller runs (a second `release` then sees no
//! flag and wakes nobody), so a woken caller that leaves permits behind passes the baton: it wakes
//! one more sleeper. Every sleeper is thus woken while permits remain, one at a time, and none is
//! lost. `release(n)` with `n > 1` wakes all sleepers, since one wake per permit would need a
//! count the word has no room for.
//!
//! A timed caller that slept and then gives up without a permit may have been the one a
//! `release(1)` woke (the release cleared `SLEEPERS` and woke nobody else). So it leaves the word
//! as a woken caller that takes a permit would: it sets `SLEEPERS` again and, if permits are
//! there, wakes one more sleeper. A caller whose deadline has passed before it ever slept gives up
//! without announcing itself at all.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::primitive::{AtomicU32, Ordering, const_fn};
use crate::wait::{Deadline, Forever, Limit, Poll, Wait, WaitTimeout};

const SLEEPERS: u32 = 1 << 31;
const PERMITS: u32 = SLEEPERS - 1;

/// The error of a release that would push a semaphore past its maximum count.
///
/// For [`Semaphore`] the maximum is [`Semaphore::MAX_PERMITS`]; for [`BoundedSemaphore`] it is
/// the initial count (Python's `BoundedSemaphore` raises `ValueError` there).
///
/// # Examples
///
/// ```
/// let s = baresync::BoundedSemaphore::new(1);
/// assert!(s.try_release(1).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SemaphoreOverflowError;

impl fmt::Display for SemaphoreOverflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore released above its maximum permit count")
    }
}

impl core::error::Error for SemaphoreOverflowError {}

/// A counting semaphore, generic over backend `W`.
///
/// `acquire` takes a permit (blocking while none is available) and returns a
/// [`SemaphorePermit`] that gives it back on drop; `release(n)` adds permits without one, for
/// signalling. Four bytes, `const`-constructible.
///
/// Memory ordering: a `release` (or a permit's drop) happens-before the `acquire` that takes the
/// permit it added.
///
/// # From Python
///
/// `threading.Semaphore(n)` is `Semaphore::new(n)`; `acquire()` returns a permit that gives
/// itself back on drop (call [`forget`](SemaphorePermit::forget) on it for Python's explicit
/// `acquire()`/`release()` pairs), `acquire(timeout=t)` is `acquire_timeout(t)`,
/// `acquire(blocking=False)` is `try_acquire()`. One difference: Python's `Semaphore()` with no
/// argument starts with **1** permit, while `Semaphore::default()` starts with **0**. Kept on
/// purpose: `Default` is Rust's "empty" value (as `0u32`), and a semaphore with no permits is the
/// signalling one (`release` wakes an `acquire`), which a `#[derive(Default)]` struct most often
/// holds; a one-permit semaphore is a lock, better written as a [`Mutex`](crate::generic::Mutex).
/// Write `Semaphore::new(1)` for Python's default.
///
/// # Interrupt safety
///
/// `try_acquire`, `release`, `try_release` and `available_permits` never block and may run in an
/// interrupt handler; `acquire` and `acquire_timeout` block and must not.
///
/// # Examples
///
/// At most two workers inside at once:
///
/// ```
/// use baresync::Semaphore;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// static SLOTS: Semaphore = Semaphore::new(2);
/// static INSIDE: AtomicU32 = AtomicU32::new(0);
///
/// std::thread::scope(|s| {
///     for _ in 0..5 {
///         s.spawn(|| {
///             let _permit = SLOTS.acquire();
///             assert!(INSIDE.fetch_add(1, Ordering::SeqCst) < 2);
///             INSIDE.fetch_sub(1, Ordering::SeqCst);
///         });
///     }
/// });
/// assert_eq!(SLOTS.available_permits(), 2);
/// ```
pub struct Semaphore<W> {
    /// Permits (bits 0..31) and `SLEEPERS` (bit 31); see the module docs.
    word: AtomicU32,
    backend: PhantomData<fn() -> W>,
}

impl<W> Semaphore<W> {
    /// The largest permit count a semaphore holds: 2^31 - 1.
    pub const MAX_PERMITS: u32 = PERMITS;

    const_fn! {
        /// Creates a semaphore with `permits` available.
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS); in a `static`, that is a
        /// compile-time error.
        ///
        /// # Examples
        ///
        /// ```
        /// static S: baresync::Semaphore = baresync::Semaphore::new(3);
        /// assert_eq!(S.available_permits(), 3);
        /// ```
        pub fn new(permits: u32) -> Self {
            assert!(permits <= PERMITS, "Semaphore::new: more permits than Semaphore::MAX_PERMITS");
            Self {
                word: AtomicU32::new(permits),
                backend: PhantomData,
            }
        }
    }

    /// The number of permits available now (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::Semaphore::new(2);
    /// let _p = s.acquire();
    /// assert_eq!(s.available_permits(), 1);
    /// ```
    #[inline]
    pub fn available_permits(&self) -> u32 {
        self.word.load(Ordering::Relaxed) & PERMITS
    }

    /// Takes a permit if one is available; `sleepers` is OR-ed into the new word. Returns the
    /// word before the take, or the word that had no permit.
    #[inline]
    fn take(&self, sleepers: u32) -> Result<u32, u32> {
        let mut word = self.word.load(Ordering::Relaxed);
        while word & PERMITS != 0 {
            // Acquire: pairs with the Release in `release_within`, so the releaser's writes are
            // visible to the new holder.
            match self.word.compare_exchange_weak(
                word,
                (word - 1) | sleepers,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(word),
                Err(now) => word = now,
            }
        }
        Err(word)
    }
}

impl<W: Wait> Semaphore<W> {
    /// Takes a permit if one is available now, without blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::Semaphore::new(1);
    /// let p = s.try_acquire().expect("one permit");
    /// assert!(s.try_acquire().is_none());
    /// drop(p);
    /// assert!(s.try_acquire().is_some());
    /// ```
    #[inline]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_, W>> {
        self.try_acquire_for(None)
    }

    /// `try_acquire`, for a permit that counts its `forget` in `forgotten` (a bounded semaphore's).
    #[inline]
    fn try_acquire_for<'a>(
        &'a self,
        forgotten: Option<&'a AtomicU32>,
    ) -> Option<SemaphorePermit<'a, W>> {
        self.take(0)
            .ok()
            .map(|_| SemaphorePermit::new(self, forgotten))
    }

    /// Takes a permit, blocking while none is available.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::Semaphore;
    ///
    /// static DONE: Semaphore = Semaphore::new(0);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| DONE.release(1));
    ///     DONE.acquire().forget();
    /// });
    /// ```
    pub fn acquire(&self) -> SemaphorePermit<'_, W> {
        self.acquire_for(None)
    }

    /// `acquire`, for a permit that counts its `forget` in `forgotten`.
    #[inline]
    fn acquire_for<'a>(&'a self, forgotten: Option<&'a AtomicU32>) -> SemaphorePermit<'a, W> {
        if self.take(0).is_err() {
            self.acquire_contended(&Forever);
        }
        SemaphorePermit::new(self, forgotten)
    }

    /// After a woken caller took a permit from `word`: if permits remain, wake the next sleeper,
    /// whose wake-up a release may have skipped (see the module docs).
    #[inline]
    fn pass_baton(&self, word: u32, sleepers: u32) {
        if sleepers != 0 && (word & PERMITS) > 1 {
            W::wake_one(&self.word);
        }
    }

    /// The slow path of `acquire` and `acquire_timeout`: returns once a permit is taken
    /// (`L::DONE`) or `limit` expired first (`L::EXPIRED`, never for `Forever`).
    #[cold]
    fn acquire_contended<L: Limit<W>>(&self, limit: &L) -> L::Outcome {
        if self.poll(limit) {
            return L::DONE;
        }
        // `SLEEPERS` once this caller has slept: others may sleep too, so it keeps the flag set
        // when it takes a permit.
        let mut sleepers = 0;
        loop {
            let word = match self.take(sleepers) {
                Ok(word) => {
                    self.pass_baton(word, sleepers);
                    return L::DONE;
                }
                Err(word) => word,
            };
            // Out of time: give up before announcing again, so no release owes us a wake.
            let slept = !limit.expired()
                && match self.announce(word) {
                    // The word changed: look again.
                    None => continue,
                    Some(word) => limit.sleep(&self.word, word),
                };
            if !slept {
                if sleepers != 0 {
                    self.hand_over_wake();
                }
                return L::EXPIRED;
            }
            if W::WAKE_NEEDED {
                sleepers = SLEEPERS;
            }
        }
    }

    /// A caller that slept gives up without a permit (its deadline passed). The `release` that
    /// woke it, if one did, cleared `SLEEPERS` and woke nobody else: leave the word as a woken
    /// caller that takes a permit does, with the flag set again (others may sleep), and wake one
    /// sleeper if permits are there for it to take (see the module docs).
    #[cold]
    fn hand_over_wake(&self) {
        // Relaxed: the flag publishes nothing; permits are taken with Acquire in `take`.
        let word = self.word.fetch_or(SLEEPERS, Ordering::Relaxed);
        if word & PERMITS != 0 {
            W::wake_one(&self.word);
        }
    }

    /// The polling phase before a caller announces itself (see [`Wait::poll_pause`]), ended
    /// early by `limit`: takes a permit as soon as one shows up and returns `true`, or `false`
    /// when the phase ran out. While callers only poll, `SLEEPERS` stays clear and `release`
    /// makes no system call.
    #[inline]
    fn poll<L: Limit<W>>(&self, limit: &L) -> bool {
        let mut poll = Poll::new();
        while poll.pause::<W, L>(limit) {
            // Relaxed: a hint; `take` re-reads the word and acquires.
            if self.word.load(Ordering::Relaxed) & PERMITS != 0 && self.take(0).is_ok() {
                return true;
            }
        }
        false
    }

    /// Sets `SLEEPERS` on a word with no permits; returns the word to sleep on, or `None` when
    /// the word changed and the caller should retry.
    #[inline]
    fn announce(&self, word: u32) -> Option<u32> {
        if !W::WAKE_NEEDED || word & SLEEPERS != 0 {
            return Some(word);
        }
        // Relaxed: the flag publishes nothing; permits are taken with Acquire in `take`.
        self.word
            .compare_exchange(word, word | SLEEPERS, Ordering::Relaxed, Ordering::Relaxed)
            .ok()
            .map(|_| word | SLEEPERS)
    }

    /// Adds `n` permits, waking sleepers; the form that reports overflow instead of panicking.
    ///
    /// # Errors
    ///
    /// [`SemaphoreOverflowError`] if the count would exceed [`MAX_PERMITS`](Self::MAX_PERMITS);
    /// the count is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::Semaphore::new(baresync::Semaphore::MAX_PERMITS);
    /// assert!(s.try_release(1).is_err());
    /// ```
    pub fn try_release(&self, n: u32) -> Result<(), SemaphoreOverflowError> {
        self.release_within(n, PERMITS)
    }

    /// Adds `n` permits (Python's `release(n)`), waking blocked callers.
    ///
    /// # Panics
    ///
    /// If the count would exceed [`MAX_PERMITS`](Self::MAX_PERMITS): overflow is a bug, never a
    /// silent wrap. Use [`try_release`](Self::try_release) to handle it instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::Semaphore::new(0);
    /// s.release(2);
    /// assert_eq!(s.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn release(&self, n: u32) {
        if self.try_release(n).is_err() {
            panic!("Semaphore::release: permit count would exceed Semaphore::MAX_PERMITS");
        }
    }

    /// Adds `n` permits unless the count would pass `limit`.
    fn release_within(&self, n: u32, limit: u32) -> Result<(), SemaphoreOverflowError> {
        if n == 0 {
            return Ok(());
        }
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            let permits = (word & PERMITS)
                .checked_add(n)
                .filter(|&p| p <= limit)
                .ok_or(SemaphoreOverflowError)?;
            // Release: publishes the releaser's writes to the Acquire in `take`.
            match self.word.compare_exchange_weak(
                word,
                permits,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => word = now,
            }
        }
        if word & SLEEPERS != 0 {
            if n == 1 {
                W::wake_one(&self.word);
            } else {
                W::wake_all(&self.word);
            }
        }
        Ok(())
    }
}

impl<W: WaitTimeout> Semaphore<W> {
    /// Takes a permit, blocking for at most `timeout`; `None` if none became available.
    ///
    /// A zero timeout is [`try_acquire`](Self::try_acquire); `Duration::MAX` waits as long as the
    /// platform can.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let s = baresync::Semaphore::new(0);
    /// assert!(s.acquire_timeout(Duration::from_millis(5)).is_none());
    /// s.release(1);
    /// assert!(s.acquire_timeout(Duration::from_millis(5)).is_some());
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_, W>> {
        self.acquire_timeout_for(timeout, None)
    }

    /// `acquire_timeout`, for a permit that counts its `forget` in `forgotten`.
    fn acquire_timeout_for<'a>(
        &'a self,
        timeout: Duration,
        forgotten: Option<&'a AtomicU32>,
    ) -> Option<SemaphorePermit<'a, W>> {
        let taken =
            self.take(0).is_ok() || self.acquire_contended(&Deadline::<W::Clock>::after(timeout));
        taken.then(|| SemaphorePermit::new(self, forgotten))
    }
}

impl<W> Default for Semaphore<W> {
    /// A semaphore with no permits: the signalling kind. (Python's `Semaphore()` starts with
    /// one; write `Semaphore::new(1)` for that. See the type's docs, "From Python".)
    fn default() -> Self {
        Self::new(0)
    }
}

impl<W> fmt::Debug for Semaphore<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .finish()
    }
}

/// A permit taken from a [`Semaphore`] or a [`BoundedSemaphore`]; gives it back on drop.
///
/// The count saturates at [`Semaphore::MAX_PERMITS`]: a permit returned to a semaphore that
/// `release` has filled up to that count meanwhile is dropped without adding to it (a wrap would
/// be a silent error, a panic inside `Drop` an abort while unwinding). A bounded semaphore never
/// gets there: its `release` refuses permits that are on loan.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a, W: Wait> {
    semaphore: &'a Semaphore<W>,
    /// A bounded semaphore's count of forgotten permits, which `forget` adds to.
    forgotten: Option<&'a AtomicU32>,
}

impl<'a, W: Wait> SemaphorePermit<'a, W> {
    #[inline]
    fn new(semaphore: &'a Semaphore<W>, forgotten: Option<&'a AtomicU32>) -> Self {
        Self {
            semaphore,
            forgotten,
        }
    }

    /// Keeps the permit taken: the semaphore's count stays one lower (until a `release` gives
    /// it back).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::Semaphore::new(1);
    /// s.acquire().forget();
    /// assert_eq!(s.available_permits(), 0);
    /// s.release(1);
    /// assert_eq!(s.available_permits(), 1);
    /// ```
    pub fn forget(self) {
        if let Some(forgotten) = self.forgotten {
            // Relaxed: the count only gates `BoundedSemaphore::try_release`; permits themselves
            // are published by the semaphore's word. At most the bound, so it cannot overflow.
            forgotten.fetch_add(1, Ordering::Relaxed);
        }
        core::mem::forget(self);
    }
}

impl<W: Wait> Drop for SemaphorePermit<'_, W> {
    fn drop(&mut self) {
        // Saturates at MAX_PERMITS (see the type docs): the error is ignored on purpose.
        let _ = self.semaphore.release_within(1, PERMITS);
    }
}

impl<W: Wait> fmt::Debug for SemaphorePermit<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").finish_non_exhaustive()
    }
}

/// A semaphore that is never released above its initial count (Python's `BoundedSemaphore`),
/// generic over backend `W`.
///
/// Releasing more often than acquiring is a bug in the caller; this type reports it. A permit
/// taken as a guard goes back when the guard drops; `release(n)` may only give back permits whose
/// guards were [`forget`](SemaphorePermit::forget)-ed (the `acquire()` / `release()` pairs of
/// Python code), so the count can never pass the bound, whatever the order of the calls. Twelve
/// bytes.
///
/// # Examples
///
/// ```
/// use baresync::BoundedSemaphore;
///
/// static POOL: BoundedSemaphore = BoundedSemaphore::new(2);
/// POOL.acquire().forget();
/// let held = POOL.acquire();
/// POOL.release(1); // gives back the forgotten permit
/// assert!(POOL.try_release(1).is_err(), "the other permit is on loan to `held`");
/// drop(held);
/// assert_eq!(POOL.available_permits(), 2);
/// ```
pub struct BoundedSemaphore<W> {
    semaphore: Semaphore<W>,
    bound: u32,
    /// Permits whose guards were forgotten and not yet given back by `release`: the most that
    /// `release` may add. Invariant: available + guards out + forgotten = bound (between two
    /// steps of one call, at most that).
    forgotten: AtomicU32,
}

impl<W> BoundedSemaphore<W> {
    const_fn! {
        /// Creates a semaphore with `permits` available, which is also its maximum.
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
        ///
        /// # Examples
        ///
        /// ```
        /// static S: baresync::BoundedSemaphore = baresync::BoundedSemaphore::new(4);
        /// assert_eq!(S.max_permits(), 4);
        /// ```
        pub fn new(permits: u32) -> Self {
            Self {
                semaphore: Semaphore::new(permits),
                bound: permits,
                forgotten: AtomicU32::new(0),
            }
        }
    }

    /// The initial count, which releases may not exceed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baresync::BoundedSemaphore::new(3).max_permits(), 3);
    /// ```
    pub fn max_permits(&self) -> u32 {
        self.bound
    }

    /// The number of permits available now (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::BoundedSemaphore::new(3);
    /// let _p = s.acquire();
    /// assert_eq!(s.available_permits(), 2);
    /// ```
    pub fn available_permits(&self) -> u32 {
        self.semaphore.available_permits()
    }
}

impl<W: Wait> BoundedSemaphore<W> {
    /// Takes a permit if one is available now; see [`Semaphore::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::BoundedSemaphore::new(1);
    /// let p = s.try_acquire().expect("one permit");
    /// assert!(s.try_acquire().is_none());
    /// drop(p);
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_, W>> {
        self.semaphore.try_acquire_for(Some(&self.forgotten))
    }

    /// Takes a permit, blocking while none is available; see [`Semaphore::acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::BoundedSemaphore::new(1);
    /// drop(s.acquire());
    /// assert_eq!(s.available_permits(), 1);
    /// ```
    pub fn acquire(&self) -> SemaphorePermit<'_, W> {
        self.semaphore.acquire_for(Some(&self.forgotten))
    }

    /// Gives back `n` forgotten permits.
    ///
    /// # Errors
    ///
    /// [`SemaphoreOverflowError`] when fewer than `n` permits were forgotten and not given back:
    /// the others are on loan to guards (or were never taken), and the count could pass the
    /// bound. The count is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::BoundedSemaphore::new(1);
    /// assert!(s.try_release(1).is_err(), "nothing was taken");
    /// s.acquire().forget();
    /// assert!(s.try_release(1).is_ok());
    /// ```
    pub fn try_release(&self, n: u32) -> Result<(), SemaphoreOverflowError> {
        // Relaxed: the count only gates this call; the permits are published by the word.
        self.forgotten
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| f.checked_sub(n))
            .map_err(|_| SemaphoreOverflowError)?;
        // Within the bound by the invariant on `forgotten`.
        self.semaphore.release_within(n, self.bound)
    }

    /// Gives back `n` forgotten permits (Python's `release(n)`).
    ///
    /// # Panics
    ///
    /// If fewer than `n` permits were forgotten and not given back (Python raises `ValueError`
    /// when a release would exceed the initial count); see [`try_release`](Self::try_release).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = baresync::BoundedSemaphore::new(2);
    /// s.acquire().forget();
    /// s.acquire().forget();
    /// s.release(2);
    /// assert_eq!(s.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn release(&self, n: u32) {
        if self.try_release(n).is_err() {
            panic!("BoundedSemaphore::release: released more permits than were acquired");
        }
    }
}

impl<W: WaitTimeout> BoundedSemaphore<W> {
    /// Takes a permit, blocking for at most `timeout`; see [`Semaphore::acquire_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let s = baresync::BoundedSemaphore::new(1);
    /// let _held = s.acquire();
    /// assert!(s.acquire_timeout(Duration::from_millis(1)).is_none());
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_, W>> {
        self.semaphore
            .acquire_timeout_for(timeout, Some(&self.forgotten))
    }
}

impl<W> fmt::Debug for BoundedSemaphore<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available_permits", &self.available_permits())
            .field("max_permits", &self.bound)
            .finish()
    }
}
