//! loom models of `RwLock`: exclusion and publication on `Spin` (the polling paths), and the
//! sleeping protocol on an emulated futex (the `READERS_WAITING` and `WRITERS_WAITING` flags, the
//! writers word, the timed writer's clean-up): a lost wake-up is a loom deadlock, and a reader
//! let in ahead of a waiting writer fails an assertion.
//!
//! The value lives in the lock's own cell, which loom checks: a read or write lock taken without
//! Acquire, or released without Release, is reported as a data race.
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_rwlock`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;

use loom::sync::Arc;
use loom::thread;
use loom_futex::{LoomFutex, futex_sync, model};
use std::time::Duration;

type SpinRwLock<T> = baresync::spin::RwLock<T>;

/// Yields until `cond` holds (a model thread waiting for another to reach a state).
fn until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        thread::yield_now();
    }
}

/// A writer and a reader race on `Spin`, then a second writer: the reader sees the value before
/// or after the write, never a torn or racy one, and no increment is lost.
#[test]
fn spin_readers_and_writers_exclude_and_publish() {
    model(3, || {
        let lock = Arc::new(SpinRwLock::new(0u32));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() += 1)
        };
        let seen = *lock.read();
        assert!(seen <= 1, "{seen}");
        *lock.write() += 1;
        writer.join().unwrap();
        assert_eq!(*lock.read(), 2);
    });
}

/// `try_read` and `try_write` against a writer on `Spin`: a `try_read` that succeeds sees a
/// complete value (Acquire on the fast path), and `try_write` never enters beside a reader.
#[test]
fn spin_try_verbs_against_a_writer() {
    model(3, || {
        let lock = Arc::new(SpinRwLock::new(0u32));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() += 1)
        };
        if let Some(reader) = lock.try_read() {
            assert!(lock.try_write().is_none(), "a writer beside a reader");
            assert!(*reader <= 1);
        }
        if let Some(mut w) = lock.try_write() {
            *w += 10;
        }
        writer.join().unwrap();
        let v = *lock.read();
        assert!(v == 1 || v == 11, "{v}");
    });
}

/// Writer preference on `Spin`: once the waiting writer has turned readers away, no reader gets
/// in until the writer has had its turn, so the next reader sees the write.
#[test]
fn spin_a_waiting_writer_turns_readers_away() {
    model(3, || {
        let lock = Arc::new(SpinRwLock::new(0u32));
        let reader = lock.read();
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() = 1)
        };
        until(|| lock.try_read().is_none());
        assert!(lock.try_read().is_none(), "the writer still waits");
        drop(reader);
        assert_eq!(*lock.read(), 1, "a reader went before the waiting writer");
        writer.join().unwrap();
    });
}

/// A reader and a writer sleep behind a writer on the futex; its unlock must wake them both,
/// one after the other. Catches an unlock that wakes only the writer and strands the reader
/// (or the other way round): a loom deadlock.
#[test]
fn futex_a_sleeping_reader_and_writer_both_get_in() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let held = lock.write();
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || *lock.read())
        };
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() += 1)
        };
        drop(held);
        let seen = reader.join().unwrap();
        writer.join().unwrap();
        assert!(seen <= 1, "{seen}");
        assert_eq!(*lock.read(), 1);
        assert!(!lock.is_locked());
    });
}

/// Two writers sleep behind a reader: the last reader out wakes one, whose unlock must wake the
/// other. Catches a woken writer that takes the lock without keeping `WRITERS_WAITING` while
/// another sleeps (its unlock then wakes nobody: a deadlock).
#[test]
fn futex_two_sleeping_writers_each_woken() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let reader = lock.read();
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || *lock.write() += 1)
            })
            .collect();
        drop(reader);
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(*lock.read(), 2);
    });
}

/// Writer preference on the futex: a writer asleep behind a reader turns new readers away, and
/// a reader that arrives then gets in only after the writer, seeing its write.
#[test]
fn futex_a_sleeping_writer_goes_before_later_readers() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let held = lock.read();
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() = 1)
        };
        LoomFutex::until_someone_sleeps();
        assert!(
            lock.try_read().is_none(),
            "a reader beside a sleeping writer"
        );
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || *lock.read())
        };
        drop(held);
        assert_eq!(
            reader.join().unwrap(),
            1,
            "the reader went before the writer"
        );
        writer.join().unwrap();
    });
}

/// Writer preference across a downgrade: a writer sleeps behind a write lock that is downgraded.
/// No other writer enters between (the downgraded guard still sees its own write), new readers
/// stay out while the writer waits, and the writer gets in once the read guard is gone.
#[test]
fn futex_downgrade_keeps_the_waiting_writer_first() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let mut held = lock.write();
        *held = 1;
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut w = lock.write();
                assert_eq!(*w, 1, "entered between the write and its downgrade");
                *w = 2;
            })
        };
        LoomFutex::until_someone_sleeps();
        let reader = futex_sync::RwLockWriteGuard::downgrade(held);
        assert_eq!(*reader, 1);
        assert!(
            lock.try_write().is_none(),
            "a writer beside the downgraded reader"
        );
        assert!(
            lock.try_read().is_none(),
            "a reader ahead of the waiting writer"
        );
        drop(reader);
        writer.join().unwrap();
        assert_eq!(*lock.read(), 2);
    });
}

/// A downgrade with readers waiting and no writer: they read beside the downgraded guard.
/// Catches a downgrade that forgets to wake them (a deadlock: they wait for a guard that the
/// main thread drops only after joining them).
#[test]
fn futex_downgrade_lets_waiting_readers_in() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let mut held = lock.write();
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || *lock.read())
        };
        *held = 5;
        LoomFutex::until_someone_sleeps();
        let downgraded = futex_sync::RwLockWriteGuard::downgrade(held);
        assert_eq!(reader.join().unwrap(), 5);
        drop(downgraded);
    });
}

/// A timed writer waits behind a reader, turning a second reader away, then times out. It must
/// clean up: the second reader gets in while the first still holds the lock. Catches a
/// `WRITERS_WAITING` left behind by a writer that gave up (a deadlock: the main thread joins the
/// second reader before it drops its own guard).
#[test]
fn futex_a_timed_out_writer_lets_readers_in() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let held = lock.read();
        let timed = {
            let lock = lock.clone();
            thread::spawn(move || lock.write_timeout(Duration::from_secs(1)).is_some())
        };
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || *lock.read())
        };
        LoomFutex::fire_timer();
        assert!(!timed.join().unwrap(), "a write lock beside a reader");
        assert_eq!(reader.join().unwrap(), 0);
        drop(held);
        assert!(lock.try_write().is_some());
    });
}

/// A timed and an untimed writer sleep behind a write lock; its unlock may wake the timed one,
/// a `try_write` may take the lock before the woken writer does, and the timer may fire at any
/// point, so the woken writer gives up. The untimed writer must still get in: a timed writer
/// that slept and gives up passes on the wake it may have taken (a loom deadlock otherwise).
#[test]
fn futex_a_timed_out_writer_hands_over_the_wake() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let held = lock.write();
        let untimed = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() += 1)
        };
        let timed = {
            let lock = lock.clone();
            thread::spawn(move || {
                lock.write_timeout(Duration::from_secs(1))
                    .map(|mut w| *w += 10)
                    .is_some()
            })
        };
        drop(held);
        // Held (if taken) until the timed writer has given up.
        let stolen = lock.try_write();
        LoomFutex::fire_timer();
        let timed_got_in = timed.join().unwrap();
        let stolen = stolen.map(|mut w| *w += 100).is_some();
        untimed.join().unwrap();
        let expected = 1 + if timed_got_in { 10 } else { 0 } + if stolen { 100 } else { 0 };
        assert_eq!(*lock.read(), expected);
    });
}

/// A timed reader behind a writer times out while an untimed reader sleeps too: readers are
/// woken all at once, so the untimed one is never stranded by the other's departure.
#[test]
fn futex_a_timed_out_reader_strands_nobody() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let mut held = lock.write();
        let timed = {
            let lock = lock.clone();
            thread::spawn(move || lock.read_timeout(Duration::from_secs(1)).map(|r| *r))
        };
        let untimed = {
            let lock = lock.clone();
            thread::spawn(move || *lock.read())
        };
        LoomFutex::fire_timer();
        *held = 3;
        drop(held);
        let timed = timed.join().unwrap();
        assert!(timed.is_none() || timed == Some(3), "{timed:?}");
        assert_eq!(untimed.join().unwrap(), 3);
    });
}

/// A read attempt in flight across a downgrade: a reader arrives while a writer sleeps behind
/// a write lock, and the lock is downgraded meanwhile. The attempt stays counted through the
/// downgrade and is the last reader out (or the downgraded guard is): either wakes the writer,
/// and the reader, turned away, sees the writer's value.
#[test]
fn futex_a_read_attempt_across_a_downgrade() {
    model(3, || {
        let lock = Arc::new(futex_sync::RwLock::new(0u32));
        let mut held = lock.write();
        *held = 1;
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() = 2)
        };
        LoomFutex::until_someone_sleeps();
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || *lock.read())
        };
        let downgraded = futex_sync::RwLockWriteGuard::downgrade(held);
        assert_eq!(*downgraded, 1);
        drop(downgraded);
        assert_eq!(
            reader.join().unwrap(),
            2,
            "a reader went before the waiting writer"
        );
        writer.join().unwrap();
        assert!(!lock.is_locked());
    });
}
