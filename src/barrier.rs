//! `Barrier`: a reusable rendezvous with Python's extras (arrival indices, an action, timeouts
//! that break it, abort, reset).
//!
//! # The words
//!
//! `word`, which waiters sleep on:
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0..16 | parties in the current generation: arrived (yet to leave, when broken) |
//! | 16 (`BROKEN`) | broken by a timeout, `abort`, `reset` or a panicking action |
//! | 17 (`RESETTING`) | with `BROKEN`: a `reset` waits for the parties inside to leave |
//! | 18 (`SLEEPERS`) | someone may sleep on the word: the next releasing change must wake |
//! | 19 (`SENSE`) | flips each time a generation completes |
//! | 20 (`LINGERING`) | parties of the last completed generation have yet to see it complete |
//! | 21..32 | zero |
//!
//! `departed`:
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0..16 | parties of the last completed generation (leader aside) that have seen it complete |
//! | 16..32 | `parties`, constant |
//!
//! # Generations
//!
//! | phase | `word` | a party inside | a caller arriving |
//! | --- | --- | --- | --- |
//! | filling | count < parties, no `BROKEN` | waits; its deadline breaks the barrier | joins, with index = count |
//! | tripping | count == parties | waits, past its deadline: the generation completes | waits (fails if `BROKEN` alone) |
//! | resetting | `BROKEN \| RESETTING` | leaves with `BrokenBarrierError` | waits |
//! | broken | `BROKEN` | leaves with `BrokenBarrierError` | fails |
//!
//! A party joins the filling generation by adding itself to the count, which makes the count
//! its arrival index. The last one (the leader, index parties - 1) completes the generation in
//! one exchange: count 0, `SENSE` flipped, `LINGERING` set. It does so as it arrives, unless
//! there is an action to run or `LINGERING` is still set: then its arrival makes the generation
//! trip (count == parties), and it completes the generation once `LINGERING` is clear and the
//! action has run. Every other party returns when it sees `SENSE` flip, counting itself in
//! `departed`; the last one resets `departed` and clears `LINGERING` (with two parties, the one
//! waiter is the last and skips `departed`).
//!
//! So `SENSE` flips again only after every waiter of the previous generation has seen it flip:
//! one bit of generation is enough, and nothing wraps. A waiter that stalls (descheduled,
//! stopped in a debugger) for any number of rounds finds its generation completed when it runs
//! again; meanwhile callers join the next generation, but it cannot complete without the
//! stalled waiter. With exactly `parties` threads that never holds anyone up: each one leaves
//! a generation before it arrives at the next.
//!
//! A broken generation drains through the count, each party inside leaving with an error; after
//! a `reset`, the last to leave opens a fresh generation. Nothing but a panicking action breaks
//! a generation once all its parties have arrived: `abort`, `reset` and a timed-out caller held
//! off meanwhile break the barrier for the generations after it.
//!
//! # Orderings
//!
//! Every change to `word` is a read-modify-write, so each release in its modification order
//! heads a release sequence that no plain store interrupts.
//!
//! - A party's arrival is `AcqRel`: its release publishes what the party wrote before `wait`, and
//!   the leader's arrival acquires every earlier arrival (through their release sequences), so
//!   the action sees all of it.
//! - The completion is `AcqRel`: its release comes after the action, and every waiter's
//!   `Acquire` load that sees `SENSE` flipped synchronizes with it. So everything each party
//!   wrote before `wait`, and everything the action wrote, happens before every party returns,
//!   as with std's barrier, and the action runs before any party of its generation is released.
//! - Clearing `LINGERING` is `AcqRel`: its release hands `departed`, reset, to the next
//!   completion (see below). Breaking, resetting and leaving a broken generation publish nothing
//!   the API promises; they go through the same `update` as the completion, so they are
//!   `AcqRel` too, on paths where that costs nothing measurable.
//! - `departed` needs no ordering of its own (`Relaxed`): each waiter adds itself after its
//!   `Acquire` load saw the completion, and the last one resets it before it clears
//!   `LINGERING`, which the next completion waits for. Only the waiters of one generation use
//!   it at a time, one after the other in its modification order, and the hand-off to the next
//!   generation's waiters goes through `word`.
//! - `SLEEPERS` publishes nothing (`Relaxed`); waiters re-load with `Acquire` before deciding.

