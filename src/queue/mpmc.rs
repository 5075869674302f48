//! `MpmcQueue`: a bounded, lock-free multi-producer multi-consumer FIFO of exactly `N` items.
//!
//! # Protocol
//!
//! Dmitry Vyukov's bounded MPMC queue: every slot carries a `stamp` that says which lap of the
//! ring it is ready for, so producers and consumers claim positions with one compare-exchange on
//! `tail` or `head` and never touch each other's index.
//!
//! A *position* is `lap | index`: `index < N` in the low bits, then the `MARK` bit
//! (`N.next_power_of_two()`), then the lap in the bits above, counted in steps of
//! `ONE_LAP = 2 * MARK`. Positions are full-width `usize` and wrap. `MARK` is set in `tail` once
//! the queue is closed (and never in `head` or a stamp), so closing and pushing are ordered by
//! the same word: a push either claims its position before the close or sees the mark.
//!
//! Stamps hold laps only (the index is implied by the slot), so they all start at zero:
//!
//! | stamp of slot `i` | meaning |
//! | --- | --- |
//! | `lap` | free, waiting for the push at position `lap \| i` |
//! | `lap + FULL` | holds the item pushed at position `lap \| i`, waiting for its pop |
//!
//! A push loads `tail`, then the stamp of its slot, and compares (as a wrapping, signed
//! difference) with the lap of `tail`: equal, it claims the position by moving `tail` on with a
//! compare-exchange, writes the item and publishes it by storing `lap + FULL`. A pop does the same
//! with `head` and `lap + FULL`, reads the item and frees the slot for the next lap by storing
//! `lap + ONE_LAP`.
//!
//! # Progress, and the half-finished window
//!
//! On targets with compare-and-swap every `try_` call is lock-free: it retries only when its
//! compare-exchange failed or its index moved, that is when another call made progress. It
//! never waits for another context to *finish* an operation:
//!
//! - A push that has claimed its position but not yet published its item (preempted, or
//!   interrupted by a handler on the same core) leaves its slot behind `head`: `try_pop` then
//!   returns [`Empty`](super::TryPopError::Empty), even if later items are already published,
//!   because taking them first would break FIFO order. It does not spin on the slot.
//! - Symmetrically, a pop that has claimed its position but not yet freed the slot makes
//!   `try_push` return [`Full`](super::TryPushError::Full) once the ring wraps round to that slot.
//!
//! So an interrupt handler that preempted a half-finished push or pop never spins forever on it
//! (the failure that made heapless deprecate its MPMC queue: issue #583, PR #624). The blocking
//! `pop`/`push` do wait for such an operation to finish, by sleeping: the preempted context
//! finishes it, publishes, and wakes them.
//!
//! On targets without compare-and-swap the atomics go through `portable-atomic`'s
//! `critical-section` implementation: each atomic operation is a short critical section, the
//! algorithm is unchanged.
//!
//! # Orderings
//!
//! | operation | ordering | partner |
//! | --- | --- | --- |
//! | push stores `lap + FULL` after writing the item | Release (`SeqCst` if the backend wakes) | the pop's Acquire load of the stamp: the item is written before it is read |
//! | pop stores `lap + ONE_LAP` after reading the item | Release (`SeqCst` if the backend wakes) | the push's Acquire load of the stamp: the old item is read before it is overwritten |
//! | compare-exchange on `head` / `tail` | Relaxed | none: it only arbitrates which caller owns a position; the data is ordered by the stamps |
//! | `close` sets `MARK` in `tail` | `SeqCst` | the eventcount contract (blocked callers re-check `tail` with `SeqCst`) |
//! | loads in the re-check of a blocking call | `SeqCst` | the eventcount contract in `eventcount.rs` |
//!
//! # Tasks
//!
//! Python's `unfinished_tasks` without a counter on the push path: every claimed push position
//! is a task, so `tail` (without `MARK`) counts the pushes, and `finished.done`, a position
//! moved on with `next` by each successful `task_done`, counts the finished ones. The distance
//! from `done` to `tail` is the number of unfinished tasks, exact across wrap-around because both
//! are positions of the same ring. A push adds no atomic operation of its own: its task is
//! counted by the claim, before the item becomes visible, so a `task_done` for a popped item
//! always finds it (the pop's Acquire stamp load follows the claim).
//!
//! `task_done` loads `tail`, refuses to move `done` past it (`TaskDoneError`), and advances
//! `done` with a `SeqCst` compare-exchange; the one that makes `done` equal the `tail` it loaded
//! notifies the joiners' eventcount (`tail` only grows, so no other can have finished the last task).
//! `join` re-checks `done == tail` with `SeqCst` loads: the eventcount contract of `eventcount.rs`, with
//! the exchange as the publication. Being read-modify-writes, the exchanges form one release
//! sequence, so a joiner that sees the last one also sees the work of every finished task.
//!
//! # ABA
//!
//! Positions wrap after `usize::MAX / ONE_LAP` laps. A caller that stalls between loading an
//! index and its compare-exchange for that many laps could mistake the position; on a 32-bit
//! target with `N = 1` that is 2^30 pushes during one stall, as for any queue of this family.
//!
//! # References
//!
//! Dmitry Vyukov, *Bounded MPMC queue* (1024cores.net, 2010); crossbeam's `ArrayQueue` for the
//! lap-and-index layout; heapless issue #583 and PR #624 for the preemption failure avoided here.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use super::blocking::{self, Attempts};
use super::eventcount::{EventCount, check_ordering, publish_ordering};
use super::pad::CachePadded;
use super::slots::Ring;
use super::{Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError};
use crate::primitive::{AtomicUsize, Ordering, const_fn};
use crate::wait::{Deadline, Forever, Limit, Wait, WaitTimeout};

