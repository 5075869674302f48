//! loom models of `Mutex`: mutual exclusion and publication on `Spin` (the polling path), and the
//! `CONTENDED` sleep/wake protocol on an emulated futex (a lost wake-up is a loom deadlock).
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_mutex`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use loom::sync::Arc;
use loom::thread;
use loom_futex::{LoomFutex, futex_sync, model};
use std::time::Duration;

/// Two threads increment under `spin::Mutex`. The value lives in the mutex's cell, which loom
/// checks: catches a lock taken without Acquire or released without Release (the increments race),
/// and two holders at once (a lost increment).
#[test]
fn spin_two_lockers_exclude_each_other() {
    model(3, || {
        let m = Arc::new(baresync::spin::Mutex::new(0u32));
        let other = {
            let m = m.clone();
            thread::spawn(move || *m.lock() += 1)
        };
        *m.lock() += 1;
        other.join().unwrap();
        assert_eq!(*m.lock(), 2);
    });
}

/// `try_lock` against `lock`: a `try_lock` that succeeds must see the other holder's write
/// (catches a missing Acquire on the fast path) and never succeed while the lock is held.
#[test]
fn spin_try_lock_against_lock() {
    model(3, || {
        let m = Arc::new(baresync::spin::Mutex::new(0u32));
        let other = {
            let m = m.clone();
            thread::spawn(move || *m.lock() += 1)
        };
        if let Some(mut g) = m.try_lock() {
            *g += 10;
        }
        other.join().unwrap();
        let v = *m.lock();
        assert!(v == 1 || v == 11, "{v}");
    });
}

/// Three lockers on the futex backend: the second and third sleep with `CONTENDED` set, and each
/// unlock must wake one. Catches an unlock that forgets to wake (a sleeper never returns: loom
/// reports a deadlock), a woken locker that re-takes the lock as `LOCKED` instead of `CONTENDED`
/// (the third sleeper is then stranded), and races on the value.
#[test]
fn futex_three_lockers_each_woken() {
    model(3, || {
        let m = Arc::new(futex_sync::Mutex::new(0u32));
        let others: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || *m.lock() += 1)
            })
            .collect();
        *m.lock() += 1;
        for t in others {
            t.join().unwrap();
        }
        assert_eq!(*m.lock(), 3);
        assert!(!m.is_locked());
    });
}

/// A timed locker and an untimed one sleep behind the holder; the unlock wakes one of them, and
/// the deadline passes anywhere in the schedule. A timed locker woken by the unlock whose
/// deadline has passed by the time it runs must not leave with the wake: it takes the free lock
/// or marks the word `CONTENDED` again, so the untimed sleeper is never stranded (a loom
/// deadlock). Found under load by `timed_out_waiters_do_not_strand_others` (tests/mutex.rs).
/// Preemption bound 2 reaches the lost wake (3 s; bound 3 takes nearly two minutes).
#[test]
fn futex_a_woken_timed_locker_past_its_deadline_strands_nobody() {
    model(2, || {
        let m = Arc::new(futex_sync::Mutex::new(0u32));
        let held = m.lock();
        let timed = {
            let m = m.clone();
            thread::spawn(move || {
                m.lock_timeout(Duration::from_secs(1))
                    .map(|mut g| *g += 10)
                    .is_some()
            })
        };
        let untimed = {
            let m = m.clone();
            thread::spawn(move || *m.lock() += 1)
        };
        LoomFutex::until_someone_sleeps();
        drop(held);
        LoomFutex::fire_timer();
        let timed_got_in = timed.join().unwrap();
        untimed.join().unwrap();
        assert_eq!(*m.lock(), 1 + if timed_got_in { 10 } else { 0 });
        assert!(!m.is_locked());
    });
}
