//! `Barrier` on every backend: nobody passes before all parties arrive, exactly one leader and
//! one of each arrival index per generation over many generations, and Python's extras: an
//! action run once per generation before anyone is released (a panicking one breaks the
//! barrier), timed waits that break the barrier for everyone, `abort`, `reset`, `n_waiting`,
//! `parties`.

mod common;

use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use baresync::{BarrierWaitResult, BrokenBarrierError};
use common::scaled;
use common::timing::{HUGE, LONG, assert_waited, eventually, wait_flag, watchdog};

/// How many of `results` succeeded as leader, and how many failed.
fn tally(results: &[Result<BarrierWaitResult, BrokenBarrierError>]) -> (usize, usize) {
    let leaders = results
        .iter()
        .filter(|r| matches!(r, Ok(w) if w.is_leader()))
        .count();
    let errors = results.iter().filter(|r| r.is_err()).count();
    (leaders, errors)
}

for_each_backend! {
    /// `parties` threads meet `generations` times, each through a different wait method. After
    /// generation `g` every party has arrived `g + 1` times, nobody can be two arrivals ahead,
    /// and exactly one party was the leader.
    fn rendezvous(parties: u32, generations: usize) {
        let barrier = sync::Barrier::new(parties);
        assert_eq!(barrier.parties(), parties);
        meet(&barrier, generations, None);
    }

    /// [`rendezvous`] on `barrier`. Also checks that each generation hands out every arrival
    /// index once, the leader's being `parties - 1`, and, if the barrier's action bumps `trips`,
    /// that every party sees exactly `g + 1` trips after its wait of generation `g`: the action
    /// ran once for it, before anyone was released, and not yet for the next.
    fn meet(barrier: &sync::Barrier, generations: usize, trips: Option<&AtomicU32>) {
        let parties = barrier.parties();
        let arrivals = AtomicU32::new(0);
        let leaders: Vec<AtomicU32> = (0..generations).map(|_| AtomicU32::new(0)).collect();
        // Per generation, how often each index was handed out.
        let indices: Vec<Vec<AtomicU32>> = (0..generations)
            .map(|_| (0..parties).map(|_| AtomicU32::new(0)).collect())
            .collect();
        thread::scope(|s| {
            for t in 0..parties {
                let (arrivals, leaders, indices) = (&arrivals, &leaders, &indices);
                s.spawn(move || {
                    for (g, leader_count) in leaders.iter().enumerate() {
                        arrivals.fetch_add(1, Ordering::SeqCst);
                        let result = match t % 3 {
                            0 => barrier.wait(),
                            1 => barrier.checked_wait().expect("nobody breaks this barrier"),
                            _ => barrier.wait_timeout(LONG).expect("all parties keep coming"),
                        };
                        let seen = arrivals.load(Ordering::SeqCst);
                        let done = parties * (g as u32 + 1);
                        assert!(seen >= done, "generation {g}: released with {seen} of {done} arrivals");
                        assert!(seen < done + parties, "generation {g}: others ran a generation ahead");
                        if result.is_leader() {
                            leader_count.fetch_add(1, Ordering::Relaxed);
                        }
                        let index = result.arrival_index();
                        assert!(index < parties, "generation {g}: index {index} of {parties} parties");
                        assert_eq!(result.is_leader(), index == parties - 1, "the leader arrives last");
                        indices[g][index as usize].fetch_add(1, Ordering::Relaxed);
                        if let Some(trips) = trips {
                            // Relaxed: the barrier orders the action's write before this read.
                            let trips = trips.load(Ordering::Relaxed);
                            assert_eq!(trips, g as u32 + 1, "generation {g}: one action, before release");
                        }
                    }
                });
            }
        });
        for (g, count) in leaders.iter().enumerate() {
            assert_eq!(count.load(Ordering::Relaxed), 1, "generation {g} of {parties} parties");
        }
        for (g, counts) in indices.iter().enumerate() {
            let counts: Vec<u32> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
            assert!(counts.iter().all(|&c| c == 1), "generation {g}: indices handed out {counts:?}");
        }
        if let Some(trips) = trips {
            assert_eq!(trips.load(Ordering::Relaxed), generations as u32, "one action per generation");
        }
        assert!(!barrier.is_broken());
        assert_eq!(barrier.n_waiting(), 0);
    }

    #[test]
    fn one_leader_per_generation() {
        let _dog = watchdog("one_leader_per_generation");
        rendezvous(2, scaled(3_000));
        rendezvous(3, scaled(200));
        rendezvous(5, scaled(50));
    }

    #[test]
    fn many_generations_outlast_any_counter_wrap() {
        // More generations than a narrow generation field holds.
        let _dog = watchdog("many_generations_outlast_any_counter_wrap");
        rendezvous(2, scaled(70_000));
    }

    #[test]
    fn actions_run_once_per_generation_before_release() {
        static TRIPS_OF_2: AtomicU32 = AtomicU32::new(0);
        static TRIPS_OF_4: AtomicU32 = AtomicU32::new(0);
        let _dog = watchdog("actions_run_once_per_generation_before_release");
        // Relaxed: the barrier publishes the action's writes (what `meet` checks).
        let of_2 = sync::Barrier::with_action(2, || {
            TRIPS_OF_2.fetch_add(1, Ordering::Relaxed);
        });
        meet(&of_2, scaled(3_000), Some(&TRIPS_OF_2));
        let of_4 = sync::Barrier::with_action(4, || {
            TRIPS_OF_4.fetch_add(1, Ordering::Relaxed);
        });
        meet(&of_4, scaled(200), Some(&TRIPS_OF_4));
    }

    #[test]
    fn single_party_runs_the_action_on_every_wait() {
        static TRIPS: AtomicU32 = AtomicU32::new(0);
        static ONE: sync::Barrier = sync::Barrier::with_action(1, || {
            TRIPS.fetch_add(1, Ordering::Relaxed);
        });
        let results = [
            ONE.wait(),
            ONE.checked_wait().expect("never broken"),
            ONE.wait_timeout(Duration::ZERO).expect("no one to wait for"),
        ];
        for result in results {
            assert!(result.is_leader());
            assert_eq!(result.arrival_index(), 0);
        }
        assert_eq!(TRIPS.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn panicking_action_breaks_the_barrier() {
        static FAIL: AtomicBool = AtomicBool::new(true);
        static RUNS: AtomicU32 = AtomicU32::new(0);
        fn fallible() {
            RUNS.fetch_add(1, Ordering::Relaxed);
            if FAIL.load(Ordering::Relaxed) {
                panic!("the action fails");
            }
        }
        let _dog = watchdog("panicking_action_breaks_the_barrier");
        let b = sync::Barrier::with_action(3, fallible);
        thread::scope(|s| {
            let plain = s.spawn(|| b.checked_wait());
            let timed = s.spawn(|| b.wait_timeout(LONG));
            assert!(eventually(|| b.n_waiting() == 2), "waiters did not arrive");
            // The last to arrive leads, so this thread runs the action.
            let leader = catch_unwind(AssertUnwindSafe(|| b.checked_wait()));
            let panic = leader.expect_err("the action's panic goes on in the leader");
            assert_eq!(panic.downcast_ref::<&str>(), Some(&"the action fails"));
            let others = [plain.join().unwrap(), timed.join().unwrap()];
            assert_eq!(tally(&others), (0, 2), "the other parties see the barrier break");
        });
        assert_eq!(RUNS.load(Ordering::Relaxed), 1);
        assert!(b.is_broken());
        assert!(b.checked_wait().is_err(), "broken until reset");
        FAIL.store(false, Ordering::Relaxed);
        b.reset();
        assert_usable(&b);
        assert_eq!(RUNS.load(Ordering::Relaxed), 2);

        // One party: its own wait panics, and the barrier breaks.
        FAIL.store(true, Ordering::Relaxed);
        let one = sync::Barrier::with_action(1, fallible);
        assert!(catch_unwind(AssertUnwindSafe(|| one.wait())).is_err());
        assert!(one.is_broken());
        assert_eq!(RUNS.load(Ordering::Relaxed), 3);
    }

    /// What the test does while a leader runs the action.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum DuringTheAction {
        /// A caller arrives with a short timeout: held off, it breaks the barrier.
        TimedArrival,
        Abort,
        Reset,
        /// Lets the other party's deadline pass.
        WaiterDeadline,
    }

    #[test]
    fn a_generation_completes_once_all_parties_have_arrived() {
        static RUNNING: AtomicBool = AtomicBool::new(false);
        static GO: AtomicBool = AtomicBool::new(false);
        /// Runs until the test says go.
        fn hold() {
            RUNNING.store(true, Ordering::SeqCst);
            wait_flag(&GO);
        }
        let _dog = watchdog("a_generation_completes_once_all_parties_have_arrived");
        let waiter_timeout = Duration::from_secs(1);
        for during in [
            DuringTheAction::TimedArrival,
            DuringTheAction::Abort,
            DuringTheAction::Reset,
            DuringTheAction::WaiterDeadline,
        ] {
            RUNNING.store(false, Ordering::SeqCst);
            GO.store(false, Ordering::SeqCst);
            let b = &sync::Barrier::with_action(2, hold);
            thread::scope(|s| {
                let waiter = s.spawn(move || {
                    let start = Instant::now();
                    (b.wait_timeout(waiter_timeout), start.elapsed())
                });
                assert!(eventually(|| b.n_waiting() == 1), "{during:?}: waiter did not arrive");
                // The waiter's deadline is at most `waiter_timeout` from now.
                let counted = Instant::now();
                let leader = s.spawn(|| b.checked_wait());
                wait_flag(&RUNNING);
                match during {
                    DuringTheAction::TimedArrival => {
                        let timeout = Duration::from_millis(20);
                        let start = Instant::now();
                        assert!(b.wait_timeout(timeout).is_err(), "a caller joined a full generation");
                        assert_waited(start.elapsed(), timeout);
                    }
                    DuringTheAction::Abort => b.abort(),
                    DuringTheAction::Reset => b.reset(),
                    DuringTheAction::WaiterDeadline => {
                        thread::sleep((counted + waiter_timeout).saturating_duration_since(Instant::now()));
                    }
                }
                GO.store(true, Ordering::SeqCst);
                let (waited, waited_for) = waiter.join().unwrap();
                let waited = waited.unwrap_or_else(|e| panic!("{during:?}: the waiter got {e}"));
                assert_eq!((waited.arrival_index(), waited.is_leader()), (0, false), "{during:?}");
                let led = leader.join().unwrap().unwrap_or_else(|e| panic!("{during:?}: the leader got {e}"));
                assert_eq!((led.arrival_index(), led.is_leader()), (1, true), "{during:?}");
                if during == DuringTheAction::WaiterDeadline {
                    assert!(waited_for >= waiter_timeout, "the waiter returned before its deadline");
                }
            });
            let broken = matches!(during, DuringTheAction::TimedArrival | DuringTheAction::Abort);
            assert_eq!(b.is_broken(), broken, "{during:?}: broken for the next generation");
            b.reset();
            assert_usable(b);
        }
    }

    #[test]
    fn single_party_is_always_leader() {
        static ONE: sync::Barrier = sync::Barrier::new(1);
        for _ in 0..3 {
            assert!(ONE.wait().is_leader());
            assert!(ONE.checked_wait().expect("never broken").is_leader());
            assert!(ONE.wait_timeout(Duration::ZERO).expect("no one to wait for").is_leader());
            assert!(ONE.wait_timeout(Duration::MAX).expect("no one to wait for").is_leader());
        }
        assert_eq!(ONE.n_waiting(), 0);
    }

    #[test]
    fn zero_parties_behaves_as_one() {
        let b = sync::Barrier::new(0);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(b.wait().is_leader());
            assert!(b.checked_wait().is_ok_and(|r| r.is_leader()));
            assert!(b.wait_timeout(Duration::from_secs(60)).is_ok_and(|r| r.is_leader()));
        }
        assert!(start.elapsed() < Duration::from_secs(1), "a one-party barrier never waits");
        assert!(!b.is_broken());
    }

    #[test]
    fn max_parties_is_accepted() {
        assert_eq!(sync::Barrier::MAX_PARTIES, 65_535);
        let b = sync::Barrier::new(black_box(sync::Barrier::MAX_PARTIES));
        assert_eq!(b.parties(), 65_535);
        assert_eq!(b.n_waiting(), 0);
    }

    #[test]
    #[should_panic]
    fn new_above_max_parties_panics() {
        let _ = sync::Barrier::new(black_box(sync::Barrier::MAX_PARTIES + 1));
    }

    #[test]
    #[should_panic]
    fn new_u32_max_panics() {
        let _ = sync::Barrier::new(black_box(u32::MAX));
    }

    #[test]
    fn n_waiting_counts_the_parties_inside() {
        let _dog = watchdog("n_waiting_counts_the_parties_inside");
        let b = sync::Barrier::new(3);
        assert_eq!(b.n_waiting(), 0);
        thread::scope(|s| {
            let first = s.spawn(|| b.wait());
            assert!(eventually(|| b.n_waiting() == 1));
            let second = s.spawn(|| b.wait());
            assert!(eventually(|| b.n_waiting() == 2));
            assert!(!first.is_finished() && !second.is_finished(), "released before all arrived");
            let mine = b.wait();
            let leaders = [mine, first.join().unwrap(), second.join().unwrap()]
                .iter()
                .filter(|r| r.is_leader())
                .count();
            assert_eq!(leaders, 1);
        });
        assert_eq!(b.n_waiting(), 0, "a completed generation starts empty");
    }

    #[test]
    fn timed_out_wait_breaks_the_barrier_for_everyone() {
        let b = sync::Barrier::new(4);
        thread::scope(|s| {
            let plain = s.spawn(|| b.checked_wait());
            let timed = s.spawn(|| b.wait_timeout(LONG));
            assert!(eventually(|| b.n_waiting() == 2), "waiters did not arrive");
            let timeout = Duration::from_millis(50);
            let start = Instant::now();
            let mine = b.wait_timeout(timeout);
            assert_waited(start.elapsed(), timeout);
            assert_eq!(mine.err(), Some(BrokenBarrierError), "3 of 4 parties cannot complete");
            assert!(b.is_broken());
            let others = [plain.join().unwrap(), timed.join().unwrap()];
            assert_eq!(tally(&others), (0, 2), "current waiters must see the barrier break");
        });
        // Later callers fail at once until `reset`.
        let start = Instant::now();
        assert!(b.checked_wait().is_err());
        assert!(b.wait_timeout(LONG).is_err());
        assert!(b.wait_timeout(Duration::ZERO).is_err());
        assert!(start.elapsed() < Duration::from_secs(5), "a broken barrier must not block");
        assert!(b.is_broken());
        b.reset();
        assert!(!b.is_broken());
        assert_usable(&b);
    }

    /// Runs one full generation of `b.parties()` threads with timed waits; exactly one leader.
    fn assert_usable(b: &sync::Barrier) {
        let results: Vec<_> = thread::scope(|s| {
            let handles: Vec<_> = (0..b.parties()).map(|_| s.spawn(|| b.wait_timeout(LONG))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(tally(&results), (1, 0), "a generation after the barrier was repaired");
        assert!(!b.is_broken());
    }

    #[test]
    fn abort_breaks_current_and_later_waiters() {
        let b = sync::Barrier::new(3);
        thread::scope(|s| {
            let plain = s.spawn(|| b.checked_wait());
            let timed = s.spawn(|| b.wait_timeout(LONG));
            assert!(eventually(|| b.n_waiting() == 2), "waiters did not arrive");
            b.abort();
            assert!(b.is_broken());
            let start = Instant::now();
            let others = [plain.join().unwrap(), timed.join().unwrap()];
            assert_eq!(tally(&others), (0, 2));
            assert!(start.elapsed() < Duration::from_secs(5), "abort must wake the waiters");
        });
        // Enough parties arrive now, but the barrier stays broken.
        let results: Vec<_> = thread::scope(|s| {
            let handles: Vec<_> = (0..3).map(|_| s.spawn(|| b.wait_timeout(LONG))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(tally(&results), (0, 3), "a broken barrier refuses everyone until reset");
        b.reset();
        assert_usable(&b);
    }

    #[test]
    fn reset_fails_current_waiters_and_repairs_the_barrier() {
        let b = sync::Barrier::new(3);
        thread::scope(|s| {
            let plain = s.spawn(|| b.checked_wait());
            let timed = s.spawn(|| b.wait_timeout(LONG));
            assert!(eventually(|| b.n_waiting() == 2), "waiters did not arrive");
            b.reset();
            let others = [plain.join().unwrap(), timed.join().unwrap()];
            assert_eq!(tally(&others), (0, 2), "reset fails the callers waiting at the time");
        });
        assert!(!b.is_broken(), "usable again once the old waiters left");
        assert_eq!(b.n_waiting(), 0);
        assert_usable(&b);
        assert_usable(&b);
    }

    #[test]
    fn reset_of_an_idle_barrier_changes_nothing() {
        let b = sync::Barrier::new(2);
        b.reset();
        assert!(!b.is_broken());
        assert_usable(&b);
        b.abort();
        b.abort();
        b.reset();
        b.reset();
        assert_usable(&b);
    }

    #[test]
    #[should_panic]
    fn wait_on_a_broken_barrier_panics() {
        let b = sync::Barrier::new(2);
        b.abort();
        let _ = b.wait();
    }

    #[test]
    fn wait_panics_when_the_barrier_breaks_under_it() {
        let b = sync::Barrier::new(2);
        thread::scope(|s| {
            let waiter = s.spawn(|| {
                let _ = b.wait();
            });
            assert!(eventually(|| b.n_waiting() == 1), "waiter did not arrive");
            b.abort();
            assert!(waiter.join().is_err(), "wait() must panic when the barrier breaks");
        });
    }

    #[test]
    fn wait_timeout_alone_never_returns_early() {
        for ms in [1, 20, 100] {
            let b = sync::Barrier::new(2);
            let timeout = Duration::from_millis(ms);
            let start = Instant::now();
            assert!(b.wait_timeout(timeout).is_err());
            assert_waited(start.elapsed(), timeout);
            assert!(b.is_broken());
        }
    }

    #[test]
    fn zero_timeout_breaks_unless_last() {
        let b = sync::Barrier::new(2);
        let start = Instant::now();
        assert!(b.wait_timeout(Duration::ZERO).is_err(), "the other party is not there");
        assert!(start.elapsed() < Duration::from_secs(1), "a zero timeout must not wait");
        assert!(b.is_broken());
        b.reset();
        // The last arrival completes the generation whatever its timeout.
        thread::scope(|s| {
            let first = s.spawn(|| b.wait_timeout(LONG));
            assert!(eventually(|| b.n_waiting() == 1));
            let last = b.wait_timeout(Duration::ZERO);
            assert_eq!(tally(&[last, first.join().unwrap()]), (1, 0));
        });
    }

    #[test]
    fn huge_timeouts_wait_for_the_other_party() {
        // An overflowing deadline computation would panic or time out (and break) at once.
        let b = sync::Barrier::new(2);
        for timeout in HUGE {
            thread::scope(|s| {
                let first = s.spawn(|| b.wait_timeout(timeout));
                assert!(eventually(|| b.n_waiting() == 1), "{timeout:?}: first party gave up");
                thread::sleep(Duration::from_millis(10));
                let last = b.wait_timeout(timeout);
                assert_eq!(tally(&[last, first.join().unwrap()]), (1, 0), "{timeout:?}");
            });
        }
        assert!(!b.is_broken());
    }
}
