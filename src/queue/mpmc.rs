//! `MpmcQueue`: a bounded, linearizable, lock-free multi-producer multi-consumer FIFO of exactly
//! `N` items.
//!
//! # Protocol
//!
//! Michael and Scott's queue, laid out on a ring instead of a linked list. Items are written into
//! slots of a [`Storage`] of `S = N + SPARE` slots, and queued by *committing* the slot's number
//! into the ring entry of the next *position*. Positions count up forever; position `p` uses
//! entry `index(p)`, so an entry serves every `S`-th position. Committed positions are always a
//! prefix of all positions: a push commits only the first position not yet committed (the
//! *vacancy*), with one compare-exchange on its entry. So the queue's whole state is where that
//! prefix ends and where `head` is, and every operation takes effect with one atomic step:
//!
//! - A push first takes a free slot and writes its item into it, then finds the vacancy and
//!   commits its slot there. That compare-exchange is where it takes effect; if another push
//!   committed there first, it looks for the next vacancy. It refuses with `Full` when, at the
//!   moment it looks at the vacancy `t`, `t - head >= N`.
//! - A pop reads the entry at `head`. An item there is taken by moving `head` on with a
//!   compare-exchange (where the pop takes effect), after which the pop owns the item's slot,
//!   moves the item out and frees the slot. A vacant entry at `head` means nothing is queued:
//!   `Empty`, at the moment of that load.
//! - `close` commits a marker (slot number `CLOSED`) at the vacancy: no position after it is ever
//!   committed, pushes that find it refuse with `Closed`, and a pop that finds it at `head` (the
//!   queue drained) returns `Closed`. `MARK` in `tail` is set afterwards, to answer quickly;
//!   until then a caller that walks to the end of the committed prefix finds the marker there
//!   (pushes, `close` and `is_closed` share that one walk, `open_end`).
//!
//! `tail` is only a hint, as in Michael and Scott's queue: every position before it is committed,
//! and whoever finds the entry at `tail` committed moves `tail` on (helping the push that
//! committed it), before looking further.
//!
//! No call ever waits for another: a pop never waits for a push to finish (a push that has
//! written its item but not committed it is simply not in the queue yet), and a push never waits
//! for a pop (a pop that took its item but has not moved it out holds only its slot, and the
//! `SPARE` slots stand in for it). The price is storage: `SPARE` slots beyond `N`, and the
//! condition under which `Full` is exact (below).
//!
//! ## Positions
//!
//! A position is `lap | index`: `index < S` in the low bits, then the `MARK` bit (a power of two
//! above `S`), then the lap, in steps of `ONE_LAP = 2 * MARK`. Positions are full-width `usize`
//! and wrap.
//!
//! | word | value | changed by |
//! | --- | --- | --- |
//! | `head` | the position of the oldest item; the vacancy when the queue is empty; the marker's position when it is closed and drained | a pop's compare-exchange from a position whose entry holds an item to the next |
//! | `tail` | a position at or before the vacancy: every position before it is committed | a compare-exchange past a committed position (never past the marker) |
//! | `tail & MARK` | set once the marker is committed | `close`'s `fetch_or` |
//!
//! ## Slot words
//!
//! Word `i` of the storage holds two things: whether slot `i` is held, and the ring entry `i`.
//!
//! | bits | field | meaning |
//! | --- | --- | --- |
//! | bit 0 | `USED` | slot `i` is held: by a push writing or queueing its item, by a queued item, or by a pop moving its item out |
//! | bits 1 up to `ONE_LAP` | slot number | the slot of the item committed in entry `i` (or `CLOSED`) |
//! | bits from `ONE_LAP` up | lap | `lap(p) + ONE_LAP`, where `p` is the last position committed in entry `i` (zero before any: lap 0 vacant) |
//!
//! Read for a position `p` with `index(p) == i`:
//!
//! | lap field | slot number | position `p` is |
//! | --- | --- | --- |
//! | `lap(p)` | - | vacant: `p - S` was the last position committed here |
//! | `lap(p) + ONE_LAP` | `s < S` | committed: its item is in slot `s` |
//! | `lap(p) + ONE_LAP` | `CLOSED` | the closed marker |
//! | anything else | - | behind: the `head` or `tail` that named `p` was stale; load it again |
//!
//! A push or `close` commits at a vacancy `t` only while `t - head < S`, so the previous
//! position of the entry, `t - S`, has been popped and the entry is free to reuse (pushes check
//! `t - head < N`, `close` finds `t - head <= N`, and `SPARE >= 1`).
//!
//! `taken - freed` counts the slots held or promised: a push reserves one by incrementing `taken`
//! (only while the difference is below `S`) before it looks for a slot without `USED` (on hosts
//! from slot `(taken + skew) mod S`, nearly always free; on microcontrollers from the vacancy's
//! index; see `take_slot`), and whoever frees a slot increments `freed` after clearing `USED`. So a
//! push holding a reservation always finds a slot, and `taken - freed == S` means all `S` slots are
//! held or promised. (Two counts that start at zero keep a new queue all zeros: a `static` one sits
//! in `.bss`, with no initial image in flash.)
//!
//! ## Who writes which line
//!
//! Pushes write only the push line (`tail`, `taken`, and the hint `skew`) and pops only the pop
//! line (`head`, `freed`), as in a two-lock queue; both meet only at the slot words and items. (A
//! push that gives its slot back, because the queue filled or closed between taking the slot and
//! committing, frees it like a pop: rare. `close` and `is_closed` write `tail` too, when they find
//! it lagging and help it on.) A push needs two values from the pop line, `head` (for
//! room) and `freed` (for a free slot), and reads them through copies on its own line, `head_seen`
//! and `freed_seen`: a past value of a count that only grows can only make the queue look fuller,
//! so room or a slot by the copy is real, and only when the copy says "none" does the push load the
//! pop line (and move the copy on). On microcontrollers (`pad::CACHED_INDICES` false: no data
//! cache, or one core) pushes load `head` and `freed` themselves, which costs nothing there and
//! keeps the code smaller. The eventcounts sit on a third line, written only when someone sleeps.
//! Before this layout one `held` count, written by every push and pop, and a load of `head` in
//! every push, kept that line moving between the producers' and the consumers' cores: the blocking
//! 2p2c transfer ran at 0.2-0.3 x crossbeam-channel, against 0.44-1.0 after (`perf/history.md`).
//!
//! # Linearizability
//!
//! Each call takes effect at one instant between its call and its return:
//!
//! | answer | instant | why it is right then |
//! | --- | --- | --- |
//! | push `Ok` | its commit | the entry was vacant and every position before it committed: it appends; `t - head < N` held when `head` was loaded before, and `head` only grows |
//! | push `Full` | its load of the vacant entry at `t`, with `t - head >= N` for a `head` loaded after | the vacancy was `t`, `head` was no further than loaded: `t - head = N` items queued, and no marker |
//! | push `Closed` | its load of the marker or of `MARK` | the marker is committed |
//! | pop `Ok` | its compare-exchange on `head` | the entry held an item and stays so while `head` has not passed it |
//! | pop `Empty` | its load of the vacant entry at `head` | a vacant entry at `p` means `p` is the vacancy, and `head` cannot pass the vacancy, so `head == p`: nothing queued |
//! | pop `Closed` | its load of the marker at `head` | the marker is the only committed position left |
//! | `close` | the commit of the marker | |
//! | `is_closed` `true` | its load of the marker or of `MARK` | as push `Closed` |
//! | `is_closed` `false` | its load of the vacant entry at the end of the committed prefix | the positions before it hold items, so at that instant no marker is committed |
//!
//! `Full` is also answered when a push finds no free slot (`taken - freed == S`) and, looking
//! again, the queue is neither full nor closed. All `S = N + SPARE` slots are then held, by fewer
//! than `N` queued items, so more than `SPARE` other calls hold one: pushes between reserving a
//! slot and committing (or giving it back), pops between taking their item and freeing its slot.
//! Hence the condition on the type's docs: **`Full` is exact while at most `SPARE` other calls
//! hold a slot at once**, which is always the case when at most `SPARE + 1` contexts (threads
//! and interrupt handlers) use the queue concurrently.
//!
//! # Progress
//!
//! On targets with compare-and-swap every call is lock-free: each loop goes round again only
//! because another call changed what it read: committed a position, moved `head`, took or freed a
//! slot. A context stopped anywhere inside a call (preempted, or interrupted by a handler that
//! uses the queue) delays nobody. On targets without compare-and-swap the atomics go through
//! `portable-atomic`'s `critical-section` implementation: each atomic operation is a short
//! critical section, the algorithm is unchanged.
//!
//! # Orderings
//!
//! | operation | ordering | partner |
//! | --- | --- | --- |
//! | a push commits its slot (or `close` its marker) | Release (`SeqCst` if the backend wakes) | the Acquire entry load of a pop: the item is written before it is read; of a push: it may move `tail` past it |
//! | compare-exchange moving `tail` on | AcqRel, Acquire on failure | the Acquire `tail` loads: every position before `tail` is seen committed, so a call that returned before another began is seen by it (one release sequence: every write to `tail` is a read-modify-write) |
//! | load of `head` | Relaxed | none: decisions on `head` alone; coherence places it after every pop that returned before this call began |
//! | compare-exchange on `head` | Relaxed (`SeqCst` if the backend wakes) | the eventcount contract only: the item is ordered by its entry, the slot by `USED` |
//! | load of `freed` (or of `freed_seen`) before reserving | Acquire | the Release increment of `freed` (or the Release exchange that moved the copy on, after its own Acquire load of `freed`): the `USED` flags cleared before those frees are seen by the probes |
//! | load of `head_seen`; exchange moving a copy on | Acquire; Release | each other: a push's later load of `head` (or `freed`) is at or after the value the copy holds, so a copy only moves forward |
//! | load and store of `skew` | Relaxed | none: a hint; any value names a slot to start from, and `USED` decides |
//! | load of `taken`; compare-exchange on `taken` | Acquire; Release | each other: a push that reads a count of reservations sees the frees the reserving pushes had seen, so a `freed` loaded after `taken` is not older than they were (`Full` stays exact) |
//! | `fetch_or(USED)` taking a slot | Acquire | the Release `fetch_and` freeing it: the previous item was moved out before the slot is written again |
//! | `fetch_add` on `freed` | Release (`SeqCst` if the backend wakes) | the loads of `freed` before reserving; the eventcount contract for pushers waiting for a slot |
//! | `close` sets `MARK` | `SeqCst` | the eventcount contract |
//! | loads in the re-check of a blocking call | `SeqCst` | the eventcount contract in `eventcount.rs` |
//!
//! # Tasks
//!
//! Python's `unfinished_tasks` without a counter on the push path: every committed item is a
//! task, so the position up to which items are committed counts the pushes, and `finished.done`,
//! a position moved on with `next` by each successful `task_done`, counts the finished ones. That
//! position is `tail`, or `head` when a pop took an item before its push moved `tail` past it
//! (`pushed`). A push returns only after `tail` has passed its item, so a `task_done` for an
//! item whose push returned always finds it.
//!
//! `task_done` refuses to move `done` past `pushed` (`TaskDoneError`) and advances `done` with a
//! `SeqCst` compare-exchange; the one that makes `done` equal the `pushed` it loaded notifies the
//! joiners' eventcount (`pushed` only grows, so no other can have finished the last task). `join`
//! re-checks with `SeqCst` loads: the eventcount contract of `eventcount.rs`, with the exchange as
//! the publication. Being read-modify-writes, the exchanges form one release sequence, so a
//! joiner that sees the last one also sees the work of every finished task.
//!
//! The count is a signed distance between two positions, whose values must differ by less than
//! `2^(usize::BITS - 1)`, so it holds about `2^(usize::BITS - 3)` unfinished tasks or more
//! (`SLOTS` items per lap, which spans `ONE_LAP <= 4 * SLOTS` values): 2^29 on a 32-bit target.
//! Past that it wraps negative, and `task_done` refuses while `join` returns. `PriorityQueue` and
//! `LifoQueue` count in a word of their own and saturate at 2^30 instead (`tasks.rs`).
//!
//! # ABA
//!
//! Positions wrap after `usize::MAX / ONE_LAP` laps, and entries store the lap. A call that
//! stalls between loading a position or an entry and its compare-exchange for that many laps
//! could mistake one for the other; on a 32-bit target with `N = 1` and `SPARE = 7` that is
//! 2^27 laps of 8 positions during one stall. The counts `taken` and `freed` and the copies
//! wrap after 2^32 reservations on 32-bit targets: a push stalled for exactly that many between
//! loading one and its compare-exchange could reserve once too often or move a copy back, and
//! a push could then probe for a slot until one is freed (each slot still goes to one push only:
//! `USED` is taken with a read-modify-write).
//!
//! # References
//!
//! Maged Michael and Michael Scott, *Simple, Fast, and Practical Non-Blocking and Blocking
//! Concurrent Queue Algorithms* (PODC 1996): the committed prefix, the lagging `tail` that every
//! caller helps along. Philippas Tsigas and Yi Zhang, *A Simple, Fast and Scalable Non-Blocking
//! Concurrent FIFO Queue for Shared Memory Multiprocessor Systems* (SPAA 2001): the same on an
//! array. Maurice Herlihy and Jeannette Wing, *Linearizability* (TOPLAS 1990). Ruslan Nikolaev,
//! *A Scalable, Portable, and Memory-Efficient Lock-Free FIFO Queue* (DISC 2019): items kept
//! apart from the ring of their indices. Dmitry Vyukov's bounded MPMC queue, which this replaces,
//! and heapless issue #583, for why a pop or push must not depend on an unfinished one.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use super::blocking::{self, Attempts};
use super::eventcount::{EventCount, check_ordering, strong_publish_ordering};
use super::pad::{CACHED_INDICES, CachePadded, SharedCopy};
use super::storage::Storage;
use super::{Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError};
use crate::primitive::{AtomicUsize, Ordering, const_fn};
use crate::wait::{Deadline, Forever, Limit, Wait, WaitTimeout};

