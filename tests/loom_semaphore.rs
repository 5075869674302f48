//! loom models of `Semaphore`: permits as mutual exclusion with publication, and the `SLEEPERS`
//! bit with the woken acquirer's baton pass on an emulated futex (a sleeper never woken while
//! permits remain is a loom deadlock).
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_semaphore`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use loom::sync::Arc;
use loom::thread;
use loom_futex::{Data, LoomFutex, futex_sync, model};
use std::time::Duration;

/// A one-permit semaphore as a lock around plain data, on `Spin`. Catches a take without Acquire
/// or a return without Release (loom reports the data race), and two holders of one permit.
#[test]
fn spin_one_permit_excludes_and_publishes() {
    model(3, || {
        let shared = Arc::new((baresync::spin::Semaphore::new(1), Data::new(0)));
        let other = {
            let shared = shared.clone();
            thread::spawn(move || {
                let _permit = shared.0.acquire();
                shared.1.set(shared.1.get() + 1);
            })
        };
        {
            let _permit = shared.0.acquire();
            shared.1.set(shared.1.get() + 1);
        }
        other.join().unwrap();
        let _permit = shared.0.acquire();
        assert_eq!(shared.1.get(), 2);
        assert_eq!(shared.0.available_permits(), 0);
    });
}

/// Two acquirers sleep on an empty semaphore; `release(1)` twice, back to back. The first release
/// clears `SLEEPERS` and wakes one; the second may then see no flag and wake nobody, so the woken
/// acquirer must pass the baton. Catches the regression fixed in 57e4ef7 (the second sleeper
/// stranded with a permit available: a deadlock).
#[test]
fn futex_back_to_back_release_one_wakes_both() {
    two_sleepers(|s| {
        s.release(1);
        s.release(1);
    });
}

/// The same with one `release(2)`: catches a multi-permit release that wakes a single sleeper.
#[test]
fn futex_release_two_wakes_both() {
    two_sleepers(|s| s.release(2));
}

fn two_sleepers(release: fn(&futex_sync::Semaphore)) {
    model(3, move || {
        let s = Arc::new(futex_sync::Semaphore::new(0));
        let acquirers: Vec<_> = (0..2)
            .map(|_| {
                let s = s.clone();
                thread::spawn(move || s.acquire().forget())
            })
            .collect();
        release(&s);
        for a in acquirers {
            a.join().unwrap();
        }
        assert_eq!(s.available_permits(), 0);
    });
}

/// A timed and an untimed acquirer sleep; `release(1)` may wake the timed one, a caller that
/// never slept may take the permit first, and the timer may fire at any point, so the timed
/// acquirer gives up. The untimed one must still get a later permit: a timed caller that slept
/// must hand over the wake it may have taken. Catches issue 17's defect 1 (a loom deadlock: the
/// untimed acquirer sleeps forever with a permit available).
#[test]
fn futex_timed_out_acquirer_hands_over_the_wake() {
    model(2, || {
        let s = Arc::new(futex_sync::Semaphore::new(0));
        let untimed = {
            let s = s.clone();
            thread::spawn(move || s.acquire().forget())
        };
        let timed = {
            let s = s.clone();
            thread::spawn(move || {
                s.acquire_timeout(Duration::from_secs(1))
                    .map(|p| p.forget())
                    .is_some()
            })
        };
        s.release(1);
        let stolen = s.try_acquire().map(|p| p.forget()).is_some();
        LoomFutex::fire_timer();
        s.release(1);
        if timed.join().unwrap() {
            s.release(1);
        }
        untimed.join().unwrap();
        assert_eq!(s.available_permits(), u32::from(!stolen));
    });
}