/// The stamp's "holds an item" flag (laps are multiples of `ONE_LAP >= 2`, so bit 0 is free).
const FULL: usize = 1;

/// The two eventcounts: read by every push and pop, written only by a caller about to sleep.
struct Signals {
    /// Poppers sleep here while the queue is empty.
    not_empty: EventCount,
    /// Pushers sleep here while the queue is full.
    not_full: EventCount,
}

/// The finished-task count and the joiners' eventcount; see the module docs, "Tasks".
struct Finished {
    /// A position, like `head` and `tail`: moved on with `next` by every successful
    /// `task_done`, and never past `tail` (without `MARK`). The distance from it to `tail` is
    /// the number of unfinished tasks.
    done: AtomicUsize,
    /// Joiners sleep here while tasks are unfinished.
    joiners: EventCount<false>,
}

/// A bounded, lock-free FIFO queue for any number of producers and consumers, holding exactly
/// `N` items.
///
/// `try_push` and `try_pop` are lock-free on targets with compare-and-swap and may be called from
/// interrupt handlers: they never wait for another context's half-finished operation (see
/// "Progress" below). The blocking verbs sleep through the backend `W`; when nobody sleeps, a push
/// or pop pays no wake call.
///
/// As in Python's `queue.Queue`, every successful push adds an unfinished task;
/// [`task_done`](Self::task_done) marks one finished and [`join`](Self::join) waits until none is
/// left.
///
/// `N == 0` is rejected at compile time.
///
/// # Progress
///
/// A push preempted between claiming its slot and publishing its item makes `try_pop` return
/// [`TryPopError::Empty`] (not spin) until it resumes, even if later items are ready: FIFO order
/// forbids taking them first. Likewise a preempted pop can make `try_push` report
/// [`TryPushError::Full`] when the ring wraps round to its slot. Blocking `pop`/`push` sleep
/// until the preempted operation completes. On a single core an interrupt handler therefore
/// never spins on the code it interrupted.
///
/// # Examples
///
/// ```
/// use baresync::MpmcQueue;
///
/// static JOBS: MpmcQueue<u32, 8> = MpmcQueue::new();
///
/// let total: u32 = std::thread::scope(|s| {
///     let workers: Vec<_> = (0..2)
///         .map(|_| {
///             s.spawn(|| {
///                 let mut sum = 0;
///                 while let Ok(job) = JOBS.pop() {
///                     sum += job;
///                 }
///                 sum
///             })
///         })
///         .collect();
///     for job in 1..=100 {
///         JOBS.push(job).unwrap();
///     }
///     JOBS.close(); // workers drain the queue, then `pop` returns `Err(Closed)`
///     workers.into_iter().map(|w| w.join().unwrap()).sum()
/// });
/// assert_eq!(total, 5050);
/// ```
pub struct MpmcQueue<T, const N: usize, W> {
    /// The position of the next pop.
    head: CachePadded<AtomicUsize>,
    /// The position of the next push, plus `MARK` once the queue is closed.
    tail: CachePadded<AtomicUsize>,
    signals: CachePadded<Signals>,
    /// Task counting: written by `task_done` only, never by a push (module docs, "Tasks").
    finished: CachePadded<Finished>,
    /// Stamps and items; see the module docs.
    slots: Ring<T, AtomicUsize, N>,
    backend: PhantomData<fn() -> W>,
}