/// A slot word's "slot held" flag; see the module docs.
const USED: usize = 1;

/// What pushes write: `tail`, the slot reservations, where their searches start (`skew`), and
/// their copies of what pops write. No
/// pop writes this line, and a push reads the pops' line only when its copies say "no room".
struct PushSide {
    /// At or before the vacancy, plus `MARK` once the queue is closed.
    tail: AtomicUsize,
    /// Slot reservations ever made (wrapping); `taken - freed` slots are held or promised.
    taken: AtomicUsize,
    /// A past value of `head` (the real one is at or after it): room by it is room. Zero bytes
    /// on microcontrollers, which do not use it.
    head_seen: SharedCopy,
    /// A past value of `freed` (the real one is at or after it): a free slot by it is one.
    freed_seen: SharedCopy,
    /// Added to a reservation's number to name the slot its search starts at: the held slots
    /// the searches have stepped over so far (see `take_slot`). Only a hint. Zero bytes on
    /// microcontrollers, which do not use it.
    skew: SharedCopy,
}

/// What pops write: `head` and the count of freed slots. No push writes this line, except one
/// that gives its slot back (module docs, "Who writes which line").
struct PopSide {
    /// The position of the oldest item (module docs, "Positions").
    head: AtomicUsize,
    /// Slots freed ever (wrapping), each after its `USED` was cleared.
    freed: AtomicUsize,
}

