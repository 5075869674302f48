//! `SpscQueue`: a wait-free single-producer single-consumer ring of exactly `N` items.
//!
//! # Protocol
//!
//! `head` (the next position to pop, written only by the consumer) and `tail` (the next position
//! to push, written only by the producer) are positions; the slot of position `p` is `p mod N`,
//! and `tail - head` is the number of queued items, which tells a full ring (`N`) from an empty
//! one (`0`) without giving up a slot. For a power-of-two `N`, positions count up and wrap at
//! `usize::MAX` (`N` divides `2^usize::BITS`, so `p mod N` and the difference survive the wrap,
//! which a 32-bit target reaches after about 4 * 10^9 items), so a push or pop advances its index
//! with one add and no mask. For any other `N` they are kept in `0..2N` (one compare per advance,
//! never a division), as rtrb does for every `N`.
//!
//! On hosted targets (`pad::CACHED_INDICES`) each side also keeps, on a cache line of its own
//! that the other side never touches (`Local`), a copy of its own index and a copy of the other
//! side's, and reloads the other side's shared index only when its copy says "full" or "empty". A
//! stale copy is always a past value, so it can only make the ring look fuller (to the producer)
//! or emptier (to the consumer) than it is, never the other way round. On the fast path a side
//! reads only its private line, the slot and the read-mostly `Shared` line, and writes its shared
//! index without reading it: the line the other side reads is never loaded by its owner (rtrb
//! keeps the same copies in its handles).
//!
//! # Pacing
//!
//! A blocking call that has fallen behind the other side and then caught up keeps finding only a
//! few items (or free slots) each time its copy runs out: it is chasing the other side. Each
//! refresh pulls the other side's index, and the line of slots being written, across to its core,
//! and the other side then waits to get them back. A consumer right behind its producer (blocking
//! verbs, capacity 1024, nothing else to do) refreshed `tail` 1.3 M times per 10 M items, 30% of
//! them finding a single item, and both sides ran at a line transfer per few items. So on hosts,
//! when a blocking call's refresh before last found at least 8 (or a quarter of the ring, if that
//! is fewer) and its last found fewer but not none, it spins 32 hints (or one per slot, if that
//! is fewer) before its next refresh: the other side moves some lines ahead, and the next refresh
//! finds dozens (the "temporal slipping" of FastForward). A side that finds one item at a time (a
//! hand-off, a reply that was already there) never paces, nor does one whose last refresh found
//! nothing; an item in a stream may wait those hints longer. The `try_` verbs never pace: they
//! return at once.
//!
//! # Orderings
//!
//! | operation | ordering | partner |
//! | --- | --- | --- |
//! | producer stores `tail` after writing the slot | Release (`SeqCst` if the backend wakes) | the consumer's Acquire load of `tail`: the item is written before it is visible |
//! | consumer stores `head` after reading the slot | Release (`SeqCst` if the backend wakes) | the producer's Acquire load of `head`: the old item is read before the slot is reused |
//! | `close` stores `closed` | Release (`SeqCst` if the backend wakes) | the Acquire loads in `try_pop` and `is_closed`: a producer-side close follows its last push, which is then visible, as is everything the closer wrote before |
//! | loads in the re-check of a blocking call | `SeqCst` | the eventcount contract in `eventcount.rs` |
//!
//! Each side reads its own index from its private copy on hosts, and with a `Relaxed` load on
//! microcontrollers: only it writes that index.
//!
//! # Closing
//!
//! `close` (on either half, or by dropping one) sets a flag and wakes the other half, the only one
//! that can be asleep (halves are unique and `!Sync`, so safe code cannot close a half while that
//! half is in a blocking call). A close by the producer is ordered after its pushes, so the
//! consumer drains them all before `pop` reports `Closed`. A close by the consumer can race with a
//! push in progress on the producer: that push may still succeed, and its item stays queued
//! (popped by a later pop, else dropped with the queue); the consumer has announced it is
//! finished, so this loses nothing it was waiting for.
//!
//! # References
//!
//! Leslie Lamport, *Specifying Concurrent Program Modules* (1983), the wait-free ring; the
//! `0..2N` position scheme as in rtrb; index caching as in Erik Rigtorp's `SPSCQueue`; John
//! Giacomoni, Tipp Moseley and Manish Vachharajani, *FastForward for Efficient Pipeline
//! Parallelism* (PPoPP 2008), temporal slipping.

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::time::Duration;

use super::blocking::{self, Attempts};
use super::eventcount::{EventCount, check_ordering, strong_publish_ordering};
use super::pad::{CACHED_INDICES, CachePadded, IndexCopy};
use super::slots::Ring;
use super::{Closed, PopTimeoutError, PushTimeoutError, TryPopError, TryPushError};
use crate::primitive::{AtomicU32, AtomicUsize, Ordering, const_fn, spin_hints};
use crate::wait::{Deadline, Forever, Wait, WaitTimeout};

/// `closed` value: pushes are accepted.
const OPEN: u32 = 0;
/// `closed` value: pushes are refused; pops drain what is left.
const CLOSED: u32 = 1;