// SAFETY: items move between the contexts that push and pop them, so `T: Send` is required and
// enough (no `&T` is shared). Each slot is accessed by the one caller whose compare-exchange
// claimed its position, as the stamps order (module docs).
unsafe impl<T: Send, const N: usize, W> Sync for MpmcQueue<T, N, W> {}

/// Proof that this caller claimed a position for a push and must publish it.
struct PushClaim {
    pos: usize,
}

/// Proof that this caller claimed a position for a pop and must take its item.
struct PopClaim {
    pos: usize,
}

impl<T, const N: usize, W> MpmcQueue<T, N, W> {
    /// The closed mark in `tail`, just above the index bits.
    const MARK: usize = N.next_power_of_two();
    /// One lap in positions and stamps.
    const ONE_LAP: usize = 2 * Self::MARK;

    const_fn! {
        /// Creates an empty, open queue.
        ///
        /// # Panics
        ///
        /// Never at run time: `N == 0` (or an absurdly large `N`) is a compile-time error.
        ///
        /// # Examples
        ///
        /// ```
        /// static Q: baresync::MpmcQueue<u8, 1000> = baresync::MpmcQueue::new();
        /// assert_eq!(Q.capacity(), 1000);
        /// ```
        pub fn new() -> Self {
            const {
                assert!(N > 0, "a baresync queue needs a capacity N of at least 1");
                assert!(N <= 1 << (usize::BITS - 4), "MpmcQueue capacity N is too large");
            }
            Self {
                head: CachePadded(AtomicUsize::new(0)),
                tail: CachePadded(AtomicUsize::new(0)),
                signals: CachePadded(Signals {
                    not_empty: EventCount::new(),
                    not_full: EventCount::new(),
                }),
                finished: CachePadded(Finished {
                    done: AtomicUsize::new(0),
                    joiners: EventCount::new(),
                }),
                slots: Ring::<T, AtomicUsize, N>::new(),
                backend: PhantomData,
            }
        }
    }

    /// The slot of a position.
    #[inline]
    fn index(pos: usize) -> usize {
        pos & (Self::MARK - 1)
    }

    /// The lap of a position (its high bits, without the mark).
    #[inline]
    fn lap(pos: usize) -> usize {
        pos & !(Self::ONE_LAP - 1)
    }

    /// The position after `pos`.
    #[inline]
    fn next(pos: usize) -> usize {
        if Self::index(pos) + 1 < N {
            pos + 1
        } else {
            Self::lap(pos).wrapping_add(Self::ONE_LAP)
        }
    }

    /// `a - b` on wrapping positions or stamps, as a signed distance.
    #[inline]
    fn diff(a: usize, b: usize) -> isize {
        a.wrapping_sub(b) as isize
    }

    /// The signed number of positions from `from` to `to` (neither carrying `MARK`). Callers
    /// clamp it: two separately loaded indices may straddle a move of either.
    fn distance(from: usize, to: usize) -> isize {
        let laps = Self::diff(Self::lap(to), Self::lap(from)) / Self::ONE_LAP as isize;
        laps.wrapping_mul(N as isize)
            .wrapping_add(Self::index(to) as isize)
            .wrapping_sub(Self::index(from) as isize)
    }

