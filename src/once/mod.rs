//! `Once`, `OnceLock` and `LazyLock`: one-time initialisation on one 4-byte word.
//!
//! # The word
//!
//! | value | meaning |
//! | --- | --- |
//! | `INCOMPLETE` (0) | nothing has run yet, or every attempt so far panicked (or failed) |
//! | `RUNNING` (1) | one caller runs its initialiser; nobody else may start one |
//! | `COMPLETE` (2) | an initialiser finished: final, the word never changes again |
//! | `+ SLEEPERS` (4) | someone may sleep on the word: whoever ends the attempt wakes everyone |
//!
//! The fast path of an initialised cell is one Acquire load that compares with `COMPLETE`
//! (`SLEEPERS` is never set on a complete word). Otherwise a caller that may initialise takes
//! the turn with a compare-exchange `INCOMPLETE → RUNNING` and runs its initialiser; everyone
//! else polls for a while ([`Wait::poll_pause`]), then sets `SLEEPERS` and sleeps through the
//! backend until the attempt ends. The runner ends it with one swap: to `COMPLETE` when its
//! initialiser returned, back to `INCOMPLETE` when it panicked (or, for
//! `OnceLock::get_or_try_init`, returned an error). A swap that finds `SLEEPERS` wakes every
//! sleeper: after a success they all return; after a failure each looks again, one of them
//! takes the turn and runs its own initialiser, and the others sleep again. There is no
//! poisoning: a later caller always gets to try.
//!
//! With a backend that needs no wake ([`Wait::WAKE_NEEDED`] is false, as for `Spin`),
//! `SLEEPERS` is never set and waiters poll the word.
//!
//! # References
//!
//! std's `sys/sync/once/futex.rs` (the states; std poisons where this module retries);
//! Drepper, *Futexes Are Tricky* (the sleepers flag, as in the mutex).

mod lazy_lock;
mod once_lock;

pub use lazy_lock::LazyLock;
pub use once_lock::OnceLock;

use core::convert::Infallible;
use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::primitive::{AtomicU32, Ordering, const_fn};
use crate::wait::{Deadline, Forever, Limit, Poll, Wait, WaitTimeout};

const INCOMPLETE: u32 = 0;
const RUNNING: u32 = 1;
const COMPLETE: u32 = 2;
/// The state bits: `INCOMPLETE`, `RUNNING` or `COMPLETE`.
const STATE: u32 = 3;
const SLEEPERS: u32 = 4;

/// How a wait on the word ended.
enum Turn {
    /// The word is `COMPLETE`.
    Complete,
    /// The caller took the turn (`INCOMPLETE → RUNNING`) and must run its initialiser.
    Claimed,
    /// The limit expired first (never for `Forever`).
    Expired,
}

