//! `MpmcQueue` on every backend: exact capacity, a sequential model over many laps, many
//! producers and consumers with unique ids (each seen once, FIFO per producer), drop counting,
//! close (waking blocked pushers and poppers, draining, racing pushes), timeouts, task_done/join.

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use baresync::{
    Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError,
};
use common::items::{Counted, Rng, assert_each_dropped_once, drop_counters};
use common::scaled;
use common::timing::{LONG, assert_waited_loosely, watchdog};

/// Checks the consumers' logs of `(producer, seq)`: every id exactly once, and each consumer saw
/// each producer's items in push order.
fn check_unique_and_fifo(logs: Vec<Vec<(usize, usize)>>, producers: usize, per_producer: usize) {
    let mut seen = vec![vec![false; per_producer]; producers];
    for log in &logs {
        let mut last = vec![None::<usize>; producers];
        for &(p, seq) in log {
            assert!(!seen[p][seq], "item ({p}, {seq}) popped twice");
            seen[p][seq] = true;
            if let Some(prev) = last[p] {
                assert!(
                    prev < seq,
                    "producer {p}: {seq} popped after {prev} (not FIFO)"
                );
            }
            last[p] = Some(seq);
        }
    }
    for (p, row) in seen.iter().enumerate() {
        if let Some(seq) = row.iter().position(|s| !s) {
            panic!("item ({p}, {seq}) was never popped");
        }
    }
}