/// The two eventcounts: written only by a caller about to sleep and by whoever wakes it, so on
/// the fast path every push and pop finds this line in its cache.
struct Signals {
    /// Poppers sleep here while the queue is empty. Every publication is a read-modify-write,
    /// so the waiters need no asymmetric fence (`strong_publish_ordering`).
    not_empty: EventCount<false>,
    /// Pushers sleep here while the queue is full.
    not_full: EventCount<false>,
}

/// The finished-task count and the joiners' eventcount; see the module docs, "Tasks".
struct Finished {
    /// A position, like `head` and `tail`: moved on with `next` by every successful
    /// `task_done`, and never past `pushed`. The distance from it to `pushed` is the number of
    /// unfinished tasks.
    done: AtomicUsize,
    /// Joiners sleep here while tasks are unfinished.
    joiners: EventCount<false>,
}

/// A bounded, linearizable, lock-free FIFO queue for any number of producers and consumers,
/// holding exactly `N` items.
///
/// # Guarantees
///
/// - **Linearizable.** Every call takes effect at one instant between its call and its return,
///   as if the calls ran one at a time in that order. In particular `try_pop` answers
///   [`Empty`](TryPopError::Empty) only if at some instant during the call no item was queued
///   (an item whose push returned before the call began is always found), and `try_push`
///   answers [`Full`](TryPushError::Full) only if at some instant during the call `N` items
///   were queued, under the storage condition below.
/// - **Lock-free** on targets with compare-and-swap: no call ever waits for another. A context
///   preempted or interrupted anywhere inside a call stops nobody, so `try_push` and `try_pop`
///   may be called from interrupt handlers. The blocking verbs sleep through the backend `W`;
///   when nobody sleeps, a push or pop pays no wake call.
/// - **Storage condition.** A push owns a slot while it writes its item, before the item is
///   queued; a pop owns one after its item left the queue, until it has moved it out. So the
///   queue keeps `SPARE` slots (default 7) beyond `N`, and `try_push` can answer `Full` with
///   fewer than `N` items queued only when more than `SPARE` other calls hold a slot at that
///   instant. With at most `SPARE + 1` contexts (threads and interrupt handlers) using the
///   queue at once that cannot happen, and `Full` is exact. The aliases (`MpmcQueue<T, N>`) use
///   the default; name `baresync::generic::MpmcQueue<T, N, W, SPARE>` for another.
///
/// As in Python's `queue.Queue`, every successful push adds an unfinished task;
/// [`task_done`](Self::task_done) marks one finished and [`join`](Self::join) waits until none is
/// left. The count holds about `2^(usize::BITS - 3)` unfinished tasks (2^29 on 32-bit targets);
/// past that, with items pushed and never marked done, it wraps, and `join` may return early.
///
/// # Cost
///
/// Those guarantees take four read-modify-writes per push and three per pop, where a queue that
/// lets a preempted call stall others (crossbeam's `ArrayQueue`, heapless's `mpmc::Queue`) takes
/// one each. Even on one thread a push and a pop took 2.2 to 2.5 times as long as
/// `ArrayQueue`'s, and on a host with more than one core the gap widens: a push and a pop that
/// run on different cores meet with locked instructions on the lines of the slots they share.
/// Measured on two cores with 2 and 4 producers and as many consumers (`BENCHMARKS.md`, runs of
/// December 2026), `try_` verbs ran at 0.1 to 0.4 times `ArrayQueue` and the blocking verbs at
/// 0.2 to 0.5 times `crossbeam_channel`. Pick this queue for what it guarantees (interrupt
/// handlers and preempted contexts that stall nobody, a `Full` and an `Empty` one can act on);
/// for one producer and one consumer, [`SpscQueue`](crate::generic::SpscQueue) is wait-free and
/// ran about ten times as fast with blocking verbs in the same report.
///
/// `N == 0` and `SPARE == 0` are rejected at compile time.
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
///
/// More spare slots, for more contexts at once (generic form, any backend):
///
/// ```
/// use baresync::{generic, wait::Spin};
///
/// static WIDE: generic::MpmcQueue<u64, 4, Spin, 15> = generic::MpmcQueue::new();
/// WIDE.try_push(1).unwrap();
/// assert_eq!(WIDE.capacity(), 4);
/// ```
pub struct MpmcQueue<T, const N: usize, W, const SPARE: usize = 7> {
    /// `tail` and the reservations: written by pushes only.
    push: CachePadded<PushSide>,
    /// `head` and the freed count: written by pops only.
    pop: CachePadded<PopSide>,
    signals: CachePadded<Signals>,
    /// Task counting: written by `task_done` only, never by a push (module docs, "Tasks").
    finished: CachePadded<Finished>,
    /// Slot words (held flag and ring entry) and items; see the module docs.
    slots: Storage<T, N, SPARE>,
    backend: PhantomData<fn() -> W>,
}

// SAFETY: items move between the contexts that push and pop them, so `T: Send` is required and
// enough (no `&T` is shared). Each slot is written by the one push whose `fetch_or` set its
// `USED` flag and read by the one pop whose compare-exchange moved `head` past its entry
// (module docs).
unsafe impl<T: Send, const N: usize, W, const SPARE: usize> Sync for MpmcQueue<T, N, W, SPARE> {}

/// A position's entry, as read for that position (module docs, "Slot words").
enum Entry {
    /// Nothing committed at the position yet.
    Vacant,
    /// The position holds the item in this slot.
    Item(usize),
    /// The closed marker.
    Closed,
    /// The entry has moved on past the position: whoever named it looked at a stale index.
    Behind,
}

/// A push half done: its item is in `slot`, which this caller holds, and `tail` was the vacancy
/// (with room) when last looked at.
struct Stored {
    slot: usize,
    tail: usize,
}

/// Proof that this caller took the item in `slot` and must move it out and free the slot.
struct PopClaim {
    slot: usize,
}

/// The refusal `why`, with the item handed back.
fn refused<T>(why: TryPushError<()>, item: T) -> TryPushError<T> {
    match why {
        TryPushError::Full(()) => TryPushError::Full(item),
        TryPushError::Closed(()) => TryPushError::Closed(item),
    }
}

impl<T, const N: usize, W, const SPARE: usize> MpmcQueue<T, N, W, SPARE> {
    /// Slots, and entries of the ring.
    const SLOTS: usize = Storage::<T, N, SPARE>::LEN;
    /// The slot number of the closed marker.
    const CLOSED: usize = Self::SLOTS;
    /// The closed mark in `tail`: a power of two above every index and slot number.
    const MARK: usize = (Self::SLOTS + 1).next_power_of_two();
    /// One lap in positions and in the lap field of a slot word.
    const ONE_LAP: usize = 2 * Self::MARK;