use core::fmt;
use core::marker::PhantomData;
use core::mem;
use core::time::Duration;

use crate::primitive::{AtomicU32, Ordering, const_fn};
use crate::wait::{Deadline, Forever, Limit, Poll, Wait, WaitTimeout};

const COUNT_MASK: u32 = 0xFFFF;
const BROKEN: u32 = 1 << 16;
const RESETTING: u32 = 1 << 17;
const SLEEPERS: u32 = 1 << 18;
const SENSE: u32 = 1 << 19;
const LINGERING: u32 = 1 << 20;
/// Where `departed` keeps `parties`.
const PARTIES_SHIFT: u32 = 16;

/// Whether `word` refuses arrivals at once: broken, with no reset pending.
const fn refuses(word: u32) -> bool {
    word & (BROKEN | RESETTING) == BROKEN
}

/// `word` broken, as `abort` breaks it: a pending reset is cancelled and sleepers are released.
const fn broken(word: u32) -> u32 {
    (word | BROKEN) & !(RESETTING | SLEEPERS)
}

/// `word` as it settles once nobody is inside: a pending reset ends, releasing whoever waits.
const fn settled(word: u32) -> u32 {
    if word & COUNT_MASK == 0 && word & RESETTING != 0 {
        word & !(BROKEN | RESETTING | SLEEPERS)
    } else {
        word
    }
}

/// `word` once its generation completed: count 0, `SENSE` flipped, and `LINGERING` unless the
/// leader was the only party. A reset pending meanwhile ends with it.
const fn completed(word: u32, parties: u32) -> u32 {
    let lingering = if parties > 1 { LINGERING } else { 0 };
    settled(((word & !(COUNT_MASK | SLEEPERS)) ^ SENSE) | lingering)
}

/// The error of a wait on a broken [`Barrier`] (Python's `BrokenBarrierError`).
///
/// A barrier breaks when a timed wait runs out, on [`Barrier::abort`], when its action panics,
/// and, for the callers waiting at the time, on [`Barrier::reset`].
///
/// # Examples
///
/// ```
/// let b = baresync::Barrier::new(2);
/// b.abort();
/// assert_eq!(b.checked_wait().unwrap_err(), baresync::BrokenBarrierError);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("barrier is broken")
    }
}

impl core::error::Error for BrokenBarrierError {}

/// What [`Barrier::wait`] tells each party: its arrival index, and whether it is the leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BarrierWaitResult {
    index: u32,
    leader: bool,
}

impl BarrierWaitResult {
    fn new(index: u32, leader: bool) -> Self {
        Self { index, leader }
    }

    /// `true` for exactly one party per generation: the last to arrive, whose arrival completed
    /// the generation and which ran the barrier's action, if it has one. Its
    /// [`arrival_index`](Self::arrival_index) is `parties - 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = baresync::Barrier::new(1);
    /// assert!(b.wait().is_leader());
    /// ```
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.leader
    }

    /// The caller's place in the order of arrival of its generation: 0 for the first, up to
    /// `parties - 1` for the last (the leader), a different one for each party of a generation.
    /// This is the value Python's `Barrier.wait()` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::Barrier;
    ///
    /// static B: Barrier = Barrier::new(2);
    /// std::thread::scope(|s| {
    ///     let first = s.spawn(|| B.wait());
    ///     while B.n_waiting() == 0 {
    ///         std::thread::yield_now();
    ///     }
    ///     let last = B.wait();
    ///     assert_eq!(first.join().unwrap().arrival_index(), 0);
    ///     assert_eq!(last.arrival_index(), 1);
    ///     assert!(last.is_leader());
    /// });
    /// ```
    #[must_use]
    pub fn arrival_index(&self) -> u32 {
        self.index
    }
}