/// A one-time initialisation, generic over backend `W` (std's `Once`, without poisoning).
///
/// [`call_once`](Self::call_once) runs its closure exactly once however many threads race:
/// one runs it, the others block through the backend until it has finished. If the closure
/// panics, the `Once` stays incomplete and a later `call_once` runs its own closure (std would
/// poison it). Four bytes, `const`-constructible.
///
/// Memory ordering: everything the closure wrote is visible to every caller after its
/// `call_once` or `wait` returns, or after `is_completed` returns `true`.
///
/// # Interrupt safety
///
/// `is_completed` never blocks and may run in an interrupt handler; `call_once` and `wait`
/// block while another context initialises, and must not.
///
/// # Examples
///
/// ```
/// use baresync::Once;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// static INIT: Once = Once::new();
/// static RUNS: AtomicU32 = AtomicU32::new(0);
///
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| {
///             INIT.call_once(|| {
///                 RUNS.fetch_add(1, Ordering::Relaxed);
///             });
///             assert!(INIT.is_completed());
///         });
///     }
/// });
/// assert_eq!(RUNS.load(Ordering::Relaxed), 1);
/// ```
pub struct Once<W> {
    /// `INCOMPLETE`, `RUNNING` or `COMPLETE`, plus `SLEEPERS`; see the module docs.
    state: AtomicU32,
    backend: PhantomData<fn() -> W>,
}

impl<W> Once<W> {
    const_fn! {
        /// Creates a `Once` that has not run.
        ///
        /// # Examples
        ///
        /// ```
        /// static START: baresync::Once = baresync::Once::new();
        /// assert!(!START.is_completed());
        /// ```
        pub fn new() -> Self {
            Self {
                state: AtomicU32::new(INCOMPLETE),
                backend: PhantomData,
            }
        }
    }

    /// Whether an initialiser has finished: one load.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = baresync::Once::new();
    /// assert!(!once.is_completed());
    /// once.call_once(|| {});
    /// assert!(once.is_completed());
    /// ```
    #[inline]
    pub fn is_completed(&self) -> bool {
        // Acquire: pairs with the Release swap in `end_attempt`, so the initialiser's writes
        // are visible to a caller that sees COMPLETE.
        self.state.load(Ordering::Acquire) == COMPLETE
    }

    /// A `Once` that has already completed (`OnceLock::from`).
    fn completed() -> Self {
        Self {
            state: AtomicU32::new(COMPLETE),
            backend: PhantomData,
        }
    }
}

impl<W: Wait> Once<W> {
    /// Runs `f` if no call has completed yet; returns once some call's closure has completed.
    ///
    /// Exactly one closure completes, however many threads call at once: the others block
    /// until it has finished (the backend puts them to sleep) and then return without running
    /// theirs. If the running closure panics, the panic goes to its caller and the `Once` stays
    /// incomplete: a blocked caller wakes and runs its own closure, as does any later caller.
    ///
    /// Calling `call_once` on the same `Once` from inside `f` deadlocks.
    ///
    /// # Examples
    ///
    /// A panicking initialiser leaves the `Once` to the next caller:
    ///
    /// ```
    /// use std::panic::{AssertUnwindSafe, catch_unwind};
    ///
    /// let once = baresync::Once::new();
    /// let failed = catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("no config"))));
    /// assert!(failed.is_err());
    /// assert!(!once.is_completed());
    ///
    /// let mut ran = false;
    /// once.call_once(|| ran = true);
    /// assert!(ran && once.is_completed());
    /// ```
    #[inline]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if !self.is_completed() {
            let done: Result<(), Infallible> = self.initialize(|| {
                f();
                Ok(())
            });
            let Ok(()) = done;
        }
    }

    /// Blocks until some `call_once` has completed; returns at once if one has.
    ///
    /// Does not run anything: a `Once` that nobody initialises blocks its waiters forever.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::Once;
    ///
    /// static READY: Once = Once::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| READY.call_once(|| {}));
    ///     READY.wait();
    /// });
    /// assert!(READY.is_completed());
    /// ```
    #[inline]
    pub fn wait(&self) {
        if !self.is_completed() {
            self.wait_turn(&Forever, false);
        }
    }

    /// The slow path of every initialisation: waits for the turn, runs `f` if it gets it, and
    /// ends the attempt as `f` ended (`COMPLETE` for `Ok`, `INCOMPLETE` for `Err` or a panic).
    /// Returns `Ok` once the word is `COMPLETE`, or `f`'s error.
    #[cold]
    pub(crate) fn initialize<E>(&self, f: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        match self.wait_turn(&Forever, true) {
            Turn::Claimed => {}
            Turn::Complete | Turn::Expired => return Ok(()),
        }
        // Ends the attempt as failed if `f` panics (the guard's drop runs while unwinding).
        let attempt = Attempt { once: self };
        let result = f();
        core::mem::forget(attempt);
        self.end_attempt(if result.is_ok() { COMPLETE } else { INCOMPLETE });
        result
    }

    /// The one wait loop of `call_once`, `wait` and their timed forms: returns once the word is
    /// `COMPLETE`, or, if `claim`, once the caller has taken the turn to initialise; or when
    /// `limit` expired first.
    fn wait_turn<L: Limit<W>>(&self, limit: &L, claim: bool) -> Turn {
        let mut poll = Poll::new();
        let mut polling = true;
        loop {
            // Acquire: as in `is_completed`; for a claimer, pairs with the Release swap that
            // ended a failed attempt, so the retry happens after everything that attempt did.
            let word = self.state.load(Ordering::Acquire);
            match word & STATE {
                COMPLETE => return Turn::Complete,
                INCOMPLETE if claim => {
                    // Acquire on success: as for the load above. SLEEPERS is kept: sleepers
                    // from the failed attempt may still sleep, and this attempt must wake them.
                    if self
                        .state
                        .compare_exchange(
                            word,
                            word | RUNNING,
                            Ordering::Acquire,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                    {
                        return Turn::Claimed;
                    }
                    continue;
                }
                _ => {}
            }
            if polling {
                if poll.pause::<W, L>(limit) {
                    continue;
                }
                polling = false;
            }
            // Out of time: give up before announcing, so that nobody owes us a wake.
            if limit.expired() {
                return Turn::Expired;
            }
            let Some(word) = self.announce(word) else {
                continue;
            };
            if !limit.sleep(&self.state, word) {
                // SLEEPERS may stay set with nobody asleep: the runner pays one spare wake.
                return Turn::Expired;
            }
        }
    }

    /// Sets `SLEEPERS` on an unfinished word; returns the word to sleep on, or `None` when it
    /// changed meanwhile and the caller should look again.
    #[inline]
    fn announce(&self, word: u32) -> Option<u32> {
        if !W::WAKE_NEEDED || word & SLEEPERS != 0 {
            return Some(word);
        }
        // Relaxed: the flag publishes nothing; the Acquire load in `wait_turn` re-reads the
        // word after every return from the sleep.
        self.state
            .compare_exchange(word, word | SLEEPERS, Ordering::Relaxed, Ordering::Relaxed)
            .ok()
            .map(|_| word | SLEEPERS)
    }

    /// Ends the running attempt with `state` (`COMPLETE` or `INCOMPLETE`) and wakes every
    /// sleeper.
    #[inline]
    fn end_attempt(&self, state: u32) {
        // Release: publishes the initialiser's writes (the cell's value) to the Acquire loads
        // that see COMPLETE, and a failed attempt's to the next claimer.
        let word = self.state.swap(state, Ordering::Release);
        if word & SLEEPERS != 0 {
            // A waiter may see the new state, return and free the word before this call: the
            // address is only a key (the `Wait` contract).
            W::wake_all(&self.state);
        }
    }
}

impl<W: WaitTimeout> Once<W> {
    /// Blocks until some `call_once` has completed or `timeout` elapses; returns whether it
    /// has completed.
    ///
    /// A zero timeout is [`is_completed`](Self::is_completed); `Duration::MAX` waits as long
    /// as the platform can.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let once = baresync::Once::new();
    /// assert!(!once.wait_timeout(Duration::from_millis(5)));
    /// once.call_once(|| {});
    /// assert!(once.wait_timeout(Duration::from_millis(5)));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.is_completed()
            || matches!(
                self.wait_turn(&Deadline::<W::Clock>::after(timeout), false),
                Turn::Complete
            )
    }
}

/// The running attempt of [`Once::initialize`]: dropped only while its initialiser unwinds,
/// when it ends the attempt as failed and wakes the sleepers, one of whom retries.
struct Attempt<'a, W: Wait> {
    once: &'a Once<W>,
}

impl<W: Wait> Drop for Attempt<'_, W> {
    fn drop(&mut self) {
        self.once.end_attempt(INCOMPLETE);
    }
}

impl<W> Default for Once<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> fmt::Debug for Once<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("is_completed", &self.is_completed())
            .finish()
    }
}
