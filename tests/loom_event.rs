//! loom models of `Event`: publication through `set`/`wait`, the `SLEEPERS` bit on an emulated
//! futex (a waiter left asleep is a loom deadlock), and `set()` followed at once by `clear()`
//! (CPython issue 13502).
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_event`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use baresync::generic::Event;
use baresync::wait::Wait;
use loom::sync::Arc;
use loom::thread;
use loom_futex::{Data, LoomFutex, futex_sync, model};

/// The setter writes plain data, then `set`s; the waiter `wait`s, then reads it. Catches a `set`
/// without Release or a `wait`/`is_set` without Acquire (loom reports the data race); on the
/// sleeping backend also a `set` that does not wake a waiter who announced `SLEEPERS` (lost
/// wake-up: deadlock), and a waiter that sleeps on a word without `SLEEPERS`.
fn set_publishes_to_waiter<W: Wait + 'static>() {
    model(3, || {
        let shared = Arc::new((Event::<W>::new(), Data::new(0)));
        let setter = {
            let shared = shared.clone();
            thread::spawn(move || {
                shared.1.set(42);
                shared.0.set();
            })
        };
        shared.0.wait();
        assert_eq!(shared.1.get(), 42);
        setter.join().unwrap();
    });
}

#[test]
fn spin_set_publishes_to_waiter() {
    set_publishes_to_waiter::<baresync::wait::Spin>();
}

#[test]
fn futex_set_wakes_and_publishes() {
    set_publishes_to_waiter::<LoomFutex>();
}

/// `set()` then at once `clear()`, with a waiter already asleep (only a thread that was waiting
/// when `set` ran is owed a release; one arriving after the `clear` waits for the next `set`).
/// The waiter is woken but may run only after the `clear`. Catches a waiter that re-checks only
/// the flag and goes back to sleep (CPython issue 13502: a deadlock here).
#[test]
fn futex_set_then_clear_releases_the_waiter() {
    model(3, || {
        let event = Arc::new(futex_sync::Event::new());
        let waiter = {
            let event = event.clone();
            thread::spawn(move || event.wait())
        };
        LoomFutex::until_someone_sleeps();
        event.set();
        event.clear();
        waiter.join().unwrap();
        assert!(!event.is_set());
    });
}

/// Two waiters and one `set`: catches a `set` that wakes only one sleeper.
#[test]
fn futex_set_wakes_every_waiter() {
    model(3, || {
        let event = Arc::new(futex_sync::Event::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let event = event.clone();
                thread::spawn(move || event.wait())
            })
            .collect();
        event.set();
        for w in waiters {
            w.join().unwrap();
        }
    });
}
