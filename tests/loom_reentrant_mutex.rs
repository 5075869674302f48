//! loom models of `ReentrantMutex` on the emulated futex, whose `ContextId` is loom's thread id:
//! nested locking across threads excludes, publishes the value, and wakes a sleeping locker only
//! when the holder's last guard drops (a forgotten wake is a loom deadlock).
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_reentrant_mutex`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use loom::sync::Arc;
use loom::thread;
use loom_futex::{Data, futex_sync, model};

/// Two threads each lock twice (nested) and increment through the inner guard. The value lives
/// in a loom-checked cell: two holders at once, or a hand-over without Acquire/Release, is a
/// reported race; the owner and count bookkeeping (a loom cell too) must never let the second
/// thread in as a "re-lock". The loser sleeps on the lock word and must be woken.
#[test]
fn futex_nested_lockers_exclude_each_other() {
    model(3, || {
        let m = Arc::new(futex_sync::ReentrantMutex::new(Data::new(0)));
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                let outer = m.lock();
                let inner = m.lock();
                inner.set(outer.get() + 1);
            })
        };
        {
            let outer = m.lock();
            let inner = m.try_lock().expect("the holder's try_lock succeeds");
            inner.set(outer.get() + 1);
            drop(outer);
            // One guard is left: the lock is still ours.
            inner.set(inner.get() + 1);
        }
        other.join().unwrap();
        assert_eq!(m.lock().get(), 3);
        assert!(!m.is_locked());
    });
}

/// A `try_lock` by another thread never gets in while any guard of the holder lives.
#[test]
fn futex_try_lock_fails_while_any_guard_lives() {
    model(3, || {
        let m = Arc::new(futex_sync::ReentrantMutex::new(Data::new(0)));
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                if let Some(g) = m.try_lock() {
                    // Got it: the holder had no guard at the time, or had not locked yet.
                    g.set(g.get() + 10);
                }
            })
        };
        let outer = m.lock();
        let inner = m.lock();
        let before = inner.get();
        drop(inner);
        assert_eq!(outer.get(), before, "nobody got in between the two guards");
        drop(outer);
        other.join().unwrap();
        let v = m.lock().get();
        assert!(v == 0 || v == 10, "{v}");
    });
}
