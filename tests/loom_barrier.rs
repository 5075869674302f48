//! loom models of `Barrier`: successive generations with one leader and distinct arrival indices
//! each and publication across the barrier, with and without an action (which must run once per
//! generation, before anyone is released), on `Spin` and on an emulated futex (a waiter left
//! asleep is a loom deadlock); a waiter that stalls while the others run more generations than
//! a one-bit generation number tells apart; and `abort` releasing a blocked waiter.
//!
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release --test loom_barrier`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use baresync::BarrierWaitResult;
use baresync::generic::Barrier;
use baresync::wait::Wait;
use loom::sync::Arc;
use loom::thread;
use loom_futex::{Data, LoomFutex, futex_sync, model};

loom::lazy_static! {
    /// Generations completed, as counted by [`count_trip`]: a plain value, so loom reports a
    /// race if the barrier does not order the action before every party's return, and every
    /// party's reads before the next action.
    static ref TRIPS: Data = Data::new(0);
}

/// The action of the models that have one.
fn count_trip() {
    TRIPS.set(TRIPS.get() + 1);
}

/// Two parties go through `2 * rounds` generations: `rounds` times "write my slot, wait, read the
/// other's slot, wait" (the second wait keeps the next write from racing with the read). Catches a generation
/// that completes early or twice (a read races with the next write, or the leader count is off),
/// a waiter of one generation confused with one of the next (the generation bit), arrival
/// indices handed out twice or a leader that did not arrive last, orderings too weak to publish
/// the writes (data race), and on the futex a leader that does not wake a sleeper (deadlock).
/// With `with_action` set, the barrier counts its trips in [`TRIPS`], which every party reads
/// after each wait: a second count, or an action that runs after a party was released or races
/// with a party's read, fails the model.
fn rounds<W: Wait + 'static>(barrier: fn() -> Barrier<W>, rounds: u32, with_action: bool) {
    model(3, move || {
        let shared = Arc::new((barrier(), [Data::new(0), Data::new(0)]));
        let party = move |me: usize, shared: &(Barrier<W>, [Data; 2])| {
            let (b, slots) = shared;
            let mut results = Vec::new();
            let mut wait = || {
                let result = b.wait();
                results.push(result);
                if with_action {
                    assert_eq!(
                        TRIPS.get(),
                        results.len() as u32,
                        "one action per generation"
                    );
                }
                result.is_leader()
            };
            let mut leaders = 0;
            for generation in 1..=rounds {
                slots[me].set(generation);
                leaders += u32::from(wait());
                assert_eq!(slots[1 - me].get(), generation, "the other party's write");
                leaders += u32::from(wait());
            }
            (leaders, results)
        };
        let other = {
            let shared = shared.clone();
            thread::spawn(move || party(1, &shared))
        };
        let (mine, my_results) = party(0, &shared);
        let (theirs, their_results) = other.join().unwrap();
        assert_eq!(mine + theirs, 2 * rounds, "one leader per generation");
        for (m, t) in my_results.iter().zip(&their_results) {
            assert_one_generation(&[*m, *t]);
        }
    });
}

/// `results` are the waits of one generation of `results.len()` parties: each arrival index
/// once, and the leader is the last to arrive.
fn assert_one_generation(results: &[BarrierWaitResult]) {
    let parties = results.len() as u32;
    let mut indices: Vec<u32> = results.iter().map(|r| r.arrival_index()).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..parties).collect::<Vec<_>>(), "arrival indices");
    for r in results {
        assert_eq!(
            r.is_leader(),
            r.arrival_index() == parties - 1,
            "the leader arrives last"
        );
    }
}

#[test]
fn spin_two_parties_two_generations() {
    rounds(|| baresync::spin::Barrier::new(2), 2, false);
}

#[test]
fn futex_two_parties_two_generations() {
    rounds::<LoomFutex>(|| futex_sync::Barrier::new(2), 2, false);
}

// On `Spin`, whose waiters poll while the leader runs the action, two rounds take loom more than
// five minutes; one round (two generations) still catches an action run twice, or after a
// release. The futex model runs two.

#[test]
fn spin_action_runs_once_before_release() {
    rounds(
        || baresync::spin::Barrier::with_action(2, count_trip),
        1,
        true,
    );
}

#[test]
fn futex_action_runs_once_before_release() {
    rounds::<LoomFutex>(|| futex_sync::Barrier::with_action(2, count_trip), 2, true);
}

/// Three parties, one generation, with an action: the three indices are distinct and the
/// action has run, exactly once, before each of them returns.
#[test]
fn futex_three_parties_indices_and_action() {
    model(2, || {
        let b = Arc::new(futex_sync::Barrier::with_action(3, count_trip));
        let spawn = || {
            let b = b.clone();
            thread::spawn(move || {
                let result = b.wait();
                assert_eq!(TRIPS.get(), 1, "the action ran before this party returned");
                result
            })
        };
        let others = [spawn(), spawn()];
        let mine = b.wait();
        assert_eq!(TRIPS.get(), 1, "the action ran before this party returned");
        let [a, c] = others.map(|t| t.join().unwrap());
        assert_one_generation(&[mine, a, c]);
    });
}

/// A waiter joins a two-party barrier first; a second thread completes that generation with
/// it, and two more threads run the next one. In some executions the first waiter does not run
/// between the completion of its generation and the end of the next: with a one-bit generation
/// number it would then see "its" generation again and sleep forever (a loom deadlock). The
/// barrier must instead hold the second generation's completion until the first waiter has seen
/// its own complete. Also checks the indices and leaders of both generations.
#[test]
fn futex_stalled_waiter_outlasts_the_next_generation() {
    model(3, || {
        let b = Arc::new(futex_sync::Barrier::new(2));
        let wait_once = || {
            let b = b.clone();
            thread::spawn(move || b.wait())
        };
        let stalled = wait_once();
        // Asleep, so it has joined the first generation.
        LoomFutex::until_someone_sleeps();
        let first = wait_once().join().unwrap();
        let second = wait_once();
        let mine = b.wait();
        assert_one_generation(&[stalled.join().unwrap(), first]);
        assert_one_generation(&[second.join().unwrap(), mine]);
        assert!(!b.is_broken());
        assert_eq!(b.n_waiting(), 0);
    });
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