/// A reusable barrier: `parties` callers block in `wait` until all have arrived, generic over
/// backend `W`.
///
/// Each caller learns its arrival index, and exactly one party per generation, the last to
/// arrive, is the leader. Beyond std, it has Python's extras: an action the leader runs before
/// anyone is released ([`with_action`](Self::with_action)), a timed wait that breaks the
/// barrier for everyone when it runs out, [`abort`](Self::abort), [`reset`](Self::reset),
/// [`is_broken`](Self::is_broken), [`n_waiting`](Self::n_waiting) and
/// [`parties`](Self::parties). `const`-constructible; 16 bytes on 64-bit targets and 12 on
/// 32-bit ones (two state words and the action).
///
/// # Compared with Python's `threading.Barrier`
///
/// | Python | baresync |
/// | --- | --- |
/// | `Barrier(parties)` | [`Barrier::new(parties)`](Self::new) |
/// | `Barrier(parties, action)` | [`Barrier::with_action(parties, action)`](Self::with_action), `action: fn()` |
/// | `Barrier(parties, timeout=t)` | no default timeout: [`wait_timeout(t)`](Self::wait_timeout) |
/// | `i = b.wait()` | `b.wait().`[`arrival_index()`](BarrierWaitResult::arrival_index), and [`is_leader()`](BarrierWaitResult::is_leader) |
/// | `b.wait(timeout)` | [`wait_timeout(timeout)`](Self::wait_timeout) |
/// | `BrokenBarrierError` | [`BrokenBarrierError`] from [`checked_wait`](Self::checked_wait) and `wait_timeout`; [`wait`](Self::wait) panics |
/// | `reset()`, `abort()`, `broken`, `n_waiting`, `parties` | [`reset`](Self::reset), [`abort`](Self::abort), [`is_broken`](Self::is_broken), [`n_waiting`](Self::n_waiting), [`parties`](Self::parties) |
///
/// As in CPython, the last party to arrive runs the action and a panicking action breaks the
/// barrier. Two differences: once all parties have arrived, their waits succeed even if the
/// barrier is aborted before they return (CPython may raise `BrokenBarrierError` in the ones
/// that have not run yet); and callers may arrive for the next generation while parties of the
/// last one are still on their way out of `wait` (CPython holds them until all have left).
///
/// # Limits
///
/// - At most [`MAX_PARTIES`](Self::MAX_PARTIES) (65 535) parties: [`new`](Self::new) panics
///   above, which is a compile-time error in a `static`.
/// - No generation counter that could wrap: a waiter that stalls (descheduled, stopped in a
///   debugger) while other threads keep using the barrier returns as completed whenever it runs
///   again, however long that takes. Until then, with more threads than `parties`, the next
///   generation fills but does not complete: its leader waits for the stalled waiter.
/// - Once all parties of a generation have arrived, their waits complete (after the action),
///   even past a deadline.
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
    /// Count and flags; see the module docs.
    word: AtomicU32,
    /// Waiters of the last completed generation that have seen it complete, and `parties` (1 to
    /// `MAX_PARTIES`); see the module docs.
    departed: AtomicU32,
    /// Run by each generation's leader before anyone is released.
    action: Option<fn()>,
    backend: PhantomData<fn() -> W>,
}

/// Where the current generation is, read from `word` (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Open, with this many parties arrived (fewer than `parties`).
    Filling(u32),
    /// All parties arrived. Completes, whatever `BROKEN` says, unless the action panics.
    Tripping,
    /// Broken; the parties inside leave with an error, then a fresh generation opens.
    Resetting,
    /// Broken until `reset`.
    Broken,
}

impl Phase {
    fn of(word: u32, parties: u32) -> Self {
        let count = word & COUNT_MASK;
        if count == parties {
            Self::Tripping
        } else if word & RESETTING != 0 {
            Self::Resetting
        } else if word & BROKEN != 0 {
            Self::Broken
        } else {
            Self::Filling(count)
        }
    }
}

/// How an attempt to join the filling generation ended.
enum Arrival {
    /// This arrival completed the generation.
    Completed,
    /// Counted in; the caller waits (or, as the leader, trips the generation).
    Joined,
    /// The word changed first: look again.
    Raced,
}