    /// The number of claimed positions, that is items queued or being pushed or popped (a
    /// snapshot). Non-blocking; interrupt-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// let q: baresync::MpmcQueue<u8, 3> = baresync::MpmcQueue::new();
    /// q.try_push(1).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        // Relaxed: a snapshot. `head` is loaded first so that it is not ahead of `tail`; the
        // clamp hides the rest of the race.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed) & !Self::MARK;
        Self::distance(head, tail).clamp(0, N as isize) as usize
    }

    /// Whether the queue has been closed. Non-blocking; interrupt-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// let q: baresync::MpmcQueue<u8, 1> = baresync::MpmcQueue::new();
    /// q.close();
    /// assert!(q.is_closed());
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.tail.load(Ordering::Relaxed) & Self::MARK != 0
    }

    /// The number of unfinished tasks (a snapshot).
    fn unfinished(&self) -> usize {
        let done = self.finished.done.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed) & !Self::MARK;
        Self::distance(done, tail).max(0) as usize
    }

    /// Claims the next push position, or says why there is none. Never waits.
    fn claim_push(&self, recheck: bool) -> Result<PushClaim, TryPushError<()>> {
        // Relaxed on the fast path: `MARK` publishes no data, and the claimed slot is ordered by
        // its stamp.
        let load_tail = check_ordering(recheck, Ordering::Relaxed);
        let mut tail = self.tail.load(load_tail);
        loop {
            if tail & Self::MARK != 0 {
                return Err(TryPushError::Closed(()));
            }
            let lap = Self::lap(tail);
            // Acquire: pairs with the Release (or SeqCst) stamp store in `take`: the previous
            // item was read before we overwrite the slot.
            let stamp = self
                .slots
                .stamp(Self::index(tail))
                .load(check_ordering(recheck, Ordering::Acquire));
            let diff = Self::diff(stamp, lap);
            if diff == 0 {
                // Relaxed: the compare-exchange only arbitrates ownership of the position.
                match self.tail.compare_exchange_weak(
                    tail,
                    Self::next(tail),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Ok(PushClaim { pos: tail }),
                    Err(now) => tail = now,
                }
            } else if diff < 0 {
                // The slot still holds the previous lap's item (or its push or pop is in
                // progress): N positions are claimed. If `tail` has not moved, report Full rather
                // than wait for whoever holds the slot.
                let now = self.tail.load(load_tail);
                if now == tail {
                    return Err(TryPushError::Full(()));
                }
                tail = now;
            } else {
                // Another push claimed this position after we loaded `tail`.
                tail = self.tail.load(load_tail);
            }
        }
    }

    /// Claims the next pop position, or says why there is none. Never waits.
    fn claim_pop(&self, recheck: bool) -> Result<PopClaim, TryPopError> {
        // Relaxed: the claimed slot is ordered by its stamp.
        let load_head = check_ordering(recheck, Ordering::Relaxed);
        let mut head = self.head.load(load_head);
        loop {
            let lap = Self::lap(head);
            // Acquire: pairs with the Release (or SeqCst) stamp store in `publish`: the item was
            // written before we read it.
            let stamp = self
                .slots
                .stamp(Self::index(head))
                .load(check_ordering(recheck, Ordering::Acquire));
            let diff = Self::diff(stamp, lap + FULL);
            if diff == 0 {
                // Relaxed: the compare-exchange only arbitrates ownership of the position.
                match self.head.compare_exchange_weak(
                    head,
                    Self::next(head),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Ok(PopClaim { pos: head }),
                    Err(now) => head = now,
                }
            } else if diff < 0 {
                // Nothing published at `head` for this lap: empty, or the push that claimed it has
                // not published yet. Never wait for it (module docs).
                let now = self.head.load(load_head);
                if now != head {
                    head = now;
                    continue;
                }
                // Closed and drained when the final `tail` is `head`: `MARK` is set only once,
                // and no position is claimed after it, so a marked `tail` is final.
                let tail = self.tail.load(check_ordering(recheck, Ordering::Relaxed));
                if tail & Self::MARK != 0 && tail & !Self::MARK == head {
                    return Err(TryPopError::Closed);
                }
                return Err(TryPopError::Empty);
            } else {
                // Another pop took this position after we loaded `head`.
                head = self.head.load(load_head);
            }
        }
    }
}

queue_accessors!(MpmcQueue, [], []);

impl<T, const N: usize, W: Wait> MpmcQueue<T, N, W> {
    /// Writes `item` into the claimed slot and publishes it.
    #[inline]
    fn publish(&self, claim: PushClaim, item: T) {
        // The task was counted by the claim itself: `tail` moved past `claim.pos` (module docs,
        // "Tasks"), before the item becomes visible below.
        let index = Self::index(claim.pos);
        // SAFETY: the compare-exchange in `claim_push` gave this caller position `claim.pos`
        // alone, and the stamp it loaded with Acquire showed the slot free for this lap, so the
        // previous item's pop read it before this write and nobody reads the slot until the
        // store below.
        unsafe { self.slots.write(index, item) };
        // Release: pairs with the Acquire stamp load in `claim_pop`, so the item is written before
        // it is read. SeqCst when a sleeping popper may need waking (eventcount contract), unless
        // the backend's asymmetric fence stands in for it (`publish_ordering`).
        self.slots
            .stamp(index)
            .store(Self::lap(claim.pos) + FULL, publish_ordering::<W>());
        self.signals.not_empty.notify::<W>();
    }

