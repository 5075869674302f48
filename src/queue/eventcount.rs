//! `EventCount`: "sleep until something may have changed", on one 32-bit word.
//!
//! An eventcount (Reed and Kanodia's, as in Dmitry Vyukov's and folly's): waiters announce
//! themselves and re-check their condition before sleeping on a snapshot of a sequence number,
//! notifiers bump the sequence only when someone announced. Each queue has one per direction:
//! `not_empty` (poppers wait on it, pushers notify) and `not_full` (pushers wait, poppers
//! notify); `close` notifies the sides that may be waiting.
//!
//! # The word
//!
//! | bits | meaning |
//! | --- | --- |
//! | bit 0, `SLEEPERS` | someone may be about to sleep on the word: the next notifier must wake |
//! | bit 1, `HEAVY` | light publishers only: follow the sleeper check with a `SeqCst` read-modify-write ("Heavy mode" below) |
//! | bit 2, `FENCED` | light publishers only: the waiter has fenced since setting `HEAVY` |
//! | bits 3..7, `UNFENCED_SLEEPS` | light publishers only: sleeps without a fence, up to 15 |
//! | bits 7..32 | a sequence number, bumped by every notifier that wakes (wrapping) |
//!
//! A waiter announces itself with `fetch_or(SLEEPERS)` and keeps the resulting word as its
//! `key`, re-checks its condition, and only then sleeps with `W::wait(word, key)`. A notifier,
//! after publishing its change, loads the word: if `SLEEPERS` (and `HEAVY`, below) is clear it
//! returns at once (one load of a line that stays shared in every cache: no read-modify-write, no
//! system call). Otherwise
//! it bumps the sequence, clears `SLEEPERS` and calls `W::wake_all`. The bump makes every
//! announced key stale, so a waiter that has not reached `W::wait` yet does not sleep at all, and
//! one already asleep is woken (the backend's compare-and-sleep is atomic with its wake).
//! `wake_all` wakes every waiter, of which usually one makes progress and the rest announce
//! themselves again: a thundering herd that costs a few wake-ups under heavy contention, accepted
//! for simplicity (`wake_one` would need a hand-off when the woken waiter times out).
//!
//! # Why the orderings are `SeqCst`
//!
//! Waiter and notifier form a Dekker (store-buffering) pair on two locations: the queue state `X`
//! and the word. The waiter writes the word (`fetch_or`) then reads `X` (its re-check); the
//! notifier writes `X` (publishing) then reads the word. Acquire/release cannot forbid both reads
//! seeing the old values, which would be a lost wake-up: the waiter sleeps on a state that has
//! already changed, and the notifier saw nobody to wake. So all four operations are `SeqCst`
//! (operations, not fences: `crate::primitive` names no fence, and a `SeqCst` store or load costs
//! no more than a release store plus a fence): in the single total order S, either the
//! notifier's load follows the waiter's `fetch_or`, and sees `SLEEPERS` (or a later bump, after
//! which the waiter's key is stale), or the waiter's re-check follows the notifier's
//! publication, and sees it. Hence the contract with the queues:
//!
//! 1. The change that can satisfy a waiter is published by a `SeqCst` store or read-modify-write
//!    (or inside a lock that the waiter's re-check also takes: the lock orders the two critical
//!    sections, and the waiter's `fetch_or` happens-before the notifier's load), and is followed
//!    by [`EventCount::notify`]. Queues pick `SeqCst` only when `W::WAKE_NEEDED`; a polling backend
//!    keeps its release stores.
//! 2. The `attempt` passed to [`EventCount::block_until`] reads that state with `SeqCst` loads
//!    (or under the lock) whenever it reports failure.
//!
//! The notifier's bump is a `SeqCst` compare-exchange (slow path only), so a waiter that announces
//! itself again after being woken reads it in S after the notifier's publication and its
//! re-check sees the change.
//!
//! # Asymmetric fences
//!
//! On x86-64 a `SeqCst` store is a locked `xchg`, which waits for the line of the slot or the
//! position to come over from the other core, on every item; a release store drains in the
//! background. Since publishing happens on every item and sleeping rarely, a backend may move the
//! whole cost to the sleeper ([`Wait::light_publish`], [`Wait::heavy_fence`]; `Futex` on Linux
//! with `membarrier`): publishers then store with `Release`, and only a compiler fence keeps
//! `notify`'s load after that store, while a waiter calls `W::heavy_fence` between its
//! `fetch_or` and its re-check. That fence runs a full barrier on every running thread, so at
//! whatever point of the notifier's instruction stream it lands, either the notifier's store is
//! visible to the re-check, or its load follows the `fetch_or`. Neither loom nor Miri can model
//! it (both check the `SeqCst` protocol: Miri's `Futex` has no `membarrier`, loom has no `Futex`);
//! the host suite runs it on every `Futex` test.
//!
//! Only `SpscQueue` uses it, whose publications are plain stores. `MpmcQueue` publishes with
//! read-modify-writes, which cost the same at `SeqCst` ([`strong_publish_ordering`]), so its
//! waiters skip the fence.
//!
//! # Heavy mode
//!
//! The fence is a fraction of a microsecond on an idle machine, but about 11 µs in this
//! repository's 2-vCPU VM while other threads of the process run on the other core (it
//! interrupts them), and a waiter that sleeps on every item (a capacity-1 hand-off under load)
//! pays it on every item. So the waiter of an `EventCount<true>` can move the cost back to the
//! publisher for a while: when the backend reports its fences costly
//! ([`Wait::heavy_fence_is_costly`]: on `Futex`, slow and frequent, so that a full barrier in
//! each publication would cost less; a queue that sleeps now and then keeps its fences), the
//! waiter sets `HEAVY` in the word. The publisher still stores light, but its sleeper check (the
//! load of the word after the store, in [`EventCount::notify`]) follows a `HEAVY` it reads with a
//! `SeqCst` read-modify-write of the word before it decides whether to wake: the symmetric
//! protocol on the word alone, which needs no fence. Either that read-modify-write follows the
//! waiter's announcing `fetch_or` in the word's modification order, and reads `SLEEPERS` (or a
//! later bump, after which the waiter's key is stale), or the `fetch_or` reads from it or from a
//! later write of the word; every write of the word is a read-modify-write, so that is its release
//! sequence, and the publishing store, sequenced before it, happens-before the waiter's re-check.
//! The publisher reads the word once per publication, after the store, as without heavy mode. (On
//! x86-64 LLVM compiles that `fetch_or(0)` to a locked `or` on the stack and a load of the word:
//! a full barrier between the store and the load, the hardware form of the same argument.)
//!
//! A publication whose sleeper check read `HEAVY` clear, just before it was set, may have missed
//! a waiter that does not fence, so the waiter keeps fencing until one fence has run after `HEAVY`
//! was set, and marks that with `FENCED`; from then on it sleeps without fencing. Why that is
//! enough: that fence runs a full barrier at some point of the publisher's instruction stream. A
//! sleeper check that read `HEAVY` clear lies before that point: after it, the check would read
//! `HEAVY`, which stays set until the waiter itself ends the mode, clearing `FENCED` with it, so
//! that its next sleep fences again. The publishing store comes before its sleeper check in that
//! stream, so it lies before the point too, and the fencing waiter's re-check sees it, as does
//! every later one.
//! After 15 sleeps without fencing, or calls that got through without sleeping (a waiter that
//! stopped sleeping must not leave its publisher on read-modify-writes for good), the mode lapses:
//! the waiter clears the three fields, which spares the publisher the read-modify-write again,
//! and fences on its next sleep and after, until the backend reports costly fences again.
//!
//! This reasoning needs **one publisher and one waiter per eventcount**, as `SpscQueue`'s halves
//! give (`close` publishes with `SeqCst`). A fence that fails (`Wait::heavy_fence` returns false)
//! sets nothing and leaves a key that cannot sleep: the waiter re-checks and tries again. The
//! mode's fields live in the word, beside `SLEEPERS`, and only the waiter writes them; a
//! notifier's bump carries them over.

