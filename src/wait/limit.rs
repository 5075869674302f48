//! How long a blocking call may wait, and the polling phase that comes before it sleeps.
//!
//! Every blocking operation of the crate is written once, as a slow path generic over a
//! [`Limit`]: [`Forever`] for the untimed verb (`lock`, `wait`, `pop`, ...) on any [`Wait`]
//! backend, a [`Deadline`] for the timed one (`lock_timeout`, `wait_timeout`, `pop_timeout`, ...)
//! on a [`WaitTimeout`] backend. A backend without a clock has no `Deadline` limit, so it has no
//! timed methods at all, and the untimed twin pays nothing for the timed one: `Forever::expired`
//! is a constant `false` and `Forever::sleep` is `W::wait`, so once monomorphised the loop is the
//! untimed loop, instruction for instruction.
//!
//! Both twins run the same loop: the same polling phase ([`Poll`]; except that an untimed lock wait
//! asks the backend for a lock's phase, [`Wait::lock_poll_pause`], and a timed one for the hand-off
//! phase, [`Wait::poll_pause`]), the same announcement, the same wake rules. The limit only adds
//! its checks: the polling phase ends at the deadline, and a caller whose deadline has passed gives
//! up before it announces itself, so a zero (or already passed) timeout never sleeps, never yields
//! and never leaves a wake owed. (A `Mutex` caller that has already slept marks the word before it
//! leaves, since the unlock that woke it may have meant the wake for the next sleeper: see
//! `mutex.rs`.)

use super::{AtomicU32, Deadline, Wait, WaitTimeout};

/// How long a blocking call may wait: [`Forever`] or a [`Deadline`].
pub(crate) trait Limit<W: Wait> {
    /// What a slow path that can only succeed or time out returns: `()` for [`Forever`], which
    /// cannot time out (so the untimed path returns nothing, as it always did), `bool` for a
    /// deadline (`true`: done).
    type Outcome: Copy;
    /// The outcome "done".
    const DONE: Self::Outcome;
    /// The outcome "the limit expired first".
    const EXPIRED: Self::Outcome;
    /// Whether the limit is a deadline.
    const TIMED: bool;

    /// Whether the caller must give up now.
    fn expired(&self) -> bool;

    /// Blocks while `word` holds `expected` (as [`Wait::wait`], possibly returning spuriously),
    /// but not past the limit. Returns `false`, without blocking, once the limit has expired.
    fn sleep(&self, word: &AtomicU32, expected: u32) -> bool;
}

/// No limit: the untimed verbs.
pub(crate) struct Forever;

impl<W: Wait> Limit<W> for Forever {
    type Outcome = ();
    const DONE: () = ();
    const EXPIRED: () = ();
    const TIMED: bool = false;

    #[inline(always)]
    fn expired(&self) -> bool {
        false
    }

    #[inline(always)]
    fn sleep(&self, word: &AtomicU32, expected: u32) -> bool {
        W::wait(word, expected);
        true
    }
}

impl<W: WaitTimeout> Limit<W> for Deadline<W::Clock> {
    type Outcome = bool;
    const DONE: bool = true;
    const EXPIRED: bool = false;
    const TIMED: bool = true;

    #[inline]
    fn expired(&self) -> bool {
        self.remaining().is_none()
    }

    // Not inlined: one copy per backend serves every primitive's timed wait.
    #[inline(never)]
    fn sleep(&self, word: &AtomicU32, expected: u32) -> bool {
        match self.remaining() {
            None => false,
            Some(left) => {
                W::wait_timeout(word, expected, left);
                true
            }
        }
    }
}

/// A caller's progress through the polling phase of one wait (see [`Wait::poll_pause`]).
pub(crate) struct Poll {
    round: u32,
    /// The backend has ended the phase: it stays ended, whatever the backend would answer
    /// later (a caller that fails to announce itself asks again).
    over: bool,
}

impl Poll {
    /// The first round.
    #[inline]
    pub(crate) const fn new() -> Self {
        Self {
            round: 0,
            over: false,
        }
    }

