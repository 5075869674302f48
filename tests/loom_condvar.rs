//! loom models of `Condvar`: the lost wake-up between a waiter's unlock and its sleep, and how many
//! waiters `notify_one`, `notify_n` and `notify_all` release, on an emulated futex (a waiter left
//! asleep is a loom deadlock); and the polling path on `Spin`.
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_condvar`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use loom::sync::Arc;
use loom::thread;
use loom_futex::{futex_sync, model};

/// One waiter, one `notify_one`, no timeout. The notification may land anywhere, in particular
/// after the waiter registered and unlocked but before it sleeps. Catches a notifier that skips
/// the wake because it read a stale waiter count, or a sequence bump the waiter does not compare
/// against (the classic lost wake-up: the waiter sleeps forever, a loom deadlock).
#[test]
fn futex_notify_one_is_never_lost() {
    model(3, || {
        let pair = Arc::new((futex_sync::Mutex::new(false), futex_sync::Condvar::new()));
        let waiter = {
            let pair = pair.clone();
            thread::spawn(move || {
                let (m, cv) = &*pair;
                drop(cv.wait_while(m.lock(), |ready| !*ready));
            })
        };
        let (m, cv) = &*pair;
        *m.lock() = true;
        cv.notify_one();
        waiter.join().unwrap();
    });
}

/// Two waiters each need a token; the notifier adds one token and calls `notify_one`, twice.
/// Catches a `notify_one` that wakes nobody (or the same, already woken waiter) while another
/// sleeps registered: with no timeout, that waiter never gets its token.
#[test]
fn futex_notify_one_twice_releases_two_waiters() {
    tokens_model(true, |cv| cv.notify_one());
}

/// As above with one `notify_n(2)` after both tokens: catches a `notify_n` that narrows its count
/// (waking one of two sleepers).
#[test]
fn futex_notify_n_releases_n_waiters() {
    tokens_model(false, |cv| cv.notify_n(2));
}

/// As above with one `notify_all` after both tokens: catches a `notify_all` that stops at one.
#[test]
fn futex_notify_all_releases_every_waiter() {
    tokens_model(false, |cv| cv.notify_all());
}

/// Two waiters that each take one token; the main thread adds two tokens and notifies with
/// `notify`, after each token when `per_token`, else once after both.
fn tokens_model(per_token: bool, notify: fn(&futex_sync::Condvar)) {
    model(3, move || {
        let pair = Arc::new((futex_sync::Mutex::new(0u32), futex_sync::Condvar::new()));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let pair = pair.clone();
                thread::spawn(move || {
                    let (m, cv) = &*pair;
                    let mut tokens = cv.wait_while(m.lock(), |t| *t == 0);
                    *tokens -= 1;
                })
            })
            .collect();
        let (m, cv) = &*pair;
        *m.lock() += 1;
        if per_token {
            notify(cv);
        }
        *m.lock() += 1;
        notify(cv);
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(*m.lock(), 0, "each waiter took one token");
    });
}

/// The polling path: on `Spin` a waiter re-checks the word itself. Catches a waiter that returns
/// without the predicate being true under the lock, and (through the mutex's checked cell) any
/// access to the value not ordered by the mutex.
#[test]
fn spin_notify_all_with_predicate() {
    model(3, || {
        let pair = Arc::new((
            baresync::spin::Mutex::new(0u32),
            baresync::spin::Condvar::new(),
        ));
        let waiter = {
            let pair = pair.clone();
            thread::spawn(move || {
                let (m, cv) = &*pair;
                let value = cv.wait_while(m.lock(), |v| *v == 0);
                assert_eq!(*value, 7);
            })
        };
        let (m, cv) = &*pair;
        *m.lock() = 7;
        cv.notify_all();
        waiter.join().unwrap();
    });
}