//! # Polling before sleeping, and polling backends
//!
//! Before announcing itself, a waiter re-tries its attempt through a bounded polling phase
//! ([`Wait::poll_pause`]: spinning, and on `Futex` yields for about 16 µs), so a queue that
//! turns empty or full for a moment costs no `prepare`, no wake and no system call on either
//! side.
//!
//! With [`Wait::WAKE_NEEDED`] false (as for `Spin`), nobody sleeps: `notify` is a no-op and
//! waiters re-try through the polling phase between attempts, then with `W::wait` on the
//! unchanging word as their pause (a polling backend's `wait` returns after a bounded pause, by
//! contract). The word is never written. Going through `W::wait` keeps the backend in charge of
//! how to pause (a yield, a debug check that the caller may block at all).

use core::sync::atomic::compiler_fence;

use crate::primitive::{AtomicU32, Ordering, const_fn, loom_dekker_fence};
use crate::wait::{Limit, Poll, Wait};

/// The ordering of a read-modify-write, or of a rare store (`close`), that publishes a change
/// waiters may sleep on: `SeqCst` when the backend needs waking (the eventcount contract, module
/// docs), `Release` for a polling backend. Callers still pair it with an Acquire (or `SeqCst`)
/// load on the reading side.
///
/// A queue whose every publication is a read-modify-write uses this one and an
/// `EventCount<false>`, whose waiters skip `W::heavy_fence`: the `SeqCst` costs its publishers
/// nothing there (on x86-64 a read-modify-write is one locked instruction whatever its ordering;
/// on AArch64 an acquiring load-exclusive), while the asymmetric fence costs each waiter a
/// system call that interrupts every core running the process (module docs, "Heavy mode").
#[inline]
pub(crate) fn strong_publish_ordering<W: Wait>() -> Ordering {
    if W::WAKE_NEEDED {
        Ordering::SeqCst
    } else {
        Ordering::Release
    }
}