/// A blocking call paces itself (module docs, "Pacing") when its last refresh found fewer than
/// this many items (or free slots), or than a quarter of the ring if that is fewer, and the one
/// before found at least as many...
const PACE_BELOW: usize = 8;
/// ...by spinning this many hints before its next refresh, or one per slot if that is fewer.
const PACE_HINTS: usize = 32;

/// What one side alone reads and writes, on a line the other side never touches (hosted targets
/// only: on microcontrollers `IndexCopy` is zero bytes and the shared indices are read instead).
struct Local {
    /// This side's own index: equal to its shared one, which only this side writes.
    own: IndexCopy,
    /// A past value of the other side's index (the real one is at or after it).
    other: IndexCopy,
    /// What this side's last refresh in a blocking call found: items queued (consumer) or free
    /// slots (producer). Module docs, "Pacing".
    found: IndexCopy,
    /// What the refresh before that one found.
    found_before: IndexCopy,
}

impl Local {
    const_fn! {
        fn new() -> Self {
            Self {
                own: IndexCopy::new(0),
                other: IndexCopy::new(0),
                found: IndexCopy::new(0),
                found_before: IndexCopy::new(0),
            }
        }
    }

    /// Starts a new half at position `own`, with `other` as its copy of the other side's index
    /// and no pacing history.
    fn restart(&self, own: usize, other: usize) {
        self.own.set(own);
        self.other.set(other);
        self.found.set(0);
        self.found_before.set(0);
    }

    /// Called by a blocking call (`recheck`) on a ring of `n` slots before it refreshes its copy
    /// of the other side's index: spins a little while this side is chasing the other (module
    /// docs, "Pacing"). Never in a `try_` verb, and never on microcontrollers (nor under loom,
    /// which cannot see time pass: `spin_hints`).
    #[inline]
    fn pace(&self, recheck: bool, n: usize) {
        if self.is_chasing(recheck, n) {
            spin_hints(PACE_HINTS.min(n) as u32);
        }
    }

    /// Whether a blocking call on a ring of `n` slots is chasing the other side: its refresh
    /// before last found at least [`PACE_BELOW`] (or `n / 4`, if fewer), so this side had fallen
    /// behind, and its last refresh found fewer but not none, so it has caught up.
    #[inline]
    fn is_chasing(&self, recheck: bool, n: usize) -> bool {
        let few = PACE_BELOW.min(n / 4);
        CACHED_INDICES
            && recheck
            && self.found_before.get() >= few
            && (1..few).contains(&self.found.get())
    }

    /// Records what a blocking call's refresh found (items or free slots).
    #[inline]
    fn refreshed(&self, recheck: bool, found: usize) {
        if CACHED_INDICES && recheck {
            self.found_before.set(self.found.get());
            self.found.set(found);
        }
    }
}

/// Read-mostly state: written on close, on a split, and by a side about to sleep.
struct Shared {
    /// `OPEN` or `CLOSED`.
    closed: AtomicU32,
    /// 0 until `try_split` has handed out the halves of a `'static` queue, then 1.
    split: AtomicU32,
    /// The consumer sleeps here while the ring is empty.
    not_empty: EventCount,
    /// The producer sleeps here while the ring is full.
    not_full: EventCount,
}

/// A bounded FIFO queue for exactly one producer and one consumer, holding exactly `N` items.
///
/// Split it into a [`Producer`] and a [`Consumer`] with [`split`](Self::split) (for a local or
/// borrowed queue) or [`try_split`](Self::try_split) (once, for a `static`); the queue verbs
/// live on the halves. `try_push`, `try_pop` and `peek` are wait-free: each finishes in a bounded
/// number of steps whatever the other side does, so an interrupt handler may use them.
/// The blocking verbs sleep through the backend `W`; when nobody sleeps, a push or pop pays no
/// wake call, only one load of a shared, rarely written cache line. On hosts they also pace
/// themselves: a blocking call that had fallen behind the other side and has just caught up
/// spins up to 32 hints before it looks again, so that the two sides stop passing the same cache
/// lines back and forth (in a stream, two to three times the throughput). An item in such a
/// stream may wait those hints longer; items handed over one at a time never do, nor do the
/// `try_` verbs.
///
/// Dropping either half closes the queue, so the other side's blocked calls wake and see
/// `Closed` instead of waiting forever. Items still queued are dropped with the queue.
///
/// `N == 0` is rejected at compile time.
///
/// # Examples
///
/// ```
/// use baresync::SpscQueue;
///
/// static QUEUE: SpscQueue<u32, 4> = SpscQueue::new();
///
/// let (producer, consumer) = QUEUE.try_split().expect("first split");
/// std::thread::scope(|s| {
///     s.spawn(move || {
///         for i in 0..100 {
///             producer.push(i).unwrap();
///         }
///         // Dropping the producer closes the queue.
///     });
///     let mut expected = 0;
///     while let Ok(i) = consumer.pop() {
///         assert_eq!(i, expected);
///         expected += 1;
///     }
///     assert_eq!(expected, 100);
/// });
/// ```
pub struct SpscQueue<T, const N: usize, W> {
    /// The next position to push (module docs, "Protocol"). Written only by the producer (on
    /// every push), read by the consumer when its copy runs out.
    tail: CachePadded<AtomicUsize>,
    /// The next position to pop (module docs, "Protocol"). Written only by the consumer (on
    /// every pop), read by the producer when its copy runs out.
    head: CachePadded<AtomicUsize>,
    /// The producer half's private copies (`own` is `tail`, `other` is `head`).
    producer: CachePadded<Local>,
    /// The consumer half's private copies (`own` is `head`, `other` is `tail`).
    consumer: CachePadded<Local>,
    shared: CachePadded<Shared>,
    /// Slots of positions in `head..tail` (cyclically) hold items; the others are free.
    slots: Ring<T, (), N>,
    backend: PhantomData<fn() -> W>,
}

