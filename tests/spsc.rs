//! `SpscQueue` on every backend: exact capacity, a sequential model over many laps, a producer and
//! a consumer thread (FIFO, blocking and non-blocking), drop counting, close and dropped halves
//! waking the other side, timeouts, `peek`, and the one-time split of a `static`.

mod common;

use std::collections::VecDeque;
use std::thread;
use std::time::{Duration, Instant};

use baresync::{Closed, PopTimeoutError, PushTimeoutError, TryPopError, TryPushError};
use common::items::{Counted, Rng, assert_each_dropped_once, drop_counters};
use common::scaled;
use common::timing::{LONG, assert_waited_loosely, watchdog};

for_each_backend! {
    fn exact<const N: usize>() {
        let mut q = sync::SpscQueue::<usize, N>::new();
        assert_eq!(q.capacity(), N);
        let (p, c) = q.split();
        assert_eq!((p.capacity(), c.capacity()), (N, N));
        // Three rounds, so later ones run across the 0..2N wrap of the positions.
        for round in 0..3 {
            for i in 0..N {
                assert_eq!(p.try_push(round * N + i), Ok(()));
            }
            assert!(p.is_full() && c.is_full());
            assert_eq!((p.len(), c.len()), (N, N));
            assert_eq!(p.try_push(usize::MAX), Err(TryPushError::Full(usize::MAX)));
            for i in 0..N {
                assert_eq!(c.try_pop(), Ok(round * N + i));
            }
            assert!(p.is_empty() && c.is_empty());
            assert_eq!(c.try_pop(), Err(TryPopError::Empty));
        }
    }

    #[test]
    fn holds_exactly_n() {
        exact::<1>();
        exact::<3>();
        exact::<7>();
        exact::<1000>();
    }

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
        model::<1000>(4);
    }

    fn two_threads_blocking<const N: usize>(count: u32) {
        let mut q = sync::SpscQueue::<u32, N>::new();
        let (p, c) = q.split();
        let _armed = watchdog("two_threads_blocking");
        thread::scope(|s| {
            s.spawn(move || {
                for i in 0..count {
                    p.push(i).unwrap();
                }
                // `p` drops here: the queue closes after the last push.
            });
            let mut expected = 0;
            while let Ok(i) = c.pop() {
                assert_eq!(i, expected, "FIFO");
                expected += 1;
            }
            assert_eq!(expected, count, "closed only after every item drained");
        });
    }

    #[test]
    fn producer_and_consumer_threads_blocking() {
        two_threads_blocking::<1>(scaled(20_000) as u32);
        two_threads_blocking::<7>(scaled(100_000) as u32);
        two_threads_blocking::<1000>(scaled(100_000) as u32);
    }

    #[test]
    fn producer_and_consumer_threads_non_blocking() {
        static Q: sync::SpscQueue<u32, 3> = sync::SpscQueue::new();
        let (p, c) = Q.try_split().unwrap();
        let count = scaled(100_000) as u32;
        thread::scope(|s| {
            let producer = s.spawn(move || {
                for i in 0..count {
                    let mut item = i;
                    while let Err(e) = p.try_push(item) {
                        assert!(e.is_full());
                        item = e.into_inner();
                        thread::yield_now();
                    }
                }
            });
            let mut expected = 0;
            while expected < count {
                match c.try_pop() {
                    Ok(i) => {
                        assert_eq!(i, expected, "FIFO");
                        expected += 1;
                    }
                    Err(TryPopError::Empty) => thread::yield_now(),
                    Err(TryPopError::Closed) => break,
                }
            }
            assert_eq!(expected, count);
            producer.join().unwrap();
            // The producer half was dropped at the end of its thread.
            assert_eq!(c.try_pop(), Err(TryPopError::Closed));
        });
    }

    #[test]
    fn every_item_is_popped_or_dropped_exactly_once() {
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

    #[test]
    fn close_wakes_a_blocked_consumer() {
        let mut q = sync::SpscQueue::<u32, 2>::new();
        let (p, c) = q.split();
        let _armed = watchdog("close_wakes_a_blocked_consumer");
        thread::scope(|s| {
            let popper = s.spawn(move || c.pop());
            thread::sleep(Duration::from_millis(50)); // make "blocked" likely
            p.close();
            assert_eq!(popper.join().unwrap(), Err(Closed(())));
        });
    }

    #[test]
    fn close_wakes_a_blocked_producer_and_hands_the_item_back() {
        let mut q = sync::SpscQueue::<u32, 1>::new();
        let (p, c) = q.split();
        p.push(1).unwrap();
        let _armed = watchdog("close_wakes_a_blocked_producer");
        thread::scope(|s| {
            let pusher = s.spawn(move || p.push(2));
            thread::sleep(Duration::from_millis(50)); // make "blocked" likely
            c.close();
            assert_eq!(pusher.join().unwrap(), Err(Closed(2)));
        });
        assert_eq!(c.pop(), Ok(1), "queued items still drain");
        assert_eq!(c.pop(), Err(Closed(())));
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
    fn closed_and_full_reports_closed_without_blocking() {
        let mut q = sync::SpscQueue::<u32, 2>::new();
        let (p, c) = q.split();
        p.push(1).unwrap();
        p.push(2).unwrap();
        c.close();
        assert_eq!(p.try_push(3), Err(TryPushError::Closed(3)));
        assert_eq!(p.push(4), Err(Closed(4)));
        let started = Instant::now();
        assert_eq!(p.push_timeout(5, LONG), Err(PushTimeoutError::Closed(5)));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(c.try_pop(), Ok(1));
        assert_eq!(c.pop_timeout(LONG), Ok(2));
        assert_eq!(c.try_pop(), Err(TryPopError::Closed));
        assert_eq!(c.pop_timeout(LONG), Err(PopTimeoutError::Closed));
    }

    #[test]
    fn timeouts_are_never_early() {
        let mut q = sync::SpscQueue::<u32, 1>::new();
        let (p, c) = q.split();
        let t = Duration::from_millis(60);
        let started = Instant::now();
        assert_eq!(c.pop_timeout(t), Err(PopTimeoutError::Timeout));
        assert_waited_loosely(started.elapsed(), t);

        p.push(1).unwrap();
        let started = Instant::now();
        assert_eq!(p.push_timeout(2, t), Err(PushTimeoutError::Timeout(2)));
        assert_waited_loosely(started.elapsed(), t);

        assert_eq!(p.push_timeout(3, Duration::ZERO), Err(PushTimeoutError::Timeout(3)));
        assert_eq!(c.pop_timeout(Duration::MAX), Ok(1));
        assert_eq!(c.pop_timeout(Duration::ZERO), Err(PopTimeoutError::Timeout));
        assert_eq!(p.push_timeout(4, Duration::MAX), Ok(()));
    }

    #[test]
    fn timed_calls_return_when_the_state_changes() {
        let mut q = sync::SpscQueue::<u32, 1>::new();
        let (p, c) = q.split();
        thread::scope(|s| {
            let popper = s.spawn(move || {
                let started = Instant::now();
                let got = c.pop_timeout(LONG);
                (got, started.elapsed(), c)
            });
            thread::sleep(Duration::from_millis(30)); // make "blocked" likely
            p.push(5).unwrap();
            let (got, took, c) = popper.join().unwrap();
            assert_eq!(got, Ok(5));
            assert!(took < LONG / 2, "woken, not timed out: {took:?}");

            p.push(6).unwrap();
            let pusher = s.spawn(move || (p.push_timeout(7, LONG), p));
            thread::sleep(Duration::from_millis(30)); // make "blocked" likely
            assert_eq!(c.pop(), Ok(6));
            let (pushed, _p) = pusher.join().unwrap();
            assert_eq!(pushed, Ok(()));
            assert_eq!(c.pop(), Ok(7));
        });
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
