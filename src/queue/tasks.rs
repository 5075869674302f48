//! `Tasks`: Python's `unfinished_tasks` counter behind `task_done` and `join` of the lock-based
//! queues (`PriorityQueue`, `LifoQueue`; `MpmcQueue` derives its count from positions, see `mpmc.rs`).
//!
//! # The word
//!
//! | bits | meaning |
//! | --- | --- |
//! | bit 0, `JOIN_WAITERS` | a joiner may sleep on the word: the `task_done` that reaches zero must wake |
//! | bits 1..32 | the number of unfinished tasks |
//!
//! A push adds one task at the point where it can no longer fail and *before* its item becomes
//! visible to poppers, so a popper's `task_done` always finds the task it finishes (adding after
//! publication would let a fast consumer see a zero count and get a spurious `TaskDoneError`).
//! That publication (a release store or an unlock) orders the increment before any `task_done`
//! for the item, so the increment itself is `Relaxed`.
//!
//! # Limit
//!
//! The count saturates at `LIMIT` (2^30) unfinished tasks: further pushes are not counted, and a
//! `join` may then return while up to that many uncounted tasks are still unfinished. Reaching
//! it needs a billion pushed items that nobody marked done.
//!
//! The flag and the count share one word, so joiner and finisher meet on one location: a
//! joiner's compare-exchange that sets `JOIN_WAITERS` and the finisher's compare-exchange that
//! reaches zero are ordered by the word's modification order, and whichever comes second sees the
//! other (no store-load pair, so no `SeqCst` is needed).

use crate::primitive::{AtomicU32, Ordering, const_fn};
use crate::queue::TaskDoneError;
use crate::wait::{Limit, Poll, Wait};

/// Bit 0: a joiner may be asleep on the word.
const JOIN_WAITERS: u32 = 1;
/// One task in bits 1..32.
const ONE: u32 = 2;
/// The saturation point, in tasks (see the module docs).
const LIMIT: u32 = 1 << 30;

/// The unfinished-task counter; see the module docs.
pub(crate) struct Tasks {
    /// `JOIN_WAITERS` flag plus count; see the module docs.
    word: AtomicU32,
}

impl Tasks {
    const_fn! {
        /// No unfinished task, nobody joining.
        pub(crate) fn new() -> Self {
            Self { word: AtomicU32::new(0) }
        }
    }

    /// Adds one unfinished task; saturates at `LIMIT`.
    #[inline]
    pub(crate) fn add(&self) {
        // Relaxed: the item's publication, which follows, orders this before its `task_done`.
        let old = self.word.fetch_add(ONE, Ordering::Relaxed);
        if old >> 1 >= LIMIT {
            // Saturated: undo. The count can overshoot `LIMIT` only by the number of concurrent
            // pushers, far below the 2^31 that would carry out of the word.
            self.word.fetch_sub(ONE, Ordering::Relaxed);
        }
    }

    /// The number of unfinished tasks (a snapshot). For the tests, which run on Linux.
    #[cfg(all(test, target_os = "linux"))]
    pub(crate) fn unfinished(&self) -> u32 {
        self.word.load(Ordering::Relaxed) >> 1
    }

    /// Marks one task done; wakes joiners when none is left.
    pub(crate) fn done<W: Wait>(&self) -> Result<(), TaskDoneError> {
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            if word >> 1 == 0 {
                return Err(TaskDoneError);
            }
            let mut new = word - ONE;
            if new >> 1 == 0 {
                new &= !JOIN_WAITERS;
            }
            // Release: the finished work happens-before the Acquire load of a joiner that sees
            // the count reach zero (earlier `task_done`s join the release sequence through this
            // read-modify-write chain).
            match self
                .word
                .compare_exchange_weak(word, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => {
                    if new >> 1 == 0 && word & JOIN_WAITERS != 0 {
                        W::wake_all(&self.word);
                    }
                    return Ok(());
                }
                Err(now) => word = now,
            }
        }
    }

    /// Returns the word to sleep on, or `None` when no task is unfinished.
    ///
    /// Sets `JOIN_WAITERS` first when the backend needs waking.
    #[inline]
    fn announce<W: Wait>(&self) -> Option<u32> {
        loop {
            // Acquire: pairs with the Release in `done`, so all finished work is visible once the
            // count reads zero.
            let word = self.word.load(Ordering::Acquire);
            if word >> 1 == 0 {
                return None;
            }
            if !W::WAKE_NEEDED || word & JOIN_WAITERS != 0 {
                // A polling backend returns from `wait` as soon as the word changes.
                return Some(word);
            }
            // Relaxed: only the flag is published, and `done` reads it through the same word.
            // On failure, look again: sleeping on a word without the flag would never be woken.
            if self
                .word
                .compare_exchange(
                    word,
                    word | JOIN_WAITERS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return Some(word | JOIN_WAITERS);
            }
        }
    }

    /// Whether no task is unfinished. Acquire: as in `announce`.
    #[inline]
    fn all_done(&self) -> bool {
        self.word.load(Ordering::Acquire) >> 1 == 0
    }

    /// Blocks until no task is unfinished, or until `limit` expires (never for `Forever`);
    /// returns whether none is left.
    pub(crate) fn join_until<W: Wait, L: Limit<W>>(&self, limit: &L) -> bool {
        // Poll before announcing (see `Wait::poll_pause`): while the joiner only polls,
        // `JOIN_WAITERS` stays clear and the last `task_done` makes no wake call.
        let mut poll = Poll::new();
        while !self.all_done() && poll.pause::<W, L>(limit) {}
        loop {
            // Out of time: a last look, and no announcement, so no `task_done` owes a wake.
            if limit.expired() {
                return self.all_done();
            }
            let Some(key) = self.announce::<W>() else {
                return true;
            };
            if !limit.sleep(&self.word, key) {
                // A last look: the final `task_done` may have landed as time ran out.
                return self.all_done();
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::wait::{Deadline, Forever, Futex, Spin, WaitTimeout};
    use core::time::Duration;

    fn join_timeout<W: WaitTimeout>(t: &Tasks, timeout: Duration) -> bool {
        t.join_until::<W, _>(&Deadline::<W::Clock>::after(timeout))
    }

    #[test]
    fn done_without_tasks_is_an_error_and_never_goes_negative() {
        let t = Tasks::new();
        assert_eq!(t.done::<Futex>(), Err(TaskDoneError));
        t.add();
        assert_eq!(t.unfinished(), 1);
        assert_eq!(t.done::<Futex>(), Ok(()));
        assert_eq!(t.done::<Futex>(), Err(TaskDoneError));
        assert_eq!(t.unfinished(), 0);
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        let t = Tasks::new();
        t.word.store(LIMIT << 1, Ordering::Relaxed);
        t.add();
        assert_eq!(t.unfinished(), LIMIT);
    }

    fn joiner_wakes<W: WaitTimeout>() {
        let t = Tasks::new();
        t.add();
        t.add();
        std::thread::scope(|s| {
            let j = s.spawn(|| t.join_until::<W, _>(&Forever));
            std::thread::sleep(Duration::from_millis(20)); // make "asleep" likely
            t.done::<W>().unwrap();
            assert!(
                !join_timeout::<W>(&t, Duration::from_millis(1)),
                "one task is left"
            );
            t.done::<W>().unwrap();
            j.join().unwrap();
        });
        assert!(join_timeout::<W>(&t, Duration::ZERO));
    }

    #[test]
    fn join_returns_when_the_count_reaches_zero() {
        joiner_wakes::<Futex>();
        joiner_wakes::<Spin>();
    }
}