// SAFETY: items move from the producer's context to the consumer's, so `T: Send` is required and
// enough (no `&T` is ever shared between contexts). The private copies (`Local`, `Cell`s on
// hosts) are each used only by the one half that owns them, and reset by `reopen` before any
// half exists: halves are unique (`split` borrows the queue mutably, `try_split` succeeds once)
// and `!Sync`, so a copy is never touched from two contexts at once. Slot access follows the
// head/tail protocol in the module docs.
unsafe impl<T: Send, const N: usize, W> Sync for SpscQueue<T, N, W> {}

impl<T, const N: usize, W> SpscQueue<T, N, W> {
    const_fn! {
        /// Creates an empty, open queue.
        ///
        /// # Panics
        ///
        /// Never at run time: `N == 0` (or `N > usize::MAX / 2`) is a compile-time error.
        ///
        /// # Examples
        ///
        /// ```
        /// static Q: baresync::SpscQueue<u8, 16> = baresync::SpscQueue::new();
        /// assert_eq!(Q.capacity(), 16);
        /// ```
        pub fn new() -> Self {
            const {
                assert!(N > 0, "a baresync queue needs a capacity N of at least 1");
                assert!(N <= usize::MAX / 2, "SpscQueue capacity N is too large");
            }
            Self {
                tail: CachePadded(AtomicUsize::new(0)),
                head: CachePadded(AtomicUsize::new(0)),
                producer: CachePadded(Local::new()),
                consumer: CachePadded(Local::new()),
                shared: CachePadded(Shared {
                    closed: AtomicU32::new(OPEN),
                    split: AtomicU32::new(0),
                    not_empty: EventCount::new(),
                    not_full: EventCount::new(),
                }),
                slots: Ring::<T, (), N>::new(),
                backend: PhantomData,
            }
        }
    }

    /// The slot of position `pos`.
    ///
    /// For a power-of-two `N` a mask (the branch is resolved at compile time); for any other
    /// `N`, where positions stay in `0..2N`, a compare and a subtraction, never a division.
    #[inline]
    fn index(pos: usize) -> usize {
        if N.is_power_of_two() {
            pos & (N - 1)
        } else if pos >= N {
            pos - N
        } else {
            pos
        }
    }

    /// The position after `pos`: wrapping at `usize::MAX` for a power-of-two `N`, else at `2N`.
    #[inline]
    fn next(pos: usize) -> usize {
        if N.is_power_of_two() {
            pos.wrapping_add(1)
        } else if pos + 1 == 2 * N {
            0
        } else {
            pos + 1
        }
    }

    /// The number of items between positions `head` and `tail`, in `0..=N`.
    #[inline]
    fn distance(head: usize, tail: usize) -> usize {
        if N.is_power_of_two() {
            tail.wrapping_sub(head)
        } else if tail >= head {
            tail - head
        } else {
            tail + 2 * N - head
        }
    }

    /// The number of items in the queue (a snapshot, stale as soon as it returns).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut q: baresync::SpscQueue<u8, 3> = baresync::SpscQueue::new();
    /// let (p, _c) = q.split();
    /// p.try_push(1).unwrap();
    /// drop((p, _c));
    /// assert_eq!(q.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        // Relaxed: a snapshot. Loading `head` first keeps the distance in 0..=N (tail only moves
        // ahead of a head we have seen) unless the loads straddle whole laps, which clamping hides.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        Self::distance(head, tail).min(N)
    }

    /// Whether the queue has been closed (by a half's `close` or drop).
    ///
    /// A caller that sees `true` also sees everything the closing side did before it closed (or
    /// dropped its half): the load is an Acquire, paired with the close.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut q: baresync::SpscQueue<u8, 3> = baresync::SpscQueue::new();
    /// drop(q.split()); // dropping the halves closes the queue
    /// assert!(q.is_closed());
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        // Acquire: pairs with the SeqCst (so also Release) store in `close`, so a caller that
        // sees `true` also sees everything the closer did before closing (as rtrb's
        // `is_abandoned`).
        self.shared.closed.load(Ordering::Acquire) != OPEN
    }
}

queue_accessors!(SpscQueue, [], []);

impl<T, const N: usize, W: Wait> SpscQueue<T, N, W> {
    /// Splits the queue into its producer and consumer halves, for as long as `self` is borrowed.
    ///
    /// Splitting (re)opens the queue: with `&mut self` no other half exists, so a new pair starts
    /// open. Items left from an earlier pair of halves stay queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut q: baresync::SpscQueue<u32, 8> = baresync::SpscQueue::new();
    /// let (producer, consumer) = q.split();
    /// std::thread::scope(|s| {
    ///     s.spawn(move || producer.push(42).unwrap());
    ///     assert_eq!(consumer.pop(), Ok(42));
    /// });
    /// ```
    pub fn split(&mut self) -> (Producer<'_, T, N, W>, Consumer<'_, T, N, W>) {
        self.reopen();
        (Producer::new(self), Consumer::new(self))
    }

