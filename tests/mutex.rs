//! `Mutex` on every backend: mutual exclusion under contention, `try_lock`/`lock_timeout`,
//! huge and zero timeouts, unlocking while unwinding, `?Sized` values.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::scaled;
use common::timing::{HUGE, LONG, assert_waited, wait_flag, watchdog};

for_each_backend! {
    /// `threads` threads each add 1 `iters` times with a read-then-write critical section, and
    /// check that no other holder is inside at the same time.
    fn hammer(threads: usize, iters: usize) {
        let m = sync::Mutex::new(0usize);
        let inside = AtomicBool::new(false);
        thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..iters {
                        let mut g = m.lock();
                        assert!(!inside.swap(true, Ordering::Relaxed), "two holders at once");
                        let v = *g;
                        std::hint::spin_loop();
                        *g = std::hint::black_box(v) + 1;
                        inside.store(false, Ordering::Relaxed);
                    }
                });
            }
        });
        assert!(!m.is_locked());
        assert_eq!(m.into_inner(), threads * iters, "{threads} threads lost increments");
    }

    #[test]
    fn no_lost_increment_2_to_8_threads() {
        let _dog = watchdog("no_lost_increment_2_to_8_threads");
        for threads in 2..=8 {
            hammer(threads, scaled(20_000) / threads);
        }
    }

    #[test]
    fn static_counter_shared_by_ten_threads() {
        static COUNTER: sync::Mutex<u64> = sync::Mutex::new(0);
        let _dog = watchdog("static_counter_shared_by_ten_threads");
        let iters = scaled(2_000);
        thread::scope(|s| {
            for _ in 0..10 {
                s.spawn(|| {
                    for _ in 0..iters {
                        *COUNTER.lock() += 1;
                    }
                });
            }
        });
        assert_eq!(*COUNTER.lock(), 10 * iters as u64);
    }

    #[test]
    fn try_lock_fails_while_held_and_succeeds_after() {
        let m = sync::Mutex::new(5);
        assert!(!m.is_locked());
        let g = m.try_lock().expect("a free lock");
        assert!(m.is_locked());
        assert!(m.try_lock().is_none(), "held by this thread");
        thread::scope(|s| {
            assert!(s.spawn(|| m.try_lock().is_none()).join().unwrap(), "held, seen from another thread");
        });
        drop(g);
        assert!(!m.is_locked());
        thread::scope(|s| {
            assert_eq!(s.spawn(|| m.try_lock().map(|g| *g)).join().unwrap(), Some(5));
        });
    }

    #[test]
    fn get_mut_and_into_inner() {
        let mut m = sync::Mutex::new(vec![1, 2]);
        m.get_mut().push(3);
        m.lock().push(4);
        assert_eq!(m.into_inner(), [1, 2, 3, 4]);
    }

    #[test]
    fn unsized_value() {
        let m: &sync::Mutex<[u32]> = &sync::Mutex::new([1, 2, 3]);
        m.lock()[1] = 5;
        assert_eq!(*m.lock(), [1, 5, 3]);
        assert_eq!(m.try_lock().map(|g| g.len()), Some(3));
    }

    #[test]
    fn lock_timeout_on_held_lock_never_returns_early() {
        let m = sync::Mutex::new(());
        let held = m.lock();
        thread::scope(|s| {
            s.spawn(|| {
                for ms in [1, 20, 100] {
                    let timeout = Duration::from_millis(ms);
                    let start = Instant::now();
                    let got = m.lock_timeout(timeout);
                    let elapsed = start.elapsed();
                    assert!(got.is_none(), "took a lock another thread holds");
                    assert_waited(elapsed, timeout);
                }
            });
        });
        assert!(m.is_locked(), "a timed-out waiter must not unlock the holder's lock");
        drop(held);
        assert!(m.try_lock().is_some());
    }

    #[test]
    fn lock_timeout_gets_a_lock_released_in_time() {
        let m = sync::Mutex::new(0);
        let started = AtomicBool::new(false);
        let held = m.lock();
        thread::scope(|s| {
            let waiter = s.spawn(|| {
                started.store(true, Ordering::Release);
                let start = Instant::now();
                let got = m.lock_timeout(LONG).map(|mut g| {
                    *g += 1;
                    *g
                });
                (got, start.elapsed())
            });
            wait_flag(&started);
            // Makes it likely that the waiter is asleep; the result holds either way.
            thread::sleep(Duration::from_millis(20));
            drop(held);
            let (got, elapsed) = waiter.join().unwrap();
            assert_eq!(got, Some(1), "released well within the timeout");
            assert!(elapsed < LONG);
        });
    }

    #[test]
    fn zero_timeout_is_try_lock() {
        let m = sync::Mutex::new(());
        let start = Instant::now();
        let g = m.lock_timeout(Duration::ZERO).expect("a free lock");
        assert!(m.lock_timeout(Duration::ZERO).is_none(), "a held lock");
        thread::scope(|s| {
            assert!(s.spawn(|| m.lock_timeout(Duration::ZERO).is_none()).join().unwrap());
        });
        assert!(start.elapsed() < Duration::from_secs(1), "a zero timeout must not wait");
        drop(g);
        assert!(m.lock_timeout(Duration::ZERO).is_some());
    }

    #[test]
    fn huge_timeouts_on_a_free_lock() {
        let m = sync::Mutex::new(1);
        for timeout in HUGE {
            assert_eq!(m.lock_timeout(timeout).map(|g| *g), Some(1), "{timeout:?}");
        }
    }

    #[test]
    fn huge_timeouts_wait_for_the_holder() {
        // An overflowing deadline computation would panic or time out at once.
        let m = sync::Mutex::new(());
        for timeout in HUGE {
            let started = AtomicBool::new(false);
            let held = m.lock();
            thread::scope(|s| {
                let waiter = s.spawn(|| {
                    started.store(true, Ordering::Release);
                    m.lock_timeout(timeout).is_some()
                });
                wait_flag(&started);
                thread::sleep(Duration::from_millis(10));
                drop(held);
                assert!(waiter.join().unwrap(), "lock_timeout({timeout:?}) gave up");
            });
        }
    }

    #[test]
    fn timed_out_waiters_do_not_strand_others() {
        // Blocking, timed and try lockers mixed: a timed-out waiter must not swallow the wake-up
        // meant for a sleeping `lock()`, and every success is counted exactly once.
        let _dog = watchdog("timed_out_waiters_do_not_strand_others");
        let m = sync::Mutex::new(0usize);
        let successes = AtomicUsize::new(0);
        let iters = scaled(5_000);
        thread::scope(|s| {
            for t in 0..4 {
                let (m, successes) = (&m, &successes);
                s.spawn(move || {
                    for i in 0..iters {
                        let guard = match t {
                            0 | 1 => Some(m.lock()),
                            2 => m.lock_timeout(Duration::from_micros(20 + (i % 50) as u64)),
                            _ => m.try_lock(),
                        };
                        if let Some(mut g) = guard {
                            *g += 1;
                            successes.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        let total = successes.into_inner();
        assert!(total >= 2 * iters, "the two blocking lockers always succeed");
        assert_eq!(m.into_inner(), total);
    }

    #[test]
    fn guard_unlocks_when_its_thread_panics() {
        static M: sync::Mutex<u32> = sync::Mutex::new(0);
        thread::scope(|s| {
            let holder = s.spawn(|| {
                let mut g = M.lock();
                *g = 7;
                panic!("the holder panics with the lock held");
            });
            assert!(holder.join().is_err());
        });
        assert!(!M.is_locked(), "unwinding dropped the guard");
        let g = M.try_lock().expect("unlocked by the unwinding guard");
        assert_eq!(*g, 7, "no poisoning: the write before the panic stays");
    }

    #[test]
    fn guard_unlocks_on_caught_panic_and_others_can_lock() {
        let m = sync::Mutex::new(Vec::new());
        thread::scope(|s| {
            s.spawn(|| {
                let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                    let mut g = m.lock();
                    g.push(1);
                    panic!("inside the critical section");
                }));
                assert!(caught.is_err());
                assert!(m.try_lock().is_some(), "the same thread can lock again");
            })
            .join()
            .unwrap();
            let other = s.spawn(|| m.lock_timeout(LONG).map(|g| g.clone()));
            assert_eq!(other.join().unwrap(), Some(vec![1]));
        });
    }
}