    const_fn! {
        /// Creates an empty, open queue.
        ///
        /// # Panics
        ///
        /// Never at run time: `N == 0`, `SPARE == 0` (or an absurdly large `N + SPARE`) is a
        /// compile-time error.
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
                assert!(SPARE > 0, "MpmcQueue needs at least one spare slot");
                assert!(
                    N <= 1 << (usize::BITS - 8) && SPARE <= 1 << (usize::BITS - 8),
                    "MpmcQueue capacity N (or SPARE) is too large"
                );
            }
            Self {
                push: CachePadded(PushSide {
                    tail: AtomicUsize::new(0),
                    taken: AtomicUsize::new(0),
                    head_seen: SharedCopy::new(0),
                    freed_seen: SharedCopy::new(0),
                    skew: SharedCopy::new(0),
                }),
                pop: CachePadded(PopSide {
                    head: AtomicUsize::new(0),
                    freed: AtomicUsize::new(0),
                }),
                signals: CachePadded(Signals {
                    not_empty: EventCount::new(),
                    not_full: EventCount::new(),
                }),
                finished: CachePadded(Finished {
                    done: AtomicUsize::new(0),
                    joiners: EventCount::new(),
                }),
                slots: Storage::new(),
                backend: PhantomData,
            }
        }
    }

    /// The entry of a position.
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
        if Self::index(pos) + 1 < Self::SLOTS {
            pos + 1
        } else {
            Self::lap(pos).wrapping_add(Self::ONE_LAP)
        }
    }

    /// The signed number of positions from `from` to `to` (neither carrying `MARK`). Callers
    /// clamp it where two separately loaded positions may straddle a move of either.
    fn distance(from: usize, to: usize) -> isize {
        let laps = (Self::lap(to).wrapping_sub(Self::lap(from)) as isize) / Self::ONE_LAP as isize;
        laps.wrapping_mul(Self::SLOTS as isize)
            .wrapping_add(Self::index(to) as isize)
            .wrapping_sub(Self::index(from) as isize)
    }

    /// What slot word `word` says about position `pos` (module docs, "Slot words").
    #[inline]
    fn entry(word: usize, pos: usize) -> Entry {
        let lap = Self::lap(pos);
        let stored = word & !(Self::ONE_LAP - 1);
        if stored == lap {
            Entry::Vacant
        } else if stored == lap.wrapping_add(Self::ONE_LAP) {
            match (word >> 1) & (Self::MARK - 1) {
                slot if slot == Self::CLOSED => Entry::Closed,
                slot => Entry::Item(slot),
            }
        } else {
            Entry::Behind
        }
    }

    /// The entry of position `pos`, loaded with `order`.
    #[inline]
    fn entry_at(&self, pos: usize, order: Ordering) -> Entry {
        // SAFETY: positions come from `next` (or are 0), which keeps their index below `SLOTS`.
        let word = unsafe { self.slots.word(Self::index(pos)) };
        Self::entry(word.load(order), pos)
    }

    /// The number of items queued (a snapshot). Non-blocking; interrupt-safe.
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
        // clamp hides the rest of the race (and a `tail` not yet moved past a popped item).
        let head = self.pop.head.load(Ordering::Relaxed);
        let tail = self.push.tail.load(Ordering::Relaxed) & !Self::MARK;
        Self::distance(head, tail).clamp(0, N as isize) as usize
    }

    /// Whether the queue has been closed: `true` from the instant [`close`](Self::close) takes
    /// effect, when pushes start to answer `Closed`. Non-blocking and lock-free; interrupt-safe.
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
        // Acquire: pairs with the marker's commit and with `close`'s `fetch_or` of `MARK`, so
        // what the closing context wrote before closing is seen once this returns `true`.
        self.open_end(Ordering::Acquire).is_none()
    }

    /// The position up to which items have been pushed: `tail`, or `head` if a pop took an item
    /// before its push moved `tail` past it (module docs, "Tasks").
    fn pushed(&self, order: Ordering) -> usize {
        let head = self.pop.head.load(order);
        let tail = self.push.tail.load(order) & !Self::MARK;
        if Self::distance(head, tail) < 0 {
            head
        } else {
            tail
        }
    }

    /// The number of unfinished tasks (a snapshot).
    fn unfinished(&self) -> usize {
        let done = self.finished.done.load(Ordering::Relaxed);
        Self::distance(done, self.pushed(Ordering::Relaxed)).max(0) as usize
    }

    /// Moves `tail` past `tail`, whose entry was seen committed (helping the push that committed
    /// it); returns the `tail` to look at next.
    #[inline]
    fn advance_tail(&self, tail: usize, load: Ordering) -> usize {
        let next = Self::next(tail);
        // Release: publishes the commits before `next`, which this caller saw with Acquire, to the
        // Acquire loads of `tail`. Acquire (or the caller's ordering) on failure: the value read
        // is used as a load of `tail`.
        match self
            .push
            .tail
            .compare_exchange(tail, next, Ordering::AcqRel, load)
        {
            Ok(_) => next,
            Err(now) => now,
        }
    }

    /// The vacancy, found by walking from `tail` over committed positions (moving `tail` past
    /// them); `None` if the queue is closed: the walk met the marker, or `MARK` is set. Never
    /// waits. `load` orders the loads of `tail` and of the entries.
    ///
    /// The one walk to the end of the committed prefix: pushes, `close` and `is_closed` use it,
    /// so they agree on when the queue closed (the commit of the marker, not the later `MARK`).
    fn open_end(&self, load: Ordering) -> Option<usize> {
        let mut tail = self.push.tail.load(load);
        loop {
            if tail & Self::MARK != 0 {
                return None;
            }
            match self.entry_at(tail, load) {
                Entry::Vacant => return Some(tail),
                Entry::Item(_) => tail = self.advance_tail(tail, load),
                Entry::Closed => return None,
                Entry::Behind => tail = self.push.tail.load(load),
            }
        }
    }

    /// Finds the vacancy, at an instant when the queue is open and holds fewer than `N` items;
    /// or says why there is none. Never waits.
    fn vacancy(&self, recheck: bool) -> Result<usize, TryPushError<()>> {
        // Acquire: pairs with the Release of whoever moved `tail` here, so every position before
        // it is seen committed; and a committed entry seen here is passed on when helping.
        let Some(tail) = self.open_end(check_ordering(recheck, Ordering::Acquire)) else {
            return Err(TryPushError::Closed(()));
        };
        // `head_seen` is a past `head`, and `head` only grows: room by it is room now. Acquire:
        // pairs with the Release exchange below, so the `head` loaded next is at or after the one
        // the copy was taken from (the copy only grows). A re-check reads `head` itself
        // (eventcount contract). (Microcontrollers, `!CACHED_INDICES`, load `head` itself: no
        // cache to spare.)
        let seen = if CACHED_INDICES {
            self.push.head_seen.load(Ordering::Acquire)
        } else {
            0
        };
        if CACHED_INDICES && !recheck && Self::distance(seen, tail) < N as isize {
            return Ok(tail);
        }
        // Relaxed: decided on `head` alone (module docs, "Orderings").
        let head = self
            .pop
            .head
            .load(check_ordering(recheck, Ordering::Relaxed));
        // Release: see the Acquire load above. A failure means another push moved the copy on
        // since we loaded it. (Skipped when nothing changed: a push refused for `Full` in a loop
        // would otherwise write the line each time.)
        if CACHED_INDICES && head != seen {
            let _ = self.push.head_seen.compare_exchange(
                seen,
                head,
                Ordering::Release,
                Ordering::Relaxed,
            );
        }
        if Self::distance(head, tail) >= N as isize {
            Err(TryPushError::Full(()))
        } else {
            Ok(tail)
        }
    }

    /// Takes a free slot, searching from the slot of its reservation moved on by `skew` on
    /// hosts, from `near` (the vacancy's index) on microcontrollers; `None` when every slot is
    /// held or promised (module docs, "Slot words": `taken - freed`). Never waits.
    fn take_slot(&self, near: usize, recheck: bool) -> Option<usize> {
        let side = &self.push;
        // Acquire: pairs with the Release reservation below, so a push that reads a count of
        // reservations also sees the frees that the pushes which made them had seen (otherwise
        // `taken` could be newer than the `freed` loaded after it, and "unchanged" below would
        // refuse while a slot is free: `spin_full_is_exact_while_one_other_context_holds_a_slot`
        // in tests/loom_mpmc.rs).
        let load = check_ordering(recheck, Ordering::Acquire);
        // Acquire: pairs with the Release exchange below, which passes on what its Acquire load
        // of `freed` saw: the `USED` flags cleared before those frees are seen by the probes.
        // (Microcontrollers, `!CACHED_INDICES`, load `freed` itself: no cache to spare.)
        let mut seen = if CACHED_INDICES {
            side.freed_seen.load(Ordering::Acquire)
        } else {
            0
        };
        // A re-check reads `freed` itself (the eventcount contract of pushers waiting for a
        // slot). Acquire: as below.
        let mut freed = if recheck || !CACHED_INDICES {
            self.pop
                .freed
                .load(check_ordering(recheck, Ordering::Acquire))
        } else {
            seen
        };
        // Loaded after `freed`, which the take of every slot it counts happened-before: so
        // `taken - freed` does not underflow.
        let mut taken = side.taken.load(load);
        loop {
            if taken.wrapping_sub(freed) >= Self::SLOTS {
                // No slot by a `freed` that may be past: load it again. Unchanged, it holds every
                // free that the reservations counted in `taken` were made after (the Acquire
                // loads of `taken`), so by these counts every slot is held or promised.
                // Acquire: pairs with the Release increment in `release_slot`: the `USED` flag
                // it cleared is seen by the probes.
                let now = self
                    .pop
                    .freed
                    .load(check_ordering(recheck, Ordering::Acquire));
                if now == freed {
                    return None;
                }
                // Release: see the Acquire load of the copy. A failure means another push moved
                // the copy on first.
                if CACHED_INDICES
                    && side
                        .freed_seen
                        .compare_exchange(seen, now, Ordering::Release, Ordering::Relaxed)
                        .is_ok()
                {
                    seen = now;
                }
                freed = now;
                taken = side.taken.load(load);
                continue;
            }
            // Release: passes on the frees this push saw (see the Acquire loads of `taken`);
            // what its probes must see comes with the loads of `freed` or of its copy.
            match side.taken.compare_exchange_weak(
                taken,
                taken.wrapping_add(1),
                Ordering::Release,
                load,
            ) {
                Ok(_) => break,
                Err(now) => taken = now,
            }
        }
        // A slot without `USED` is promised to us; a probe misses it only when another push
        // that reserved took that slot first, or when the slot is still held.
        //
        // Where to start, on hosts: at the slot of our reservation's number, moved on by the
        // held slots earlier searches stepped over (`skew`). Pops free slots in about the order
        // they were reserved, so that slot was last taken `SLOTS` reservations ago, by an item
        // older than any still queued: the first probe nearly always finds it free, and pushes
        // reserving at once start apart. A search that steps over held slots (one held long,
        // by a stalled call) adds them to `skew`, or every later search would start on the
        // slot the search before it took, held by a queued item. Starting at the vacancy's
        // index instead, as microcontrollers do (one core, where pushes race only by
        // preemption, and no division to pay), lets two pushes racing for one vacancy shift
        // the slots against the entries for good: 0.37 failed probes per push in the 2p2c
        // benchmark, against under 0.001 (`perf/history.md`).
        let skew = if CACHED_INDICES {
            // Relaxed: a hint; any start finds a slot.
            side.skew.load(Ordering::Relaxed)
        } else {
            0
        };
        let start = if CACHED_INDICES {
            taken.wrapping_add(skew) % Self::SLOTS
        } else {
            near
        };
        let mut slot = start;
        loop {
            // SAFETY: `slot` is below `SLOTS` (so is `near`, a position's index), and the probe
            // wraps below `SLOTS`.
            let word = unsafe { self.slots.word(slot) };
            // Acquire: pairs with the Release `fetch_and` in `release_slot`: the item that was
            // in the slot was moved out before we write it. (The load only skips held slots.)
            if word.load(Ordering::Relaxed) & USED == 0
                && word.fetch_or(USED, Ordering::Acquire) & USED == 0
            {
                if CACHED_INDICES && slot != start {
                    let stepped = if slot > start {
                        slot - start
                    } else {
                        slot + Self::SLOTS - start
                    };
                    // Relaxed: a hint. A plain store: two searches that stepped over the same
                    // slots at once count them once, and one that loaded `skew` long ago may
                    // even move it back; the next search then steps over those slots and puts
                    // it right, a few misses once. (`taken + skew` wrapping at `usize::MAX`,
                    // not a multiple of `S`, moves the starts once in the same way.)
                    side.skew
                        .store(skew.wrapping_add(stepped), Ordering::Relaxed);
                }
                return Some(slot);
            }
            #[cfg(test)]
            tests::MISSED_PROBES.with(|n| n.set(n.get() + 1));
            slot = if slot + 1 == Self::SLOTS { 0 } else { slot + 1 };
        }
    }

    /// Commits `slot` (or `CLOSED`) at position `tail` if it is still vacant.
    fn commit(&self, tail: usize, slot: usize) -> bool
    where
        W: Wait,
    {
        // SAFETY: positions come from `next` (or are 0), which keeps their index below `SLOTS`.
        let word = unsafe { self.slots.word(Self::index(tail)) };
        let committed = Self::lap(tail).wrapping_add(Self::ONE_LAP) | slot << 1;
        // Relaxed: only the expected value of the compare-exchange, which checks it.
        let mut current = word.load(Ordering::Relaxed);
        while let Entry::Vacant = Self::entry(current, tail) {
            // Release: pairs with the Acquire entry loads: the item was written before it is read,
            // and the commits before `tail` are passed on. SeqCst when a sleeping popper may need
            // waking (eventcount contract; free for a read-modify-write: `strong_publish_ordering`).
            // `USED` belongs to the slot, not the entry: it is carried over.
            match word.compare_exchange_weak(
                current,
                committed | current & USED,
                strong_publish_ordering::<W>(),
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => current = now,
            }
        }
        false
    }
}