    /// Splits a `static` queue into its halves, without `unsafe`: `Some` the first time only.
    ///
    /// Every later call returns `None`, even after the halves are dropped, because they may have
    /// been moved anywhere (another thread, an interrupt handler's state). The first call
    /// (re)opens the queue, as [`split`](Self::split) does: halves that `split` handed out
    /// earlier, and that closed the queue when they dropped, are gone by then.
    ///
    /// # Examples
    ///
    /// ```
    /// static Q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
    /// let (producer, consumer) = Q.try_split().unwrap();
    /// assert!(Q.try_split().is_none());
    /// producer.try_push(1).unwrap();
    /// assert_eq!(consumer.try_pop(), Ok(1));
    /// ```
    pub fn try_split(
        &'static self,
    ) -> Option<(Producer<'static, T, N, W>, Consumer<'static, T, N, W>)> {
        // Relaxed: the swap's atomicity alone makes the halves unique; it publishes nothing.
        if self.shared.split.swap(1, Ordering::Relaxed) != 0 {
            return None;
        }
        self.reopen();
        Some((Producer::new(self), Consumer::new(self)))
    }

    /// Opens the queue for a new pair of halves, with fresh copies of the indices and no pacing
    /// history. Only `split` and the first `try_split` call it: no half exists then (`split`
    /// holds `&mut self`; `try_split`'s swap admits one caller, and `split`'s halves borrowed the
    /// queue mutably, so they are gone before `&'static self` exists), so nobody else touches the
    /// halves' `Local`s.
    fn reopen(&self) {
        // Relaxed everywhere: no half exists, so the indices are not moving and there is nothing
        // to publish; the new halves reach their contexts through whatever hands them over.
        if CACHED_INDICES {
            let head = self.head.load(Ordering::Relaxed);
            let tail = self.tail.load(Ordering::Relaxed);
            self.producer.restart(tail, head);
            self.consumer.restart(head, tail);
        }
        self.shared.closed.store(OPEN, Ordering::Relaxed);
    }

    /// Sets the closed flag and wakes the other half, which sleeps on `other_half`. The closing
    /// half needs no wake: halves are `!Sync`, so its own blocking calls run in the context that
    /// closes, and none is under way (one notify fewer: 24 bytes on thumbv7em).
    fn close(&self, other_half: &EventCount) {
        // Release: orders a producer-side close after its pushes (the Acquire loads in `front`
        // and `is_closed`). SeqCst when a sleeper may need waking: the publication of the
        // eventcount contract in its portable form, since a close is rare (no need to lean on the
        // waiter's fence or on heavy mode's read-modify-write in `notify`).
        self.shared
            .closed
            .store(CLOSED, strong_publish_ordering::<W>());
        other_half.notify::<W>();
    }

    /// The position of the first item, or why there is none. Only the consumer half calls it.
    #[inline]
    fn front(&self, recheck: bool) -> Result<usize, TryPopError> {
        let local = &self.consumer;
        let head = if CACHED_INDICES {
            local.own.get()
        } else {
            // Relaxed: only this consumer writes `head`.
            self.head.load(Ordering::Relaxed)
        };
        if CACHED_INDICES && local.other.get() != head {
            return Ok(head);
        }
        local.pace(recheck, N);
        // Acquire: pairs with the Release (or SeqCst) store in `close`: after a producer-side
        // close, the load of `tail` below sees every push that preceded it. Loaded first, so one
        // load of `tail` answers both "empty" and "closed and drained".
        let closed = self
            .shared
            .closed
            .load(check_ordering(recheck, Ordering::Acquire))
            != OPEN;
        // Acquire: pairs with the producer's Release store of `tail` in `push_attempt`, so the
        // item is visible before we read it.
        let tail = self.tail.load(check_ordering(recheck, Ordering::Acquire));
        if CACHED_INDICES {
            local.other.set(tail);
            local.refreshed(recheck, Self::distance(head, tail));
        }
        if tail != head {
            Ok(head)
        } else if closed {
            Err(TryPopError::Closed)
        } else {
            Err(TryPopError::Empty)
        }
    }
}

// Only the halves call these: a push attempt uses the producer's `Local`, a pop attempt the
// consumer's, and each half is unique and `!Sync` (see the `Sync` impl).
impl<T, const N: usize, W: Wait> Attempts<true> for SpscQueue<T, N, W> {
    type Item = T;

