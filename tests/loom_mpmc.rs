//! loom models of `MpmcQueue`: two producers or two consumers racing for positions, slot and
//! entry reuse across laps, calls stopped mid-flight (a push between writing its item and
//! committing it, a pop between taking its item and freeing its slot) while the others go on past
//! them, `close` racing with such a push, the blocking path through the queue's eventcounts on an
//! emulated futex (a side left asleep is a loom deadlock), `close` racing with a blocked push and
//! a blocked pop, `is_closed` racing with `close`, and `task_done`/`join`.
//!
//! Items live in the queue's slots, whose cells loom checks: a pop that reads a slot before the
//! push's write is visible, or a push that overwrites a slot before the previous pop moved its
//! item out, is reported as a data race.
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_mpmc`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;
#[path = "common/loom_queues.rs"]
#[macro_use]
mod loom_queues;

use baresync::wait::Spin;
use baresync::{Closed, TryPopError, TryPushError, generic};
use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::thread;
use loom_futex::model;

type SpinQueue<const N: usize> = baresync::spin::MpmcQueue<u32, N>;

/// A queue with a single spare slot (`N + 1` slots and ring entries), so that slots and entries
/// are reused after a few items and a call in flight holds the only spare.
type Tight<const N: usize> = generic::MpmcQueue<u32, N, Spin, 1>;

// The `Spin` models below call each non-blocking verb once per thread instead of retrying it in a
// loop: with two threads retrying at once, loom can alternate between them forever while the
// thread they wait for never runs (yielding to it is not a preemption loom bounds).

/// A one-slot ring moved to its second lap (so every slot holds a stamp of the previous lap);
/// `first` was pushed and popped to get there.
fn second_lap(first: u32) -> SpinQueue<1> {
    let q = SpinQueue::<1>::new();
    q.try_push(first).unwrap();
    assert_eq!(q.try_pop(), Ok(first));
    q
}

/// Pops what is left once the threads are done.
fn drain<const N: usize>(q: &SpinQueue<N>) -> Vec<u32> {
    std::iter::from_fn(|| q.try_pop().ok()).collect()
}

/// Two producers race to push into a reused one-slot ring while the main thread pops once.
/// Catches two producers claiming the same position (an item lost, or one committed over the
/// other), an entry published before the item is written or read without Acquire (data race), a
/// push that overwrites the previous item before its pop has read it (data race), and an item
/// accepted but never popped (or popped twice). (Their slot searches start apart: two pushes
/// meet on a slot as in `spin_a_push_steps_over_a_held_slot_onto_another_push`.)
#[test]
fn spin_two_producers_race_for_a_reused_slot() {
    model(3, || {
        let q = Arc::new(second_lap(9));
        let producers: Vec<_> = (1..=2)
            .map(|i| {
                let q = q.clone();
                thread::spawn(move || q.try_push(i).is_ok().then_some(i))
            })
            .collect();
        let mut popped: Vec<u32> = q.try_pop().ok().into_iter().collect();
        let mut accepted: Vec<u32> = producers
            .into_iter()
            .filter_map(|p| p.join().unwrap())
            .collect();
        assert!(!accepted.is_empty(), "the first push finds the slot free");
        popped.extend(drain(&q));
        popped.sort_unstable();
        accepted.sort_unstable();
        assert_eq!(popped, accepted, "each accepted item popped exactly once");
    });
}

/// Two consumers race to pop the one queued item while the main thread pushes a second item into
/// the same (reused) slot. Catches two consumers claiming the same position (an item popped twice),
/// a push that overwrites the slot before the pop that claimed it has read it (data race), and a
/// pop out of FIFO order (2 taken while 1 is left behind).
#[test]
fn spin_two_consumers_race_with_a_push_into_their_slot() {
    model(3, || {
        let q = Arc::new(second_lap(9));
        q.try_push(1).unwrap();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || q.try_pop().ok())
            })
            .collect();
        let pushed_2 = q.try_push(2).is_ok();
        let mut taken: Vec<u32> = consumers
            .into_iter()
            .filter_map(|c| c.join().unwrap())
            .collect();
        taken.sort_unstable();
        let left = drain(&q);
        if taken.contains(&2) {
            assert!(
                taken.contains(&1),
                "2 popped while 1 was left behind: {left:?}"
            );
        }
        let mut all = [taken, left].concat();
        all.sort_unstable();
        let expected: &[u32] = if pushed_2 { &[1, 2] } else { &[1] };
        assert_eq!(all, expected, "each item popped exactly once");
    });
}

/// `task_done` racing with `join` on the polling backend: catches a joiner that returns on a
/// stale count (the Release in `task_done` and the Acquire in `join`).
#[test]
fn spin_task_done_publishes_to_join() {
    model(3, || {
        let shared = Arc::new((SpinQueue::<1>::new(), AtomicU32::new(0)));
        shared.0.try_push(5).unwrap();
        let worker = {
            let shared = shared.clone();
            thread::spawn(move || {
                let (q, work) = &*shared;
                let item = q.try_pop().unwrap();
                work.store(item, Ordering::Relaxed);
                q.task_done().unwrap();
            })
        };
        shared.0.join();
        assert_eq!(shared.1.load(Ordering::Relaxed), 5);
        worker.join().unwrap();
    });
}

/// A push is stopped anywhere inside `try_push` (after writing its item, before committing it)
/// while another thread pushes and then pops. Catches a pop that answers `Empty` behind the
/// unfinished push although the other thread's own push returned before (the Vyukov window), a
/// push that reports `Full` with room, and an item lost or doubled when the two pushes race for
/// the same vacancy (the loser must commit at the next one).
#[test]
fn spin_a_pop_passes_an_unfinished_push() {
    model(3, || {
        let q = Arc::new(Tight::<2>::new());
        let slow = {
            let q = q.clone();
            thread::spawn(move || q.try_push(1))
        };
        let passer = {
            let q = q.clone();
            thread::spawn(move || {
                q.try_push(2).unwrap();
                q.try_pop()
            })
        };
        assert_eq!(slow.join().unwrap(), Ok(()), "room for two");
        let passed = passer.join().unwrap();
        let Ok(first) = passed else {
            panic!("{passed:?}: this thread's own push had returned")
        };
        let mut all: Vec<u32> = std::iter::once(first).chain(drain_tight(&q)).collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2], "each item popped exactly once");
    });
}

/// A pop is stopped anywhere inside `try_pop` (after taking its item from the queue, before moving
/// it out and freeing its slot) while the main thread, once the item has left the queue, pushes
/// and pops three more items through a queue of one item and two slots: positions and entries
/// wrap round the ring past the slot the pop holds. Catches a push that reports `Full` on the
/// empty queue because of the held slot (the twin of the Vyukov window), a push that writes into
/// the held slot before its item was moved out (data race), and a wrong item.
#[test]
fn spin_pushes_wrap_round_a_pop_holding_its_slot() {
    model(3, || {
        let q = Arc::new(Tight::<1>::new());
        q.try_push(1).unwrap();
        let slow = {
            let q = q.clone();
            thread::spawn(move || q.try_pop())
        };
        // `len` counts from `head`: zero once the pop has taken its item, whether or not it
        // moved it out yet.
        while q.len() != 0 {
            thread::yield_now();
        }
        for i in 2..5 {
            assert_eq!(q.try_push(i), Ok(()), "nothing is queued");
            assert_eq!(q.try_pop(), Ok(i));
        }
        assert_eq!(slow.join().unwrap(), Ok(1));
        assert_eq!(q.try_pop(), Err(TryPopError::Empty));
    });
}

/// Two pushes race for one slot: the first searches from a slot that a stopped pop still holds
/// and steps onto the slot the second starts from (a push starts at its reservation's slot, so
/// pushes meet only like this). Three slots (`N = 2`, one spare): the stopped pop holds slot 0
/// of the first lap, and reservations 3 and 4 start at slots 0 and 1. Catches two pushes taking
/// one slot (a data race on it, or an item lost), a push that finds no slot although it holds a
/// reservation (`Full` with room), and an item lost or doubled.
#[test]
fn spin_a_push_steps_over_a_held_slot_onto_another_push() {
    model(2, || {
        let q = Arc::new(Tight::<2>::new());
        q.try_push(1).unwrap();
        let slow = {
            let q = q.clone();
            thread::spawn(move || q.try_pop())
        };
        while q.len() != 0 {
            thread::yield_now();
        }
        // Reservations 1 and 2 use slots 1 and 2 and free them again.
        for i in 2..4 {
            assert_eq!(q.try_push(i), Ok(()));
            assert_eq!(q.try_pop(), Ok(i));
        }
        let pushers: Vec<_> = (4..6)
            .map(|i| {
                let q = q.clone();
                thread::spawn(move || q.try_push(i))
            })
            .collect();
        for pusher in pushers {
            assert_eq!(
                pusher.join().unwrap(),
                Ok(()),
                "two items fit the empty queue"
            );
        }
        assert_eq!(slow.join().unwrap(), Ok(1));
        let mut rest = [q.try_pop().unwrap(), q.try_pop().unwrap()];
        rest.sort_unstable();
        assert_eq!(rest, [4, 5]);
        assert_eq!(q.try_pop(), Err(TryPopError::Empty));
    });
}

/// A push stopped anywhere inside `try_push` while `close` commits its marker: the push either
/// took effect before (its item drains before `Closed`) or fails with `Closed` and its item back,
/// and then `try_push` refuses for good. Catches an item committed after the marker (stranded
/// behind it, or popped after `Closed`) and a refused item that is not handed back.
#[test]
fn spin_close_races_with_an_unfinished_push() {
    model(3, || {
        let q = Arc::new(Tight::<1>::new());
        let pusher = {
            let q = q.clone();
            thread::spawn(move || q.try_push(1))
        };
        q.close();
        assert_eq!(q.try_push(2), Err(TryPushError::Closed(2)));
        let pushed = pusher.join().unwrap();
        match pushed {
            Ok(()) => assert_eq!(q.try_pop(), Ok(1)),
            Err(e) => assert_eq!(e, TryPushError::Closed(1)),
        }
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
        assert_eq!(q.pop(), Err(Closed(())));
    });
}

/// `is_closed` racing with `close`: it agrees with the other verbs at every instant. A push
/// refused with `Closed` is followed by `is_closed() == true`, and `is_closed() == true` by
/// pushes refused. Caught an `is_closed` that read only the `MARK` bit, which `close` sets after
/// committing its marker, where it takes effect.
#[test]
fn spin_is_closed_agrees_with_a_racing_close() {
    model(3, || {
        let q = Arc::new(Tight::<1>::new());
        let closer = {
            let q = q.clone();
            thread::spawn(move || q.close())
        };
        let closed_before = q.is_closed();
        let pushed = q.try_push(1);
        let closed_after = q.is_closed();
        if closed_before {
            assert_eq!(pushed, Err(TryPushError::Closed(1)));
        }
        if pushed.is_err() {
            assert!(
                closed_after,
                "a push answered Closed, then is_closed said open"
            );
        }
        closer.join().unwrap();
        assert!(q.is_closed());
    });
}

/// A push racing with one other context that pushes and pops one item at a time: at no instant
/// are `N = 2` items queued or more than `SPARE = 1` other calls holding a slot, so the push must
/// succeed. Caught a push that refused with `Full` after reading a `taken` newer than the `freed`
/// it then reloaded (a Relaxed `taken` load and reservation: the count of reservations came
/// without the frees that made room for them).
#[test]
fn spin_full_is_exact_while_one_other_context_holds_a_slot() {
    model(2, || {
        let q = Arc::new(Tight::<2>::new());
        // Three laps of one item, then one item queued: three slots reserved and freed, so the
        // pusher's copy of the freed count lags behind the next reservations.
        for i in 0..3 {
            q.try_push(i).unwrap();
            assert_eq!(q.try_pop(), Ok(i));
        }
        q.try_push(3).unwrap();
        let other = {
            let q = q.clone();
            thread::spawn(move || {
                let _ = q.try_pop();
                let _ = q.try_push(10);
                let _ = q.try_pop();
                let _ = q.try_push(11);
            })
        };
        let pushed = q.try_push(20);
        other.join().unwrap();
        assert_eq!(pushed, Ok(()), "Full with at most one item queued");
    });
}

/// Pops what is left of a `Tight` queue.
fn drain_tight<const N: usize>(q: &Tight<N>) -> Vec<u32> {
    std::iter::from_fn(|| q.try_pop().ok()).collect()
}

blocking_queue_models!(MpmcQueue);
