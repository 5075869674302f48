//! `RwLock`: a writer-preferring reader-writer lock in two 32-bit words.
//!
//! # The state word
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0..29 (`COUNT`) | read guards, and read attempts in flight (below) |
//! | 29 (`WRITE_LOCKED`) | a writer holds the lock |
//! | 30 (`READERS_WAITING`) | readers may sleep on this word: whoever makes the lock readable clears the flag and wakes them all |
//! | 31 (`WRITERS_WAITING`) | a writer waits (polling or asleep): new readers stay out |
//!
//! A read is one locked increment and the unlock one locked decrement; a write is one
//! compare-exchange 0 → `WRITE_LOCKED` and the unlock one locked subtraction. A reader goes to
//! the slow path only when a writer holds the lock or waits for it, a writer whenever the lock
//! is held; an unlock only when a flag is set.
//!
//! **The optimistic read.** A reader increments the count first and looks at the value it
//! replaced: no writer bit and room for one more reader (`state & !READERS_WAITING <
//! MAX_READERS` is the whole test), and the read lock is taken. Otherwise it takes its
//! increment back with the reader's own unlock and waits in the slow path, which only
//! increments a readable word (a load, then a compare-exchange). For that instant the increment
//! counts as a read guard, and the protocol treats it as one: a writer cannot take a lock whose
//! count is not zero, and the decrement that takes it back is the last reader out, and wakes a
//! waiting writer, when it is. One read-modify-write where a compare-exchange needs a load
//! before it: with readers on two cores the line moves once per read lock instead of twice, and
//! readers never fail against each other (a compare-exchange fails whenever another reader got
//! in between its load and its exchange). The Linux kernel's queued reader-writer lock takes
//! readers the same way (with preemption disabled around it).
//!
//! What it costs: a read attempt in flight holds the lock like a reader, for the few
//! instructions until it backs out. A reader preempted (or interrupted) in between keeps a
//! waiting writer waiting until it runs again, as a reader preempted just after taking the lock
//! always did, but now also when it was going to be turned away; `try_write` fails and
//! `is_locked` answers `true` meanwhile. Timed reads (`read_timeout`) start with an exact
//! attempt (a load, then a compare-exchange), so a zero timeout leaves no trace.
//!
//! # The writers word
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0..16 (`SLEEPERS`) | writers asleep on this word, or about to sleep: each counts itself before it sleeps and uncounts itself when it wakes |
//! | 16..32 | wake sequence: bumped each time someone looks for a writer to wake, so that a writer about to sleep finds the word changed |
//!
//! The exact count is what std's futex `RwLock` learns from the return value of `FUTEX_WAKE`,
//! which the [`Wait`] contract does not report: it tells whoever frees the lock whether a writer
//! sleeps (wake it, no readers) or only polls (it takes the lock by itself: no system call).
//!
//! # The rules
//!
//! - **Readers** take a readable lock (not write-locked, no `WRITERS_WAITING`); a count that is
//!   not zero beside `WRITE_LOCKED` is read attempts on their way out. Otherwise they poll for
//!   a while ([`Wait::lock_poll_pause`]), then set `READERS_WAITING` and sleep on the state.
//! - **Writers** take a free lock (count zero, no `WRITE_LOCKED`). Otherwise they set
//!   `WRITERS_WAITING` at once, which turns new readers away (writer preference: a stream of
//!   readers drains instead of starving the writer), poll, then count themselves in the writers
//!   word, re-check that the lock is held with `WRITERS_WAITING` set, and sleep on the writers
//!   word.
//! - **Taking** keeps `READERS_WAITING` (the sleeping readers wait for this writer's unlock) and
//!   keeps `WRITERS_WAITING` only while writers sleep. So `WRITERS_WAITING` always belongs to a
//!   writer that is still waiting, never to one that already got the lock: whoever sees it can
//!   count on that writer to take the lock, or to give up and clean up.
//! - **Whoever frees the lock** (the last reader, or a writer) with `WRITERS_WAITING` set wakes
//!   one sleeping writer, if there is one, and leaves both flags: the readers stay out until
//!   the writer's turn is over. With `READERS_WAITING` alone it clears it and wakes all readers.
//! - **Downgrade** turns `WRITE_LOCKED` into one more reader in one subtraction (read attempts
//!   in flight stay counted, and leave), so no writer can take the lock in between. With
//!   `WRITERS_WAITING` set the readers stay out (the writer goes after this read guard); with
//!   `READERS_WAITING` alone they are woken to read alongside.
//! - **A timed writer that gives up** after it set `WRITERS_WAITING` or slept clears the flag (it
//!   may be the last waiting writer), wakes one sleeping writer (which sets the flag again, or
//!   takes the lock in place of a writer whose wake this one may have swallowed), and wakes the
//!   readers if the lock is not write-locked. A timed reader needs no clean-up: readers are only
//!   ever woken all at once. A caller whose deadline has passed before it waited leaves no trace.
//!
//! With a backend that needs no wake ([`Wait::WAKE_NEEDED`] is false, as for `Spin`), nobody
//! sleeps: `READERS_WAITING` and the writers word are never used, and `WRITERS_WAITING` only
//! turns readers away. Polling writers set it again whenever they find it clear, so a writer
//! that takes the lock, or gives up, clears it.
//!
//! # Orderings
//!
//! - Taking a read lock is an Acquire increment (or compare-exchange), a write lock an Acquire
//!   compare-exchange, every unlock (the take-back of a read attempt too) and the downgrade a
//!   Release read-modify-write: each holder's accesses happen-before the next writer's, and a
//!   writer's writes happen-before every later reader's. The readers' decrements are
//!   read-modify-writes, so the writer that takes the lock after several readers synchronizes
//!   with all of them through the release sequence.
//! - Setting and clearing the flags is Relaxed: flags publish nothing, and a reader or writer
//!   that takes the lock afterwards reads a value from the unlock's release sequence.
//! - **The writers word.** Every change that can end a writer's reason to sleep (freeing the
//!   lock while `WRITERS_WAITING` is set, clearing the flag on giving up) is followed by a
//!   Release read-modify-write of the writers word, and a writer counts itself with an Acquire
//!   read-modify-write before it re-reads the state. Read-modify-writes of one word are totally
//!   ordered: if the waker's comes first, the writer synchronizes with it and sees the change
//!   (and does not sleep); if the writer's comes first, the waker sees it counted and wakes it,
//!   and the sequence bump makes its futex compare fail if it has not slept yet. A writer
//!   taking the lock reads the count the same way (a Release read-modify-write before its
//!   compare-exchange): a sleeper counted before it is seen, so `WRITERS_WAITING` is kept; one
//!   counted after it re-reads the free state the taker saw, or a later one, and does not sleep
//!   on a flag that nobody will act on.
//!
//! # Limits
//!
//! At most [`MAX_READERS`] read guards at once (2^28) and 65,535 writers asleep at once: going
//! past either panics, never wraps. The count field holds 2^29 - 1: the other 2^28 - 1 are room
//! for read attempts in flight, one per context at most. Attempts in flight count towards the
//! limit: with `k` of them, a reader panics beside 2^28 - `k` read guards. The wake sequence has
//! 16 bits: a writer preempted between counting itself and sleeping for exactly a multiple of
//! 65,536 wake-ups of other writers would sleep through the last one, the same compare-and-wait
//! ABA that std's futex locks accept with 32-bit counters.
//!
//! # References
//!
//! P. J. Courtois, F. Heymans, D. L. Parnas, *Concurrent control with "readers" and "writers"*
//! (CACM 14(10), 1971): writer preference is their second problem. std's
//! `sys/sync/rwlock/futex.rs` (the two-word layout, writers woken one at a time on a word of
//! their own); parking_lot's `raw_rwlock.rs` (a writer turns readers away before it waits for
//! them to drain); Ulrich Drepper, *Futexes Are Tricky* (2011).

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::time::Duration;