    /// One push attempt. Only the producer half calls it (it uses the producer's `Local`).
    #[inline]
    fn push_attempt(&self, item: T, recheck: bool) -> Result<(), TryPushError<T>> {
        // Relaxed on the fast path: a flag that publishes no data.
        if self
            .shared
            .closed
            .load(check_ordering(recheck, Ordering::Relaxed))
            != OPEN
        {
            return Err(TryPushError::Closed(item));
        }
        let local = &self.producer;
        let tail = if CACHED_INDICES {
            local.own.get()
        } else {
            // Relaxed: only this producer writes `tail`.
            self.tail.load(Ordering::Relaxed)
        };
        if !CACHED_INDICES || Self::distance(local.other.get(), tail) == N {
            local.pace(recheck, N);
            // Acquire: pairs with the consumer's Release store of `head` in `pop_attempt`: its
            // read of the slot we are about to reuse happens-before our write.
            let head = self.head.load(check_ordering(recheck, Ordering::Acquire));
            if CACHED_INDICES {
                local.other.set(head);
                local.refreshed(recheck, N - Self::distance(head, tail));
            }
            if Self::distance(head, tail) == N {
                return Err(TryPushError::Full(item));
            }
        }
        // SAFETY: `tail` is outside `head..tail` (fewer than N items), so the consumer will not
        // read this slot before the store below publishes it, and no other producer exists. The
        // slot is free: the consumer's read of its previous item happened-before, through the
        // Acquire load of `head` that showed the room (now or when the copy was taken).
        unsafe { self.slots.write(Self::index(tail), item) };
        // Release: pairs with the consumer's Acquire load of `tail`, so the item is written before
        // the position is seen. SeqCst when a sleeping consumer may need waking (eventcount
        // contract), unless the consumer's asymmetric fence, or in heavy mode `notify`'s
        // read-modify-write, stands in for it (`publish_ordering`).
        let order = self.shared.not_empty.publish_ordering::<W>();
        let tail = Self::next(tail);
        self.tail.store(tail, order);
        if CACHED_INDICES {
            local.own.set(tail);
        }
        self.shared.not_empty.notify::<W>();
        Ok(())
    }

    /// One pop attempt. Only the consumer half calls it.
    #[inline]
    fn pop_attempt(&self, recheck: bool) -> Result<T, TryPopError> {
        let head = self.front(recheck)?;
        // SAFETY: `head` is in `head..tail`, so its slot holds an item published by the
        // producer's Release store of `tail`, which `front` read with Acquire (now or when the
        // copy was taken). Only this consumer takes items, and the producer does not reuse the
        // slot until the store below moves `head` past it.
        let item = unsafe { self.slots.read(Self::index(head)) };
        // Release: pairs with the producer's Acquire load of `head`: our read of the slot
        // happens-before it is overwritten. SeqCst when a sleeping producer may need waking,
        // unless the producer's asymmetric fence, or in heavy mode `notify`'s read-modify-write,
        // stands in for it (`publish_ordering`).
        let order = self.shared.not_full.publish_ordering::<W>();
        let head = Self::next(head);
        self.head.store(head, order);
        if CACHED_INDICES {
            self.consumer.own.set(head);
        }
        self.shared.not_full.notify::<W>();
        Ok(item)
    }

    #[inline]
    fn not_full(&self) -> &EventCount {
        &self.shared.not_full
    }

    #[inline]
    fn not_empty(&self) -> &EventCount {
        &self.shared.not_empty
    }
}

impl<T, const N: usize, W> Drop for SpscQueue<T, N, W> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` excludes every other access.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        // SAFETY: positions in `head..tail` hold items that were pushed and never popped, and
        // `&mut self` means no half is using them.
        unsafe {
            self.slots
                .drop_run(Self::index(head), Self::distance(head, tail))
        };
    }
}

impl<T, const N: usize, W> Default for SpscQueue<T, N, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize, W> fmt::Debug for SpscQueue<T, N, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpscQueue")
            .field("len", &self.len())
            .field("capacity", &N)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// What both halves share: their constructor, closing the queue when dropped, the queue's
/// snapshot accessors through `Deref`, and `Debug`.
macro_rules! spsc_half {
    ($half:ident) => {
        impl<'a, T, const N: usize, W: Wait> $half<'a, T, N, W> {
            #[inline]
            fn new(queue: &'a SpscQueue<T, N, W>) -> Self {
                Self {
                    queue,
                    not_sync: PhantomData,
                }
            }
        }

        impl<T, const N: usize, W: Wait> Drop for $half<'_, T, N, W> {
            /// Closes the queue (see [`close`](Self::close)).
            fn drop(&mut self) {
                self.close();
            }
        }

        /// The queue's snapshot accessors on the half: [`len`](SpscQueue::len),
        /// [`is_empty`](SpscQueue::is_empty), [`is_full`](SpscQueue::is_full),
        /// [`capacity`](SpscQueue::capacity) and [`is_closed`](SpscQueue::is_closed)
        /// (non-blocking, interrupt-safe).
        impl<T, const N: usize, W: Wait> Deref for $half<'_, T, N, W> {
            type Target = SpscQueue<T, N, W>;

            #[inline]
            fn deref(&self) -> &SpscQueue<T, N, W> {
                self.queue
            }
        }

        impl<T, const N: usize, W: Wait> fmt::Debug for $half<'_, T, N, W> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($half))
                    .field("queue", self.queue)
                    .finish()
            }
        }
    };
}

spsc_half!(Producer);
spsc_half!(Consumer);

/// The pushing half of an [`SpscQueue`].
///
/// `Send` (move it to the producing thread or into an interrupt handler's state) but not
/// `Sync`: one context pushes. Dropping it closes the queue, so a consumer blocked in `pop`
/// wakes, drains what is left and then sees `Closed`.
///
/// # Examples
///
/// ```
/// static Q: baresync::SpscQueue<&str, 2> = baresync::SpscQueue::new();
/// let (producer, consumer) = Q.try_split().unwrap();
/// producer.try_push("hello").unwrap();
/// drop(producer);
/// assert_eq!(consumer.pop(), Ok("hello"));
/// assert!(consumer.pop().is_err(), "closed by the producer's drop");
/// ```
///
/// Through `Deref`, a half has the queue's snapshot accessors:
///
/// ```
/// let mut q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
/// let (p, c) = q.split();
/// p.try_push(1).unwrap();
/// assert_eq!((p.len(), p.is_empty(), p.is_full(), p.capacity()), (1, false, false, 2));
/// c.close();
/// assert!(p.is_closed());
/// ```
pub struct Producer<'a, T, const N: usize, W: Wait> {
    queue: &'a SpscQueue<T, N, W>,
    /// `!Sync`: the producer's private copies are `Cell`s.
    not_sync: PhantomData<Cell<()>>,
}