/// A caller's place once it has joined a generation.
#[derive(Clone, Copy)]
struct Joined {
    index: u32,
    /// `SENSE` in the generation joined: it completed once `SENSE` differs.
    sense: u32,
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
            Self::with_optional_action(parties, None)
        }
    }

    const_fn! {
        /// Creates a barrier for `parties` callers whose leader runs `action` each time the
        /// barrier trips (Python's `Barrier(parties, action)`).
        ///
        /// The action runs once per generation, in the thread of the last party to arrive (the
        /// leader), inside its wait, after every party has arrived and before any of them
        /// returns: what it writes, every party sees after its wait. It must not wait on this
        /// barrier itself. `parties` as in [`new`](Self::new).
        ///
        /// # Panics
        ///
        /// As [`new`](Self::new). If the action panics, the barrier breaks (the other parties
        /// get [`BrokenBarrierError`], until [`reset`](Self::reset)) and the panic goes on in the
        /// leader's wait.
        ///
        /// # Examples
        ///
        /// ```
        /// use baresync::Barrier;
        /// use std::sync::atomic::{AtomicU32, Ordering};
        ///
        /// static ROUNDS_DONE: AtomicU32 = AtomicU32::new(0);
        ///
        /// fn end_of_round() {
        ///     ROUNDS_DONE.fetch_add(1, Ordering::Relaxed);
        /// }
        ///
        /// static ROUND_END: Barrier = Barrier::with_action(2, end_of_round);
        ///
        /// std::thread::scope(|s| {
        ///     for _ in 0..2 {
        ///         s.spawn(|| {
        ///             for round in 1..=5 {
        ///                 ROUND_END.wait();
        ///                 // The action has run for this round, and not yet for the next.
        ///                 assert_eq!(ROUNDS_DONE.load(Ordering::Relaxed), round);
        ///             }
        ///         });
        ///     }
        /// });
        /// ```
        pub fn with_action(parties: u32, action: fn()) -> Self {
            Self::with_optional_action(parties, Some(action))
        }
    }

    const_fn! {
        fn with_optional_action(parties: u32, action: Option<fn()>) -> Self {
            assert!(parties <= COUNT_MASK, "Barrier: more parties than Barrier::MAX_PARTIES");
            let parties = if parties == 0 { 1 } else { parties };
            Self {
                word: AtomicU32::new(0),
                departed: AtomicU32::new(parties << PARTIES_SHIFT),
                action,
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
        // Relaxed: these bits never change.
        self.departed.load(Ordering::Relaxed) >> PARTIES_SHIFT
    }

    /// How many parties have arrived in the current generation (0 while it is broken).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baresync::Barrier::new(3).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> u32 {
        // Relaxed: a snapshot; it publishes nothing.
        let word = self.word.load(Ordering::Relaxed);
        if word & BROKEN != 0 {
            0
        } else {
            word & COUNT_MASK
        }
    }

    /// Whether the barrier is broken (by a timeout, [`abort`](Self::abort) or a panicking
    /// action) and not yet reset.
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
        // Relaxed: a snapshot; it publishes nothing.
        refuses(self.word.load(Ordering::Relaxed))
    }
}