/// The ordering of a load that decides whether to wait: `SeqCst` in the re-check after
/// announcing a waiter (the eventcount contract), `weak` on the fast path.
#[inline]
pub(crate) fn check_ordering(recheck: bool, weak: Ordering) -> Ordering {
    if recheck { Ordering::SeqCst } else { weak }
}

/// Bit 0: a waiter may be asleep (or about to sleep); the next notifier must wake.
const SLEEPERS: u32 = 1;
/// Bit 1, light publishers only: the waiter asks the publisher to follow its sleeper check with
/// a `SeqCst` read-modify-write ("Heavy mode" in the module docs).
const HEAVY: u32 = 2;
/// Bit 2, light publishers only: the waiter has fenced since it set `HEAVY`, so it may sleep
/// without fencing.
const FENCED: u32 = 4;
/// Bits 3..7, light publishers only: sleeps without a fence since `FENCED`; at the maximum (15)
/// the heavy mode lapses.
const UNFENCED_SLEEPS: u32 = 0xf << 3;
/// One sleep in `UNFENCED_SLEEPS`.
const ONE_SLEEP: u32 = 1 << 3;
/// One step of the sequence in bits 7..32.
const STEP: u32 = 1 << 7;

/// An eventcount: waiters sleep until a notifier reports a change. See the module docs.
///
/// `LIGHT_PUBLISHERS`: whether notifiers may publish with
/// [`publish_ordering`](EventCount::publish_ordering), which is `Release` when the backend offers
/// asymmetric fences; waiters then call `W::heavy_fence` before re-checking, or switch to heavy
/// mode (module docs), which needs one publisher and one waiter. `MpmcQueue`, the lock-based
/// queues and `join` publish under a lock or with a `SeqCst` read-modify-write, so their waiters
/// skip that system call.
pub(crate) struct EventCount<const LIGHT_PUBLISHERS: bool = true> {
    /// `SLEEPERS` flag plus sequence number; see the module docs.
    word: AtomicU32,
}