impl<T, const N: usize, W: Wait> Producer<'_, T, N, W> {
    /// Pushes `item` if there is room, without blocking.
    ///
    /// Wait-free: may be called from an interrupt handler. If the consumer sleeps in `pop`, this
    /// calls the backend's `wake_all`, which must then be callable there (it is for `Spin`).
    ///
    /// # Errors
    ///
    /// [`TryPushError::Full`] with the item when `N` items are queued, [`TryPushError::Closed`]
    /// with the item when the queue is closed (also when it is full as well).
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{SpscQueue, TryPushError};
    ///
    /// let mut q: SpscQueue<u8, 1> = SpscQueue::new();
    /// let (p, _c) = q.split();
    /// assert_eq!(p.try_push(1), Ok(()));
    /// assert_eq!(p.try_push(2), Err(TryPushError::Full(2)));
    /// ```
    #[inline]
    pub fn try_push(&self, item: T) -> Result<(), TryPushError<T>> {
        self.queue.push_attempt(item, false)
    }

    /// Pushes `item`, blocking while the queue is full.
    ///
    /// Blocks: not for interrupt handlers.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the item when the queue is closed, before or while waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// static Q: baresync::SpscQueue<u32, 1> = baresync::SpscQueue::new();
    /// let (p, c) = Q.try_split().unwrap();
    /// std::thread::scope(|s| {
    ///     s.spawn(move || {
    ///         for i in 0..10 {
    ///             p.push(i).unwrap(); // waits for the consumer each time
    ///         }
    ///     });
    ///     for i in 0..10 {
    ///         assert_eq!(c.pop(), Ok(i));
    ///     }
    /// });
    /// ```
    pub fn push(&self, item: T) -> Result<(), Closed<T>> {
        blocking::push_until::<W, _, _, true>(self.queue, item, &Forever)
            .map_err(|e| Closed(e.into_inner()))
    }

    /// Closes the queue: later pushes fail, the consumer drains what is queued, blocked calls wake.
    ///
    /// Non-blocking; from an interrupt handler it needs the backend's `wake_all` to be callable
    /// there (as for `try_push`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
    /// let (p, c) = q.split();
    /// p.try_push(1).unwrap();
    /// p.close();
    /// assert!(p.try_push(2).unwrap_err().is_closed());
    /// assert_eq!(c.pop(), Ok(1));
    /// assert!(c.pop().is_err());
    /// ```
    pub fn close(&self) {
        self.queue.close(&self.queue.shared.not_empty);
    }
}

impl<T, const N: usize, W: WaitTimeout> Producer<'_, T, N, W> {
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
    /// let mut q: baresync::SpscQueue<u8, 1> = baresync::SpscQueue::new();
    /// let (p, _c) = q.split();
    /// p.push_timeout(1, Duration::from_millis(10)).unwrap();
    /// let e = p.push_timeout(2, Duration::from_millis(10)).unwrap_err();
    /// assert_eq!(e.into_inner(), 2);
    /// ```
    pub fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        let deadline = Deadline::<W::Clock>::after(timeout);
        blocking::push_until::<W, _, _, true>(self.queue, item, &deadline)
    }
}

/// The popping half of an [`SpscQueue`].
///
/// `Send` but not `Sync`: one context pops. Dropping it closes the queue, so a producer blocked in
/// `push` wakes and gets its item back in `Closed`; items still queued stay in the queue.
///
/// # Examples
///
/// ```
/// static Q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
/// let (producer, consumer) = Q.try_split().unwrap();
/// drop(consumer);
/// assert!(producer.push(1).is_err(), "closed by the consumer's drop");
/// ```
///
/// Through `Deref`, a half has the queue's snapshot accessors:
///
/// ```
/// let mut q: baresync::SpscQueue<u8, 1> = baresync::SpscQueue::new();
/// let (p, c) = q.split();
/// p.try_push(1).unwrap();
/// assert_eq!((c.len(), c.is_empty(), c.is_full(), c.capacity()), (1, false, true, 1));
/// drop(p);
/// assert!(c.is_closed());
/// ```
pub struct Consumer<'a, T, const N: usize, W: Wait> {
    queue: &'a SpscQueue<T, N, W>,
    /// `!Sync`: the consumer's private copies are `Cell`s.
    not_sync: PhantomData<Cell<()>>,
}

