//! `lock_api::RwLock<baresync::raw::RawRwLock<W>, T>` (feature `lock_api`): the code written for
//! parking_lot's and spin's raw locks runs on baresync's, on every backend. Reads and writes
//! under contention, downgrade, the timed verbs (`try_*_for` never early, `try_*_until` on the
//! backend's clock), `is_locked`, and the alias each backend module gives the raw lock.
//!
//! `cargo test --features lock_api --test lock_api_rwlock`
#![cfg(feature = "lock_api")]

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use baresync::raw::RawRwLock;
use baresync::wait::{Clock, WaitTimeout};
use common::scaled;
use common::timing::{assert_waited, eventually, watchdog};

type RwLock<W, T> = lock_api::RwLock<RawRwLock<W>, T>;
type WriteGuard<'a, W, T> = lock_api::RwLockWriteGuard<'a, RawRwLock<W>, T>;

/// Readers and writers through lock_api's guards: writers keep a pair equal and count, readers
/// check the pair and that no writer is inside.
fn readers_and_writers<W: WaitTimeout>() {
    let lock = RwLock::<W, (u64, u64)>::new((0, 0));
    let inside = AtomicI64::new(0);
    let iters = scaled(5_000) as u64;
    thread::scope(|s| {
        for t in 0..6 {
            let (lock, inside) = (&lock, &inside);
            s.spawn(move || {
                for _ in 0..iters {
                    if t < 2 {
                        let mut pair = lock.write();
                        assert_eq!(
                            inside.swap(-1, Ordering::SeqCst),
                            0,
                            "a writer beside others"
                        );
                        *pair = (pair.0 + 1, pair.1 + 1);
                        inside.store(0, Ordering::SeqCst);
                    } else {
                        let pair = lock.read();
                        assert!(
                            inside.fetch_add(1, Ordering::SeqCst) >= 0,
                            "a reader beside a writer"
                        );
                        assert_eq!(pair.0, pair.1);
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    assert_eq!(lock.into_inner(), (2 * iters, 2 * iters));
}

/// `RwLockWriteGuard::downgrade`: no writer in between, and a waiting writer still goes before
/// new readers.
fn downgrade<W: WaitTimeout>() {
    let lock = RwLock::<W, u32>::new(0);
    let mut held = lock.write();
    *held = 1;
    thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut w = lock.write();
            assert_eq!(*w, 1, "entered before the downgraded reader");
            *w = 2;
        });
        let reader = WriteGuard::downgrade(held);
        assert!(lock.is_locked() && !lock.is_locked_exclusive());
        assert!(lock.try_write().is_none());
        assert!(
            eventually(|| lock.try_read().is_none()),
            "the writer never turned readers away"
        );
        assert_eq!(*reader, 1);
        drop(reader);
        writer.join().unwrap();
    });
    assert_eq!(*lock.read(), 2);
}

/// `try_read_for`, `try_write_for`, `try_read_until`, `try_write_until`.
fn timed<W: WaitTimeout>() {
    let lock = RwLock::<W, u32>::new(0);
    let writer = lock.write();
    thread::scope(|s| {
        s.spawn(|| {
            let timeout = Duration::from_millis(20);
            let start = Instant::now();
            assert!(lock.try_read_for(timeout).is_none());
            assert_waited(start.elapsed(), timeout);
            let start = Instant::now();
            assert!(lock.try_write_until(W::Clock::now() + timeout).is_none());
            assert_waited(start.elapsed(), timeout);
            assert!(
                lock.try_read_until(Duration::ZERO).is_none(),
                "a past instant is a try"
            );
        });
    });
    assert!(lock.is_locked_exclusive());
    drop(writer);
    let reader = lock.try_read_for(Duration::ZERO).expect("a free lock");
    thread::scope(|s| {
        s.spawn(|| {
            let timeout = Duration::from_millis(20);
            let start = Instant::now();
            assert!(lock.try_write_for(timeout).is_none());
            assert_waited(start.elapsed(), timeout);
            assert!(
                lock.try_read_until(Duration::MAX).is_some(),
                "readers share"
            );
        });
    });
    drop(reader);
    *lock.try_write_until(Duration::MAX).expect("a free lock") += 1;
    assert_eq!(*lock.read(), 1);
}

macro_rules! suite {
    ($($name:ident: $w:ty, $alias:ty;)*) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn readers_and_writers_exclude_each_other() {
                    let _dog = watchdog(concat!(stringify!($name), "::readers_and_writers"));
                    readers_and_writers::<$w>();
                }

                #[test]
                fn downgrade_keeps_the_waiting_writer_first() {
                    let _dog = watchdog(concat!(stringify!($name), "::downgrade"));
                    downgrade::<$w>();
                }

                #[test]
                fn timed_verbs() {
                    timed::<$w>();
                }

                #[test]
                fn the_alias_names_the_raw_lock() {
                    static L: lock_api::RwLock<$alias, u8> = lock_api::RwLock::new(3);
                    let _: &RwLock<$w, u8> = &L;
                    assert_eq!(*L.read(), 3);
                }
            }
        )*
    };
}

suite! {
    futex: baresync::wait::Futex, baresync::futex::RawRwLock;
    spin: baresync::wait::Spin, baresync::spin::RawRwLock;
    hook: baresync::wait::Hook, baresync::hook::RawRwLock;
    faulty: common::faulty::Faulty, common::faulty::sync::RawRwLock;
}

/// The crate root names the raw lock on the default backend.
#[test]
fn the_root_alias_is_the_default_backend() {
    let _: &RwLock<baresync::wait::DefaultWait, ()> =
        &lock_api::RwLock::<baresync::RawRwLock, ()>::new(());
}
