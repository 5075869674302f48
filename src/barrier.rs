//! `Barrier`: a reusable rendezvous with Python's extras (timeouts that break it, abort, reset).
//!
//! # The word
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0..16 | parties arrived in the current generation (still inside, when broken) |
//! | 16 (`BROKEN`) | the generation was broken by a timeout, `abort` or `reset` |
//! | 17 (`RESETTING`) | a `reset` waits for the broken generation's waiters to leave |
//! | 18 (`SLEEPERS`) | someone may sleep on the word: the next releasing change must wake |
//! | 19..32 | generation |
//!
//! The last arrival (the leader) starts the next generation in one step: count 0, flags clear,
//! generation + 1. A waiter returns successfully once the generation moved. A broken generation
//! keeps its number while its waiters leave one by one (each takes itself off the count), so a
//! waiter can always tell "completed" from "broken": the generation cannot move on without it.
//! After a `reset`, the last waiter to leave starts the fresh generation; callers arriving
//! meanwhile wait for it, as in CPython.
//!
//! # Orderings
//!
//! Every change to the word is a read-modify-write, so the release sequence of each arrival's
//! `AcqRel` exchange runs unbroken to the leader's exchange and on to every waiter's `Acquire`
//! load of the new generation: all writes made before `wait` by any party are visible to every
//! party after it, as with std's barrier.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::primitive::{AtomicU32, Ordering, const_fn};
use crate::wait::{Deadline, Forever, Limit, Poll, Wait, WaitTimeout};

const COUNT_MASK: u32 = 0xFFFF;
const BROKEN: u32 = 1 << 16;
const RESETTING: u32 = 1 << 17;
const SLEEPERS: u32 = 1 << 18;
const GENERATION_ONE: u32 = 1 << 19;
const GENERATION_MASK: u32 = !(GENERATION_ONE - 1);

/// The error of a wait on a broken [`Barrier`] (Python's `BrokenBarrierError`).
///
/// A barrier breaks when a timed wait runs out, on [`Barrier::abort`], and, for the callers
/// waiting at the time, on [`Barrier::reset`].
///
/// # Examples
///
/// ```
/// let b = baresync::Barrier::new(2);
/// b.abort();
/// assert_eq!(b.checked_wait().unwrap_err(), baresync::BrokenBarrierError);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("barrier is broken")
    }
}

impl core::error::Error for BrokenBarrierError {}

/// What [`Barrier::wait`] tells each party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// `true` for exactly one party per generation: the one whose arrival completed it.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = baresync::Barrier::new(1);
    /// assert!(b.wait().is_leader());
    /// ```
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

/// A reusable barrier: `parties` callers block in `wait` until all have arrived, generic over
/// backend `W`.
///
/// Exactly one party per generation is the leader. Beyond std, it has Python's extras: a timed
/// wait that breaks the barrier for everyone when it runs out, [`abort`](Self::abort),
/// [`reset`](Self::reset), [`is_broken`](Self::is_broken), [`n_waiting`](Self::n_waiting) and
/// [`parties`](Self::parties). Eight bytes, `const`-constructible.
///
/// # Interrupt safety
///
/// `abort`, `reset`, `is_broken`, `n_waiting` and `parties` never block and may run in an
/// interrupt handler; the waits block and must not.
///
/// # Examples
///
/// ```
/// use baresync::Barrier;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// static ROUND_END: Barrier = Barrier::new(3);
/// static LEADERS: AtomicU32 = AtomicU32::new(0);
///
/// std::thread::scope(|s| {
///     for _ in 0..3 {
///         s.spawn(|| {
///             for _round in 0..10 {
///                 if ROUND_END.wait().is_leader() {
///                     LEADERS.fetch_add(1, Ordering::Relaxed);
///                 }
///             }
///         });
///     }
/// });
/// assert_eq!(LEADERS.load(Ordering::Relaxed), 10, "one leader per round");
/// ```
pub struct Barrier<W> {
    /// Count, flags and generation; see the module docs.
    word: AtomicU32,
    /// How many callers complete a generation (at least 1).
    parties: u32,
    backend: PhantomData<fn() -> W>,
}

/// How an arrival ended.
enum Arrival {
    Leader,
    /// Counted in; sleep on the generation of this word.
    Waiting(u32),
}

impl<W> Barrier<W> {
    /// The most parties a barrier can have: 65 535.
    pub const MAX_PARTIES: u32 = COUNT_MASK;

