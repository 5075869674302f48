//! `Semaphore` and `BoundedSemaphore` on every backend: never more holders than permits,
//! permits returned on drop or kept by `forget`, `release` as a signal, overflow errors and
//! panics, timeouts.

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use baresync::SemaphoreOverflowError;
use common::scaled;
use common::timing::{HUGE, LONG, assert_waited, eventually, watchdog};

/// Counts the holders inside a guarded section and remembers the most seen at once.
#[derive(Default)]
struct Occupancy {
    now: AtomicU32,
    max: AtomicU32,
}

impl Occupancy {
    fn visit(&self) {
        let inside = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(inside, Ordering::SeqCst);
        for _ in 0..64 {
            std::hint::spin_loop();
        }
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

for_each_backend! {
    /// `threads` threads repeatedly take a permit (blocking, polling with `try_acquire`, or with a
    /// short timeout) and record how many are inside at once.
    fn occupancy(permits: u32, threads: usize, iters: usize) -> u32 {
        let sem = sync::Semaphore::new(permits);
        let seen = Occupancy::default();
        thread::scope(|s| {
            for t in 0..threads {
                let (sem, seen) = (&sem, &seen);
                s.spawn(move || {
                    for _ in 0..iters {
                        let permit = match t % 3 {
                            0 => sem.acquire(),
                            1 => loop {
                                match sem.try_acquire() {
                                    Some(p) => break p,
                                    None => thread::yield_now(),
                                }
                            },
                            _ => loop {
                                if let Some(p) = sem.acquire_timeout(Duration::from_micros(50)) {
                                    break p;
                                }
                            },
                        };
                        seen.visit();
                        drop(permit);
                    }
                });
            }
        });
        assert_eq!(sem.available_permits(), permits, "every dropped permit came back");
        seen.max.into_inner()
    }

    #[test]
    fn never_more_holders_than_permits() {
        let _dog = watchdog("never_more_holders_than_permits");
        for permits in [1, 2, 3] {
            let max = occupancy(permits, 6, scaled(3_000));
            assert!(max <= permits, "{max} holders inside a semaphore of {permits}");
            assert!(max >= 1);
        }
    }

    #[test]
    fn bounded_never_more_holders_than_permits() {
        static POOL: sync::BoundedSemaphore = sync::BoundedSemaphore::new(2);
        let _dog = watchdog("bounded_never_more_holders_than_permits");
        let seen = Occupancy::default();
        thread::scope(|s| {
            for _ in 0..5 {
                s.spawn(|| {
                    for _ in 0..scaled(3_000) {
                        let permit = POOL.acquire();
                        seen.visit();
                        drop(permit);
                    }
                });
            }
        });
        let max = seen.max.into_inner();
        assert!((1..=2).contains(&max), "{max} holders inside a semaphore of 2");
        assert_eq!(POOL.available_permits(), 2);
    }

    #[test]
    fn try_acquire_counts_down_and_drop_gives_back() {
        let sem = sync::Semaphore::new(2);
        assert_eq!(sem.available_permits(), 2);
        let a = sem.try_acquire().expect("first");
        let b = sem.try_acquire().expect("second");
        assert_eq!(sem.available_permits(), 0);
        assert!(sem.try_acquire().is_none(), "only two permits");
        drop(a);
        assert_eq!(sem.available_permits(), 1);
        let c = sem.acquire();
        assert!(sem.try_acquire().is_none());
        drop((b, c));
        assert_eq!(sem.available_permits(), 2);
        assert!(sync::Semaphore::new(0).try_acquire().is_none());
    }

    #[test]
    fn forget_keeps_the_permit_taken() {
        let sem = sync::Semaphore::new(2);
        sem.acquire().forget();
        assert_eq!(sem.available_permits(), 1);
        sem.try_acquire().expect("one left").forget();
        assert_eq!(sem.available_permits(), 0);
        assert!(sem.try_acquire().is_none());
        sem.release(2);
        assert_eq!(sem.available_permits(), 2);
    }

    #[test]
    fn release_signals_items_to_a_consumer() {
        // `release` as a signal: the consumer never takes more permits than were released.
        let items = sync::Semaphore::new(0);
        let produced = AtomicU32::new(0);
        let n = scaled(5_000) as u32;
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..n {
                    produced.fetch_add(1, Ordering::Relaxed);
                    items.release(1);
                    if i % 64 == 0 {
                        thread::yield_now();
                    }
                }
            });
            for consumed in 1..=n {
                items.acquire_timeout(LONG).expect("a released permit was lost").forget();
                assert!(produced.load(Ordering::Relaxed) >= consumed, "took a permit never released");
            }
        });
        assert_eq!(items.available_permits(), 0);
    }

    #[test]
    fn release_n_wakes_exactly_the_released_number() {
        let _dog = watchdog("release_n_wakes_exactly_the_released_number");
        let sem = sync::Semaphore::new(0);
        let started = AtomicU32::new(0);
        let acquired = AtomicU32::new(0);
        thread::scope(|s| {
            for t in 0..4 {
                let (sem, started, acquired) = (&sem, &started, &acquired);
                s.spawn(move || {
                    started.fetch_add(1, Ordering::Relaxed);
                    if t % 2 == 0 {
                        sem.acquire().forget();
                    } else {
                        sem.acquire_timeout(LONG).expect("never released").forget();
                    }
                    acquired.fetch_add(1, Ordering::Relaxed);
                });
            }
            assert!(eventually(|| started.load(Ordering::Relaxed) == 4));
            thread::sleep(Duration::from_millis(20));
            assert_eq!(acquired.load(Ordering::Relaxed), 0, "acquired without a permit");
            sem.release(2);
            assert!(eventually(|| acquired.load(Ordering::Relaxed) == 2), "release(2) lost a wake-up");
            // Blocked state is likely by now; more than two would be a permit out of nowhere.
            thread::sleep(Duration::from_millis(20));
            assert_eq!(acquired.load(Ordering::Relaxed), 2);
            sem.release(2);
        });
        assert_eq!(acquired.into_inner(), 4);
        assert_eq!(sem.available_permits(), 0);
    }

    #[test]
    fn single_releases_wake_a_chain_of_sleepers() {
        let _dog = watchdog("single_releases_wake_a_chain_of_sleepers");
        let sem = sync::Semaphore::new(0);
        let started = AtomicU32::new(0);
        let acquired = AtomicU32::new(0);
        let waiters = 5;
        thread::scope(|s| {
            for _ in 0..waiters {
                s.spawn(|| {
                    started.fetch_add(1, Ordering::Relaxed);
                    sem.acquire().forget();
                    acquired.fetch_add(1, Ordering::Relaxed);
                });
            }
            assert!(eventually(|| started.load(Ordering::Relaxed) == waiters));
            thread::sleep(Duration::from_millis(20));
            for n in 1..=waiters {
                sem.release(1);
                assert!(eventually(|| acquired.load(Ordering::Relaxed) == n), "release {n} lost");
            }
        });
        assert_eq!(sem.available_permits(), 0);
    }

    #[test]
    fn timed_out_acquirers_do_not_strand_blocking_ones() {
        // A timed waiter that gives up must not swallow the wake-up meant for a sleeping
        // `acquire`, and every permit taken comes back.
        let _dog = watchdog("timed_out_acquirers_do_not_strand_blocking_ones");
        let sem = sync::Semaphore::new(1);
        let taken = AtomicU32::new(0);
        let iters = scaled(3_000);
        thread::scope(|s| {
            for t in 0..4 {
                let (sem, taken) = (&sem, &taken);
                s.spawn(move || {
                    for i in 0..iters {
                        let permit = if t < 2 {
                            Some(sem.acquire())
                        } else {
                            sem.acquire_timeout(Duration::from_micros(10 + (i % 40) as u64))
                        };
                        if permit.is_some() {
                            taken.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert!(taken.into_inner() >= 2 * iters as u32);
        assert_eq!(sem.available_permits(), 1);
    }

    #[test]
    fn acquire_timeout_never_returns_early() {
        let sem = sync::Semaphore::new(0);
        for ms in [1, 20, 100] {
            let timeout = Duration::from_millis(ms);
            let start = Instant::now();
            assert!(sem.acquire_timeout(timeout).is_none());
            assert_waited(start.elapsed(), timeout);
        }
        let bounded = sync::BoundedSemaphore::new(1);
        let _held = bounded.acquire();
        let timeout = Duration::from_millis(20);
        let start = Instant::now();
        assert!(bounded.acquire_timeout(timeout).is_none());
        assert_waited(start.elapsed(), timeout);
    }

    #[test]
    fn acquire_timeout_gets_a_permit_released_in_time() {
        let sem = sync::Semaphore::new(0);
        let started = AtomicU32::new(0);
        thread::scope(|s| {
            let waiter = s.spawn(|| {
                started.store(1, Ordering::Relaxed);
                sem.acquire_timeout(LONG).map(|p| p.forget()).is_some()
            });
            assert!(eventually(|| started.load(Ordering::Relaxed) == 1));
            thread::sleep(Duration::from_millis(20));
            sem.release(1);
            assert!(waiter.join().unwrap(), "released well within the timeout");
        });
        assert_eq!(sem.available_permits(), 0);
    }

    #[test]
    fn zero_timeout_is_try_acquire() {
        let start = Instant::now();
        let sem = sync::Semaphore::new(1);
        let p = sem.acquire_timeout(Duration::ZERO).expect("one permit");
        assert!(sem.acquire_timeout(Duration::ZERO).is_none());
        drop(p);
        let bounded = sync::BoundedSemaphore::new(1);
        let p = bounded.acquire_timeout(Duration::ZERO).expect("one permit");
        assert!(bounded.acquire_timeout(Duration::ZERO).is_none());
        drop(p);
        assert!(start.elapsed() < Duration::from_secs(1), "a zero timeout must not wait");
    }

    #[test]
    fn huge_timeouts_with_permits_available() {
        let sem = sync::Semaphore::new(1);
        let bounded = sync::BoundedSemaphore::new(1);
        for timeout in HUGE {
            assert!(sem.acquire_timeout(timeout).is_some(), "{timeout:?}");
            assert!(bounded.acquire_timeout(timeout).is_some(), "{timeout:?}");
        }
        assert_eq!(sem.available_permits(), 1);
    }

    #[test]
    fn huge_timeouts_wait_for_a_release() {
        // An overflowing deadline computation would panic or time out at once.
        let sem = sync::Semaphore::new(0);
        for timeout in HUGE {
            let started = AtomicU32::new(0);
            thread::scope(|s| {
                let waiter = s.spawn(|| {
                    started.store(1, Ordering::Relaxed);
                    sem.acquire_timeout(timeout).map(|p| p.forget()).is_some()
                });
                assert!(eventually(|| started.load(Ordering::Relaxed) == 1));
                thread::sleep(Duration::from_millis(10));
                sem.release(1);
                assert!(waiter.join().unwrap(), "acquire_timeout({timeout:?}) gave up");
            });
        }
    }

    #[test]
    fn max_permits_is_accepted() {
        let max = sync::Semaphore::MAX_PERMITS;
        assert_eq!(max, (1 << 31) - 1);
        let sem = sync::Semaphore::new(black_box(max));
        assert_eq!(sem.available_permits(), max);
        let p = sem.acquire();
        assert_eq!(sem.available_permits(), max - 1);
        drop(p);
        assert_eq!(sem.available_permits(), max);
        let empty = sync::Semaphore::new(0);
        empty.release(max);
        assert_eq!(empty.available_permits(), max);
    }

    #[test]
    #[should_panic]
    fn new_above_max_panics() {
        let _ = sync::Semaphore::new(black_box(sync::Semaphore::MAX_PERMITS + 1));
    }

    #[test]
    #[should_panic]
    fn new_u32_max_panics() {
        let _ = sync::Semaphore::new(black_box(u32::MAX));
    }

    #[test]
    #[should_panic]
    fn release_past_max_panics() {
        let sem = sync::Semaphore::new(sync::Semaphore::MAX_PERMITS - 1);
        sem.release(black_box(2));
    }

    #[test]
    #[should_panic]
    fn release_u32_max_panics() {
        sync::Semaphore::new(0).release(black_box(u32::MAX));
    }

    #[test]
    fn try_release_reports_overflow_and_changes_nothing() {
        let max = sync::Semaphore::MAX_PERMITS;
        let sem = sync::Semaphore::new(max - 1);
        assert_eq!(sem.try_release(2), Err(SemaphoreOverflowError));
        assert_eq!(sem.available_permits(), max - 1, "a failed release adds nothing");
        assert_eq!(sem.try_release(u32::MAX), Err(SemaphoreOverflowError));
        assert_eq!(sem.try_release(0), Ok(()));
        assert_eq!(sem.try_release(1), Ok(()));
        assert_eq!(sem.available_permits(), max);
        assert!(sem.try_release(1).is_err());
        let sem = sync::Semaphore::new(0);
        assert_eq!(sem.try_release(3), Ok(()));
        assert_eq!(sem.available_permits(), 3);
    }

    #[test]
    fn overflow_error_is_a_displayable_error() {
        let sem = sync::BoundedSemaphore::new(1);
        let err = sem.try_release(1).unwrap_err();
        let as_error: &dyn std::error::Error = &err;
        assert!(!as_error.to_string().is_empty());
        assert!(!format!("{err:?}").is_empty());
    }

    #[test]
    fn bounded_release_within_the_initial_count() {
        let sem = sync::BoundedSemaphore::new(2);
        assert_eq!(sem.available_permits(), 2);
        sem.acquire().forget();
        sem.try_acquire().expect("one left").forget();
        assert!(sem.try_acquire().is_none());
        sem.release(1);
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.try_release(2), Err(SemaphoreOverflowError), "would be 3 > 2");
        assert_eq!(sem.available_permits(), 1, "a failed release adds nothing");
        assert_eq!(sem.try_release(1), Ok(()));
        assert_eq!(sem.available_permits(), 2);
        assert_eq!(sem.try_release(1), Err(SemaphoreOverflowError));
        assert_eq!(sem.try_release(0), Ok(()));
        assert_eq!(sem.available_permits(), 2);
        // A permit dropped normally returns within the bound.
        drop(sem.acquire());
        assert_eq!(sem.available_permits(), 2);
        assert!(sync::BoundedSemaphore::new(0).try_release(1).is_err());
    }

    #[test]
    #[should_panic]
    fn bounded_release_above_initial_panics() {
        let sem = sync::BoundedSemaphore::new(2);
        sem.release(black_box(1));
    }

    #[test]
    #[should_panic]
    fn bounded_release_of_more_than_were_taken_panics() {
        let sem = sync::BoundedSemaphore::new(3);
        sem.acquire().forget();
        sem.release(black_box(2));
    }

    #[test]
    fn bounded_release_wakes_a_blocked_acquirer() {
        let sem = sync::BoundedSemaphore::new(1);
        sem.acquire().forget();
        let started = AtomicU32::new(0);
        thread::scope(|s| {
            let waiter = s.spawn(|| {
                started.store(1, Ordering::Relaxed);
                sem.acquire_timeout(LONG).is_some()
            });
            assert!(eventually(|| started.load(Ordering::Relaxed) == 1));
            thread::sleep(Duration::from_millis(10));
            sem.release(1);
            assert!(waiter.join().unwrap());
        });
        assert_eq!(sem.available_permits(), 1);
    }
}
