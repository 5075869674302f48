//! `PriorityQueue` on every backend: greatest first, equal items strictly in push order (also
//! with concurrent producers), exact capacity, a stable reference model over many operations,
//! many producers and consumers, drop counting, close, timeouts, task_done/join.

mod common;

use std::cmp::{Ordering as CmpOrdering, Reverse};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use baresync::{
    Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError,
};
use common::items::{Counted, Rng, assert_each_dropped_once, drop_counters};
use common::scaled;
use common::timing::{LONG, assert_waited_loosely, watchdog};

/// A job ordered by `key` only: `origin` and `seq` tell equal keys apart.
#[derive(Debug, Clone, Copy)]
struct Job {
    key: u8,
    origin: usize,
    seq: usize,
}
impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Job {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.key.cmp(&other.key)
    }
}

for_each_backend! {
    fn exact<const N: usize>() {
        let q = sync::PriorityQueue::<usize, N>::new();
        assert_eq!(q.capacity(), N);
        for round in 0..2 {
            // Push in a scrambled order; pop must give descending order.
            for i in 0..N {
                assert_eq!(q.try_push((i * 7919 + round) % N), Ok(()));
            }
            assert!(q.is_full());
            assert_eq!(q.len(), N);
            assert_eq!(q.try_push(usize::MAX), Err(TryPushError::Full(usize::MAX)));
            let mut expected: Vec<usize> = (0..N).map(|i| (i * 7919 + round) % N).collect();
            expected.sort_unstable_by(|a, b| b.cmp(a));
            for e in expected {
                assert_eq!(q.try_pop(), Ok(e));
            }
            assert!(q.is_empty());
            assert_eq!(q.try_pop(), Err(TryPopError::Empty));
        }
    }

    #[test]
    fn holds_exactly_n_and_pops_greatest_first() {
        exact::<1>();
        exact::<3>();
        exact::<7>();
        exact::<1000>();
    }

    fn model<const N: usize>(seed: u32, keys: u32) {
        let q = sync::PriorityQueue::<Job, N>::new();
        let mut reference: Vec<Job> = Vec::new();
        let mut rng = Rng(seed);
        let mut seq = 0;
        for _ in 0..scaled(30_000) {
            if rng.next().is_multiple_of(2) {
                let job = Job { key: (rng.next() % keys) as u8, origin: 0, seq };
                seq += 1;
                let got = q.try_push(job);
                if reference.len() < N {
                    assert!(got.is_ok());
                    reference.push(job);
                } else {
                    assert!(got.unwrap_err().is_full());
                }
            } else {
                // The reference: the greatest key, and among those the earliest pushed.
                let best = reference
                    .iter()
                    .enumerate()
                    .max_by(|(ia, a), (ib, b)| a.key.cmp(&b.key).then(ib.cmp(ia)))
                    .map(|(i, _)| i);
                let expected = best.map(|i| reference.remove(i));
                let got = q.try_pop().ok();
                assert_eq!(got.map(|j| (j.key, j.seq)), expected.map(|j| (j.key, j.seq)));
            }
            assert_eq!(q.len(), reference.len());
        }
    }

    #[test]
    fn matches_a_stable_reference_model() {
        model::<1>(1, 3);
        model::<3>(2, 2);
        model::<7>(3, 4);
        model::<1000>(4, 5);
    }

    #[test]
    fn equal_items_keep_push_order_across_producers() {
        const P: usize = 4;
        const PER: usize = 250;
        let q = sync::PriorityQueue::<Job, 1000>::new();
        thread::scope(|s| {
            for origin in 0..P {
                let q = &q;
                s.spawn(move || {
                    let mut rng = Rng(origin as u32 + 1);
                    for seq in 0..PER {
                        let key = (rng.next() % 3) as u8;
                        q.push(Job { key, origin, seq }).unwrap();
                    }
                });
            }
        });
        let mut last_key = u8::MAX;
        let mut last_seq = [[None::<usize>; P]; 3];
        let mut count = 0;
        while let Ok(job) = q.try_pop() {
            assert!(job.key <= last_key, "greatest first");
            last_key = job.key;
            // Each producer pushed its jobs in `seq` order, so equal keys must pop that way.
            let slot = &mut last_seq[job.key as usize][job.origin];
            assert!(slot.is_none_or(|prev| prev < job.seq), "equal keys out of push order");
            *slot = Some(job.seq);
            count += 1;
        }
        assert_eq!(count, P * PER);
    }

    #[test]
    fn reverse_gives_lowest_first() {
        let q = sync::PriorityQueue::<Reverse<u32>, 4>::new();
        for x in [3, 1, 4, 2] {
            q.push(Reverse(x)).unwrap();
        }
        let order: Vec<u32> = (0..4).map(|_| q.pop().unwrap().0).collect();
        assert_eq!(order, [1, 2, 3, 4]);
    }

    fn producers_and_consumers<const N: usize>(producers: usize, consumers: usize, per: usize) {
        let q = sync::PriorityQueue::<(usize, usize), N>::new();
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
        let mut seen = vec![vec![false; per]; producers];
        for &(p, seq) in logs.iter().flatten() {
            assert!(!seen[p][seq], "item ({p}, {seq}) popped twice");
            seen[p][seq] = true;
        }
        assert!(seen.iter().flatten().all(|&s| s), "an item was never popped");
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
    }

    #[test]
    fn many_producers_many_consumers_see_each_item_once() {
        producers_and_consumers::<1>(3, 3, scaled(3_000));
        producers_and_consumers::<4>(3, 2, scaled(10_000));
        producers_and_consumers::<1000>(2, 3, scaled(10_000));
    }

    #[test]
    fn every_item_is_popped_or_dropped_exactly_once() {
        let total = scaled(6_000);
        let drops = drop_counters(total);
        let next_id = AtomicUsize::new(0);
        {
            let q = sync::PriorityQueue::<Counted, 5>::new();
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
        let q = sync::PriorityQueue::<u32, 2>::new();
        let _armed = watchdog("close_wakes_blocked_poppers");
        thread::scope(|s| {
            let poppers: Vec<_> = (0..3).map(|_| s.spawn(|| q.pop())).collect();
            let timed = s.spawn(|| q.pop_timeout(LONG));
            thread::sleep(Duration::from_millis(50)); // make "blocked" likely
            q.close();
            for p in poppers {
                assert_eq!(p.join().unwrap(), Err(Closed(())));
            }
            assert_eq!(timed.join().unwrap(), Err(PopTimeoutError::Closed));
        });
    }

    #[test]
    fn close_wakes_blocked_pushers_and_hands_items_back() {
        let q = sync::PriorityQueue::<u32, 1>::new();
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
        let q = sync::PriorityQueue::<u32, 3>::new();
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
        let mut drained = vec![q.try_pop().unwrap(), q.pop().unwrap(), q.pop_timeout(LONG).unwrap()];
        drained.sort();
        assert_eq!(drained, [0, 1, 2]);
        assert_eq!(q.try_pop(), Err(TryPopError::Closed));
        assert_eq!(q.pop(), Err(Closed(())));
        assert_eq!(q.pop_timeout(LONG), Err(PopTimeoutError::Closed));
    }

    #[test]
    fn pushes_racing_close_are_either_refused_or_popped() {
        let q = sync::PriorityQueue::<u32, 4>::new();
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
        assert_eq!(popped, accepted.load(Ordering::Relaxed));
        assert!(q.is_empty());
    }

    #[test]
    fn timeouts_are_never_early() {
        let q = sync::PriorityQueue::<u32, 1>::new();
        let t = Duration::from_millis(60);
        let started = Instant::now();
        assert_eq!(q.pop_timeout(t), Err(PopTimeoutError::Timeout));
        assert_waited_loosely(started.elapsed(), t);

        q.push(1).unwrap();
        let started = Instant::now();
        assert_eq!(q.push_timeout(2, t), Err(PushTimeoutError::Timeout(2)));
        assert_waited_loosely(started.elapsed(), t);

        assert_eq!(q.push_timeout(3, Duration::ZERO), Err(PushTimeoutError::Timeout(3)));
        assert_eq!(q.pop_timeout(Duration::MAX), Ok(1));
        assert_eq!(q.pop_timeout(Duration::ZERO), Err(PopTimeoutError::Timeout));
        assert_eq!(q.push_timeout(4, Duration::MAX), Ok(()));
    }

    #[test]
    fn timed_calls_return_when_the_state_changes() {
        let q = sync::PriorityQueue::<u32, 1>::new();
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
        let q = sync::PriorityQueue::<u32, 2>::new();
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
        assert!(q.pop().is_ok() && q.pop().is_ok());
        assert!(!q.join_timeout(Duration::ZERO), "popping does not finish a task");
        assert_eq!(q.task_done(), Ok(()));
        assert_eq!(q.task_done(), Ok(()));
        assert_eq!(q.task_done(), Err(TaskDoneError));
        assert_eq!(q.task_done(), Err(TaskDoneError), "the count stays at zero");
        assert!(q.join_timeout(Duration::ZERO));
    }

    #[test]
    fn join_waits_for_every_task() {
        let q = sync::PriorityQueue::<u32, 4>::new();
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
        let q = sync::PriorityQueue::<u32, 2>::new();
        q.push(1).unwrap();
        let t = Duration::from_millis(60);
        let started = Instant::now();
        assert!(!q.join_timeout(t));
        assert_waited_loosely(started.elapsed(), t);
        thread::scope(|s| {
            let joiner = s.spawn(|| q.join_timeout(LONG));
            thread::sleep(Duration::from_millis(30)); // make "blocked" likely
            q.pop().unwrap();
            q.task_done().unwrap();
            assert!(joiner.join().unwrap());
        });
    }

    #[test]
    fn a_static_queue_needs_no_unsafe() {
        static Q: sync::PriorityQueue<u32, 8> = sync::PriorityQueue::new();
        thread::scope(|s| {
            s.spawn(|| Q.push(11).unwrap());
        });
        assert_eq!(Q.pop(), Ok(11));
        assert!(format!("{Q:?}").contains("capacity: 8"));
    }

    #[test]
    fn auto_traits() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<sync::PriorityQueue<String, 4>>();
    }
}