impl<const LIGHT_PUBLISHERS: bool> EventCount<LIGHT_PUBLISHERS> {
    const_fn! {
        /// An eventcount with nobody waiting.
        pub(crate) fn new() -> Self {
            Self { word: AtomicU32::new(0) }
        }
    }

    /// Reports a change published just before (by a `SeqCst` operation when `W::WAKE_NEEDED`, or
    /// a store with [`publish_ordering`](EventCount::publish_ordering)): wakes every waiter if any
    /// announced itself, else costs one load (and in heavy mode a read-modify-write).
    #[inline]
    pub(crate) fn notify<W: Wait>(&self) {
        if !W::WAKE_NEEDED {
            return;
        }
        // SeqCst: the notifier's load of the Dekker pair (module docs); it follows the caller's
        // SeqCst publication in S. (The fence is loom's stand-in for that order: `primitive.rs`.)
        loom_dekker_fence();
        // With a light publication (`Wait::light_publish`) only the compiler must keep this
        // load after the caller's store; the waiters' `heavy_fence` does the rest.
        compiler_fence(Ordering::SeqCst);
        let word = self.word.load(Ordering::SeqCst);
        // `HEAVY` is set only for light publishers, whose waiter may then sleep without fencing.
        if word & (SLEEPERS | HEAVY) != 0 {
            self.wake_slow::<W>(word);
        }
    }

    /// Not inlined: every push and pop notifies, and one out-of-line copy of the rare path keeps
    /// the inlined fast path to a load and a test.
    #[cold]
    #[inline(never)]
    fn wake_slow<W: Wait>(&self, mut word: u32) {
        // `HEAVY` is only ever set where waiters fence light publishers (`prepare`), and
        // `fences_light_publishers` stays `true` there once it was (the `Wait` contract). Asking
        // it lets every other queue and backend drop this branch (24 B on thumbv7em).
        if word & HEAVY != 0 && Self::fences_light_publishers::<W>() {
            // Heavy mode: the waiter may not have fenced, so the load above may have been served
            // before our light store was visible. SeqCst read-modify-write (an `or` of nothing):
            // ordered after the store for the waiter too (module docs, "Heavy mode").
            word = self.word.fetch_or(0, Ordering::SeqCst);
            #[cfg(all(test, target_os = "linux"))]
            tests::HEAVY_NOTIFIES.with(|n| n.set(n.get() + 1));
        }
        while word & SLEEPERS != 0 {
            // SeqCst on success: a waiter that re-announces itself after this bump reads it in S
            // after our publication (module docs). SeqCst on failure: the reloaded word is then
            // read in S after our publication too, so if it shows `SLEEPERS` clear, whoever
            // cleared it woke every waiter announced before, and later ones see our change.
            match self.word.compare_exchange_weak(
                word,
                (word & !SLEEPERS).wrapping_add(STEP),
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => {
                    W::wake_all(&self.word);
                    return;
                }
                Err(now) => word = now,
            }
        }
    }

    /// Whether this queue's publishers may store lightly, so its waiters fence for them (and may
    /// set `HEAVY`): a compile-time `false` for every backend but those with asymmetric fences.
    #[inline]
    fn fences_light_publishers<W: Wait>() -> bool {
        LIGHT_PUBLISHERS && W::light_publish()
    }

    /// Announces a waiter; returns the key to sleep on.
    #[inline]
    fn prepare<W: Wait>(&self) -> u32 {
        // SeqCst: the waiter's write of the Dekker pair (module docs); the caller's re-check
        // follows it in S. (The fence is loom's stand-in for that order: `primitive.rs`.)
        let key = self.word.fetch_or(SLEEPERS, Ordering::SeqCst) | SLEEPERS;
        loom_dekker_fence();
        if Self::fences_light_publishers::<W>() {
            self.fence_light_publishers::<W>(key)
        } else {
            key
        }
    }

