//! Regression (issue 14): `MpmcQueue` was not linearizable. With Vyukov's per-slot stamps a
//! `try_pop` that found the head slot claimed by a push that had not published yet answered
//! `Empty`, even while items pushed (and returned) after it were queued; and a `try_push` that
//! found its slot still held by an unfinished pop answered `Full` on a queue far from full.
//!
//! Both tests hammer the queue with the non-blocking verbs, where a wrong answer is plain to see:
//! the first is crossbeam's `linearizable` test for `ArrayQueue`, restated (every thread pushes,
//! then pops: its own push is still queued, or was taken by a thread whose item is, so the pop
//! can never find the queue empty); the second bounds the items in flight far below the capacity,
//! so a push can never find it full. The first failed at once on the old queue; the second needs
//! a consumer preempted inside its pop while 64 pushes go by, which the old queue showed about
//! once per million pushes here, so within this test's budget it fails only now and then (the
//! unit tests in `src/queue/mpmc.rs` stop a pop there deterministically).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use baresync::TryPopError;
use common::scaled;

/// Waits a little: spins a hundred times, then yields. Spinning threads get preempted at
/// arbitrary points, inside a push or pop too, which is what the second test needs (with yields
/// alone, threads give the core up only between calls).
fn pause(spins: &mut u32) {
    if *spins < 100 {
        *spins += 1;
        std::hint::spin_loop();
    } else {
        *spins = 0;
        thread::yield_now();
    }
}

for_each_backend! {
    /// `threads` threads each push (retrying while full) then pop, `rounds` times, on a queue of `N`.
    fn push_then_pop<const N: usize>(threads: usize, rounds: usize) {
        let q = sync::MpmcQueue::<usize, N>::new();
        thread::scope(|s| {
            for t in 0..threads {
                let q = &q;
                s.spawn(move || {
                    for i in 0..rounds {
                        let mut item = t * rounds + i;
                        while let Err(e) = q.try_push(item) {
                            assert!(e.is_full());
                            item = e.into_inner();
                            thread::yield_now();
                        }
                        // Every thread has pushed once more than it popped, so at least one item
                        // is queued at every instant of this call.
                        let popped = q.try_pop();
                        assert!(popped.is_ok(), "thread {t}, round {i}: {popped:?} after a push");
                    }
                });
            }
        });
        assert_eq!(q.try_pop(), Err(TryPopError::Empty));
    }

    #[test]
    fn a_pop_after_a_push_finds_an_item() {
        for threads in [2, 4, 8] {
            let rounds = scaled(40_000) / threads;
            push_then_pop::<1>(threads, rounds);
            push_then_pop::<2>(threads, rounds);
            push_then_pop::<4>(threads, rounds);
        }
    }

    #[test]
    fn a_queue_holding_few_items_is_never_full() {
        const BOUND: usize = 8;
        let q = sync::MpmcQueue::<u32, 64>::new();
        // Items pushed and not yet popped (or being pushed or popped): at most BOUND.
        let credits = AtomicUsize::new(BOUND);
        let per_producer = scaled(100_000);
        let consumed = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    let mut spins = 0;
                    for i in 0..per_producer {
                        while credits
                            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |c| c.checked_sub(1))
                            .is_err()
                        {
                            pause(&mut spins);
                        }
                        let pushed = q.try_push(i as u32);
                        assert!(pushed.is_ok(), "push {i}: {pushed:?} with at most {BOUND} of 64 queued");
                    }
                });
            }
            for _ in 0..2 {
                s.spawn(|| {
                    let mut spins = 0;
                    while consumed.load(Ordering::Relaxed) < 2 * per_producer {
                        if q.try_pop().is_ok() {
                            consumed.fetch_add(1, Ordering::Relaxed);
                            credits.fetch_add(1, Ordering::Release);
                        } else {
                            pause(&mut spins);
                        }
                    }
                });
            }
        });
        assert_eq!(consumed.load(Ordering::Relaxed), 2 * per_producer);
    }
}