impl<W: Wait> Barrier<W> {
    /// Applies `change` to the word until it sticks, or until `change` returns `None`. Wakes
    /// everyone if the new word releases sleepers (`SLEEPERS` cleared).
    fn update(&self, mut change: impl FnMut(u32) -> Option<u32>) {
        let mut new = 0;
        // AcqRel: see "Orderings". Relaxed fetch: a word `change` refuses is only looked at.
        let changed = self
            .word
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |word| {
                new = change(word)?;
                Some(new)
            });
        if let Ok(old) = changed {
            self.wake_released(old, new);
        }
    }

    /// Wakes every sleeper if the change from `old` to `new` released them (`new` has
    /// `SLEEPERS` cleared, `old` had it set).
    fn wake_released(&self, old: u32, new: u32) {
        if old & SLEEPERS != 0 && new & SLEEPERS == 0 {
            W::wake_all(&self.word);
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

    /// Joins the filling generation of `word` as the party with this `index`. The leader
    /// completes the generation at once if it can: no action to run, nobody lingering.
    fn arrive(&self, word: u32, index: u32, parties: u32) -> Arrival {
        let completes = index + 1 == parties && self.action.is_none() && word & LINGERING == 0;
        let next = if completes {
            completed(word, parties)
        } else {
            word + 1
        };
        // AcqRel: see "Orderings". Relaxed on failure: the caller re-loads.
        if self
            .word
            .compare_exchange_weak(word, next, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return Arrival::Raced;
        }
        if completes {
            self.wake_released(word, next);
            return Arrival::Completed;
        }
        Arrival::Joined
    }

    /// The leader's part once no waiter of the last generation lingers: runs the action, then
    /// completes the generation. If the action panics, breaks the generation instead (Python:
    /// the barrier is put into the broken state) and lets the panic go on.
    fn trip(&self, parties: u32) {
        /// Breaks the tripping generation when dropped, which only unwinding does.
        struct BreakOnUnwind<'a, W: Wait>(&'a Barrier<W>);

        impl<W: Wait> Drop for BreakOnUnwind<'_, W> {
            fn drop(&mut self) {
                // The leader leaves; the others leave with an error.
                self.0
                    .update(|word| Some(settled(((word - 1) | BROKEN) & !SLEEPERS)));
            }
        }

        if let Some(action) = self.action {
            let on_unwind = BreakOnUnwind(self);
            action();
            mem::forget(on_unwind);
        }
        self.update(|word| Some(completed(word, parties)));
    }

    /// Counts a waiter of a completed generation in `departed`; the last one resets it and
    /// clears `LINGERING`, which releases the next leader if it waits.
    fn leave_completed(&self, parties: u32) {
        // With two parties, the one waiter is the last.
        if parties > 2 {
            // Relaxed: ordered through the word (see "Orderings").
            let before = self.departed.fetch_add(1, Ordering::Relaxed) & COUNT_MASK;
            if before + 2 != parties {
                return;
            }
            self.departed
                .store(parties << PARTIES_SHIFT, Ordering::Relaxed);
        }
        // AcqRel: see "Orderings".
        let old = self.word.fetch_and(!LINGERING, Ordering::AcqRel);
        // Only a leader (of a full generation) waits for `LINGERING`. `SLEEPERS` stays set: the
        // generation's completion wakes the others.
        if old & COUNT_MASK == parties && old & SLEEPERS != 0 {
            W::wake_all(&self.word);
        }
    }

    /// Takes a party of a broken generation off the count; the last one out completes a reset.
    fn leave_broken(&self) {
        self.update(|word| Some(settled(word - 1)));
    }

    /// Breaks the barrier for a caller whose limit expired, if the word still holds it: a party
    /// inside a filling generation, or a caller held off by a tripping or resetting one.
    /// Otherwise the caller's next look decides.
    fn expire(&self, parties: u32, joined: Option<Joined>) {
        self.update(|word| {
            let held = match (joined, Phase::of(word, parties)) {
                (Some(me), Phase::Filling(_)) => word & SENSE == me.sense,
                (None, Phase::Tripping | Phase::Resetting) => true,
                _ => false,
            };
            held.then(|| broken(word))
        });
    }

    /// Blocks until all parties have arrived; returns this caller's arrival index and whether it
    /// is the leader.
    ///
    /// # Panics
    ///
    /// If the barrier is or becomes broken (a timed-out wait elsewhere, [`abort`](Self::abort),
    /// [`reset`](Self::reset), a panicking action). A barrier that can break should be waited on
    /// with [`checked_wait`](Self::checked_wait) or [`wait_timeout`](Self::wait_timeout). If this
    /// caller is the leader and the action panics, that panic.
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
    /// [`BrokenBarrierError`] after a timed-out wait, [`abort`](Self::abort),
    /// [`reset`](Self::reset) or a panicking action during this wait, or while the barrier
    /// stays broken.
    ///
    /// # Panics
    ///
    /// If this caller is the leader and the action panics, that panic.
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

    /// The one wait of `checked_wait` and `wait_timeout`: joins the filling generation (waiting
    /// while one trips or resets), then waits until it completes or breaks, or `limit` expires
    /// (never for `Forever`), which breaks the barrier. The leader waits for the last generation's
    /// stragglers, then trips.
    fn wait_until<L: Limit<W>>(&self, limit: &L) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let parties = self.parties();
        let mut joined: Option<Joined> = None;
        // Poll before announcing a sleeper (see `Wait::poll_pause`): while waiters only poll,
        // `SLEEPERS` stays clear and the changes that release them make no system call.
        let mut poll = Poll::new();
        loop {
            // Acquire: pairs with the completion and the other changes (see "Orderings").
            let word = self.word.load(Ordering::Acquire);
            let phase = Phase::of(word, parties);
            // Whether `limit` bounds this wait: not once all parties have arrived.
            let mut bounded = true;
            match joined {
                None if refuses(word) => return Err(BrokenBarrierError),
                None => {
                    if let Phase::Filling(index) = phase {
                        match self.arrive(word, index, parties) {
                            Arrival::Completed => {
                                return Ok(BarrierWaitResult::new(index, true));
                            }
                            Arrival::Joined => {
                                joined = Some(Joined {
                                    index,
                                    sense: word & SENSE,
                                });
                                poll = Poll::new();
                            }
                            Arrival::Raced => {}
                        }
                        continue;
                    }
                    // Held off by a tripping or resetting generation.
                }
                Some(me) if word & SENSE != me.sense => {
                    self.leave_completed(parties);
                    return Ok(BarrierWaitResult::new(me.index, false));
                }
                Some(me) => match phase {
                    Phase::Tripping if me.index + 1 == parties && word & LINGERING == 0 => {
                        self.trip(parties);
                        return Ok(BarrierWaitResult::new(me.index, true));
                    }
                    // The action runs, or the leader waits for the last generation's stragglers.
                    Phase::Tripping => bounded = false,
                    Phase::Broken | Phase::Resetting => {
                        self.leave_broken();
                        return Err(BrokenBarrierError);
                    }
                    Phase::Filling(_) => {}
                },
            }
            if poll.pause::<W, L>(limit) {
                continue;
            }
            if bounded && limit.expired() {
                self.expire(parties, joined);
                continue;
            }
            if let Some(word) = self.announce(word) {
                // An expired limit returns at once; the next look breaks the barrier.
                if bounded {
                    limit.sleep(&self.word, word);
                } else {
                    W::wait(&self.word, word);
                }
            }
        }
    }

    /// Breaks the barrier: every current and future waiter gets [`BrokenBarrierError`] until
    /// [`reset`](Self::reset) (Python's `abort`). A generation whose parties have all arrived
    /// still completes.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = baresync::Barrier::new(3);
    /// b.abort();
    /// assert!(b.checked_wait().is_err());
    /// ```
    pub fn abort(&self) {
        self.update(|word| Some(broken(word)));
    }

    /// Returns the barrier to its initial, empty state (Python's `reset`).
    ///
    /// Callers waiting at the time get [`BrokenBarrierError`] (unless all parties have already
    /// arrived: that generation completes); callers arriving before they have all left wait for
    /// the fresh generation.
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
        // With nobody inside, `settled` ends the reset at once.
        self.update(|word| Some(settled((word | BROKEN | RESETTING) & !SLEEPERS)));
    }
}

impl<W: WaitTimeout> Barrier<W> {
    /// Like [`checked_wait`](Self::checked_wait), but if the other parties do not all arrive
    /// within `timeout`, the barrier breaks for everyone (Python's `Barrier.wait(timeout)`).
    ///
    /// Once all parties have arrived, the wait succeeds even if the leader's action (or its wait
    /// for a party of the last generation that has not yet returned) outlasts the timeout.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] when the time ran out (the barrier is then broken until
    /// [`reset`](Self::reset)) or the barrier is or becomes broken otherwise.
    ///
    /// # Panics
    ///
    /// If this caller is the leader and the action panics, that panic.
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
            .field("parties", &self.parties())
            .field("n_waiting", &self.n_waiting())
            .field("is_broken", &self.is_broken())
            .field("has_action", &self.action.is_some())
            .finish()
    }
}