    /// Pauses once and returns `true`, or returns `false`, without pausing, when the caller
    /// should stop polling: the backend does not poll ([`Wait::POLLS`]), its phase is over, or
    /// the limit has expired (checked first, so an expired deadline never spins or yields).
    #[inline]
    pub(crate) fn pause<W: Wait, L: Limit<W>>(&mut self, limit: &L) -> bool {
        self.step(limit, W::poll_pause)
    }

    /// As [`pause`](Self::pause), for a caller that waits for a lock's holder: an untimed wait
    /// takes the lock's phase ([`Wait::lock_poll_pause`]); a timed one keeps the hand-off phase,
    /// since on `Futex` a lock's phase may yield for a whole time slice past the deadline.
    #[inline]
    pub(crate) fn lock_pause<W: Wait, L: Limit<W>>(&mut self, limit: &L) -> bool {
        if L::TIMED {
            self.step(limit, W::poll_pause)
        } else {
            self.step(limit, W::lock_poll_pause)
        }
    }

    #[inline]
    fn step<W: Wait, L: Limit<W>>(&mut self, limit: &L, pause: impl FnOnce(u32) -> bool) -> bool {
        if !W::POLLS || self.over || limit.expired() {
            return false;
        }
        let round = self.round;
        self.round = round.saturating_add(1);
        self.over = !pause(round);
        !self.over
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::Clock;
    use core::time::Duration;
    use portable_atomic::{AtomicU32 as Counter, Ordering};

    static HAND_OFF_PAUSES: Counter = Counter::new(0);
    static LOCK_PAUSES: Counter = Counter::new(0);

    /// A clock that never moves: a deadline on it never passes.
    struct Frozen;
    impl Clock for Frozen {
        fn now() -> Duration {
            Duration::ZERO
        }
    }

    /// Counts the pauses of each polling phase; each phase is two pauses long, and would start
    /// again at round 3 if asked.
    struct Counting;
    impl Wait for Counting {
        fn wait(_: &AtomicU32, _: u32) {}
        fn wake_one(_: *const AtomicU32) {}
        fn wake_all(_: *const AtomicU32) {}
        fn poll_pause(round: u32) -> bool {
            HAND_OFF_PAUSES.fetch_add(1, Ordering::Relaxed);
            round != 2
        }
        fn lock_poll_pause(round: u32) -> bool {
            LOCK_PAUSES.fetch_add(1, Ordering::Relaxed);
            round != 2
        }
    }
    impl WaitTimeout for Counting {
        type Clock = Frozen;
        fn wait_timeout(_: &AtomicU32, _: u32, _: Duration) -> bool {
            true
        }
    }

    fn pauses() -> (u32, u32) {
        (
            HAND_OFF_PAUSES.load(Ordering::Relaxed),
            LOCK_PAUSES.load(Ordering::Relaxed),
        )
    }

    #[test]
    fn only_an_untimed_lock_wait_takes_the_lock_phase() {
        // The only test of `Counting`: the counts add up across it.
        let mut poll = Poll::new();
        while poll.lock_pause::<Counting, _>(&Forever) {}
        assert_eq!(pauses(), (0, 3), "untimed lock wait: the lock phase");
        assert!(!poll.lock_pause::<Counting, _>(&Forever));
        assert_eq!(pauses(), (0, 3), "an ended phase stays ended");

        // A yield can keep the core away for a time slice, past a deadline: a timed lock wait
        // keeps the hand-off phase, which stops yielding on a busy machine.
        let deadline = Deadline::<Frozen>::after(Duration::from_secs(1));
        let mut poll = Poll::new();
        while poll.lock_pause::<Counting, _>(&deadline) {}
        assert_eq!(pauses(), (3, 3), "timed lock wait: the hand-off phase");

        let mut poll = Poll::new();
        while poll.pause::<Counting, _>(&Forever) {}
        assert_eq!(pauses(), (6, 3), "hand-off wait: the hand-off phase");

        let mut poll = Poll::new();
        assert!(!poll.lock_pause::<Counting, _>(&Deadline::<Frozen>::after(Duration::ZERO)));
        assert_eq!(pauses(), (6, 3), "an expired deadline: no pause at all");
    }
}
