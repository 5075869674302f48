//! `SpscQueue` on every backend: the queue contract through the halves (`common::queue_contract`:
//! capacity, close, timeouts, drops, a producer and a consumer thread), a sequential model over
//! many laps, what dropping a half does, `peek`, the one-time split of a `static`, auto traits.

mod common;

use std::collections::VecDeque;
use std::thread;
use std::time::Duration;

use baresync::{Closed, PushTimeoutError, TryPopError, TryPushError};
use common::items::{Counted, Rng, assert_each_dropped_once, drop_counters};
use common::scaled;
use common::timing::{LONG, watchdog};

for_each_backend! {
    queue_contract! { queue: SpscQueue, order: Fifo, parts: [] }

    fn model<const N: usize>(seed: u32) {
        let mut q = sync::SpscQueue::<u32, N>::new();
        let (p, mut c) = q.split();
        let mut reference = VecDeque::new();
        let mut rng = Rng(seed);
        let mut next = 0;
        // Under Miri `scaled` cuts the count: keep enough operations to wrap over many laps.
        for _ in 0..scaled(50_000).max(if N > 100 { 0 } else { 50 * N }) {
            match rng.next() % 5 {
                0 | 1 => {
                    let got = p.try_push(next);
                    if reference.len() < N {
                        assert_eq!(got, Ok(()));
                        reference.push_back(next);
                    } else {
                        assert_eq!(got, Err(TryPushError::Full(next)));
                    }
                    next += 1;
                }
                2 | 3 => assert_eq!(c.try_pop().ok(), reference.pop_front()),
                _ => assert_eq!(c.peek(), reference.front()),
            }
            assert_eq!(p.len(), reference.len());
        }
        assert!(next as usize > 10 * N || N > 100, "wrapped over many laps");
    }

    #[test]
    fn matches_a_fifo_model_over_many_laps() {
        model::<1>(1);
        model::<3>(2);
        model::<7>(3);
        model::<8>(5);
        model::<1000>(4);
    }

    /// The producer pushes drop-counting items with blocking pushes; the consumer takes a part
    /// and hangs up, which closes the queue: the refused items come back and are dropped by the
    /// producer, the queued ones with the queue, each exactly once.
    #[test]
    fn hanging_up_drops_each_item_exactly_once() {
        let total = scaled(5_000);
        let drops = drop_counters(total);
        {
            let mut q = sync::SpscQueue::<Counted, 4>::new();
            let (p, c) = q.split();
            thread::scope(|s| {
                let drops = &drops;
                s.spawn(move || {
                    for id in 0..total {
                        let item = Counted { id, drops: drops.clone() };
                        // Items refused by a closed queue come back and are dropped here.
                        if let Err(Closed(back)) = p.push(item) {
                            assert_eq!(back.id, id);
                        }
                    }
                });
                // Take a part, then hang up: the producer's remaining pushes are refused.
                for _ in 0..total / 3 {
                    drop(c.pop().unwrap());
                }
                drop(c);
            });
            // Up to N items were left queued: they are dropped with the queue.
        }
        assert_each_dropped_once(&drops);
    }

    /// Capacity-1 hand-offs there and back, each side blocking on nearly every item, one pop in
    /// eight timed: every item crosses twice, in order. On the fault-injecting backend each fence
    /// reports itself costly at random, so both waiters keep switching between fencing and heavy
    /// mode (`queue/eventcount.rs`) while they really sleep: a key or mode field left wrong by a
    /// switch hangs the test, and the watchdog fails it. (The window a missing fence opens, a
    /// store still in the publisher's store buffer, is too narrow for a test to hit: the module
    /// docs argue that part.)
    #[test]
    fn capacity_one_round_trips_lose_no_wake_up() {
        let rounds = scaled(20_000) as u32;
        let _armed = watchdog("capacity_one_round_trips_lose_no_wake_up");
        let mut there = sync::SpscQueue::<u32, 1>::new();
        let mut back = sync::SpscQueue::<u32, 1>::new();
        let (to_echo, from_main) = there.split();
        let (to_main, from_echo) = back.split();
        thread::scope(|s| {
            s.spawn(move || {
                for i in 0..rounds {
                    let item = if i % 8 == 0 {
                        loop {
                            if let Ok(item) = from_main.pop_timeout(Duration::from_micros(50)) {
                                break item;
                            }
                        }
                    } else {
                        from_main.pop().unwrap()
                    };
                    assert_eq!(item, i);
                    to_main.push(item).unwrap();
                }
            });
            for i in 0..rounds {
                to_echo.push(i).unwrap();
                assert_eq!(from_echo.pop(), Ok(i));
            }
        });
    }

    #[test]
    fn dropping_a_half_closes_the_queue() {
        let mut q = sync::SpscQueue::<u32, 2>::new();
        let (p, c) = q.split();
        p.push(1).unwrap();
        p.push(2).unwrap();
        drop(p);
        assert!(c.is_closed());
        assert_eq!((c.pop(), c.pop(), c.pop()), (Ok(1), Ok(2), Err(Closed(()))));
        assert_eq!(c.try_pop(), Err(TryPopError::Closed));
        drop(c);

        let (p, c) = q.split();
        assert!(!p.is_closed(), "a new split reopens");
        let _armed = watchdog("dropping_a_half_closes_the_queue");
        thread::scope(|s| {
            p.push(3).unwrap();
            p.push(4).unwrap();
            let pusher = s.spawn(move || p.push_timeout(5, LONG));
            thread::sleep(Duration::from_millis(50)); // make "blocked" likely
            drop(c);
            assert_eq!(pusher.join().unwrap(), Err(PushTimeoutError::Closed(5)));
        });
        assert_eq!(q.len(), 2, "items left by a dropped consumer stay queued");
    }

    #[test]
    fn peek_shows_the_front_without_taking_it() {
        let mut q = sync::SpscQueue::<String, 2>::new();
        let (p, mut c) = q.split();
        assert_eq!(c.peek(), None);
        p.push("a".into()).unwrap();
        p.push("b".into()).unwrap();
        assert_eq!(c.peek().map(String::as_str), Some("a"));
        assert_eq!(c.peek().map(String::as_str), Some("a"), "peek does not consume");
        assert_eq!(c.pop().as_deref(), Ok("a"));
        assert_eq!(c.peek().map(String::as_str), Some("b"));
    }

    #[test]
    fn a_static_queue_splits_once_without_unsafe() {
        static Q: sync::SpscQueue<u32, 4> = sync::SpscQueue::new();
        let (p, c) = Q.try_split().expect("first split");
        assert!(Q.try_split().is_none());
        thread::scope(|s| {
            s.spawn(move || p.push(9).unwrap());
        });
        assert_eq!(c.pop(), Ok(9));
        assert_eq!(c.pop(), Err(Closed(())), "the producer was dropped with its thread");
        drop(c);
        assert!(Q.try_split().is_none(), "not even after both halves are gone");
        assert!(format!("{Q:?}").contains("capacity: 4"));
    }

    #[test]
    fn try_split_opens_a_queue_that_earlier_halves_closed() {
        // A queue behind a `&'static mut` (as from `Box::leak`; freed at the end, for Miri's
        // leak check) split with `split` first: its halves drop and close it, leaving an item.
        // `try_split` hands out the only halves that can exist from then on, so they start open,
        // as `split`'s do, with the item still queued.
        let raw = Box::into_raw(Box::<sync::SpscQueue<u32, 4>>::default());
        // SAFETY: `raw` is a live, unique allocation until the `from_raw` below, after the last
        // use of every reference made here.
        let q: &'static mut sync::SpscQueue<u32, 4> = unsafe { &mut *raw };
        {
            let (p, _c) = q.split();
            p.push(1).unwrap();
        }
        assert!(q.is_closed(), "dropped halves close the queue");
        let q: &'static sync::SpscQueue<u32, 4> = q;
        let (p, c) = q.try_split().expect("first try_split");
        assert!(!q.is_closed());
        assert_eq!(p.try_push(2), Ok(()));
        assert_eq!(c.pop(), Ok(1));
        assert_eq!(c.pop(), Ok(2));
        drop((p, c));
        // SAFETY: from `Box::into_raw` above; the halves and `q` are not used again.
        drop(unsafe { Box::from_raw(raw) });
    }

    #[test]
    fn auto_traits() {
        fn is_send<T: Send>() {}
        fn is_sync<T: Sync>() {}
        is_sync::<sync::SpscQueue<String, 4>>();
        is_send::<sync::SpscQueue<String, 4>>();
        // The halves are `Send` only: `tests/ui/spsc_producer_not_sync.rs` checks the `!Sync`.
        is_send::<sync::Producer<'static, String, 4>>();
        is_send::<sync::Consumer<'static, String, 4>>();
    }
}