queue_accessors!(MpmcQueue, [], [], const SPARE);

impl<T, const N: usize, W: Wait, const SPARE: usize> MpmcQueue<T, N, W, SPARE> {
    /// Frees `slot` after its item was moved out. The caller then notifies `not_full`.
    #[inline]
    fn release_slot(&self, slot: usize) {
        // Release: the item was moved out before the next push writes the slot (pairs with the
        // Acquire `fetch_or` in `take_slot`).
        // SAFETY: `slot` came from `take_slot` or a committed entry: below `SLOTS`.
        unsafe { self.slots.word(slot) }.fetch_and(!USED, Ordering::Release);
        // Release: pairs with the Acquire loads of `freed` in `take_slot`. SeqCst when a pusher
        // may sleep for want of a slot (eventcount contract).
        self.pop.freed.fetch_add(1, strong_publish_ordering::<W>());
    }

    /// The first half of a push: checks for room, takes a slot and writes `item` into it. The
    /// item is not queued yet.
    #[inline]
    fn store(&self, item: T, recheck: bool) -> Result<Stored, TryPushError<T>> {
        let tail = match self.vacancy(recheck) {
            Ok(tail) => tail,
            Err(why) => return Err(refused(why, item)),
        };
        let Some(slot) = self.take_slot(Self::index(tail), recheck) else {
            // Every slot is held: the queue filled or closed since, or more than `SPARE` other
            // calls hold a slot (module docs, "Linearizability"). Answer what it is now.
            let why = self
                .vacancy(recheck)
                .err()
                .unwrap_or(TryPushError::Full(()));
            return Err(refused(why, item));
        };
        // SAFETY: `take_slot` returns a slot below `SLOTS` and set its `USED` for this caller
        // alone, after the previous item's pop had moved it out (Acquire); nobody reads the slot
        // before it is committed.
        unsafe { self.slots.write(slot, item) };
        Ok(Stored { slot, tail })
    }