use crate::primitive::{AtomicU32, Ordering, UnsafeCell, const_fn};
use crate::wait::{Deadline, Forever, Limit, Poll, Wait, WaitTimeout};

/// The reader count: read guards and read attempts in flight.
const COUNT: u32 = (1 << 29) - 1;
/// A writer holds the lock.
const WRITE_LOCKED: u32 = 1 << 29;
/// Held by anyone: readers (or read attempts) or a writer.
const HELD: u32 = COUNT | WRITE_LOCKED;
/// The most read guards at once: 2^28, half the count field (module docs, "Limits").
const MAX_READERS: u32 = 1 << 28;
const READERS_WAITING: u32 = 1 << 30;
const WRITERS_WAITING: u32 = 1 << 31;

/// The sleeping-writer count in the writers word.
const SLEEPERS: u32 = 0xFFFF;
/// One sleeping writer.
const SLEEPER: u32 = 1;
/// One bump of the wake sequence.
const WAKE: u32 = 1 << 16;

/// Whether a reader may take the lock in `state`: not write-locked, no writer waiting, and room
/// for one more reader (`READERS_WAITING` does not matter).
#[inline]
fn readable(state: u32) -> bool {
    state & !READERS_WAITING < MAX_READERS
}

/// Panics if `state` holds the most read guards the count allows and no writer stops readers:
/// one more reader would overflow it.
#[inline]
#[track_caller]
fn check_reader_overflow(state: u32) {
    if state & (WRITE_LOCKED | WRITERS_WAITING) == 0 && state & COUNT >= MAX_READERS {
        reader_overflow();
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn reader_overflow() -> ! {
    panic!("RwLock: more than 2^28 read guards at once")
}

/// The lock protocol of [`RwLock`] without the data: the two words and every transition of them
/// (see the module docs). `raw::RawRwLock` (feature `lock_api`) is this, behind lock_api's traits.
pub(crate) struct RwLockState<W> {
    /// The reader count, `WRITE_LOCKED`, `READERS_WAITING` and `WRITERS_WAITING`.
    state: AtomicU32,
    /// Writers asleep (bits 0..16) and the wake sequence (bits 16..32); writers sleep on it.
    writers: AtomicU32,
    backend: PhantomData<fn() -> W>,
}

impl<W> RwLockState<W> {
    const_fn! {
        /// A free lock.
        pub(crate) fn new() -> Self {
            Self {
                state: AtomicU32::new(0),
                writers: AtomicU32::new(0),
                backend: PhantomData,
            }
        }
    }

    /// Whether any guard (or read attempt in flight) holds the lock (a snapshot).
    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & HELD != 0
    }

    /// Whether a writer holds the lock (a snapshot).
    #[inline]
    pub(crate) fn is_locked_exclusive(&self) -> bool {
        self.state.load(Ordering::Relaxed) & WRITE_LOCKED != 0
    }
}

impl<W: Wait> RwLockState<W> {
    /// The optimistic read (module docs): one increment, kept if the word it replaced was
    /// readable, taken back otherwise.
    #[inline]
    fn read_fast(&self) -> bool {
        // Acquire: pairs with the Release of a writer's unlock or downgrade, so the writer's
        // writes are visible to this reader.
        let state = self.state.fetch_add(1, Ordering::Acquire);
        if readable(state) {
            return true;
        }
        // SAFETY: the increment above counts as a read lock until it is taken back, here.
        unsafe { self.unlock_read() };
        false
    }

    /// Takes a read lock if it is readable now; never fails spuriously, and makes no
    /// increment it would have to take back (a load, then a compare-exchange).
    ///
    /// # Panics
    ///
    /// If the reader count (read attempts in flight included) is at or above [`MAX_READERS`].
    #[inline]
    #[track_caller]
    pub(crate) fn try_read(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        while readable(state) {
            // Acquire: as in `read_fast`.
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        check_reader_overflow(state);
        false
    }

    /// Takes a read lock, blocking.
    #[inline]
    #[track_caller]
    pub(crate) fn read(&self) {
        if !self.read_fast() {
            self.read_contended(&Forever);
        }
    }

    /// Takes a write lock if the lock is free now: no guard, and no read attempt in flight.
    #[inline]
    pub(crate) fn try_write(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & HELD == 0 {
            if self.take_write(state) {
                return true;
            }
            state = self.state.load(Ordering::Relaxed);
        }
        false
    }

    /// Takes a write lock, blocking.
    #[inline]
    #[track_caller]
    pub(crate) fn write(&self) {
        // Acquire: pairs with the Release of every unlock, so the previous holders' accesses
        // happen-before this writer's.
        if self
            .state
            .compare_exchange(0, WRITE_LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.write_contended(&Forever);
        }
    }

    /// Releases a read lock.
    ///
    /// # Safety
    ///
    /// The caller holds a read lock, and gives it up.
    #[inline]
    pub(crate) unsafe fn unlock_read(&self) {
        // Release: this reader's reads happen-before the next writer's Acquire.
        let state = self.state.fetch_sub(1, Ordering::Release);
        // The last reader, with a writer waiting. (While readers hold the lock,
        // READERS_WAITING is only ever set together with WRITERS_WAITING: readers only wait
        // behind a writer, and a downgrade wakes the ones that waited for it. A read attempt
        // taken back beside a writer that holds the lock sees WRITE_LOCKED: no wake, the
        // writer's unlock does that.)
        if W::WAKE_NEEDED && state & !READERS_WAITING == WRITERS_WAITING + 1 {
            self.wake_writer();
        }
    }

    /// Releases a write lock.
    ///
    /// # Safety
    ///
    /// The caller holds the write lock, and gives it up.
    #[inline]
    pub(crate) unsafe fn unlock_write(&self) {
        // Release: publishes this writer's writes to the next holder's Acquire.
        let state = self.state.fetch_sub(WRITE_LOCKED, Ordering::Release);
        // (The count may hold read attempts in flight: they leave by themselves.)
        if W::WAKE_NEEDED && state & (READERS_WAITING | WRITERS_WAITING) != 0 {
            self.wake_waiters(state);
        }
    }

    /// Turns the write lock into a read lock, with no moment in which another writer could
    /// take it.
    ///
    /// # Safety
    ///
    /// The caller holds the write lock; it holds a read lock afterwards.
    #[inline]
    pub(crate) unsafe fn downgrade(&self) {
        // Release: publishes the writer's writes to the readers that join it (their Acquire
        // reads this value or a later one of its release sequence).
        let state = self.state.fetch_sub(WRITE_LOCKED - 1, Ordering::Release);
        // Readers waited for this writer, and no other writer is waiting: let them in too.
        if W::WAKE_NEEDED && state & (WRITERS_WAITING | READERS_WAITING) == READERS_WAITING {
            self.wake_readers();
        }
    }

    /// Takes the free lock in `state` for a writer. Keeps `READERS_WAITING` (its sleepers wait
    /// for this writer's unlock) and keeps `WRITERS_WAITING` only while writers sleep, so the
    /// flag never outlives the writers it stands for.
    #[inline]
    fn take_write(&self, state: u32) -> bool {
        let mut next = (state & READERS_WAITING) | WRITE_LOCKED;
        if W::WAKE_NEEDED && state & WRITERS_WAITING != 0 && self.writers_asleep() {
            next |= WRITERS_WAITING;
        }
        // Acquire: as in `write`.
        self.state
            .compare_exchange(state, next, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Whether any writer is counted asleep.
    #[inline]
    fn writers_asleep(&self) -> bool {
        // A read-modify-write, Release: ordered against every writer counting itself (see
        // "Orderings" in the module docs). It changes nothing.
        self.writers.fetch_add(0, Ordering::Release) & SLEEPERS != 0
    }

    /// Run by whoever freed the lock with `flags` set: a waiting writer goes first, else the
    /// sleeping readers are let in.
    #[cold]
    #[inline(never)]
    fn wake_waiters(&self, flags: u32) {
        if flags & WRITERS_WAITING != 0 {
            self.wake_writer();
        } else {
            self.wake_readers();
        }
    }

    /// Wakes one sleeping writer, if there is one, and bumps the wake sequence either way. A
    /// writer that only polls takes the lock by itself; the flags stay for it.
    #[cold]
    #[inline(never)]
    fn wake_writer(&self) {
        // Release: ordered against every writer counting itself (see "Orderings"): one that
        // counts itself after this sees the state change that preceded it.
        if self.writers.fetch_add(WAKE, Ordering::Release) & SLEEPERS != 0 {
            W::wake_one(&self.writers);
        }
    }

    /// Clears `READERS_WAITING` and wakes every sleeping reader, if the flag was set.
    #[cold]
    #[inline(never)]
    fn wake_readers(&self) {
        // Relaxed: the flag publishes nothing; readers take the lock with Acquire.
        if self.state.fetch_and(!READERS_WAITING, Ordering::Relaxed) & READERS_WAITING != 0 {
            W::wake_all(&self.state);
        }
    }

    /// The slow path of the read verbs: returns once a read lock is taken (`L::DONE`) or `limit`
    /// expired first (`L::EXPIRED`, never for `Forever`).
    #[cold]
    #[track_caller]
    fn read_contended<L: Limit<W>>(&self, limit: &L) -> L::Outcome {
        let mut poll = Poll::new();
        loop {
            let state = self.state.load(Ordering::Relaxed);
            if readable(state) {
                // Acquire: as in `read_fast`.
                if self
                    .state
                    .compare_exchange_weak(state, state + 1, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return L::DONE;
                }
                continue;
            }
            check_reader_overflow(state);
            if !W::WAKE_NEEDED {
                // Polling backend: nobody wakes readers, and `W::wait` is the bounded pause.
                if !limit.sleep(&self.state, state) {
                    return L::EXPIRED;
                }
                continue;
            }
            if poll.lock_pause::<W, L>(limit) {
                continue;
            }
            // Out of time: give up before announcing, so nobody wakes a reader that left.
            if limit.expired() {
                return L::EXPIRED;
            }
            let expected = state | READERS_WAITING;
            // Relaxed: the flag publishes nothing.
            if state & READERS_WAITING == 0
                && self
                    .state
                    .compare_exchange(state, expected, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            // A reader that times out here leaves READERS_WAITING behind: one spare wake_all,
            // never a lost one (readers are only woken all at once).
            if !limit.sleep(&self.state, expected) {
                return L::EXPIRED;
            }
            poll = Poll::new();
        }
    }

    /// The slow path of the write verbs: returns once the write lock is taken (`L::DONE`) or
    /// `limit` expired first (`L::EXPIRED`, never for `Forever`).
    #[cold]
    #[track_caller]
    fn write_contended<L: Limit<W>>(&self, limit: &L) -> L::Outcome {
        let mut poll = Poll::new();
        // Whether giving up must clean up after this writer: it set WRITERS_WAITING, or it was
        // counted asleep (and may have been woken in another writer's place).
        let mut owes = false;
        loop {
            let state = self.state.load(Ordering::Relaxed);
            if state & HELD == 0 {
                if self.take_write(state) {
                    return L::DONE;
                }
                continue;
            }
            if state & WRITERS_WAITING == 0 {
                // Out of time: give up before announcing (a zero timeout leaves no trace).
                if limit.expired() {
                    break;
                }
                // Relaxed: the flag publishes nothing; it turns new readers away.
                if self
                    .state
                    .compare_exchange(
                        state,
                        state | WRITERS_WAITING,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_err()
                {
                    continue;
                }
                owes = true;
            }
            if !W::WAKE_NEEDED {
                // Polling backend: `W::wait` is the bounded pause.
                if !limit.sleep(&self.state, state | WRITERS_WAITING) {
                    break;
                }
                continue;
            }
            if poll.lock_pause::<W, L>(limit) {
                continue;
            }
            if limit.expired() {
                break;
            }
            owes = true;
            if !self.sleep_as_writer(limit) {
                break;
            }
            poll = Poll::new();
        }
        if owes {
            self.abandon_write();
        }
        L::EXPIRED
    }

    /// Counts the caller among the sleeping writers, re-checks that the lock is held with
    /// `WRITERS_WAITING` set, and sleeps on the writers word; uncounts it once awake. Returns
    /// `false` if `limit` expired instead.
    #[track_caller]
    fn sleep_as_writer<L: Limit<W>>(&self, limit: &L) -> bool {
        let mut writers = self.writers.load(Ordering::Relaxed);
        let expected = loop {
            if writers & SLEEPERS == SLEEPERS {
                self.abandon_write();
                panic!("RwLock: more than 65,535 writers asleep at once");
            }
            // Acquire: ordered against the Release of every waker (see "Orderings"), so the
            // state re-read below is not older than a change a waker has already reported.
            match self.writers.compare_exchange_weak(
                writers,
                writers + SLEEPER,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => break writers + SLEEPER,
                Err(now) => writers = now,
            }
        };
        let state = self.state.load(Ordering::Relaxed);
        let awake = state & HELD == 0
            || state & WRITERS_WAITING == 0
            || limit.sleep(&self.writers, expected);
        // Relaxed: the count publishes nothing.
        self.writers.fetch_sub(SLEEPER, Ordering::Relaxed);
        awake
    }

    /// A writer that set `WRITERS_WAITING` or slept gives up (its deadline passed): see the
    /// module docs, "The rules".
    #[cold]
    #[inline(never)]
    fn abandon_write(&self) {
        // Relaxed: the flag publishes nothing.
        let state = self.state.fetch_and(!WRITERS_WAITING, Ordering::Relaxed);
        if !W::WAKE_NEEDED {
            return;
        }
        // After the flag is cleared (see "Orderings"): a sleeping writer wakes and sets it again.
        self.wake_writer();
        if state & WRITE_LOCKED == 0 {
            self.wake_readers();
        }
    }
}

impl<W: WaitTimeout> RwLockState<W> {
    /// Takes a read lock, blocking for at most `timeout`; whether it was taken.
    #[track_caller]
    pub(crate) fn read_timeout(&self, timeout: Duration) -> bool {
        // The exact attempt first: with a zero timeout, a refused read leaves no trace.
        self.try_read() || self.read_contended(&Deadline::<W::Clock>::after(timeout))
    }

    /// Takes the write lock, blocking for at most `timeout`; whether it was taken.
    #[track_caller]
    pub(crate) fn write_timeout(&self, timeout: Duration) -> bool {
        // Acquire: as in `write`.
        self.state
            .compare_exchange(0, WRITE_LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
            || self.write_contended(&Deadline::<W::Clock>::after(timeout))
    }
}

/// A reader-writer lock protecting a `T`, generic over its wait backend `W`: any number of
/// readers, or one writer.
///
/// Eight bytes plus `T`, `const`-constructible (usable in a `static`), no poisoning. Guards
/// unlock on drop, also while unwinding from a panic.
///
/// **Writer-preferring.** Once a writer waits, new readers wait behind it: the readers inside
/// drain, the writer gets its turn, and a stream of readers can never starve it. The flip side,
/// as in std: a thread that holds a read guard and asks for another one may deadlock if a
/// writer started waiting in between. [`RwLockWriteGuard::downgrade`] turns a write guard into a
/// read guard with no moment in which another writer could take the lock.
///
/// Most code names it through an alias: `baresync::RwLock<T>` (the default backend),
/// `baresync::spin::RwLock<T>`, `baresync::futex::RwLock<T>` or `baresync::hook::RwLock<T>`.
///
/// | | `baresync::RwLock` | `std::sync::RwLock` | Python |
/// | --- | --- | --- | --- |
/// | read, write | `read()`, `write()` return the guard | return a `LockResult` (poisoning) | `threading` has none: a `Condition` and a reader count, by hand |
/// | non-blocking | `try_read()`, `try_write()` → `Option` | → `TryLockResult` | `acquire(blocking=False)` in the hand-made lock |
/// | timed | `read_timeout`, `write_timeout` (backends with a clock) | none | `acquire(timeout=...)` in the hand-made lock |
/// | who goes first | a waiting writer, on every backend | up to the platform (writers, on the futex platforms) | whatever the recipe does (readers, in the common one) |
/// | downgrade | `RwLockWriteGuard::downgrade` | `RwLockWriteGuard::downgrade` | none |
/// | size of `RwLock<()>` | 8 bytes | 12 bytes on Linux (two words and the poison flag) | an object |
///
/// # Limits
///
/// At most 2^28 read guards at once and 65,535 writers asleep at once; going past either
/// panics (never a silent wrap).
///
/// # Interrupt safety
///
/// `try_read` and `try_write` never block and may be called from an interrupt handler; they
/// return `None` when the code the handler interrupted holds the lock in the way, which for
/// `try_write` includes being in the middle of a `read` that a waiting writer turns away (the
/// attempt counts as a reader until it backs out, a few instructions later). Do not retry in a
/// loop inside the handler: on one core the interrupted code cannot move on until the handler
/// returns. `read`, `write` and the timed verbs block and must not run in an interrupt handler.
///
/// # Preemption
///
/// `read` takes the lock with one increment and, when a writer holds the lock or waits for it,
/// takes the increment back. A reader preempted between the two holds up a waiting writer until
/// it runs again, as a reader preempted just after taking the lock would.
///
/// # Examples
///
/// ```
/// use baresync::RwLock;
///
/// static CONFIG: RwLock<(u32, u32)> = RwLock::new((1, 1));
///
/// std::thread::scope(|s| {
///     // A writer keeps the pair equal...
///     s.spawn(|| {
///         for i in 2..100 {
///             *CONFIG.write() = (i, i);
///         }
///     });
///     // ...and readers, several at a time, never see it half-written.
///     for _ in 0..4 {
///         s.spawn(|| {
///             for _ in 0..100 {
///                 let pair = CONFIG.read();
///                 assert_eq!(pair.0, pair.1);
///             }
///         });
///     }
/// });
/// assert_eq!(*CONFIG.read(), (99, 99));
/// ```
pub struct RwLock<T: ?Sized, W> {
    lock: RwLockState<W>,
    data: UnsafeCell<T>,
}

// SAFETY: readers on several threads share `&T` (`T: Sync`), and a writer gets `&mut T` on
// whichever thread holds the write guard (`T: Send`), as for `std::sync::RwLock`.
unsafe impl<T: ?Sized + Send + Sync, W> Sync for RwLock<T, W> {}
// SAFETY: owning the lock is owning `T`.
unsafe impl<T: ?Sized + Send, W> Send for RwLock<T, W> {}

impl<T, W> RwLock<T, W> {
    const_fn! {
        /// Creates an unlocked lock holding `value`.
        ///
        /// # Examples
        ///
        /// ```
        /// static ROUTES: baresync::RwLock<[u8; 4]> = baresync::RwLock::new([0; 4]);
        /// assert_eq!(*ROUTES.read(), [0; 4]);
        /// ```
        pub fn new(value: T) -> Self {
            Self {
                lock: RwLockState::new(),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the lock and returns the value it protected.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = baresync::RwLock::new(String::from("hi"));
    /// assert_eq!(lock.into_inner(), "hi");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized, W> RwLock<T, W> {
    /// Whether any guard, read or write, holds the lock right now (a snapshot, stale as soon
    /// as it returns). A `read` in progress on another thread counts for an instant, also one
    /// that is about to be turned away.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = baresync::RwLock::new(());
    /// let reader = lock.read();
    /// assert!(lock.is_locked());
    /// drop(reader);
    /// assert!(!lock.is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }

    /// Whether a write guard holds the lock right now (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = baresync::RwLock::new(());
    /// let reader = lock.read();
    /// assert!(!lock.is_locked_exclusive());
    /// drop(reader);
    /// let writer = lock.write();
    /// assert!(lock.is_locked_exclusive());
    /// # drop(writer);
    /// ```
    #[inline]
    pub fn is_locked_exclusive(&self) -> bool {
        self.lock.is_locked_exclusive()
    }

    /// Mutable access through `&mut self`: no locking is needed, the borrow proves exclusivity.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = baresync::RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(*lock.read(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: ?Sized, W: Wait> RwLock<T, W> {
    /// Takes a read lock, blocking while a writer holds the lock or waits for it.
    ///
    /// Any number of readers hold the lock together. A reader that already holds a read guard
    /// may deadlock here if a writer started waiting since (writers go first).
    ///
    /// # Panics
    ///
    /// If 2^28 read guards already exist (other threads' read attempts in flight count too).
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::RwLock;
    ///
    /// static TABLE: RwLock<[u32; 3]> = RwLock::new([1, 2, 3]);
    ///
    /// std::thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| assert_eq!(TABLE.read().iter().sum::<u32>(), 6));
    ///     }
    /// });
    /// ```
    #[inline]
    #[track_caller]
    pub fn read(&self) -> RwLockReadGuard<'_, T, W> {
        self.lock.read();
        RwLockReadGuard::new(self)
    }

    /// Takes a read lock if no writer holds the lock or waits for it, without blocking.
    ///
    /// # Panics
    ///
    /// If 2^28 read guards already exist (other threads' read attempts in flight count too).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = baresync::RwLock::new(1);
    /// let reader = lock.try_read().expect("free");
    /// assert!(lock.try_read().is_some(), "readers share the lock");
    /// drop(reader);
    /// let writer = lock.write();
    /// assert!(lock.try_read().is_none(), "held by `writer`");
    /// # drop(writer);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T, W>> {
        self.lock.try_read().then(|| RwLockReadGuard::new(self))
    }

    /// Takes the write lock, blocking until no reader or writer holds it.
    ///
    /// From the moment it waits, new readers wait behind it. Not reentrant: a thread that
    /// holds a guard of this lock and calls `write` deadlocks.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::RwLock;
    ///
    /// static HITS: RwLock<u32> = RwLock::new(0);
    ///
    /// std::thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| *HITS.write() += 1);
    ///     }
    /// });
    /// assert_eq!(*HITS.read(), 4);
    /// ```
    #[inline]
    #[track_caller]
    pub fn write(&self) -> RwLockWriteGuard<'_, T, W> {
        self.lock.write();
        RwLockWriteGuard::new(self)
    }

    /// Takes the write lock if no guard holds it, without blocking.
    ///
    /// Also fails, for an instant, while another thread is in the middle of a `read` (even one
    /// that a waiting writer turns away: it counts as a reader until it backs out).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = baresync::RwLock::new(1);
    /// let reader = lock.read();
    /// assert!(lock.try_write().is_none(), "held by `reader`");
    /// drop(reader);
    /// *lock.try_write().expect("free") += 1;
    /// assert_eq!(*lock.read(), 2);
    /// ```
    #[inline]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T, W>> {
        self.lock.try_write().then(|| RwLockWriteGuard::new(self))
    }
}

impl<T: ?Sized, W: WaitTimeout> RwLock<T, W> {
    /// Takes a read lock, blocking for at most `timeout`; `None` if a writer kept it.
    ///
    /// A zero timeout behaves as [`try_read`](Self::try_read); `Duration::MAX` waits as long as
    /// the platform can, without overflow. Only backends with a clock have this method.
    ///
    /// # Panics
    ///
    /// If 2^28 read guards already exist (other threads' read attempts in flight count too).
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::RwLock;
    /// use std::time::Duration;
    ///
    /// static LOCK: RwLock<u32> = RwLock::new(7);
    ///
    /// let writer = LOCK.write();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert!(LOCK.read_timeout(Duration::from_millis(10)).is_none()));
    /// });
    /// drop(writer);
    /// assert_eq!(LOCK.read_timeout(Duration::from_millis(10)).map(|g| *g), Some(7));
    /// ```
    #[track_caller]
    pub fn read_timeout(&self, timeout: Duration) -> Option<RwLockReadGuard<'_, T, W>> {
        self.lock
            .read_timeout(timeout)
            .then(|| RwLockReadGuard::new(self))
    }

    /// Takes the write lock, blocking for at most `timeout`; `None` if it stayed held.
    ///
    /// A zero timeout behaves as [`try_write`](Self::try_write); `Duration::MAX` waits as long
    /// as the platform can. A writer that gives up lets the readers it held back in.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::RwLock;
    /// use std::time::Duration;
    ///
    /// static LOCK: RwLock<u32> = RwLock::new(0);
    ///
    /// let reader = LOCK.read();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert!(LOCK.write_timeout(Duration::from_millis(10)).is_none()));
    /// });
    /// drop(reader);
    /// *LOCK.write_timeout(Duration::from_millis(10)).expect("free") += 1;
    /// assert_eq!(*LOCK.read(), 1);
    /// ```
    #[track_caller]
    pub fn write_timeout(&self, timeout: Duration) -> Option<RwLockWriteGuard<'_, T, W>> {
        self.lock
            .write_timeout(timeout)
            .then(|| RwLockWriteGuard::new(self))
    }
}

impl<T: Default, W> Default for RwLock<T, W> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T, W> From<T> for RwLock<T, W> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug, W: Wait> fmt::Debug for RwLock<T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// Shared access to an [`RwLock`]'s value; releases the read lock on drop.
///
/// Not `Send`, as [`MutexGuard`](crate::generic::MutexGuard): a lock is released by the context
/// that took it.
///
/// # Examples
///
/// ```
/// use baresync::{RwLock, RwLockReadGuard};
///
/// static NAMES: RwLock<[&str; 2]> = RwLock::new(["ada", "grace"]);
///
/// let first: RwLockReadGuard<'_, [&str; 2]> = NAMES.read();
/// let second = NAMES.read(); // readers share the lock
/// assert_eq!(first[0], second[0]);
/// assert!(NAMES.try_write().is_none());
/// drop((first, second));
/// assert!(NAMES.try_write().is_some());
/// ```
#[must_use = "the read lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized, W: Wait> {
    lock: &'a RwLock<T, W>,
    /// `*const ()` makes the guard `!Send`.
    not_send: PhantomData<*const ()>,
}

// SAFETY: a shared read guard only gives `&T`, so it may be shared when `T: Sync`, as std's.
unsafe impl<T: ?Sized + Sync, W: Wait> Sync for RwLockReadGuard<'_, T, W> {}

impl<'a, T: ?Sized, W: Wait> RwLockReadGuard<'a, T, W> {
    #[inline]
    fn new(lock: &'a RwLock<T, W>) -> Self {
        Self {
            lock,
            not_send: PhantomData,
        }
    }
}

impl<T: ?Sized, W: Wait> Deref for RwLockReadGuard<'_, T, W> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this context holds a read lock, so no writer and
        // hence no `&mut T` exists. (Under loom, `with` checks that this read happens-after the
        // last writer's access.)
        self.lock.data.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized, W: Wait> Drop for RwLockReadGuard<'_, T, W> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard holds a read lock, which it gives up here.
        unsafe { self.lock.lock.unlock_read() }
    }
}

impl<T: ?Sized + fmt::Debug, W: Wait> fmt::Debug for RwLockReadGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, W: Wait> fmt::Display for RwLockReadGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`]'s value; releases the write lock on drop.
///
/// Not `Send`, as [`MutexGuard`](crate::generic::MutexGuard).
///
/// # Examples
///
/// ```
/// use baresync::{RwLock, RwLockWriteGuard};
///
/// static LOG: RwLock<Vec<u32>> = RwLock::new(Vec::new());
///
/// let mut log: RwLockWriteGuard<'_, Vec<u32>> = LOG.write();
/// log.push(1);
/// assert!(LOG.try_read().is_none(), "held by `log`");
/// drop(log);
/// assert_eq!(*LOG.read(), [1]);
/// ```
#[must_use = "the write lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized, W: Wait> {
    lock: &'a RwLock<T, W>,
    /// `*const ()` makes the guard `!Send`.
    not_send: PhantomData<*const ()>,
}