    const_fn! {
        /// Creates a barrier for `parties` callers. `new(0)` behaves as `new(1)`, as std's does:
        /// every `wait` returns at once as the leader.
        ///
        /// # Panics
        ///
        /// If `parties` exceeds [`MAX_PARTIES`](Self::MAX_PARTIES); in a `static`, that is a
        /// compile-time error.
        ///
        /// # Examples
        ///
        /// ```
        /// static B: baresync::Barrier = baresync::Barrier::new(4);
        /// assert_eq!(B.parties(), 4);
        /// ```
        pub fn new(parties: u32) -> Self {
            assert!(parties <= COUNT_MASK, "Barrier::new: more parties than Barrier::MAX_PARTIES");
            Self {
                word: AtomicU32::new(0),
                parties: if parties == 0 { 1 } else { parties },
                backend: PhantomData,
            }
        }
    }

    /// The number of parties that complete a generation.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baresync::Barrier::new(0).parties(), 1);
    /// ```
    pub fn parties(&self) -> u32 {
        self.parties
    }

    /// How many parties are waiting in the current generation (0 while broken).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baresync::Barrier::new(3).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> u32 {
        let word = self.word.load(Ordering::Relaxed);
        if word & BROKEN != 0 {
            0
        } else {
            word & COUNT_MASK
        }
    }

    /// Whether the barrier is broken (by a timeout or [`abort`](Self::abort)) and not yet reset.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = baresync::Barrier::new(2);
    /// b.abort();
    /// assert!(b.is_broken());
    /// b.reset();
    /// assert!(!b.is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.word.load(Ordering::Relaxed) & (BROKEN | RESETTING) == BROKEN
    }
}