    /// The waiter's half of an asymmetric fence, for publishers that skipped theirs, or none in
    /// heavy mode; moves between the modes (module docs, "Heavy mode"). Returns the key to sleep
    /// on: the word as this waiter left it.
    #[cold]
    fn fence_light_publishers<W: Wait>(&self, mut key: u32) -> u32 {
        if key & FENCED != 0 {
            if key & UNFENCED_SLEEPS != UNFENCED_SLEEPS {
                // Heavy mode: every publication the re-check may miss makes a `SeqCst`
                // read-modify-write of the word after its store.
                return self.update(key, |word| word + ONE_SLEEP);
            }
            // Lapse: the publisher may store light again from now on, so this sleep fences.
            key = self.update(key, |word| word & !(HEAVY | FENCED | UNFENCED_SLEEPS));
        }
        if !W::heavy_fence() {
            // No barrier ran: this announcement must not sleep. A key without `SLEEPERS` never
            // matches the word (which has it, or a newer sequence), so the sleep returns at once
            // and the caller re-checks and announces itself again.
            return key & !SLEEPERS;
        }
        if key & HEAVY != 0 {
            // `HEAVY` was set before this fence: every publication that read it clear is
            // covered by this fence, and every later one reads it set.
            self.update(key, |word| word | FENCED)
        } else if W::heavy_fence_is_costly() {
            // Ask; the next sleep fences once more, then stops (module docs).
            self.update(key, |word| word | HEAVY)
        } else {
            key
        }
    }

    /// The waiter's call succeeded without announcing itself. In heavy mode that counts towards
    /// the lapse like a sleep without a fence: a waiter that stopped sleeping would otherwise keep
    /// its publisher on read-modify-writes for good (module docs, "Heavy mode").
    #[inline]
    fn got_through_without_sleeping<W: Wait>(&self) {
        // Relaxed: only the waiter writes the mode fields, and it is not asleep: whatever it
        // leaves there, its next announcement starts from it (clearing `FENCED` makes it fence).
        if Self::fences_light_publishers::<W>() {
            let word = self.word.load(Ordering::Relaxed);
            if word & HEAVY != 0 {
                self.wind_down(word);
            }
        }
    }

    /// Counts one call without a sleep in heavy mode, and ends the mode at the fifteenth.
    #[cold]
    fn wind_down(&self, word: u32) {
        // Relaxed: as in `got_through_without_sleeping`.
        if word & UNFENCED_SLEEPS != UNFENCED_SLEEPS {
            self.word.fetch_add(ONE_SLEEP, Ordering::Relaxed);
        } else {
            self.word
                .fetch_and(!(HEAVY | FENCED | UNFENCED_SLEEPS), Ordering::Relaxed);
        }
    }

    /// Applies `change` to the word, which the caller last saw as `key`; returns the new key.
    fn update(&self, mut key: u32, change: impl Fn(u32) -> u32) -> u32 {
        // Relaxed: the heavy-mode argument (module docs) rests on the coherence of this one word
        // and on the asymmetric fence, which acts as a `SeqCst` fence in the waiter and in every
        // publisher: a write sequenced before the waiter's fence is seen by each publisher's
        // loads after its side of it. (The mode's bookkeeping, `FENCED` and the count, is read
        // by the waiter alone.) A notifier may have bumped the word meanwhile (and cleared
        // `SLEEPERS`): the key keeps `SLEEPERS`, so it is stale and the sleep returns at once, to
        // re-check after that publication.
        loop {
            match self.word.compare_exchange_weak(
                key,
                change(key),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return change(key) | SLEEPERS,
                Err(now) => key = now,
            }
        }
    }