impl<T, const N: usize, W: Wait> Consumer<'_, T, N, W> {
    /// Pops the oldest item if there is one, without blocking.
    ///
    /// Wait-free: may be called from an interrupt handler. If the producer sleeps in `push`, this
    /// calls the backend's `wake_all`, which must then be callable there (it is for `Spin`).
    ///
    /// # Errors
    ///
    /// [`TryPopError::Empty`] when no item is queued, [`TryPopError::Closed`] when the queue is
    /// closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::TryPopError;
    ///
    /// let mut q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
    /// let (p, c) = q.split();
    /// assert_eq!(c.try_pop(), Err(TryPopError::Empty));
    /// p.try_push(7).unwrap();
    /// assert_eq!(c.try_pop(), Ok(7));
    /// ```
    #[inline]
    pub fn try_pop(&self) -> Result<T, TryPopError> {
        self.queue.pop_attempt(false)
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
    /// static Q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
    /// let (p, c) = Q.try_split().unwrap();
    /// std::thread::scope(|s| {
    ///     s.spawn(move || p.push(5).unwrap());
    ///     assert_eq!(c.pop(), Ok(5));
    /// });
    /// ```
    pub fn pop(&self) -> Result<T, Closed> {
        blocking::pop_until::<W, _, _, true>(self.queue, &Forever).map_err(|_| Closed(()))
    }

    /// A reference to the oldest item, without removing it; `None` when the queue is empty.
    ///
    /// Takes `&mut self` so that the item cannot be popped while the reference lives.
    /// Wait-free: may be called from an interrupt handler.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
    /// let (p, mut c) = q.split();
    /// assert_eq!(c.peek(), None);
    /// p.try_push(3).unwrap();
    /// assert_eq!(c.peek(), Some(&3));
    /// assert_eq!(c.try_pop(), Ok(3));
    /// ```
    pub fn peek(&mut self) -> Option<&T> {
        let head = self.queue.front(false).ok()?;
        // SAFETY: as in `pop_attempt`, the slot of `head` holds a published item that only this
        // consumer may take, and `&mut self` keeps it from being popped while the reference lives.
        Some(unsafe { self.queue.slots.get(SpscQueue::<T, N, W>::index(head)) })
    }

    /// Closes the queue: later pushes fail, queued items can still be popped, blocked calls wake.
    ///
    /// A push already in progress on the producer may still succeed; see the type's docs.
    /// Non-blocking; from an interrupt handler it needs the backend's `wake_all` to be callable
    /// there.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
    /// let (p, c) = q.split();
    /// c.close();
    /// assert!(p.push(1).is_err());
    /// ```
    pub fn close(&self) {
        self.queue.close(&self.queue.shared.not_full);
    }
}