impl<W: Wait> Barrier<W> {
    /// Applies `change` to the word until it sticks; wakes everyone if the new word releases
    /// sleepers (`change` returns it with `SLEEPERS` cleared) and the old one had them.
    fn update(&self, mut change: impl FnMut(u32) -> Option<u32>) -> Option<u32> {
        // AcqRel: see the module docs.
        let old = self
            .word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, &mut change)
            .ok()?;
        let new = change(old)?;
        if old & SLEEPERS != 0 && new & SLEEPERS == 0 {
            W::wake_all(&self.word);
        }
        Some(old)
    }

    fn arrive(&self) -> Result<Arrival, BrokenBarrierError> {
        loop {
            let word = self.word.load(Ordering::Acquire);
            if word & RESETTING != 0 {
                // A reset is draining the broken generation: wait for the fresh one.
                if let Some(word) = self.announce(word) {
                    W::wait(&self.word, word);
                }
                continue;
            }
            if word & BROKEN != 0 {
                return Err(BrokenBarrierError);
            }
            let leader = (word & COUNT_MASK) + 1 == self.parties;
            let next = if leader {
                (word & GENERATION_MASK).wrapping_add(GENERATION_ONE)
            } else {
                word + 1
            };
            // AcqRel: see the module docs.
            if self
                .word
                .compare_exchange_weak(word, next, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                if !leader {
                    return Ok(Arrival::Waiting(next));
                }
                if word & SLEEPERS != 0 {
                    W::wake_all(&self.word);
                }
                return Ok(Arrival::Leader);
            }
        }
    }

    /// Sets `SLEEPERS`; returns the word to sleep on, or `None` if the word changed meanwhile.
    fn announce(&self, word: u32) -> Option<u32> {
        if !W::WAKE_NEEDED || word & SLEEPERS != 0 {
            return Some(word);
        }
        // Relaxed: the flag publishes nothing; waiters re-load with Acquire.
        self.word
            .compare_exchange(word, word | SLEEPERS, Ordering::Relaxed, Ordering::Relaxed)
            .ok()
            .map(|_| word | SLEEPERS)
    }

    /// What a counted waiter's generation became: `Some(result)` once it is decided.
    fn outcome(&self, generation: u32) -> Option<Result<BarrierWaitResult, BrokenBarrierError>> {
        // Acquire: pairs with the leader's exchange (see the module docs).
        let word = self.word.load(Ordering::Acquire);
        if word & GENERATION_MASK != generation {
            return Some(Ok(BarrierWaitResult(false)));
        }
        if word & BROKEN != 0 {
            self.leave();
            return Some(Err(BrokenBarrierError));
        }
        None
    }

    /// Takes a waiter of a broken generation off the count; the last one out completes a reset.
    fn leave(&self) {
        self.update(|word| {
            let count = (word & COUNT_MASK) - 1;
            Some(if count == 0 && word & RESETTING != 0 {
                (word & GENERATION_MASK).wrapping_add(GENERATION_ONE)
            } else {
                word - 1
            })
        });
    }

    /// Blocks until all parties have arrived; returns whether this caller is the leader.
    ///
    /// # Panics
    ///
    /// If the barrier is or becomes broken (a timed-out wait elsewhere, [`abort`](Self::abort),
    /// [`reset`](Self::reset)). A barrier that can break should be waited on with
    /// [`checked_wait`](Self::checked_wait) or [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::Barrier;
    ///
    /// static B: Barrier = Barrier::new(2);
    /// let leaders = std::thread::scope(|s| {
    ///     let other = s.spawn(|| B.wait().is_leader());
    ///     u32::from(B.wait().is_leader()) + u32::from(other.join().unwrap())
    /// });
    /// assert_eq!(leaders, 1);
    /// ```
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        match self.checked_wait() {
            Ok(result) => result,
            Err(BrokenBarrierError) => panic!(
                "Barrier::wait: the barrier is broken; use checked_wait or wait_timeout to handle it"
            ),
        }
    }

    /// Blocks until all parties have arrived, or returns an error if the barrier is or becomes
    /// broken (Python's `Barrier.wait()`).
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] after a timed-out wait, [`abort`](Self::abort) or
    /// [`reset`](Self::reset) during this wait, or while the barrier stays broken.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::Barrier;
    ///
    /// static B: Barrier = Barrier::new(2);
    /// std::thread::scope(|s| {
    ///     let waiter = s.spawn(|| B.checked_wait());
    ///     while B.n_waiting() == 0 {
    ///         std::thread::yield_now();
    ///     }
    ///     B.abort();
    ///     assert!(waiter.join().unwrap().is_err());
    /// });
    /// ```
    pub fn checked_wait(&self) -> Result<BarrierWaitResult, BrokenBarrierError> {
        self.wait_until(&Forever)
    }

    /// The one wait of `checked_wait` and `wait_timeout`: arrives, then waits until the
    /// generation completes or breaks, or `limit` expires (never for `Forever`), which breaks it.
    fn wait_until<L: Limit<W>>(&self, limit: &L) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let Arrival::Waiting(word) = self.arrive()? else {
            return Ok(BarrierWaitResult(true));
        };
        let generation = word & GENERATION_MASK;
        // Poll before announcing a sleeper (see `Wait::poll_pause`): while waiters only poll,
        // `SLEEPERS` stays clear and the leader makes no system call.
        let mut poll = Poll::new();
        loop {
            if let Some(result) = self.outcome(generation) {
                return result;
            }
            if poll.pause::<W, L>(limit) {
                continue;
            }
            if limit.expired() {
                return self.time_out(generation);
            }
            let word = self.word.load(Ordering::Relaxed);
            if word & GENERATION_MASK == generation
                && word & BROKEN == 0
                && let Some(word) = self.announce(word)
                && !limit.sleep(&self.word, word)
            {
                return self.time_out(generation);
            }
        }
    }

    /// Breaks the generation and leaves it, unless it completed or broke first.
    fn time_out(&self, generation: u32) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let old = self.update(|word| {
            (word & GENERATION_MASK == generation && word & BROKEN == 0)
                .then(|| ((word | BROKEN) & !SLEEPERS) - 1)
        });
        match old {
            Some(_) => Err(BrokenBarrierError),
            // Completed or broken meanwhile: decided as for any waiter.
            None => self.outcome(generation).unwrap_or(Err(BrokenBarrierError)),
        }
    }

    /// Breaks the barrier: every current and future waiter gets [`BrokenBarrierError`] until
    /// [`reset`](Self::reset) (Python's `abort`).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = baresync::Barrier::new(3);
    /// b.abort();
    /// assert!(b.checked_wait().is_err());
    /// ```
    pub fn abort(&self) {
        self.update(|word| Some((word | BROKEN) & !(RESETTING | SLEEPERS)));
    }

    /// Returns the barrier to its initial, empty state (Python's `reset`).
    ///
    /// Callers waiting at the time get [`BrokenBarrierError`]; callers arriving before they have
    /// all left wait for the fresh generation.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = baresync::Barrier::new(1);
    /// b.abort();
    /// b.reset();
    /// assert!(b.checked_wait().is_ok());
    /// ```
    pub fn reset(&self) {
        self.update(|word| {
            Some(if word & COUNT_MASK == 0 {
                // Nobody inside: a fresh generation at once.
                (word & GENERATION_MASK).wrapping_add(GENERATION_ONE)
            } else {
                (word | BROKEN | RESETTING) & !SLEEPERS
            })
        });
    }
}

impl<W: WaitTimeout> Barrier<W> {
    /// Like [`checked_wait`](Self::checked_wait), but if the other parties do not all arrive
    /// within `timeout`, the barrier breaks for everyone (Python's `Barrier.wait(timeout)`).
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] when the time ran out (the barrier is then broken until
    /// [`reset`](Self::reset)) or the barrier is or becomes broken otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let b = baresync::Barrier::new(2);
    /// assert!(b.wait_timeout(Duration::from_millis(5)).is_err(), "nobody else came");
    /// assert!(b.is_broken());
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, BrokenBarrierError> {
        self.wait_until(&Deadline::<W::Clock>::after(timeout))
    }
}

impl<W> fmt::Debug for Barrier<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &self.n_waiting())
            .field("is_broken", &self.is_broken())
            .finish()
    }
}