for_each_backend! {
    fn exact<const N: usize>() {
        let q = sync::MpmcQueue::<usize, N>::new();
        assert_eq!(q.capacity(), N);
        // Two rounds, so the second runs on the next lap of every slot.
        for round in 0..2 {
            for i in 0..N {
                assert_eq!(q.try_push(round * N + i), Ok(()));
            }
            assert!(q.is_full());
            assert_eq!(q.len(), N);
            assert_eq!(q.try_push(usize::MAX), Err(TryPushError::Full(usize::MAX)));
            for i in 0..N {
                assert_eq!(q.try_pop(), Ok(round * N + i));
            }
            assert!(q.is_empty());
            assert_eq!(q.try_pop(), Err(TryPopError::Empty));
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
        let q = sync::MpmcQueue::<u32, N>::new();
        let mut reference = VecDeque::new();
        let mut rng = Rng(seed);
        let mut next = 0;
        // Under Miri `scaled` cuts the count: keep enough operations to wrap over many laps.
        for _ in 0..scaled(50_000).max(if N > 100 { 0 } else { 50 * N }) {
            if rng.next().is_multiple_of(2) {
                let got = q.try_push(next);
                if reference.len() < N {
                    assert_eq!(got, Ok(()));
                    reference.push_back(next);
                } else {
                    assert_eq!(got, Err(TryPushError::Full(next)));
                }
                next += 1;
            } else {
                assert_eq!(q.try_pop().ok(), reference.pop_front());
            }
            assert_eq!(q.len(), reference.len());
        }
        assert!(next > 10 * N as u32 || N > 100, "wrapped over many laps");
    }

    #[test]
    fn matches_a_fifo_model_over_many_laps() {
        model::<1>(1);
        model::<3>(2);
        model::<7>(3);
        model::<1000>(4);
    }

    fn producers_and_consumers<const N: usize>(producers: usize, consumers: usize, per: usize) {
        let q = sync::MpmcQueue::<(usize, usize), N>::new();
        let _armed = watchdog("producers_and_consumers");
        let logs = thread::scope(|s| {
            let readers: Vec<_> = (0..consumers)
                .map(|_| {
                    s.spawn(|| {
                        let mut log = Vec::new();
                        while let Ok(item) = q.pop() {
                            log.push(item);
                        }
                        log
                    })
                })
                .collect();
            let writers: Vec<_> = (0..producers)
                .map(|p| {
                    let q = &q;
                    s.spawn(move || {
                        for seq in 0..per {
                            q.push((p, seq)).unwrap();
                        }
                    })
                })
                .collect();
            for w in writers {
                w.join().unwrap();
            }
            q.close();
            readers.into_iter().map(|r| r.join().unwrap()).collect::<Vec<_>>()
        });
        check_unique_and_fifo(logs, producers, per);
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
    }

    #[test]
    fn many_producers_many_consumers_blocking() {
        producers_and_consumers::<1>(3, 3, scaled(5_000));
        producers_and_consumers::<4>(3, 2, scaled(20_000));
        producers_and_consumers::<1000>(2, 3, scaled(20_000));
    }

    #[test]
    fn many_producers_many_consumers_non_blocking() {
        const P: usize = 3;
        let per = scaled(20_000);
        let q = sync::MpmcQueue::<(usize, usize), 3>::new();
        let popped = AtomicUsize::new(0);
        let logs = thread::scope(|s| {
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        let mut log = Vec::new();
                        while popped.load(Ordering::Relaxed) < P * per {
                            match q.try_pop() {
                                Ok(item) => {
                                    log.push(item);
                                    popped.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(TryPopError::Empty) => thread::yield_now(),
                                Err(TryPopError::Closed) => unreachable!("never closed"),
                            }
                        }
                        log
                    })
                })
                .collect();
            for p in 0..P {
                let q = &q;
                s.spawn(move || {
                    for seq in 0..per {
                        let mut item = (p, seq);
                        while let Err(e) = q.try_push(item) {
                            assert!(e.is_full());
                            item = e.into_inner();
                            thread::yield_now();
                        }
                    }
                });
            }
            readers.into_iter().map(|r| r.join().unwrap()).collect::<Vec<_>>()
        });
        check_unique_and_fifo(logs, P, per);
    }

    #[test]
    fn every_item_is_popped_or_dropped_exactly_once() {
        let total = scaled(6_000);
        let drops = drop_counters(total);
        let next_id = AtomicUsize::new(0);
        {
            let q = sync::MpmcQueue::<Counted, 5>::new();
            thread::scope(|s| {
                for _ in 0..3 {
                    s.spawn(|| loop {
                        let id = next_id.fetch_add(1, Ordering::Relaxed);
                        if id >= total {
                            break;
                        }
                        let item = Counted { id, drops: drops.clone() };
                        // Rejected items come back in the error and are dropped here, once.
                        match q.push_timeout(item, Duration::from_micros(50)) {
                            Ok(()) | Err(PushTimeoutError::Timeout(_)) => {}
                            Err(PushTimeoutError::Closed(_)) => unreachable!(),
                        }
                    });
                }
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..total / 4 {
                            drop(q.pop_timeout(Duration::from_micros(50)));
                        }
                    });
                }
            });
            // Whatever is left is dropped with the queue.
            assert!(q.len() <= 5);
        }
        assert_each_dropped_once(&drops);
    }

    #[test]
    fn close_wakes_blocked_poppers() {
        let q = sync::MpmcQueue::<u32, 2>::new();
        let _armed = watchdog("close_wakes_blocked_poppers");
        thread::scope(|s| {
            let poppers: Vec<_> = (0..3).map(|_| s.spawn(|| q.pop())).collect();
            thread::sleep(Duration::from_millis(50)); // make "blocked" likely
            q.close();
            for p in poppers {
                assert_eq!(p.join().unwrap(), Err(Closed(())));
            }
        });
    }

    #[test]
    fn close_wakes_blocked_pushers_and_hands_items_back() {
        let q = sync::MpmcQueue::<u32, 1>::new();
        q.push(0).unwrap();
        let _armed = watchdog("close_wakes_blocked_pushers");
        let q = &q;
        thread::scope(|s| {
            let pushers: Vec<_> = (1..=3).map(|i| (i, s.spawn(move || q.push(i)))).collect();
            let timed = s.spawn(|| q.push_timeout(9, LONG));
            thread::sleep(Duration::from_millis(50)); // make "blocked" likely
            q.close();
            for (i, p) in pushers {
                assert_eq!(p.join().unwrap(), Err(Closed(i)));
            }
            assert_eq!(timed.join().unwrap(), Err(PushTimeoutError::Closed(9)));
        });
        assert_eq!(q.pop(), Ok(0), "the queued item still drains");
        assert_eq!(q.pop(), Err(Closed(())));
    }

    #[test]
    fn closed_queue_drains_then_reports_closed() {
        let q = sync::MpmcQueue::<u32, 3>::new();
        for i in 0..3 {
            q.push(i).unwrap();
        }
        q.close();
        assert!(q.is_closed());
        // Closed and full: Closed, without blocking, from every push verb.
        assert_eq!(q.try_push(7), Err(TryPushError::Closed(7)));
        assert_eq!(q.push(8), Err(Closed(8)));
        let started = Instant::now();
        assert_eq!(q.push_timeout(9, LONG), Err(PushTimeoutError::Closed(9)));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(q.try_pop(), Ok(0));
        assert_eq!(q.pop(), Ok(1));
        assert_eq!(q.pop_timeout(LONG), Ok(2));
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
        assert_eq!(q.pop(), Err(Closed(())));
        assert_eq!(q.pop_timeout(LONG), Err(PopTimeoutError::Closed));
    }

    #[test]
    fn pushes_racing_close_are_either_refused_or_popped() {
        let q = sync::MpmcQueue::<u32, 4>::new();
        let accepted = AtomicUsize::new(0);
        let popped = thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut n = 0;
                while q.pop().is_ok() {
                    n += 1;
                }
                n
            });
            for _ in 0..3 {
                s.spawn(|| {
                    while q.push(1).is_ok() {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            thread::sleep(Duration::from_millis(20));
            q.close();
            reader.join().unwrap()
        });
        // The consumer saw `Closed` only after every accepted item: none is stranded.
        assert_eq!(popped, accepted.load(Ordering::Relaxed));
        assert!(q.is_empty());
    }

    #[test]
    fn timeouts_are_never_early() {
        let q = sync::MpmcQueue::<u32, 1>::new();
        let t = Duration::from_millis(60);
        let started = Instant::now();
        assert_eq!(q.pop_timeout(t), Err(PopTimeoutError::Timeout));
        assert_waited_loosely(started.elapsed(), t);

        q.push(1).unwrap();
        let started = Instant::now();
        assert_eq!(q.push_timeout(2, t), Err(PushTimeoutError::Timeout(2)));
        assert_waited_loosely(started.elapsed(), t);

        // Zero: exactly a try; huge: no overflow, returns at once when it can.
        assert_eq!(q.push_timeout(3, Duration::ZERO), Err(PushTimeoutError::Timeout(3)));
        assert_eq!(q.pop_timeout(Duration::MAX), Ok(1));
        assert_eq!(q.pop_timeout(Duration::ZERO), Err(PopTimeoutError::Timeout));
        assert_eq!(q.push_timeout(4, Duration::MAX), Ok(()));
    }

    #[test]
    fn timed_calls_return_when_the_state_changes() {
        let q = sync::MpmcQueue::<u32, 1>::new();
        thread::scope(|s| {
            let popper = s.spawn(|| {
                let started = Instant::now();
                (q.pop_timeout(LONG), started.elapsed())
            });
            thread::sleep(Duration::from_millis(30)); // make "blocked" likely
            q.push(5).unwrap();
            let (got, took) = popper.join().unwrap();
            assert_eq!(got, Ok(5));
            assert!(took < LONG / 2, "woken, not timed out: {took:?}");
        });
        q.push(6).unwrap();
        thread::scope(|s| {
            let pusher = s.spawn(|| q.push_timeout(7, LONG));
            thread::sleep(Duration::from_millis(30));
            assert_eq!(q.pop(), Ok(6));
            assert_eq!(pusher.join().unwrap(), Ok(()));
        });
        assert_eq!(q.pop(), Ok(7));
    }

    #[test]
    fn task_done_counts_successful_pushes() {
        let q = sync::MpmcQueue::<u32, 2>::new();
        assert_eq!(q.task_done(), Err(TaskDoneError));
        q.join(); // nothing unfinished: returns at once
        assert!(q.join_timeout(Duration::ZERO));
        q.push(1).unwrap();
        q.try_push(2).unwrap();
        // Refused pushes add no task.
        assert!(q.try_push(3).unwrap_err().is_full());
        assert!(q.push_timeout(4, Duration::from_millis(1)).unwrap_err().is_timeout());
        q.close();
        assert_eq!(q.push(5), Err(Closed(5)));
        assert_eq!((q.pop(), q.pop()), (Ok(1), Ok(2)));
        assert!(!q.join_timeout(Duration::ZERO), "popping does not finish a task");
        assert_eq!(q.task_done(), Ok(()));
        assert_eq!(q.task_done(), Ok(()));
        assert_eq!(q.task_done(), Err(TaskDoneError));
        assert_eq!(q.task_done(), Err(TaskDoneError), "the count stays at zero");
        assert!(q.join_timeout(Duration::ZERO));
    }

    #[test]
    fn join_waits_for_every_task() {
        let q = sync::MpmcQueue::<u32, 4>::new();
        let processed = AtomicUsize::new(0);
        let jobs = scaled(2_000);
        let _armed = watchdog("join_waits_for_every_task");
        thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    while let Ok(_job) = q.pop() {
                        processed.fetch_add(1, Ordering::SeqCst);
                        q.task_done().unwrap();
                    }
                });
            }
            for job in 0..jobs {
                q.push(job as u32).unwrap();
            }
            q.join();
            // Every worker counts its job before marking it done, so a join that returned early
            // would see fewer.
            assert_eq!(processed.load(Ordering::SeqCst), jobs);
            q.close();
        });
    }

    #[test]
    fn join_timeout_reports_unfinished_tasks() {
        let q = sync::MpmcQueue::<u32, 2>::new();
        q.push(1).unwrap();
        let t = Duration::from_millis(60);
        let started = Instant::now();
        assert!(!q.join_timeout(t));
        assert_waited_loosely(started.elapsed(), t);
        let done = AtomicBool::new(false);
        thread::scope(|s| {
            let joiner = s.spawn(|| q.join_timeout(LONG));
            thread::sleep(Duration::from_millis(30)); // make "blocked" likely
            q.pop().unwrap();
            done.store(true, Ordering::SeqCst);
            q.task_done().unwrap();
            assert!(joiner.join().unwrap());
            assert!(done.load(Ordering::SeqCst));
        });
    }

    #[test]
    fn a_static_queue_needs_no_unsafe() {
        static Q: sync::MpmcQueue<u32, 8> = sync::MpmcQueue::new();
        thread::scope(|s| {
            s.spawn(|| Q.push(11).unwrap());
        });
        assert_eq!(Q.pop(), Ok(11));
        assert!(format!("{Q:?}").contains("capacity: 8"));
    }

    #[test]
    fn auto_traits() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<sync::MpmcQueue<String, 4>>();
    }
}