// SAFETY: a shared write guard only gives `&T`, so it may be shared when `T: Sync`, as std's.
unsafe impl<T: ?Sized + Sync, W: Wait> Sync for RwLockWriteGuard<'_, T, W> {}

impl<'a, T: ?Sized, W: Wait> RwLockWriteGuard<'a, T, W> {
    #[inline]
    fn new(lock: &'a RwLock<T, W>) -> Self {
        Self {
            lock,
            not_send: PhantomData,
        }
    }

    /// Turns the write guard into a read guard, atomically: no other writer can take the lock
    /// in between, so the reader sees exactly what the writer left. Writers that were waiting
    /// still go before new readers; readers that were waiting join at once if no writer waits.
    ///
    /// An associated function (`RwLockWriteGuard::downgrade(guard)`), as in std, so that it
    /// does not shadow a method of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{RwLock, RwLockWriteGuard};
    ///
    /// static VERSION: RwLock<u32> = RwLock::new(1);
    ///
    /// let mut writer = VERSION.write();
    /// *writer += 1;
    /// let reader = RwLockWriteGuard::downgrade(writer);
    /// std::thread::scope(|s| {
    ///     // Other readers get in alongside; a writer would wait for `reader`.
    ///     s.spawn(|| assert_eq!(*VERSION.read(), 2));
    ///     s.spawn(|| assert!(VERSION.try_write().is_none()));
    /// });
    /// assert_eq!(*reader, 2);
    /// ```
    #[inline]
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T, W> {
        let lock = this.lock;
        core::mem::forget(this);
        // SAFETY: `this` held the write lock, and its drop (which would release it) was just
        // skipped: the read lock the downgrade leaves is owned by the returned guard.
        unsafe { lock.lock.downgrade() };
        RwLockReadGuard::new(lock)
    }
}

