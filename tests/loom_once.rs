//! loom models of `Once`/`OnceLock`: racing initialisers run once and publish their value, and a
//! failed (or panicking) attempt leaves the cell to a waiter, on the emulated futex (a lost
//! wake-up is a loom deadlock) and on `Spin` (the polling path).
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_once`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use std::panic::{AssertUnwindSafe, catch_unwind};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::thread;
use loom_futex::{Data, LoomFutex, futex_sync, model};

/// Three threads race `get_or_init` on the futex backend: exactly one initialiser runs, and
/// every caller reads the value it wrote (the value lives in a loom-checked cell: reading it
/// without the Acquire that pairs with the completing Release is a reported race). The two
/// that lose must sleep and be woken: a forgotten wake is a deadlock.
#[test]
fn futex_racing_initialisers_run_once() {
    model(2, || {
        let cell = Arc::new(futex_sync::OnceLock::<Data>::new());
        let runs = Arc::new(AtomicU32::new(0));
        let racer = |id: u32| {
            let (cell, runs) = (cell.clone(), runs.clone());
            move || {
                let value = cell.get_or_init(|| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    Data::new(id)
                });
                value.get()
            }
        };
        let others: Vec<_> = (1..3).map(|id| thread::spawn(racer(id))).collect();
        let mine = racer(0)();
        for other in others {
            assert_eq!(other.join().unwrap(), mine, "everyone shares one value");
        }
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    });
}

/// A failing initialiser races two callers: each either finds the cell free and initialises it,
/// or waits on an attempt (the failed one, or the other caller's), is woken when it ends, and
/// retries if it failed. The cell ends up holding one caller's value, and nobody sleeps forever.
/// (Two callers, because loom's yield in the polling phase lets a lone waiter's partner finish
/// before it sleeps.)
#[test]
fn futex_a_failed_attempt_wakes_the_waiters_and_one_retries() {
    model(3, || {
        let cell = Arc::new(futex_sync::OnceLock::<Data>::new());
        let failing = {
            let cell = cell.clone();
            thread::spawn(move || {
                let result = cell.get_or_try_init(|| Err::<Data, _>("fails"));
                assert!(result.is_err() || result.is_ok_and(|v| v.get() != 0));
            })
        };
        let other = {
            let cell = cell.clone();
            thread::spawn(move || cell.get_or_init(|| Data::new(1)).get())
        };
        let mine = cell.get_or_init(|| Data::new(2)).get();
        assert_eq!(other.join().unwrap(), mine);
        failing.join().unwrap();
    });
}

/// The same with a panicking initialiser on `Once`: the panic ends the attempt through the
/// unwinding guard, which must wake the waiters.
#[test]
fn futex_a_panicking_call_once_wakes_the_waiters_and_one_retries() {
    model(3, || {
        let once = Arc::new(futex_sync::Once::new());
        let ran = Arc::new(AtomicU32::new(0));
        let panicking = {
            let once = once.clone();
            thread::spawn(move || {
                let _ = catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("fails"))));
            })
        };
        let caller = || {
            let (once, ran) = (once.clone(), ran.clone());
            move || {
                once.call_once(|| {
                    ran.fetch_add(1, Ordering::Relaxed);
                });
                assert!(once.is_completed());
            }
        };
        let other = thread::spawn(caller());
        caller()();
        other.join().unwrap();
        panicking.join().unwrap();
        assert_eq!(ran.load(Ordering::Relaxed), 1);
    });
}

/// A `wait`er and a timed waiter whose deadline may pass at any point: the waiter returns once
/// the initialiser has run and sees its value; the timed one returns the value or gives up.
#[test]
fn futex_wait_and_wait_timeout_against_set() {
    model(2, || {
        let cell = Arc::new(futex_sync::OnceLock::<Data>::new());
        let waiter = {
            let cell = cell.clone();
            thread::spawn(move || cell.wait().get())
        };
        let timed = {
            let cell = cell.clone();
            thread::spawn(move || {
                cell.wait_timeout(std::time::Duration::from_secs(1))
                    .map(Data::get)
            })
        };
        let timer = thread::spawn(LoomFutex::fire_timer);
        assert!(cell.set(Data::new(4)).is_ok());
        assert_eq!(waiter.join().unwrap(), 4);
        assert!(matches!(timed.join().unwrap(), None | Some(4)));
        timer.join().unwrap();
    });
}

/// Racing initialisers on `Spin` (the polling path: no sleepers flag, no wake): one runs, both
/// read its value.
#[test]
fn spin_racing_initialisers_run_once() {
    model(3, || {
        let cell = Arc::new(baresync::spin::OnceLock::<Data>::new());
        let other = {
            let cell = cell.clone();
            thread::spawn(move || cell.get_or_init(|| Data::new(1)).get())
        };
        let mine = cell.get_or_init(|| Data::new(0)).get();
        assert_eq!(other.join().unwrap(), mine);
    });
}

/// A panicking initialiser on `Spin` races a caller, which gets the cell either way.
#[test]
fn spin_a_panicking_initialiser_is_retried() {
    model(3, || {
        let cell = Arc::new(baresync::spin::OnceLock::<Data>::new());
        let failing = {
            let cell = cell.clone();
            thread::spawn(move || {
                let _ = catch_unwind(AssertUnwindSafe(|| {
                    cell.get_or_init(|| panic!("fails"));
                }));
            })
        };
        assert_eq!(cell.get_or_init(|| Data::new(5)).get(), 5);
        failing.join().unwrap();
    });
}