    /// Makes `attempt` until it succeeds, re-trying it after every possible change, or until
    /// `limit` expires (never for `Forever`): then returns the payload.
    ///
    /// `attempt` takes the caller's payload (the item of a push, `()` for a pop) and hands it back
    /// on failure. It runs first at once, then after each pause of the polling phase, after the
    /// announcement (the re-check of the module docs), and after each sleep; see the module docs
    /// for what it must load with `SeqCst`. One call site, so the inlined attempt is written
    /// once in the code. Never reports a timeout before the deadline's clock says it has passed,
    /// and gives up before announcing itself once it has.
    pub(crate) fn block_until<W: Wait, L: Limit<W>, X, R>(
        &self,
        mut payload: X,
        limit: &L,
        mut attempt: impl FnMut(X) -> Result<R, X>,
    ) -> Result<R, X> {
        let mut poll = Poll::new();
        let mut polling = true;
        // The key of an announcement whose re-check failed: the next step is to sleep on it.
        let mut announced = None;
        loop {
            payload = match attempt(payload) {
                Ok(done) => {
                    if polling {
                        self.got_through_without_sleeping::<W>();
                    }
                    return Ok(done);
                }
                Err(payload) => payload,
            };
            if let Some(key) = announced.take() {
                if !limit.sleep(&self.word, key) {
                    return Err(payload);
                }
            } else if polling && poll.pause::<W, L>(limit) {
                // Paused within the polling phase (module docs): nobody has to wake us.
            } else {
                polling = false;
                if limit.expired() {
                    return Err(payload);
                }
                if W::WAKE_NEEDED {
                    announced = Some(self.prepare::<W>());
                } else {
                    // Polling backend: its bounded `wait` is the pause (module docs).
                    W::wait(&self.word, self.word.load(Ordering::Relaxed));
                }
            }
        }
    }
}

