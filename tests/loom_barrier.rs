//! loom models of `Barrier`: successive generations with one leader each and publication across
//! the barrier, on `Spin` and on an emulated futex (a waiter left asleep is a loom deadlock), and
//! `abort` releasing a blocked waiter.
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_barrier`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use baresync::generic::Barrier;
use baresync::wait::Wait;
use loom::sync::Arc;
use loom::thread;
use loom_futex::{Data, LoomFutex, futex_sync, model};

/// Two parties go through four generations: twice "write my slot, wait, read the other's slot,
/// wait" (the second wait keeps the next write from racing with the read). Catches a generation
/// that completes early or twice (a read races with the next write, or the leader count is off),
/// a waiter of one generation confused with one of the next (the generation bits), orderings too
/// weak to publish the writes (data race), and on the futex a leader that does not wake a sleeper
/// (deadlock).
fn two_generations<W: Wait + 'static>(barrier: fn() -> Barrier<W>) {
    model(3, move || {
        let shared = Arc::new((barrier(), [Data::new(0), Data::new(0)]));
        let party = |me: usize, shared: &(Barrier<W>, [Data; 2])| {
            let (b, slots) = shared;
            let mut leaders = 0;
            for generation in 1..=2 {
                slots[me].set(generation);
                leaders += u32::from(b.wait().is_leader());
                assert_eq!(slots[1 - me].get(), generation, "the other party's write");
                leaders += u32::from(b.wait().is_leader());
            }
            leaders
        };
        let other = {
            let shared = shared.clone();
            thread::spawn(move || party(1, &shared))
        };
        let mine = party(0, &shared);
        let theirs = other.join().unwrap();
        assert_eq!(mine + theirs, 4, "one leader per generation");
    });
}

#[test]
fn spin_two_parties_two_generations() {
    two_generations(|| baresync::spin::Barrier::new(2));
}

#[test]
fn futex_two_parties_two_generations() {
    two_generations::<LoomFutex>(|| futex_sync::Barrier::new(2));
}

/// A waiter blocks on a two-party barrier; another thread aborts it. Catches an `abort` that
/// does not wake the sleeper (deadlock) and a waiter that reports success from a broken
/// generation.
#[test]
fn futex_abort_releases_a_blocked_waiter() {
    model(3, || {
        let b = Arc::new(futex_sync::Barrier::new(2));
        let waiter = {
            let b = b.clone();
            thread::spawn(move || b.checked_wait())
        };
        b.abort();
        assert!(waiter.join().unwrap().is_err());
        assert!(b.is_broken());
    });
}
