//! `Once`, `OnceLock` and `LazyLock` on every backend: racing initialisers run once, a panicking
//! (or failing) initialiser leaves the cell to the next one, waiters blocked on a failed attempt
//! wake and one of them retries, `wait`/`wait_timeout`, and every value dropped exactly once.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::timing::{HUGE, LONG, assert_waited, wait_count, wait_flag, watchdog};

/// A value that counts its drops.
struct Counted(Arc<AtomicU32>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Runs `f`, expecting it to panic.
fn expect_panic(f: impl FnOnce()) {
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(result.is_err(), "expected a panic");
}

const THREADS: u32 = 8;

for_each_backend! {
    #[test]
    fn racing_call_once_runs_one_closure() {
        let _dog = watchdog("racing_call_once_runs_one_closure");
        for _ in 0..common::scaled(200) {
            let once = sync::Once::new();
            let runs = AtomicU32::new(0);
            let start = std::sync::Barrier::new(THREADS as usize);
            thread::scope(|s| {
                for _ in 0..THREADS {
                    s.spawn(|| {
                        start.wait();
                        once.call_once(|| {
                            runs.fetch_add(1, Ordering::SeqCst);
                        });
                        // Whoever returns sees the closure's effect.
                        assert_eq!(runs.load(Ordering::Relaxed), 1);
                        assert!(once.is_completed());
                    });
                }
            });
            assert_eq!(runs.load(Ordering::SeqCst), 1, "ran more than once");
        }
    }

    #[test]
    fn racing_get_or_init_runs_one_initialiser_and_all_share_its_value() {
        let _dog = watchdog("racing_get_or_init_runs_one_initialiser");
        for _ in 0..common::scaled(200) {
            let cell = sync::OnceLock::new();
            let runs = AtomicU32::new(0);
            let start = std::sync::Barrier::new(THREADS as usize);
            let seen: Vec<u32> = thread::scope(|s| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|i| {
                        let (cell, runs, start) = (&cell, &runs, &start);
                        s.spawn(move || {
                            start.wait();
                            *cell.get_or_init(|| {
                                runs.fetch_add(1, Ordering::SeqCst);
                                // Give the others time to block on this attempt.
                                thread::yield_now();
                                i
                            })
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(runs.load(Ordering::SeqCst), 1, "ran more than once");
            assert!(seen.iter().all(|&v| v == seen[0]), "different values: {seen:?}");
            assert_eq!(cell.get(), Some(&seen[0]));
        }
    }

    #[test]
    fn racing_set_stores_exactly_one_value() {
        let cell = sync::OnceLock::new();
        let start = std::sync::Barrier::new(THREADS as usize);
        let stored: u32 = thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|i| {
                    let (cell, start) = (&cell, &start);
                    s.spawn(move || {
                        start.wait();
                        match cell.set(i) {
                            Ok(()) => 1,
                            Err(back) => {
                                assert_eq!(back, i, "set hands back its own value");
                                0
                            }
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(stored, 1);
        assert!(cell.get().is_some_and(|&v| v < THREADS));
    }

    #[test]
    fn a_panicking_call_once_leaves_it_to_the_next_caller() {
        let once = sync::Once::new();
        expect_panic(|| once.call_once(|| panic!("first attempt fails")));
        assert!(!once.is_completed());
        let mut ran = 0;
        once.call_once(|| ran += 1);
        once.call_once(|| ran += 1);
        assert_eq!(ran, 1);
        assert!(once.is_completed());
    }

    #[test]
    fn a_panicking_or_failing_initialiser_leaves_the_cell_empty() {
        let cell = sync::OnceLock::new();
        expect_panic(|| {
            cell.get_or_init(|| panic!("first attempt fails"));
        });
        assert_eq!(cell.get(), None);
        assert_eq!(cell.get_or_try_init(|| Err::<u32, _>("second fails")), Err("second fails"));
        assert_eq!(cell.get(), None);
        assert_eq!(cell.get_or_try_init(|| Ok::<_, ()>(3)), Ok(&3));
        assert_eq!(cell.get_or_try_init(|| Err(())), Ok(&3), "initialised: `f` not run");
        assert_eq!(cell.set(4), Err(4));
    }

    #[test]
    fn waiters_blocked_on_a_panicking_initialiser_wake_and_one_retries() {
        let _dog = watchdog("waiters_blocked_on_a_panicking_initialiser");
        let cell = sync::OnceLock::new();
        let once = sync::Once::new();
        let waiting = AtomicU32::new(0);
        let (cell_started, once_started) = (AtomicBool::new(false), AtomicBool::new(false));
        let runs = AtomicU32::new(0);
        thread::scope(|s| {
            // The failing initialisers: they take the turn first, and fail once the others
            // have come to wait (and have very likely gone to sleep) on their attempts.
            s.spawn(|| {
                expect_panic(|| {
                    cell.get_or_init(|| {
                        cell_started.store(true, Ordering::Release);
                        wait_count(&waiting, 2 * (THREADS - 1));
                        thread::sleep(Duration::from_millis(20));
                        panic!("the first attempt fails");
                    });
                });
            });
            s.spawn(|| {
                expect_panic(|| {
                    once.call_once(|| {
                        once_started.store(true, Ordering::Release);
                        wait_count(&waiting, 2 * (THREADS - 1));
                        thread::sleep(Duration::from_millis(20));
                        panic!("the first attempt fails");
                    });
                });
            });
            wait_flag(&cell_started);
            wait_flag(&once_started);
            for i in 1..THREADS {
                let (cell, once, waiting, runs) = (&cell, &once, &waiting, &runs);
                s.spawn(move || {
                    waiting.fetch_add(1, Ordering::Release);
                    let value = *cell.get_or_init(|| {
                        runs.fetch_add(1, Ordering::SeqCst);
                        i
                    });
                    assert!((1..THREADS).contains(&value));
                });
                s.spawn(move || {
                    waiting.fetch_add(1, Ordering::Release);
                    once.call_once(|| {
                        runs.fetch_add(1, Ordering::SeqCst);
                    });
                    assert!(once.is_completed());
                });
            }
        });
        assert_eq!(runs.load(Ordering::SeqCst), 2, "one retry per cell, exactly");
        assert!(cell.get().is_some() && once.is_completed());
    }

    #[test]
    fn wait_blocks_until_another_thread_sets() {
        let _dog = watchdog("wait_blocks_until_another_thread_sets");
        let cell = sync::OnceLock::new();
        let once = sync::Once::new();
        let set_at = thread::scope(|s| {
            let waiter = s.spawn(|| (*cell.wait(), Instant::now()));
            let once_waiter = s.spawn(|| {
                once.wait();
                Instant::now()
            });
            thread::sleep(Duration::from_millis(10));
            assert!(!waiter.is_finished() && !once_waiter.is_finished());
            let set_at = Instant::now();
            cell.set(5).unwrap();
            once.call_once(|| {});
            let (value, woke) = waiter.join().unwrap();
            assert_eq!(value, 5);
            assert!(woke >= set_at);
            assert!(once_waiter.join().unwrap() >= set_at);
            set_at
        });
        assert!(set_at.elapsed() < LONG);
        // Already set: returns at once.
        assert_eq!(*cell.wait(), 5);
        once.wait();
    }

    #[test]
    fn wait_timeout_runs_out_on_an_empty_cell_and_returns_a_set_one() {
        let cell = sync::OnceLock::<u32>::new();
        let once = sync::Once::new();
        let timeout = Duration::from_millis(30);
        let start = Instant::now();
        assert_eq!(cell.wait_timeout(timeout), None);
        assert_waited(start.elapsed(), timeout);
        let start = Instant::now();
        assert!(!once.wait_timeout(timeout));
        assert_waited(start.elapsed(), timeout);
        assert_eq!(cell.wait_timeout(Duration::ZERO), None);

        thread::scope(|s| {
            let waiter = s.spawn(|| cell.wait_timeout(LONG).copied());
            let once_waiter = s.spawn(|| once.wait_timeout(LONG));
            thread::sleep(Duration::from_millis(10));
            cell.set(9).unwrap();
            once.call_once(|| {});
            assert_eq!(waiter.join().unwrap(), Some(9));
            assert!(once_waiter.join().unwrap());
        });
        assert_eq!(cell.wait_timeout(Duration::ZERO), Some(&9));
        for huge in HUGE {
            assert_eq!(cell.wait_timeout(huge), Some(&9));
            assert!(once.wait_timeout(huge));
        }
    }

    #[test]
    fn lazy_lock_forced_from_many_threads_initialises_once() {
        let _dog = watchdog("lazy_lock_forced_from_many_threads");
        static RUNS: AtomicU32 = AtomicU32::new(0);
        static LAZY: sync::LazyLock<Vec<u32>> = sync::LazyLock::new(|| {
            RUNS.fetch_add(1, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(5));
            (0..100).collect()
        });
        let start = std::sync::Barrier::new(THREADS as usize);
        thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    start.wait();
                    assert_eq!(LAZY.len(), 100);
                    assert_eq!(sync::LazyLock::force(&LAZY)[99], 99);
                });
            }
        });
        assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_lazy_lock_whose_initialiser_panicked_panics_again() {
        let lazy: sync::LazyLock<u32, _> = sync::LazyLock::new(|| -> u32 { panic!("no value") });
        expect_panic(|| {
            let _ = *lazy;
        });
        expect_panic(|| {
            let _ = *lazy;
        });
    }

    #[test]
    fn values_are_dropped_exactly_once() {
        let drops = Arc::new(AtomicU32::new(0));
        let count = || drops.load(Ordering::SeqCst);

        // Dropped with the cell.
        let cell = sync::OnceLock::new();
        assert!(cell.set(Counted(drops.clone())).is_ok());
        assert!(cell.set(Counted(drops.clone())).is_err(), "handed back...");
        assert_eq!(count(), 1, "...and dropped by the caller");
        drop(cell);
        assert_eq!(count(), 2);

        // An empty cell drops nothing; `take` moves the value out and empties the cell.
        drop(sync::OnceLock::<Counted>::new());
        let mut cell = sync::OnceLock::from(Counted(drops.clone()));
        let taken = cell.take().expect("set");
        assert!(cell.get().is_none() && cell.take().is_none());
        assert_eq!(count(), 2);
        drop(taken);
        assert_eq!(count(), 3);
        // Taken, then initialised again, then dropped with the cell.
        cell.get_or_init(|| Counted(drops.clone()));
        drop(cell);
        assert_eq!(count(), 4);

        // `into_inner` moves it out.
        let cell = sync::OnceLock::new();
        cell.get_or_init(|| Counted(drops.clone()));
        let inner = cell.into_inner().expect("set");
        assert_eq!(count(), 4);
        drop(inner);
        assert_eq!(count(), 5);

        // A value made by a failed attempt's caller never reaches the cell: no double drop.
        let cell = sync::OnceLock::<Counted>::new();
        expect_panic(|| {
            cell.get_or_init(|| {
                let _made = Counted(drops.clone());
                panic!("after making a value");
            });
        });
        assert_eq!(count(), 6, "the unwound value only");
        drop(cell);
        assert_eq!(count(), 6);

        // LazyLock: the value once forced, the initialiser (and what it owns) if never run.
        let owned = Counted(drops.clone());
        let lazy: sync::LazyLock<Counted, _> = sync::LazyLock::new(move || Counted(owned.0.clone()));
        drop(lazy);
        assert_eq!(count(), 7, "the unused initialiser's capture");
        let (owned, value_drops) = (Counted(drops.clone()), drops.clone());
        let lazy = sync::LazyLock::new(move || {
            let _owned = owned;
            Counted(value_drops)
        });
        let _ = &*lazy;
        assert_eq!(count(), 8, "the initialiser's capture, dropped when it ran");
        drop(lazy);
        assert_eq!(count(), 9, "the value");
    }

    #[test]
    fn get_mut_clone_and_eq() {
        let mut cell = sync::OnceLock::new();
        assert_eq!(cell.get_mut(), None);
        cell.set(String::from("a")).unwrap();
        cell.get_mut().unwrap().push('b');
        let copy = cell.clone();
        assert_eq!(copy.get().map(String::as_str), Some("ab"));
        assert!(copy == cell);
        assert!(sync::OnceLock::<String>::new() != cell);
        assert_eq!(format!("{cell:?}"), "OnceLock(\"ab\")");
        assert_eq!(format!("{:?}", sync::OnceLock::<u8>::new()), "OnceLock(<uninit>)");
    }
}