impl<T: ?Sized, W: Wait> Deref for RwLockWriteGuard<'_, T, W> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this context holds the write lock, so no other
        // reference to the value exists.
        self.lock.data.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized, W: Wait> DerefMut for RwLockWriteGuard<'_, T, W> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write lock grants exclusive access, and `&mut self` makes this borrow
        // unique.
        self.lock.data.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T: ?Sized, W: Wait> Drop for RwLockWriteGuard<'_, T, W> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard holds the write lock, which it gives up here.
        unsafe { self.lock.lock.unlock_write() }
    }
}

impl<T: ?Sized + fmt::Debug, W: Wait> fmt::Debug for RwLockWriteGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, W: Wait> fmt::Display for RwLockWriteGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_means_no_writer_and_room_for_one_more_reader() {
        for state in [0, 1, MAX_READERS - 1] {
            assert!(state < MAX_READERS && readable(state), "{state:#x}");
        }
        for state in [
            MAX_READERS,
            WRITE_LOCKED,
            WRITERS_WAITING,
            WRITERS_WAITING | 1,
        ] {
            assert!(!readable(state), "{state:#x}");
        }
        // READERS_WAITING alone does not stop a reader.
        assert!(readable(READERS_WAITING | 3));
        assert!(!readable(READERS_WAITING | WRITE_LOCKED));
        // A writer with read attempts in flight beside it.
        assert!(!readable(WRITE_LOCKED | 2));
    }

    #[test]
    fn the_count_field_has_room_for_read_attempts_past_the_limit() {
        const {
            assert!(COUNT & WRITE_LOCKED == 0);
            assert!(HELD & (READERS_WAITING | WRITERS_WAITING) == 0);
            assert!(
                COUNT - MAX_READERS == MAX_READERS - 1,
                "room for read attempts"
            );
        }
    }

    #[test]
    fn a_turned_away_read_attempt_takes_its_increment_back() {
        let lock = RwLockState::<crate::wait::Spin>::new();
        for state in [
            WRITE_LOCKED,
            WRITE_LOCKED | READERS_WAITING,
            WRITERS_WAITING,
            WRITERS_WAITING | 1,
            WRITERS_WAITING | READERS_WAITING | 3,
        ] {
            lock.state.store(state, Ordering::Relaxed);
            assert!(!lock.read_fast(), "{state:#x}");
            assert_eq!(lock.state.load(Ordering::Relaxed), state);
        }
        // READERS_WAITING alone does not stop a reader: the increment is kept.
        lock.state.store(READERS_WAITING | 1, Ordering::Relaxed);
        assert!(lock.read_fast());
        assert_eq!(lock.state.load(Ordering::Relaxed), READERS_WAITING | 2);
    }

    #[test]
    fn reads_past_the_limit_panic_and_leave_the_count_as_it_was() {
        let lock = RwLockState::<crate::wait::Spin>::new();
        lock.state.store(MAX_READERS - 1, Ordering::Relaxed);
        lock.read();
        assert_eq!(lock.state.load(Ordering::Relaxed), MAX_READERS);
        let read = std::panic::catch_unwind(|| lock.read());
        assert!(read.is_err(), "read past the limit");
        let try_read = std::panic::catch_unwind(|| lock.try_read());
        assert!(try_read.is_err(), "try_read past the limit");
        assert_eq!(lock.state.load(Ordering::Relaxed), MAX_READERS);
        // A waiting writer turns readers away before the limit is looked at.
        lock.state
            .store(MAX_READERS | WRITERS_WAITING, Ordering::Relaxed);
        assert!(!lock.try_read());
    }

    #[test]
    fn reads_past_the_limit_with_an_attempt_in_flight_panic() {
        // The limit's read guards and one read attempt on its way out: no flag, count above
        // the limit. A reader must panic (nobody would wake it if it slept), never wait.
        let lock = RwLockState::<crate::wait::Spin>::new();
        lock.state.store(MAX_READERS + 1, Ordering::Relaxed);
        assert!(std::panic::catch_unwind(|| lock.try_read()).is_err());
        assert!(std::panic::catch_unwind(|| lock.read()).is_err());
        assert_eq!(lock.state.load(Ordering::Relaxed), MAX_READERS + 1);
    }

    #[test]
    fn a_taken_back_read_attempt_that_is_last_out_wakes_a_writer() {
        use crate::wait::Futex;
        let lock = RwLockState::<Futex>::new();
        // A free lock with a writer waiting: the attempt is the last reader out.
        lock.state
            .store(WRITERS_WAITING | READERS_WAITING, Ordering::Relaxed);
        assert!(!lock.read_fast());
        assert_eq!(
            lock.writers.load(Ordering::Relaxed),
            WAKE,
            "wake_writer was called"
        );
        // Beside a writer that holds the lock: its unlock wakes, not the attempt.
        lock.state
            .store(WRITE_LOCKED | WRITERS_WAITING, Ordering::Relaxed);
        assert!(!lock.read_fast());
        assert_eq!(lock.writers.load(Ordering::Relaxed), WAKE);
    }

    #[test]
    fn a_writer_unlock_beside_read_attempts_wakes_by_the_flags() {
        use crate::wait::Futex;
        let lock = RwLockState::<Futex>::new();
        // Readers asleep: cleared and woken although attempts are still counted.
        lock.state
            .store(WRITE_LOCKED | READERS_WAITING | 2, Ordering::Relaxed);
        // SAFETY: the state says a writer holds the lock; this test stands in for it.
        unsafe { lock.unlock_write() };
        assert_eq!(lock.state.load(Ordering::Relaxed), 2);
        // A writer waiting: the wake sequence is bumped, the flags stay.
        lock.state.store(
            WRITE_LOCKED | WRITERS_WAITING | READERS_WAITING | 2,
            Ordering::Relaxed,
        );
        // SAFETY: the state says a writer holds the lock; this test stands in for it.
        unsafe { lock.unlock_write() };
        assert_eq!(
            lock.state.load(Ordering::Relaxed),
            WRITERS_WAITING | READERS_WAITING | 2
        );
        assert_eq!(lock.writers.load(Ordering::Relaxed), WAKE);
    }

    #[test]
    fn the_last_reader_test_matches_only_the_last_reader_before_a_writer() {
        let last = |state: u32| state & !READERS_WAITING == WRITERS_WAITING + 1;
        assert!(last(WRITERS_WAITING | 1));
        assert!(last(WRITERS_WAITING | READERS_WAITING | 1));
        assert!(!last(WRITERS_WAITING | 2));
        assert!(!last(1));
        assert!(!last(READERS_WAITING | 1));
    }

    #[test]
    fn downgrade_turns_write_locked_into_one_reader_keeping_the_flags() {
        for flags in [
            0,
            READERS_WAITING,
            WRITERS_WAITING,
            READERS_WAITING | WRITERS_WAITING,
        ] {
            assert_eq!((WRITE_LOCKED | flags) - (WRITE_LOCKED - 1), 1 | flags);
            // Read attempts in flight stay counted.
            assert_eq!((WRITE_LOCKED | flags | 2) - (WRITE_LOCKED - 1), 3 | flags);
        }
    }

    #[test]
    fn the_wake_sequence_wraps_without_touching_the_count() {
        let word = (0xFFFF_u32 << 16) | 3;
        assert_eq!(word.wrapping_add(WAKE) & SLEEPERS, 3);
    }
}