impl EventCount<true> {
    /// The ordering of the store that publishes a change this eventcount's waiter may sleep on
    /// (a queue position): `SeqCst` when the backend needs waking, unless it offers asymmetric
    /// fences; then `Release`, and the waiter pays with `W::heavy_fence`, or in heavy mode the
    /// publisher's [`notify`](Self::notify) with a read-modify-write (module docs). `Release` for
    /// a polling backend. Reads nothing of the word: the one load per publication is `notify`'s.
    #[inline]
    pub(crate) fn publish_ordering<W: Wait>(&self) -> Ordering {
        if !W::WAKE_NEEDED || W::light_publish() {
            Ordering::Release
        } else {
            Ordering::SeqCst
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::wait::{Deadline, Forever, Futex, MonotonicClock, Spin};
    use core::time::Duration;

    fn ready(flag: &AtomicU32) -> Result<(), ()> {
        // SeqCst: the re-check of the contract.
        if flag.load(Ordering::SeqCst) != 0 {
            Ok(())
        } else {
            Err(())
        }
    }

    fn handoff<W: Wait>() {
        let count: EventCount = EventCount::new();
        let flag = AtomicU32::new(0);
        std::thread::scope(|s| {
            s.spawn(|| count.block_until::<W, _, _, _>((), &Forever, |()| ready(&flag)));
            std::thread::sleep(Duration::from_millis(20)); // make "asleep" likely
            flag.store(1, Ordering::SeqCst);
            count.notify::<W>();
        });
    }

    #[test]
    fn a_notified_waiter_wakes() {
        handoff::<Futex>();
        handoff::<Spin>();
    }

    #[test]
    fn notify_without_sleepers_leaves_the_word_alone() {
        // No light publishers: no fence, no mode (heavy mode has its own tests below).
        let count: EventCount<false> = EventCount::new();
        count.notify::<Futex>();
        assert_eq!(count.word.load(Ordering::Relaxed), 0);
        let key = count.prepare::<Futex>();
        assert_eq!(key, SLEEPERS);
        count.notify::<Futex>();
        assert_eq!(
            count.word.load(Ordering::Relaxed),
            STEP,
            "bumped, flag cleared"
        );
    }

    use core::sync::atomic::AtomicU32 as Counter;

    std::thread_local! {
        /// Notifies on this thread that took heavy mode's read-modify-write (`wake_slow`).
        pub(super) static HEAVY_NOTIFIES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }

    /// Fences made by each `Fences` backend (one counter per test: tests run in parallel).
    static FENCES: [Counter; 4] = [const { Counter::new(0) }; 4];

    /// `Futex` with asymmetric fences that it counts in `FENCES[SLOT]`, reports costly if
    /// `COSTLY`, and reports failed if `FAILS`.
    struct Fences<const COSTLY: bool, const SLOT: usize, const FAILS: bool = false>;

    impl<const COSTLY: bool, const SLOT: usize> Fences<COSTLY, SLOT> {
        fn made() -> u32 {
            FENCES[SLOT].load(Ordering::Relaxed)
        }
    }

    impl<const COSTLY: bool, const SLOT: usize, const FAILS: bool> Wait
        for Fences<COSTLY, SLOT, FAILS>
    {
        fn wait(word: &AtomicU32, expected: u32) {
            Futex::wait(word, expected)
        }
        fn wake_one(word: *const AtomicU32) {
            Futex::wake_one(word)
        }
        fn wake_all(word: *const AtomicU32) {
            Futex::wake_all(word)
        }
        fn light_publish() -> bool {
            true
        }
        fn heavy_fence() -> bool {
            FENCES[SLOT].fetch_add(1, Ordering::Relaxed);
            !FAILS
        }
        fn heavy_fence_is_costly() -> bool {
            COSTLY
        }
    }

    type Costly = Fences<true, 1>;

    #[test]
    fn costly_fences_move_the_waiter_to_heavy_mode_and_back() {
        let count: EventCount = EventCount::new();
        // Stores stay light in every mode: heavy mode is the notifier's business.
        assert_eq!(count.publish_ordering::<Costly>(), Ordering::Release);

        // First sleep: fences, finds the fence costly, asks for heavy mode.
        let key = count.prepare::<Costly>();
        assert_eq!((Costly::made(), key & (HEAVY | FENCED)), (1, HEAVY));
        assert_eq!(count.publish_ordering::<Costly>(), Ordering::Release);
        // Second: fences once more, after `HEAVY` was set, and says so.
        let key = count.prepare::<Costly>();
        assert_eq!(
            (Costly::made(), key & (HEAVY | FENCED)),
            (2, HEAVY | FENCED)
        );
        assert_eq!(
            key,
            count.word.load(Ordering::Relaxed),
            "the key is the word"
        );

        // A notifier's bump keeps the mode.
        count.notify::<Costly>();
        let word = count.word.load(Ordering::Relaxed);
        assert_eq!(word & (SLEEPERS | HEAVY | FENCED), HEAVY | FENCED);
        assert_eq!(
            word & !(STEP - 1),
            key.wrapping_add(STEP) & !(STEP - 1),
            "bumped"
        );
        // With nobody announced, a heavy-mode notify still makes its read-modify-write, which
        // changes nothing.
        let before = HEAVY_NOTIFIES.with(|n| n.get());
        count.notify::<Costly>();
        assert_eq!(
            HEAVY_NOTIFIES.with(|n| n.get()),
            before + 1,
            "the heavy-mode read-modify-write"
        );
        assert_eq!(count.word.load(Ordering::Relaxed), word);

        // Then 15 sleeps without a fence.
        for sleeps in 1..=15 {
            let key = count.prepare::<Costly>();
            assert_eq!(Costly::made(), 2);
            assert_eq!((key & UNFENCED_SLEEPS) / ONE_SLEEP, sleeps);
        }
        // The 16th lapses: it fences, and asks again since the fence is still costly.
        let key = count.prepare::<Costly>();
        assert_eq!(Costly::made(), 3);
        assert_eq!(key & (HEAVY | FENCED | UNFENCED_SLEEPS), HEAVY);
        assert_eq!(key & !(STEP - 1), word & !(STEP - 1), "one bump, kept");
    }

    #[test]
    fn a_waiter_that_stops_sleeping_ends_heavy_mode() {
        type Costly = Fences<true, 2>;
        let count: EventCount = EventCount::new();
        count.prepare::<Costly>();
        count.prepare::<Costly>();
        assert_eq!(count.word.load(Ordering::Relaxed) & HEAVY, HEAVY);
        // Fifteen calls that find the item at once count down; the sixteenth ends the mode.
        for _ in 0..16 {
            let r: Result<(), ()> = count.block_until::<Costly, _, _, _>((), &Forever, Ok);
            assert_eq!(r, Ok(()));
        }
        let word = count.word.load(Ordering::Relaxed);
        assert_eq!(word & (HEAVY | FENCED | UNFENCED_SLEEPS), 0);
        // And the publisher is light again: no read-modify-write after its store.
        let before = HEAVY_NOTIFIES.with(|n| n.get());
        count.notify::<Costly>();
        assert_eq!(HEAVY_NOTIFIES.with(|n| n.get()), before);
    }

    /// `Futex` with asymmetric fences whose barrier call fails.
    type FailingFence = Fences<true, 3, true>;

    #[test]
    fn a_failed_fence_never_sleeps_and_never_enters_heavy_mode() {
        // A waiter whose barrier did not run must not sleep on its announcement: a publisher's
        // light store may still be invisible to its re-check. Its key cannot match the word.
        let count: EventCount = EventCount::new();
        for _ in 0..3 {
            let key = count.prepare::<FailingFence>();
            let word = count.word.load(Ordering::Relaxed);
            assert_ne!(key, word, "a key that could sleep");
            assert_eq!(
                word & (HEAVY | FENCED),
                0,
                "no mode on a fence that did not run"
            );
        }
        // And the wait loop gets through: a sleep on that key returns at once.
        let flag = AtomicU32::new(0);
        let mut attempts = 0;
        let r: Result<(), ()> = count.block_until::<FailingFence, _, _, _>((), &Forever, |()| {
            attempts += 1;
            if attempts == 40 {
                flag.store(1, Ordering::SeqCst);
            }
            ready(&flag)
        });
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn cheap_fences_never_leave_light_mode() {
        type Cheap = Fences<false, 0>;
        let count: EventCount = EventCount::new();
        for made in 1..=3 {
            let key = count.prepare::<Cheap>();
            assert_eq!(Cheap::made(), made, "every sleep fences");
            assert_eq!(key & (HEAVY | FENCED | UNFENCED_SLEEPS), 0);
        }
        assert_eq!(count.publish_ordering::<Cheap>(), Ordering::Release);
        assert_eq!(
            count.publish_ordering::<Spin>(),
            Ordering::Release,
            "polling backend"
        );
    }

    #[test]
    fn a_notifier_between_the_waiters_steps_leaves_a_stale_key() {
        // The bump lands after the announcement, before the mode change: the returned key keeps
        // `SLEEPERS`, the word does not, so the sleep returns at once to re-check.
        let count: EventCount = EventCount::new();
        let key = count.word.fetch_or(SLEEPERS, Ordering::SeqCst) | SLEEPERS;
        count.notify::<Costly>();
        let key = count.update(key, |word| word | HEAVY);
        let word = count.word.load(Ordering::Relaxed);
        assert_eq!(word, STEP | HEAVY);
        assert_ne!(key, word);
    }

    #[test]
    fn block_until_times_out_with_the_payload() {
        let count: EventCount = EventCount::new();
        let deadline = Deadline::<MonotonicClock>::after(Duration::from_millis(5));
        let r: Result<(), u8> = count.block_until::<Futex, _, _, _>(7, &deadline, Err);
        assert_eq!(r, Err(7));
        assert!(deadline.remaining().is_none(), "never before the deadline");
    }
}