impl<T, const N: usize, W: WaitTimeout> Consumer<'_, T, N, W> {
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
    /// let mut q: baresync::SpscQueue<u8, 2> = baresync::SpscQueue::new();
    /// let (_p, c) = q.split();
    /// assert_eq!(c.pop_timeout(Duration::from_millis(5)), Err(PopTimeoutError::Timeout));
    /// ```
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        let deadline = Deadline::<W::Clock>::after(timeout);
        blocking::pop_until::<W, _, _, true>(self.queue, &deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::Spin;

    type Q<const N: usize> = SpscQueue<u32, N, Spin>;

    #[test]
    fn position_arithmetic_wraps_at_2n_for_other_capacities() {
        assert_eq!(Q::<3>::next(5), 0);
        assert_eq!(Q::<3>::index(4), 1);
        assert_eq!(Q::<3>::distance(5, 2), 3, "full across the wrap");
        assert_eq!(Q::<3>::distance(4, 4), 0);
    }

    #[test]
    fn power_of_two_positions_wrap_at_usize_max() {
        assert_eq!(Q::<4>::next(7), 8, "no mask at 2N");
        assert_eq!(Q::<4>::next(usize::MAX), 0);
        assert_eq!(Q::<4>::index(usize::MAX), 3);
        assert_eq!(
            Q::<4>::distance(usize::MAX - 1, 2),
            4,
            "full across the wrap"
        );
        assert_eq!(Q::<1>::distance(usize::MAX, 0), 1);
        assert_eq!(Q::<1>::distance(0, 0), 0);
    }

    #[test]
    fn a_ring_whose_positions_wrap_keeps_order_and_drops_what_it_holds() {
        use std::rc::Rc;
        // Each item holds a clone of `marker`: its strong count tells how many are alive.
        let marker = Rc::new(());
        let item = |i| (i, marker.clone());
        let mut q = SpscQueue::<(u32, Rc<()>), 4, Spin>::new();
        // Start three positions before the wrap, as after `usize::MAX - 2` items.
        let start = usize::MAX - 2;
        q.head.store(start, Ordering::Relaxed);
        q.tail.store(start, Ordering::Relaxed);
        let (p, c) = q.split();
        let mut next = 0;
        for round in 0..3 {
            for i in 0..4 {
                assert!(p.try_push(item(round * 4 + i)).is_ok());
            }
            assert!(p.try_push(item(99)).is_err(), "full at 4 items");
            assert_eq!(c.len(), 4);
            for _ in 0..3 {
                let popped = c.try_pop().map(|item| item.0);
                assert_eq!(popped, Ok(next));
                next += 1;
            }
            // One item stays queued; pop it before the next round fills the ring again.
            assert_eq!(c.try_pop().map(|item| item.0), Ok(next));
            next += 1;
        }
        for i in 0..3 {
            assert!(p.try_push(item(100 + i)).is_ok());
        }
        drop((p, c));
        assert_eq!(Rc::strong_count(&marker), 1 + 3);
        drop(q);
        assert_eq!(
            Rc::strong_count(&marker),
            1,
            "the queue drops the 3 it holds"
        );
    }

    #[test]
    fn caches_refresh_only_at_the_limits() {
        static QUEUE: Q<2> = Q::<2>::new();
        let q = &QUEUE;
        let (p, c) = q.try_split().unwrap();
        p.try_push(1).unwrap();
        p.try_push(2).unwrap();
        assert!(p.try_push(3).is_err());
        assert_eq!(c.try_pop(), Ok(1));
        // The producer's copy still says "full" until it reloads `head`.
        assert_eq!(q.producer.other.get(), 0);
        p.try_push(3).unwrap();
        assert_eq!(q.producer.other.get(), 1);
        assert_eq!(
            q.consumer.other.get(),
            2,
            "refreshed once, at the first pop"
        );
    }

    #[test]
    fn a_blocking_call_paces_once_it_has_caught_up() {
        let side = Local::new();
        let found = |n| side.refreshed(true, n);
        assert!(!side.is_chasing(true, 1024), "nothing found yet");
        found(1);
        found(1);
        assert!(
            !side.is_chasing(true, 1024),
            "one item at a time: hand-offs"
        );
        found(8);
        found(3);
        assert!(side.is_chasing(true, 1024), "8 or more, then a few");
        assert!(!side.is_chasing(false, 1024), "a try_ verb never paces");
        assert!(
            !side.is_chasing(true, 8),
            "a few means under a quarter of the ring"
        );
        assert!(!side.is_chasing(true, 4), "a ring of 4 never paces");
        found(8);
        found(0);
        assert!(
            !side.is_chasing(true, 1024),
            "the last refresh found nothing"
        );
        found(5);
        assert!(!side.is_chasing(true, 1024), "never behind since");
    }

    #[test]
    fn only_blocking_calls_record_what_their_refreshes_found() {
        let mut q = Q::<1024>::new();
        let (p, c) = q.split();
        for i in 0..3 {
            p.try_push(i).unwrap();
        }
        assert_eq!(c.try_pop(), Ok(0));
        assert_eq!(c.try_pop(), Ok(1));
        assert_eq!(
            c.consumer.found.get(),
            0,
            "try_pop refreshed, recorded nothing"
        );
        assert_eq!(c.pop(), Ok(2));
        for i in 3..6 {
            p.push(i).unwrap();
        }
        assert_eq!(c.pop(), Ok(3), "refreshed: three items");
        assert_eq!(
            (c.consumer.found_before.get(), c.consumer.found.get()),
            (0, 3)
        );
        drop(p);
        assert_eq!((c.pop(), c.pop()), (Ok(4), Ok(5)));
        assert_eq!(c.pop(), Err(Closed(())));
        assert_eq!(
            c.consumer.found.get(),
            0,
            "closed and drained: nothing found"
        );
    }

    #[test]
    fn a_blocking_push_records_the_free_slots_it_found() {
        let mut q = Q::<16>::new();
        let (p, c) = q.split();
        for i in 0..16 {
            p.try_push(i).unwrap();
        }
        assert!(p.try_push(16).is_err());
        assert_eq!(p.producer.found.get(), 0, "try_push recorded nothing");
        for i in 0..3 {
            assert_eq!(c.try_pop(), Ok(i));
        }
        p.push(16).unwrap();
        assert_eq!(p.producer.found.get(), 3, "refreshed: three free slots");
    }

    #[test]
    fn a_new_split_starts_without_pacing_history() {
        let mut q = Q::<1024>::new();
        let (p, c) = q.split();
        c.consumer.refreshed(true, 8);
        c.consumer.refreshed(true, 3);
        p.producer.refreshed(true, 9);
        drop((p, c));
        let (p, c) = q.split();
        assert!(!c.consumer.is_chasing(true, 1024));
        assert_eq!(
            (c.consumer.found.get(), c.consumer.found_before.get()),
            (0, 0)
        );
        assert_eq!(p.producer.found.get(), 0);
    }

    #[test]
    fn a_new_split_reopens_and_keeps_items() {
        let mut q = Q::<2>::new();
        let (p, c) = q.split();
        p.try_push(1).unwrap();
        drop((p, c));
        assert!(q.is_closed());
        let (p, c) = q.split();
        assert!(!p.is_closed(), "a new split reopens");
        p.try_push(2).unwrap();
        assert_eq!(c.try_pop(), Ok(1));
        assert_eq!(c.try_pop(), Ok(2));
    }
}