    /// The second half of a push: commits the stored item at the vacancy; the item comes back
    /// if the queue filled or closed meanwhile.
    #[inline]
    fn enqueue(&self, stored: Stored, recheck: bool) -> Result<(), TryPushError<T>> {
        let Stored { slot, mut tail } = stored;
        loop {
            if self.commit(tail, slot) {
                self.advance_tail(tail, Ordering::Relaxed);
                self.signals.not_empty.notify::<W>();
                return Ok(());
            }
            match self.vacancy(recheck) {
                Ok(vacancy) => tail = vacancy,
                Err(why) => {
                    // SAFETY: the slot (below `SLOTS`) is still ours, never committed; its item
                    // was written by us.
                    let item = unsafe { self.slots.read(slot) };
                    self.release_slot(slot);
                    self.signals.not_full.notify::<W>();
                    return Err(refused(why, item));
                }
            }
        }
    }

    /// Takes the item at `head` by moving `head` on, or says why there is none. Never waits.
    fn claim_pop(&self, recheck: bool) -> Result<PopClaim, TryPopError> {
        // Relaxed: decided on `head` alone; the item is ordered by its entry.
        let load_head = check_ordering(recheck, Ordering::Relaxed);
        // Acquire: pairs with the Release of the commit: the item was written before we read it.
        let load_entry = check_ordering(recheck, Ordering::Acquire);
        let mut head = self.pop.head.load(load_head);
        loop {
            match self.entry_at(head, load_entry) {
                Entry::Item(slot) => {
                    // SeqCst when a sleeping pusher may need waking (eventcount contract); the
                    // data needs nothing (module docs).
                    match self.pop.head.compare_exchange_weak(
                        head,
                        Self::next(head),
                        strong_publish_ordering::<W>(),
                        load_head,
                    ) {
                        Ok(_) => return Ok(PopClaim { slot }),
                        Err(now) => head = now,
                    }
                }
                // `head` cannot pass the vacancy, so this is it: nothing is queued.
                Entry::Vacant => return Err(TryPopError::Empty),
                Entry::Closed => return Err(TryPopError::Closed),
                Entry::Behind => head = self.pop.head.load(load_head),
            }
        }
    }

    /// The second half of a pop: moves the claimed item out and frees its slot.
    #[inline]
    fn take(&self, claim: PopClaim) -> T {
        // SAFETY: the slot number came from a committed entry, so it is below `SLOTS` (a push's
        // slot, not `CLOSED`); the compare-exchange in `claim_pop` moved `head` past the item's
        // position for this caller alone; the entry's Acquire load ordered the item's write before
        // this read, and no push writes the slot before `release_slot` clears `USED`.
        let item = unsafe { self.slots.read(claim.slot) };
        self.release_slot(claim.slot);
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
    /// [`TryPushError::Full`] with the item when `N` items were queued at some instant during the
    /// call (or, beyond the storage condition on the type, when more than `SPARE` other calls held
    /// a slot); [`TryPushError::Closed`] with the item when the queue is closed, whether full or
    /// not.
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

    /// Pops the oldest item, without blocking.
    ///
    /// Lock-free and never waits for another context: may be called from an interrupt handler
    /// (with the same note on `wake_all` as [`try_push`](Self::try_push)).
    ///
    /// # Errors
    ///
    /// [`TryPopError::Empty`] when no item was queued at some instant during the call (a push
    /// still in progress has not taken effect); [`TryPopError::Closed`] when the queue is closed
    /// and drained.
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
        blocking::push_until::<W, _, _, false>(self, item, &Forever)
            .map_err(|e| Closed(e.into_inner()))
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
        blocking::pop_until::<W, _, _, false>(self, &Forever).map_err(|_| Closed(()))
    }

