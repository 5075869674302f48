//! `Event`: Python's `threading.Event` in four bytes.
//!
//! # The word
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0 (`SET`) | the flag `is_set` reports |
//! | 1 (`SLEEPERS`) | someone may sleep on the word: `set` must wake |
//! | 2..32 | generation: bumped by every `set` that changes the flag |
//!
//! A waiter remembers the generation it started in. It returns as soon as it sees the flag set
//! *or* the generation moved, so `set()` followed at once by `clear()` still releases everyone
//! who was already waiting (CPython issue 13502): they observed a set, even if it is gone by the
//! time they run. `set` on a set event and `is_set`/`wait` on a set event are plain loads: no
//! read-modify-write, no system call.
//!
//! A waiter polls the word for a bounded while ([`Wait::poll_pause`]) before it sets `SLEEPERS`
//! and sleeps, so a `set` that comes within that phase wakes it without a system call on
//! either side.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::primitive::{AtomicU32, Ordering, const_fn};
use crate::wait::{Deadline, Forever, Limit, Poll, Wait, WaitTimeout};

const SET: u32 = 1;
const SLEEPERS: u32 = 2;
const GENERATION_ONE: u32 = 4;
const GENERATION_MASK: u32 = !(SET | SLEEPERS);

/// A flag that threads can wait for (Python's `threading.Event`), generic over backend `W`.
///
/// `set` releases every waiter; `wait` on a set event returns at once. Four bytes,
/// `const`-constructible.
///
/// Memory ordering: everything a thread wrote before the `set()` that set the flag is visible
/// to a thread after its `wait` returns or its `is_set()` returns `true`. A `set()` of an event
/// that is already set is one load: it changes nothing and publishes nothing.
///
/// # Interrupt safety
///
/// `set`, `clear` and `is_set` never block and may run in an interrupt handler; `wait` and
/// `wait_timeout` block and must not.
///
/// # Examples
///
/// ```
/// use baresync::Event;
///
/// static STARTED: Event = Event::new();
///
/// std::thread::scope(|s| {
///     s.spawn(|| STARTED.set());
///     STARTED.wait();
/// });
/// assert!(STARTED.is_set());
/// ```
pub struct Event<W> {
    /// `SET`, `SLEEPERS` and the generation; see the module docs.
    word: AtomicU32,
    backend: PhantomData<fn() -> W>,
}

impl<W> Event<W> {
    const_fn! {
        /// Creates an event that is not set.
        ///
        /// # Examples
        ///
        /// ```
        /// static E: baresync::Event = baresync::Event::new();
        /// assert!(!E.is_set());
        /// ```
        pub fn new() -> Self {
            Self {
                word: AtomicU32::new(0),
                backend: PhantomData,
            }
        }
    }

    /// Whether the event is set (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = baresync::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    #[inline]
    pub fn is_set(&self) -> bool {
        // Acquire: pairs with the Release in `set`, publishing what the setter wrote.
        self.word.load(Ordering::Acquire) & SET != 0
    }

    /// Resets the flag; later `wait` calls block until the next `set`.
    ///
    /// Waiters that were already blocked when the event was set still return.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = baresync::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    #[inline]
    pub fn clear(&self) {
        // Relaxed: clearing publishes nothing. Being a read-modify-write, it keeps the release
        // sequence of the `set` before it intact, so waiters that read the cleared word still
        // synchronize with that `set`.
        self.word.fetch_and(!SET, Ordering::Relaxed);
    }
}

impl<W: Wait> Event<W> {
    /// Sets the flag and wakes every waiter.
    ///
    /// Setting a set event does nothing (one load): it wakes nobody and publishes nothing (see
    /// "Memory ordering" on the type).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = baresync::Event::new();
    /// e.set();
    /// e.wait(); // returns at once
    /// ```
    #[inline]
    pub fn set(&self) {
        let word = self.word.load(Ordering::Relaxed);
        if word & SET != 0 {
            return;
        }
        self.set_slow(word);
    }