    /// Takes the item out of the claimed slot and frees the slot for the next lap.
    #[inline]
    fn take(&self, claim: PopClaim) -> T {
        let index = Self::index(claim.pos);
        // SAFETY: the compare-exchange in `claim_pop` gave this caller position `claim.pos`
        // alone, and the stamp it loaded with Acquire showed the item published; nobody else
        // reads it, and no push writes the slot before the store below frees it.
        let item = unsafe { self.slots.read(index) };
        // Release: pairs with the Acquire stamp load in `claim_push`, so the item is read before
        // the slot is overwritten. SeqCst when a sleeping pusher may need waking, unless the
        // backend's asymmetric fence stands in for it (`publish_ordering`).
        self.slots.stamp(index).store(
            Self::lap(claim.pos).wrapping_add(Self::ONE_LAP),
            publish_ordering::<W>(),
        );
        self.signals.not_full.notify::<W>();
        item
    }

    /// Pushes `item` if there is room, without blocking.
    ///
    /// Lock-free and never waits for another context: may be called from an interrupt handler
    /// (if a caller sleeps on the queue it calls the backend's `wake_all`, which must then be
    /// callable there; it is for `Spin`). A successful push adds an unfinished task.
    ///
    /// # Errors
    ///
    /// [`TryPushError::Full`] with the item when `N` positions are taken (including the window
    /// described under "Progress" on the type), [`TryPushError::Closed`] with the item when the
    /// queue is closed, whether full or not.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{MpmcQueue, TryPushError};
    ///
    /// let q: MpmcQueue<u8, 1> = MpmcQueue::new();
    /// assert_eq!(q.try_push(1), Ok(()));
    /// assert_eq!(q.try_push(2), Err(TryPushError::Full(2)));
    /// ```
    #[inline]
    pub fn try_push(&self, item: T) -> Result<(), TryPushError<T>> {
        self.push_attempt(item, false)
    }

    /// Pops the oldest item if one is ready, without blocking.
    ///
    /// Lock-free and never waits for another context: may be called from an interrupt handler
    /// (with the same note on `wake_all` as [`try_push`](Self::try_push)).
    ///
    /// # Errors
    ///
    /// [`TryPopError::Empty`] when no item is ready at the head, which includes the window where
    /// the push that claimed the head position has not published its item yet (see "Progress" on
    /// the type); [`TryPopError::Closed`] when the queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{MpmcQueue, TryPopError};
    ///
    /// let q: MpmcQueue<u8, 2> = MpmcQueue::new();
    /// assert_eq!(q.try_pop(), Err(TryPopError::Empty));
    /// q.try_push(4).unwrap();
    /// assert_eq!(q.try_pop(), Ok(4));
    /// ```
    #[inline]
    pub fn try_pop(&self) -> Result<T, TryPopError> {
        self.pop_attempt(false)
    }

    /// Pushes `item`, blocking while the queue is full.
    ///
    /// Blocks: not for interrupt handlers. A successful push adds an unfinished task.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the item when the queue is closed, before or while waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// static Q: baresync::MpmcQueue<u32, 2> = baresync::MpmcQueue::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         for i in 0..10 {
    ///             Q.push(i).unwrap();
    ///         }
    ///     });
    ///     for i in 0..10 {
    ///         assert_eq!(Q.pop(), Ok(i));
    ///     }
    /// });
    /// ```
    pub fn push(&self, item: T) -> Result<(), Closed<T>> {
        blocking::push_until::<W, _, _, _>(self, item, &Forever).map_err(|e| Closed(e.into_inner()))
    }