    /// Closes the queue: later pushes fail and hand their item back, queued items can still be
    /// popped, and every blocked caller wakes.
    ///
    /// Takes effect at one instant (the commit of a marker after the last queued item): pushes
    /// that took effect before are popped before `pop` reports `Closed`, and every push after
    /// fails. Non-blocking and lock-free; from an interrupt handler it needs the backend's
    /// `wake_all` to be callable there.
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
        // SeqCst loads: `close` is rare, and this keeps it simple; the marker's commit is the
        // publication of the eventcount contract for poppers, and `MARK` for pushers.
        while let Some(tail) = self.open_end(Ordering::SeqCst) {
            // At most `N` items are queued, so `tail - head <= N < SLOTS`: the entry is free to
            // reuse (module docs). On failure a push committed here: look again.
            if self.commit(tail, Self::CLOSED) {
                break;
            }
        }
        // SeqCst: the publication of the eventcount contract (blocked pushers re-check `tail`).
        self.push.tail.fetch_or(Self::MARK, Ordering::SeqCst);
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
        // order of `done` and `pushed`).
        let mut done = self.finished.done.load(Ordering::SeqCst);
        loop {
            let pushed = self.pushed(Ordering::SeqCst);
            if Self::distance(done, pushed) <= 0 {
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
                    // `pushed` only grows: if `next` is not the one we saw, tasks remain.
                    if next == pushed {
                        self.finished.joiners.notify::<W>();
                    }
                    return Ok(());
                }
                Err(now) => done = now,
            }
        }
    }

    /// Whether no task is unfinished: true at the moment `pushed` is loaded.
    ///
    /// `done` is loaded first and only grows, and never passes `pushed`: if the two agree, `done`
    /// equalled `pushed` when that was loaded. SeqCst: the re-check of the eventcount contract;
    /// as an Acquire it also makes the work of every finished task visible (the `task_done`
    /// exchanges form one release sequence).
    #[inline]
    fn all_done(&self) -> bool {
        let done = self.finished.done.load(Ordering::SeqCst);
        Self::distance(done, self.pushed(Ordering::SeqCst)) <= 0
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

impl<T, const N: usize, W: Wait, const SPARE: usize> Attempts<false> for MpmcQueue<T, N, W, SPARE> {
    type Item = T;

    #[inline]
    fn push_attempt(&self, item: T, recheck: bool) -> Result<(), TryPushError<T>> {
        let stored = self.store(item, recheck)?;
        self.enqueue(stored, recheck)
    }

    #[inline]
    fn pop_attempt(&self, recheck: bool) -> Result<T, TryPopError> {
        self.claim_pop(recheck).map(|claim| self.take(claim))
    }

    #[inline]
    fn not_full(&self) -> &EventCount<false> {
        &self.signals.not_full
    }

    #[inline]
    fn not_empty(&self) -> &EventCount<false> {
        &self.signals.not_empty
    }
}

impl<T, const N: usize, W: WaitTimeout, const SPARE: usize> MpmcQueue<T, N, W, SPARE> {
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
        blocking::push_until::<W, _, _, false>(self, item, &Deadline::<W::Clock>::after(timeout))
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
        blocking::pop_until::<W, _, _, false>(self, &Deadline::<W::Clock>::after(timeout))
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

impl<T, const N: usize, W, const SPARE: usize> Drop for MpmcQueue<T, N, W, SPARE> {
    fn drop(&mut self) {
        // SAFETY: with `&mut self` no call is in flight, and none can stop between taking a slot
        // and committing or freeing it (no user code runs there), so a slot is held exactly when
        // it holds a queued item; at most `N` are queued.
        unsafe { self.slots.drop_items(|word| word & USED != 0) };
    }
}

impl<T, const N: usize, W, const SPARE: usize> Default for MpmcQueue<T, N, W, SPARE> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize, W, const SPARE: usize> fmt::Debug for MpmcQueue<T, N, W, SPARE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MpmcQueue")
            .field("len", &self.len())
            .field("capacity", &N)
            .field("spare", &SPARE)
            .field("closed", &self.is_closed())
            .field("unfinished_tasks", &self.unfinished())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    //! Calls stopped mid-flight, simulated with the queue's own halves: a push between `store`
    //! and `enqueue` (its item written, not queued), a pop between `claim_pop` and `take` (its
    //! item taken from the queue, still in its slot).

    use super::*;
    use crate::wait::Spin;

    type Q<const N: usize, const SPARE: usize = 7> = MpmcQueue<u32, N, Spin, SPARE>;

    std::thread_local! {
        /// Probes of `take_slot` on this thread that found the slot held.
        pub(super) static MISSED_PROBES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    #[test]
    fn layout_constants() {
        assert_eq!(
            (Q::<1, 1>::SLOTS, Q::<1, 1>::MARK, Q::<1, 1>::ONE_LAP),
            (2, 4, 8)
        );
        assert_eq!((Q::<1>::SLOTS, Q::<1>::MARK, Q::<1>::ONE_LAP), (8, 16, 32));
        assert_eq!((Q::<1000>::MARK, Q::<1000>::ONE_LAP), (1024, 2048));
        assert_eq!(Q::<2, 1>::next(2), 8, "index wraps into the next lap");
        assert_eq!(
            Q::<2, 1>::next(usize::MAX & !7 | 2),
            0,
            "laps wrap at usize::MAX"
        );
        assert_eq!(Q::<2, 1>::distance(usize::MAX & !7 | 2, 1), 2);
    }

    #[test]
    fn size_is_four_cache_lines_and_the_slots() {
        // push side, pop side, signals, finished; then `N + SPARE` slots of a word and an
        // item; rounded up to the line (the struct's alignment).
        let line = core::mem::align_of::<CachePadded<u8>>();
        let size =
            |slots: usize| (4 * line + slots * (8 + size_of::<u64>())).next_multiple_of(line);
        assert_eq!(size_of::<MpmcQueue<u64, 1, Spin>>(), size(1 + 7));
        assert_eq!(size_of::<MpmcQueue<u64, 16, Spin>>(), size(16 + 7));
        assert_eq!(size_of::<MpmcQueue<u64, 1024, Spin>>(), size(1024 + 7));
        assert_eq!(size_of::<MpmcQueue<u64, 1, Spin, 1>>(), size(2));
    }

    #[test]
    fn pushes_read_the_pop_line_only_when_their_copies_say_no_room() {
        let q = Q::<2, 1>::new();
        q.try_push(1).unwrap();
        q.try_push(2).unwrap();
        assert_eq!(
            q.try_push(3),
            Err(TryPushError::Full(3)),
            "full by the real head too"
        );
        assert_eq!(q.push.head_seen.load(Ordering::Relaxed), 0);
        assert_eq!(q.try_pop(), Ok(1));
        // The copy still says full: the push must load `head` and move the copy on.
        q.try_push(3).unwrap();
        assert_eq!(q.push.head_seen.load(Ordering::Relaxed), 1);
        assert_eq!(q.try_push(4), Err(TryPushError::Full(4)));
        // Three slots (N + SPARE), three taken, one freed: the slot copy is refreshed when a
        // push finds every slot held by it.
        assert_eq!(q.push.taken.load(Ordering::Relaxed), 3);
        assert_eq!(q.pop.freed.load(Ordering::Relaxed), 1);
        assert_eq!(q.try_pop(), Ok(2));
        assert_eq!(q.try_pop(), Ok(3));
        q.try_push(4).unwrap();
        q.try_push(5).unwrap();
        assert_eq!(q.push.freed_seen.load(Ordering::Relaxed), 3);
        assert_eq!((q.try_pop(), q.try_pop()), (Ok(4), Ok(5)));
    }

    #[test]
    fn a_push_that_has_not_committed_is_not_in_the_queue() {
        let q = Q::<4, 1>::new();
        // A push writes its item, then is "preempted" before committing it.
        let stalled = q.store(1, false).unwrap();
        assert_eq!(
            q.try_pop(),
            Err(TryPopError::Empty),
            "nothing is queued yet"
        );
        // Later pushes take the positions it looked at, and are popped without waiting for it.
        q.try_push(2).unwrap();
        q.try_push(3).unwrap();
        assert_eq!(q.try_pop(), Ok(2));
        // Four items fit beside the stalled push's slot (five slots in all).
        q.try_push(4).unwrap();
        q.try_push(5).unwrap();
        q.try_push(6).unwrap();
        assert_eq!(q.try_push(7), Err(TryPushError::Full(7)), "4 items queued");
        assert_eq!(q.try_pop(), Ok(3));
        // The stalled push resumes and takes effect now, after the others.
        q.enqueue(stalled, false).unwrap();
        assert_eq!(q.try_push(8), Err(TryPushError::Full(8)));
        let rest: [_; 5] = core::array::from_fn(|_| q.try_pop());
        assert_eq!(rest, [Ok(4), Ok(5), Ok(6), Ok(1), Err(TryPopError::Empty)]);
    }

    #[test]
    fn a_stalled_push_does_not_make_later_pushes_probe_held_slots() {
        // A push stalls holding a slot while others stream through a half-full queue. Were the
        // search to start at the vacancy's index, every later push would find that slot's
        // successor held by the push before it (the slots shifted by one against the entries)
        // and pay a failed probe each; from the reservation's slot, only the lap that comes back
        // to the stalled push's slot misses.
        let q = Q::<16>::new();
        let stalled = q.store(0, false).unwrap();
        for i in 1..=8 {
            q.try_push(i).unwrap();
        }
        MISSED_PROBES.with(|n| n.set(0));
        let laps = 10;
        let last = 9 + (laps * Q::<16>::SLOTS) as u32;
        for i in 9..last {
            q.try_push(i).unwrap();
            assert_eq!(q.try_pop(), Ok(i - 8), "FIFO");
        }
        let missed = MISSED_PROBES.with(|n| n.get());
        // Hosts only: microcontrollers search from the vacancy (one core, no division). One
        // miss each time the starts come round to the held slot: every `SLOTS - 1` pushes, as
        // each miss moves `skew` on by one (10 here); searches from the vacancy missed 905.
        if CACHED_INDICES {
            assert!(
                missed <= 2 * laps,
                "{missed} probes missed over {laps} laps"
            );
        }
        q.enqueue(stalled, false).unwrap();
        for i in last - 8..last {
            assert_eq!(q.try_pop(), Ok(i));
        }
        assert_eq!((q.try_pop(), q.try_pop()), (Ok(0), Err(TryPopError::Empty)));
    }

    #[test]
    fn a_stalled_push_that_finds_the_queue_full_gives_its_item_back() {
        let q = Q::<1, 1>::new();
        let stalled = q.store(1, false).unwrap();
        q.try_push(2).unwrap();
        assert_eq!(q.enqueue(stalled, false), Err(TryPushError::Full(1)));
        let stalled = q.store(3, false);
        assert_eq!(stalled.err(), Some(TryPushError::Full(3)));
        assert_eq!(q.try_pop(), Ok(2));
        let stalled = q.store(4, false).unwrap();
        q.close();
        assert_eq!(q.enqueue(stalled, false), Err(TryPushError::Closed(4)));
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
    }

    #[test]
    fn a_pop_that_has_not_moved_its_item_out_does_not_block_pushes() {
        let q = Q::<2, 1>::new();
        q.try_push(1).unwrap();
        q.try_push(2).unwrap();
        // A pop takes the oldest item, then is "preempted" before moving it out.
        let stalled = q.claim_pop(false).unwrap();
        assert_eq!(q.len(), 1, "the item left the queue");
        // The ring wraps round past the stalled pop's slot: not Full until 2 are queued.
        for i in 3..10 {
            q.try_push(i).unwrap();
            assert_eq!(q.try_push(99), Err(TryPushError::Full(99)));
            assert_eq!(q.try_pop(), Ok(i - 1));
        }
        assert_eq!(q.take(stalled), 1);
        assert_eq!(q.try_pop(), Ok(9));
    }

    #[test]
    fn more_stalled_calls_than_spare_slots_make_full_inexact() {
        // The documented limit: two slots, one spare. A stalled push and a stalled pop hold both,
        // with nothing queued: a push can neither wait nor find room, and answers Full.
        let q = Q::<1, 1>::new();
        q.try_push(1).unwrap();
        let stalled_pop = q.claim_pop(false).unwrap();
        let stalled_push = q.store(2, false).unwrap();
        assert_eq!(q.len(), 0);
        assert_eq!(q.try_push(3), Err(TryPushError::Full(3)));
        // A pop is not affected.
        assert_eq!(q.try_pop(), Err(TryPopError::Empty));
        assert_eq!(q.take(stalled_pop), 1);
        q.enqueue(stalled_push, false).unwrap();
        assert_eq!(q.try_pop(), Ok(2));
        // One stalled call, one spare slot: Full is exact again.
        let stalled_pop = {
            q.try_push(4).unwrap();
            q.claim_pop(false).unwrap()
        };
        q.try_push(5).unwrap();
        assert_eq!(q.take(stalled_pop), 4);
    }

    #[test]
    fn is_closed_agrees_with_a_closed_answer_from_a_close_stopped_halfway() {
        // `close` stopped (preempted, or interrupted by a handler that uses the queue) between
        // its commit of the marker, where it takes effect, and setting `MARK`: pushes and pops
        // already answer `Closed`, so `is_closed` must say so too.
        let q = Q::<2, 1>::new();
        q.try_push(1).unwrap();
        let tail = q.push.tail.load(Ordering::Relaxed);
        assert!(q.commit(tail, Q::<2, 1>::CLOSED), "close's first step");
        assert!(q.is_closed(), "the marker is committed");
        assert_eq!(q.try_push(2), Err(TryPushError::Closed(2)));
        assert_eq!(q.try_pop(), Ok(1));
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
        assert!(q.is_closed(), "closed and drained");
        q.close();
        assert!(q.is_closed(), "the rest of close still runs");
    }

    #[test]
    fn is_closed_walks_past_a_lagging_tail() {
        // A push stopped between its commit and moving `tail` on: `is_closed` helps `tail` past
        // the committed item and finds the vacancy (open), and later the marker behind a tail
        // that lags again (closed).
        let q = Q::<2, 1>::new();
        let stored = q.store(1, false).unwrap();
        assert!(q.commit(stored.tail, stored.slot));
        assert_eq!(q.push.tail.load(Ordering::Relaxed), 0, "tail lags");
        assert!(!q.is_closed());
        assert_eq!(q.push.tail.load(Ordering::Relaxed), 1, "helped on");
        let stored = q.store(2, false).unwrap();
        assert!(q.commit(stored.tail, stored.slot));
        assert!(q.commit(Q::<2, 1>::next(stored.tail), Q::<2, 1>::CLOSED));
        assert!(
            q.is_closed(),
            "the marker, past an item that tail lags behind"
        );
        assert_eq!(q.try_pop(), Ok(1));
        assert_eq!(q.try_pop(), Ok(2));
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
    }

    #[test]
    fn close_commits_a_marker_after_the_last_item() {
        let q = Q::<2, 1>::new();
        q.try_push(1).unwrap();
        q.try_push(2).unwrap();
        // Closed and full: the marker takes the spare entry.
        q.close();
        q.close();
        assert!(q.is_closed());
        assert_eq!(q.try_push(3), Err(TryPushError::Closed(3)));
        assert_eq!(q.len(), 2);
        assert_eq!(q.try_pop(), Ok(1));
        assert_eq!(q.try_pop(), Ok(2));
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn tasks_count_committed_items() {
        let q = Q::<2, 1>::new();
        assert_eq!(q.task_done(), Err(TaskDoneError));
        for lap in 0..5 {
            q.try_push(lap).unwrap();
            assert_eq!(q.unfinished(), 1);
            assert_eq!(q.try_pop(), Ok(lap));
            q.task_done().unwrap();
            assert!(q.all_done());
            assert_eq!(q.task_done(), Err(TaskDoneError));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn blocking_pop_wakes_when_the_stalled_push_commits() {
        use crate::wait::Futex;
        let q = MpmcQueue::<u32, 2, Futex, 1>::new();
        let stalled = q.store(9, false).unwrap();
        std::thread::scope(|s| {
            let popper = s.spawn(|| q.pop());
            std::thread::sleep(Duration::from_millis(20)); // make "asleep" likely
            q.enqueue(stalled, false).unwrap();
            assert_eq!(popper.join().unwrap(), Ok(9));
        });
    }

    #[test]
    fn drop_releases_items_in_every_slot() {
        use std::rc::Rc;
        let marker = Rc::new(());
        {
            let q = MpmcQueue::<Rc<()>, 3, Spin, 2>::new();
            // Items end up in spare slots too: a stalled pop holds one while pushes go on.
            for _ in 0..7 {
                q.try_push(marker.clone()).unwrap();
                if q.is_full() {
                    let stalled = q.claim_pop(false).unwrap();
                    // Room again; the stalled pop keeps its slot, so this item takes another.
                    q.try_push(marker.clone()).unwrap();
                    drop(q.take(stalled));
                    drop(q.try_pop().unwrap());
                }
            }
            assert_eq!(Rc::strong_count(&marker), 1 + q.len());
        }
        assert_eq!(Rc::strong_count(&marker), 1);
    }
}