/// Comparisons left before `Touchy::cmp` panics (`usize::MAX`: never).
static CMP_BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// A counted item whose `cmp` panics once `CMP_BUDGET` runs out.
struct Touchy(Counted);
impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}
impl Eq for Touchy {}
impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        let left = CMP_BUDGET.load(Ordering::Relaxed);
        if left == 0 {
            panic!("cmp ran out of budget");
        }
        if left != usize::MAX {
            CMP_BUDGET.store(left - 1, Ordering::Relaxed);
        }
        self.0.cmp(&other.0)
    }
}

/// A `cmp` that panics in the middle of a push's or a pop's sift loses no item and drops none
/// twice; the queue stays usable (its lock is released on unwind) and holds every item that was
/// not popped.
#[test]
fn a_panicking_cmp_loses_and_doubles_no_item() {
    const N: usize = 64;
    let drops = drop_counters(N + 1);
    let q = baresync::PriorityQueue::<Touchy, N>::new();
    let item = |id| {
        Touchy(Counted {
            id,
            drops: drops.clone(),
        })
    };
    for id in 0..N {
        assert!(q.try_push(item(id)).is_ok());
    }
    // Free a slot, then panic in the sift-up of a push of the greatest item.
    let top = q.try_pop().ok().map(|t| t.0.id);
    assert_eq!(top, Some(N - 1));
    CMP_BUDGET.store(2, Ordering::Relaxed);
    let pushed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.try_push(item(N))));
    assert!(pushed.is_err(), "the push must panic mid-sift");
    // Panic in the sift-down of a pop.
    CMP_BUDGET.store(3, Ordering::Relaxed);
    let popped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.try_pop().ok()));
    assert!(popped.is_err(), "the pop must panic mid-sift");
    CMP_BUDGET.store(usize::MAX, Ordering::Relaxed);
    // The panicking push stored its item before sifting; the panicking pop had taken the top
    // item out, which was dropped on unwind. Everything else is still in the queue.
    let mut left = 0;
    while q.try_pop().is_ok() {
        left += 1;
    }
    assert_eq!(
        left,
        N - 1,
        "every item that was not popped is still queued"
    );
    drop(q);
    assert_each_dropped_once(&drops);
}