    /// Pops the oldest item, blocking while the queue is empty.
    ///
    /// Blocks: not for interrupt handlers.
    ///
    /// # Errors
    ///
    /// [`Closed`] once the queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// static Q: baresync::MpmcQueue<&str, 2> = baresync::MpmcQueue::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| Q.push("ping").unwrap());
    ///     assert_eq!(Q.pop(), Ok("ping"));
    /// });
    /// ```
    pub fn pop(&self) -> Result<T, Closed> {
        blocking::pop_until::<W, _, _, _>(self, &Forever).map_err(|_| Closed(()))
    }

    /// Closes the queue: later pushes fail and hand their item back, queued items can still be
    /// popped, and every blocked caller wakes.
    ///
    /// Pushes that claimed their position before the close complete normally and their items are
    /// popped before `pop` reports `Closed`. Non-blocking; from an interrupt handler it needs the
    /// backend's `wake_all` to be callable there.
    ///
    /// # Examples
    ///
    /// ```
    /// let q: baresync::MpmcQueue<u8, 2> = baresync::MpmcQueue::new();
    /// q.push(1).unwrap();
    /// q.close();
    /// assert!(q.push(2).is_err());
    /// assert_eq!(q.pop(), Ok(1));
    /// assert!(q.pop().is_err());
    /// ```
    pub fn close(&self) {
        // SeqCst: the publication of the eventcount contract; blocked callers re-check `tail` with
        // SeqCst.
        self.tail.fetch_or(Self::MARK, Ordering::SeqCst);
        self.signals.not_empty.notify::<W>();
        self.signals.not_full.notify::<W>();
    }

    /// Marks one pushed item's task finished (Python's `Queue.task_done`).
    ///
    /// Usually called by the consumer after processing a popped item; any context may call it.
    /// Non-blocking; wakes joiners when the last task finishes.
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] when called more times than items were pushed; the count stays at zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let q: baresync::MpmcQueue<u8, 2> = baresync::MpmcQueue::new();
    /// q.push(1).unwrap();
    /// q.pop().unwrap();
    /// assert!(q.task_done().is_ok());
    /// assert!(q.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        // SeqCst: see the module docs, "Tasks" (the publication of the eventcount contract, and the
        // order of `done` and `tail`).
        let mut done = self.finished.done.load(Ordering::SeqCst);
        loop {
            let tail = self.tail.load(Ordering::SeqCst) & !Self::MARK;
            if done == tail {
                return Err(TaskDoneError);
            }
            let next = Self::next(done);
            match self.finished.done.compare_exchange_weak(
                done,
                next,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => {
                    // `tail` only grows: if `next` is not the `tail` we saw, tasks remain.
                    if next == tail {
                        self.finished.joiners.notify::<W>();
                    }
                    return Ok(());
                }
                Err(now) => done = now,
            }
        }
    }

    /// Whether no task is unfinished: true at the moment `tail` is loaded.
    ///
    /// `done` is loaded first and only grows, and never passes `tail`: if the two loads agree,
    /// `done` equalled `tail` when `tail` was loaded. SeqCst: the re-check of the eventcount contract;
    /// as an Acquire it also makes the work of every finished task visible (the `task_done`
    /// exchanges form one release sequence).
    #[inline]
    fn all_done(&self) -> bool {
        let done = self.finished.done.load(Ordering::SeqCst);
        done == self.tail.load(Ordering::SeqCst) & !Self::MARK
    }

    /// Blocks until every pushed item has been marked done with [`task_done`](Self::task_done).
    ///
    /// Returns at once when no task is unfinished. Blocks: not for interrupt handlers.
    ///
    /// # Examples
    ///
    /// ```
    /// static Q: baresync::MpmcQueue<u32, 4> = baresync::MpmcQueue::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         while let Ok(_job) = Q.pop() {
    ///             Q.task_done().unwrap();
    ///         }
    ///     });
    ///     for job in 0..20 {
    ///         Q.push(job).unwrap();
    ///     }
    ///     Q.join(); // all 20 jobs processed
    ///     Q.close();
    /// });
    /// ```
    pub fn join(&self) {
        self.join_until(&Forever);
    }

    /// The one wait of `join` and `join_timeout`: returns whether every task is done, or
    /// `false` once `limit` expired first (never for `Forever`).
    fn join_until<L: Limit<W>>(&self, limit: &L) -> bool {
        self.all_done()
            || self
                .finished
                .joiners
                .block_until::<W, L, _, _>((), limit, |()| {
                    if self.all_done() { Ok(()) } else { Err(()) }
                })
                .is_ok()
    }
}

