//! loom models of `SpscQueue`: slot reuse across the ring's wrap-around, publication of items,
//! the blocking path through the queue's `EventCount` (its `SeqCst` Dekker pair) on an emulated futex
//! (a side left asleep is a loom deadlock), and `close` racing with a blocked pop and push.
//!
//! Items live in the queue's slots, whose cells loom checks: a pop that reads a slot before the
//! push's write is visible, or a push that overwrites a slot before the pop's read finished, is
//! reported as a data race.
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_spsc`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use baresync::generic::SpscQueue;
use baresync::wait::Wait;
use baresync::{Closed, TryPopError};
use loom::thread;
use loom_futex::{LoomFutex, model};

/// A queue that lives for the rest of the execution, so its halves can move into loom threads
/// (loom has no scoped threads). One small leak per execution.
fn leak<const N: usize, W: Wait>() -> &'static mut SpscQueue<u32, N, W> {
    Box::leak(Box::new(SpscQueue::new()))
}

/// Three items through a ring of `N` with the non-blocking verbs (retrying with a yield), so the
/// positions wrap past `2N` and every slot is reused while the other side may still be on it.
/// Catches a `tail` store weaker than Release or a `head` load weaker than Acquire (the item's
/// write races with its read), the same on the way back (a reused slot overwritten before it was
/// read), and off-by-one full/empty checks (an item lost, duplicated or out of order).
fn spin_three_items<const N: usize>() {
    model(3, || {
        let (producer, consumer) = leak::<N, baresync::wait::Spin>().split();
        let pusher = thread::spawn(move || {
            for i in 1..=3 {
                let mut item = i;
                while let Err(e) = producer.try_push(item) {
                    item = e.into_inner();
                    thread::yield_now();
                }
            }
        });
        for expected in 1..=3 {
            loop {
                match consumer.try_pop() {
                    Ok(item) => {
                        assert_eq!(item, expected);
                        break;
                    }
                    Err(TryPopError::Empty) => thread::yield_now(),
                    Err(TryPopError::Closed) => unreachable!("never closed before the last pop"),
                }
            }
        }
        pusher.join().unwrap();
    });
}

#[test]
fn spin_wraps_around_with_one_slot() {
    spin_three_items::<1>();
}

#[test]
fn spin_wraps_around_with_two_slots() {
    spin_three_items::<2>();
}

/// The blocking verbs on a one-slot ring with a sleeping backend: the producer sleeps while full,
/// the consumer while empty. Catches a side that announces itself on the signal and then misses
/// the other side's change (the Dekker pair in `signal.rs`: both orderings must be `SeqCst`), or a
/// publication that does not notify: either leaves a side asleep (deadlock).
#[test]
fn futex_blocking_push_and_pop() {
    model(3, || {
        let (producer, consumer) = leak::<1, LoomFutex>().split();
        let pusher = thread::spawn(move || {
            for i in 1..=2 {
                producer.push(i).unwrap();
            }
        });
        assert_eq!(consumer.pop(), Ok(1));
        assert_eq!(consumer.pop(), Ok(2));
        pusher.join().unwrap();
    });
}

/// The producer pushes one item and drops its half (which closes the queue) while the consumer
/// pops in a loop. Catches a close that does not wake a consumer asleep on an empty ring
/// (deadlock), and a consumer that reports `Closed` before draining the item pushed before the
/// close.
#[test]
fn futex_close_races_with_a_blocked_pop() {
    model(3, || {
        let (producer, consumer) = leak::<1, LoomFutex>().split();
        let pusher = thread::spawn(move || {
            producer.push(7).unwrap();
            drop(producer);
        });
        assert_eq!(consumer.pop(), Ok(7));
        assert_eq!(consumer.pop(), Err(Closed(())));
        pusher.join().unwrap();
    });
}

/// The producer fills the one slot (unless the close came first) and blocks pushing a second item
/// while the consumer closes.
/// Catches a close that does not wake a producer asleep on a full ring (deadlock), and a blocked
/// push that loses its item instead of handing it back in `Closed`.
#[test]
fn futex_close_races_with_a_blocked_push() {
    model(3, || {
        let (producer, consumer) = leak::<1, LoomFutex>().split();
        let pusher = thread::spawn(move || (producer.push(1), producer.push(2)));
        consumer.close();
        let (first, second) = pusher.join().unwrap();
        assert_eq!(
            second,
            Err(Closed(2)),
            "nobody pops: only the close ends the wait"
        );
        match first {
            Ok(()) => assert_eq!(consumer.try_pop(), Ok(1), "pushed before the close: kept"),
            Err(Closed(1)) => assert_eq!(consumer.try_pop(), Err(TryPopError::Closed)),
            Err(e) => panic!("{e:?}"),
        }
    });
}