    #[cold]
    fn set_slow(&self, mut word: u32) {
        loop {
            let next = (word.wrapping_add(GENERATION_ONE) | SET) & !SLEEPERS;
            // Release: publishes the setter's writes to waiters' Acquire loads.
            match self
                .word
                .compare_exchange_weak(word, next, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) if now & SET != 0 => return,
                Err(now) => word = now,
            }
        }
        if word & SLEEPERS != 0 {
            W::wake_all(&self.word);
        }
    }

    /// Announces a sleeper and returns the word to sleep on, or `None` if the waiter may return.
    ///
    /// `generation` is the one the waiter started in.
    #[inline]
    fn prepare_sleep(&self, generation: u32) -> Option<u32> {
        // Acquire: pairs with `set`'s Release whenever this load sees its effect.
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            if word & SET != 0 || word & GENERATION_MASK != generation {
                return None;
            }
            if !W::WAKE_NEEDED || word & SLEEPERS != 0 {
                return Some(word);
            }
            // Relaxed on success: the flag publishes nothing; the next load re-acquires.
            match self.word.compare_exchange_weak(
                word,
                word | SLEEPERS,
                Ordering::Relaxed,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(word | SLEEPERS),
                Err(now) => word = now,
            }
        }
    }

    /// Blocks until the event is set (or was set at any moment since the call began).
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::Event;
    ///
    /// static GO: Event = Event::new();
    /// std::thread::scope(|s| {
    ///     let worker = s.spawn(|| {
    ///         GO.wait();
    ///         "released"
    ///     });
    ///     GO.set();
    ///     assert_eq!(worker.join().unwrap(), "released");
    /// });
    /// ```
    pub fn wait(&self) {
        let start = self.word.load(Ordering::Acquire);
        if start & SET == 0 {
            self.wait_contended(start, &Forever);
        }
    }

    /// Whether the event is set, or was set at some moment since `start` was loaded (the
    /// generation moved). Acquire: pairs with `set`'s Release, as in `prepare_sleep`.
    #[inline]
    fn released_since(&self, start: u32) -> bool {
        let word = self.word.load(Ordering::Acquire);
        word & SET != 0 || word & GENERATION_MASK != start & GENERATION_MASK
    }

    /// The slow path of `wait` and `wait_timeout`, for a waiter that found the event clear in
    /// `start`: returns whether it was released, or `false` once `limit` expired first (never
    /// for `Forever`).
    ///
    /// Polls first (see [`Wait::poll_pause`]): while waiters only poll, `SLEEPERS` stays clear and
    /// `set` makes no system call.
    fn wait_contended<L: Limit<W>>(&self, start: u32, limit: &L) -> bool {
        let mut poll = Poll::new();
        while poll.pause::<W, L>(limit) {
            if self.released_since(start) {
                return true;
            }
        }
        loop {
            // Out of time: a last look (a set that raced with the deadline still counts), and
            // no announcement, so `set` owes nobody a wake.
            if limit.expired() {
                return self.released_since(start);
            }
            let Some(word) = self.prepare_sleep(start & GENERATION_MASK) else {
                return true;
            };
            if !limit.sleep(&self.word, word) {
                return self.released_since(start);
            }
        }
    }
}

impl<W: WaitTimeout> Event<W> {
    /// Blocks until the event is set or `timeout` elapses; returns `true` if it was set.
    ///
    /// `true` also when the event was set and cleared again while this call waited. A zero
    /// timeout is [`is_set`](Self::is_set); `Duration::MAX` waits as long as the platform can.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let e = baresync::Event::new();
    /// assert!(!e.wait_timeout(Duration::from_millis(5)));
    /// e.set();
    /// assert!(e.wait_timeout(Duration::from_millis(5)));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let start = self.word.load(Ordering::Acquire);
        start & SET != 0 || self.wait_contended(start, &Deadline::<W::Clock>::after(timeout))
    }
}

impl<W> Default for Event<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> fmt::Debug for Event<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .finish()
    }
}