impl<T, const N: usize, W: Wait> Attempts<true> for MpmcQueue<T, N, W> {
    type Item = T;

    #[inline]
    fn push_attempt(&self, item: T, recheck: bool) -> Result<(), TryPushError<T>> {
        match self.claim_push(recheck) {
            Ok(claim) => {
                self.publish(claim, item);
                Ok(())
            }
            Err(TryPushError::Full(())) => Err(TryPushError::Full(item)),
            Err(TryPushError::Closed(())) => Err(TryPushError::Closed(item)),
        }
    }

    #[inline]
    fn pop_attempt(&self, recheck: bool) -> Result<T, TryPopError> {
        self.claim_pop(recheck).map(|claim| self.take(claim))
    }

    #[inline]
    fn not_full(&self) -> &EventCount {
        &self.signals.not_full
    }

    #[inline]
    fn not_empty(&self) -> &EventCount {
        &self.signals.not_empty
    }
}

impl<T, const N: usize, W: WaitTimeout> MpmcQueue<T, N, W> {
    /// Pushes `item`, blocking while the queue is full, for at most `timeout`.
    ///
    /// A zero timeout behaves as [`try_push`](Self::try_push) (with `Timeout` for `Full`);
    /// `Duration::MAX` waits as long as the platform can. Only backends with a clock have it.
    /// Blocks: not for interrupt handlers.
    ///
    /// # Errors
    ///
    /// [`PushTimeoutError::Timeout`] with the item if the queue stayed full,
    /// [`PushTimeoutError::Closed`] with the item if it is or becomes closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let q: baresync::MpmcQueue<u8, 1> = baresync::MpmcQueue::new();
    /// q.push_timeout(1, Duration::from_millis(10)).unwrap();
    /// assert!(q.push_timeout(2, Duration::from_millis(10)).unwrap_err().is_timeout());
    /// ```
    pub fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        blocking::push_until::<W, _, _, _>(self, item, &Deadline::<W::Clock>::after(timeout))
    }

    /// Pops the oldest item, blocking while the queue is empty, for at most `timeout`.
    ///
    /// A zero timeout behaves as [`try_pop`](Self::try_pop); `Duration::MAX` waits as long as the
    /// platform can. Only backends with a clock have it. Blocks: not for interrupt handlers.
    ///
    /// # Errors
    ///
    /// [`PopTimeoutError::Timeout`] if no item came in time, [`PopTimeoutError::Closed`] once the
    /// queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::PopTimeoutError;
    /// use std::time::Duration;
    ///
    /// let q: baresync::MpmcQueue<u8, 1> = baresync::MpmcQueue::new();
    /// assert_eq!(q.pop_timeout(Duration::from_millis(5)), Err(PopTimeoutError::Timeout));
    /// ```
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        blocking::pop_until::<W, _, _, _>(self, &Deadline::<W::Clock>::after(timeout))
    }

    /// Blocks until every task is done or `timeout` has passed; `true` when none is left.
    ///
    /// Only backends with a clock have it. Blocks: not for interrupt handlers.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let q: baresync::MpmcQueue<u8, 1> = baresync::MpmcQueue::new();
    /// q.push(1).unwrap();
    /// assert!(!q.join_timeout(Duration::from_millis(5)), "one task unfinished");
    /// q.task_done().unwrap();
    /// assert!(q.join_timeout(Duration::from_millis(5)));
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.join_until(&Deadline::<W::Clock>::after(timeout))
    }
}

impl<T, const N: usize, W> Drop for MpmcQueue<T, N, W> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` excludes every other access.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed) & !Self::MARK;
        let count = Self::distance(head, tail).clamp(0, N as isize) as usize;
        // SAFETY: with `&mut self` no operation is in flight, so every position in `head..tail`
        // was claimed and published (a claim cannot fail before publishing) and not popped.
        unsafe { self.slots.drop_run(Self::index(head), count) };
    }
}

impl<T, const N: usize, W> Default for MpmcQueue<T, N, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize, W> fmt::Debug for MpmcQueue<T, N, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MpmcQueue")
            .field("len", &self.len())
            .field("capacity", &N)
            .field("closed", &self.is_closed())
            .field("unfinished_tasks", &self.unfinished())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    //! The half-finished window, simulated with the queue's own two-step operations: a context
    //! "preempted" between `claim_push` and `publish` (or `claim_pop` and `take`).

    use super::*;
    use crate::wait::Spin;

    type Q<const N: usize> = MpmcQueue<u32, N, Spin>;

    #[test]
    fn layout_constants() {
        assert_eq!((Q::<1>::MARK, Q::<1>::ONE_LAP), (1, 2));
        assert_eq!((Q::<3>::MARK, Q::<3>::ONE_LAP), (4, 8));
        assert_eq!((Q::<1000>::MARK, Q::<1000>::ONE_LAP), (1024, 2048));
        assert_eq!(Q::<3>::next(2), 8, "index wraps into the next lap");
        assert_eq!(
            Q::<3>::next(usize::MAX & !7 | 2),
            0,
            "laps wrap at usize::MAX"
        );
    }

    #[test]
    fn try_pop_returns_empty_behind_an_unpublished_push() {
        let q = Q::<4>::new();
        // A push claims the head position, then is "preempted" before publishing.
        let stalled = q.claim_push(false).unwrap();
        // Later pushes go to later slots and complete.
        q.try_push(2).unwrap();
        q.try_push(3).unwrap();
        assert_eq!(q.len(), 3);
        // The interrupting context must not spin: Empty, at once, every time.
        for _ in 0..3 {
            assert_eq!(q.try_pop(), Err(TryPopError::Empty));
        }
        // Closing does not turn the pending position into Closed.
        q.close();
        assert_eq!(q.try_pop(), Err(TryPopError::Empty));
        // The preempted push resumes; FIFO order is kept and the queue drains, then reports Closed.
        q.publish(stalled, 1);
        assert_eq!(q.try_pop(), Ok(1));
        assert_eq!(q.try_pop(), Ok(2));
        assert_eq!(q.try_pop(), Ok(3));
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
    }

    #[test]
    fn try_push_returns_full_behind_an_unfinished_pop() {
        let q = Q::<2>::new();
        q.try_push(1).unwrap();
        q.try_push(2).unwrap();
        // A pop claims the head position, then is "preempted" before freeing the slot.
        let stalled = q.claim_pop(false).unwrap();
        assert_eq!(q.len(), 1, "the position is taken");
        // The ring wraps to the stalled slot: Full, not a spin.
        assert_eq!(q.try_push(3), Err(TryPushError::Full(3)));
        assert_eq!(q.take(stalled), 1);
        q.try_push(3).unwrap();
        assert_eq!(q.try_pop(), Ok(2));
        assert_eq!(q.try_pop(), Ok(3));
    }

    #[test]
    fn try_push_returns_full_behind_an_unpublished_push_a_lap_ago() {
        let q = Q::<2>::new();
        let stalled = q.claim_push(false).unwrap(); // position 0, lap 0
        q.try_push(2).unwrap(); // position 1
        // The next push would be lap 1, slot 0, whose lap-0 push is still unpublished.
        assert_eq!(q.try_push(3), Err(TryPushError::Full(3)));
        q.publish(stalled, 1);
        assert_eq!(q.try_push(3), Err(TryPushError::Full(3)), "still two items");
        assert_eq!(q.try_pop(), Ok(1));
        q.try_push(3).unwrap();
        assert_eq!((q.try_pop(), q.try_pop()), (Ok(2), Ok(3)));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn blocking_pop_waits_for_the_unpublished_push() {
        use crate::wait::Futex;
        let q = MpmcQueue::<u32, 2, Futex>::new();
        let stalled = q.claim_push(false).unwrap();
        std::thread::scope(|s| {
            let popper = s.spawn(|| q.pop());
            std::thread::sleep(Duration::from_millis(20)); // make "asleep" likely
            q.publish(stalled, 9);
            assert_eq!(popper.join().unwrap(), Ok(9));
        });
    }

    #[test]
    fn drop_releases_items_left_in_the_ring() {
        use std::rc::Rc;
        let marker = Rc::new(());
        {
            let q = MpmcQueue::<Rc<()>, 3, Spin>::new();
            for _ in 0..5 {
                q.try_push(marker.clone()).unwrap();
                if q.is_full() {
                    drop(q.try_pop().unwrap());
                }
            }
            assert_eq!(Rc::strong_count(&marker), 1 + q.len());
        }
        assert_eq!(Rc::strong_count(&marker), 1);
    }
}
