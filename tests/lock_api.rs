//! Feature `lock_api`: `lock_api::Mutex<baresync::raw::RawMutex<W>, T>` and
//! `lock_api::ReentrantMutex<RawMutex<W>, RawThreadId<W>, T>` on every backend, through code
//! that is generic over `lock_api`'s traits only (as a library written against lock_api is).
//!
//! `cargo test --features lock_api --test lock_api`
#![cfg(feature = "lock_api")]

mod common;

use std::cell::Cell;
use std::thread;
use std::time::{Duration, Instant};

use common::scaled;
use common::timing::{assert_waited, watchdog};
use lock_api::{GetThreadId, RawMutex, RawMutexTimed};

/// Four threads add to a counter under any `lock_api` mutex; no increment is lost.
fn lock_api_counter<R: RawMutex + Send + Sync>() {
    let m = lock_api::Mutex::<R, u64>::new(0);
    let iters = scaled(10_000);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..iters {
                    let mut g = m.lock();
                    let v = *g;
                    std::hint::spin_loop();
                    *g = std::hint::black_box(v) + 1;
                }
            });
        }
    });
    assert!(!m.is_locked());
    assert_eq!(m.into_inner(), 4 * iters as u64);
}

/// `try_lock` and `is_locked` through the traits.
fn lock_api_try_lock<R: RawMutex>() {
    let m = lock_api::Mutex::<R, ()>::new(());
    let g = m.try_lock().expect("free");
    assert!(m.is_locked() && m.try_lock().is_none());
    drop(g);
    assert!(!m.is_locked() && m.try_lock().is_some());
}

/// `try_lock_for` never returns early; `try_lock_until` takes an instant on the backend's clock
/// (`now` reads it).
fn lock_api_timed<R>(now: fn() -> Duration)
where
    R: RawMutexTimed<Duration = Duration, Instant = Duration> + Send + Sync,
{
    let m = lock_api::Mutex::<R, ()>::new(());
    let held = m.lock();
    thread::scope(|s| {
        s.spawn(|| {
            let timeout = Duration::from_millis(20);
            let start = Instant::now();
            assert!(m.try_lock_for(timeout).is_none());
            assert_waited(start.elapsed(), timeout);
            let start = Instant::now();
            assert!(m.try_lock_until(now() + timeout).is_none());
            assert_waited(start.elapsed(), timeout);
            assert!(
                m.try_lock_until(now()).is_none(),
                "a passed instant is a try_lock"
            );
        });
    });
    drop(held);
    assert!(m.try_lock_for(Duration::ZERO).is_some());
    assert!(m.try_lock_until(now()).is_some());
}

/// A `lock_api::ReentrantMutex`: the holder locks again; other threads are kept out.
fn lock_api_reentrant<R: RawMutex + Send + Sync, G: GetThreadId + Send + Sync>() {
    let m = lock_api::ReentrantMutex::<R, G, Cell<u32>>::new(Cell::new(0));
    let outer = m.lock();
    let inner = m.lock();
    inner.set(1);
    assert_eq!(outer.get(), 1);
    thread::scope(|s| {
        assert!(s.spawn(|| m.try_lock().is_none()).join().unwrap());
    });
    drop(inner);
    thread::scope(|s| {
        assert!(
            s.spawn(|| m.try_lock().is_none()).join().unwrap(),
            "one guard is left"
        );
    });
    drop(outer);
    let iters = scaled(2_000);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..iters {
                    let a = m.lock();
                    let b = m.lock();
                    b.set(a.get() + 1);
                }
            });
        }
    });
    assert_eq!(m.into_inner().get(), 1 + 4 * iters as u32);
}

mod mutex {
    use super::*;

    for_each_backend! {
        #[test]
        fn lock_api_mutex_excludes() {
            let _dog = watchdog("lock_api_mutex_excludes");
            lock_api_counter::<sync::RawMutex>();
            lock_api_try_lock::<sync::RawMutex>();
        }

        #[test]
        fn lock_api_timed_mutex() {
            /// The clock of the backend behind a `RawMutex`.
            fn now_of<W: baresync::wait::WaitTimeout>(
                _: Option<&baresync::raw::RawMutex<W>>,
            ) -> Duration {
                <W::Clock as baresync::wait::Clock>::now()
            }
            lock_api_timed::<sync::RawMutex>(|| now_of(None::<&sync::RawMutex>));
        }
    }
}

mod reentrant {
    use super::*;

    for_each_context_backend! {
        #[test]
        fn lock_api_reentrant_mutex() {
            let _dog = watchdog("lock_api_reentrant_mutex");
            lock_api_reentrant::<sync::RawMutex, sync::RawThreadId>();
        }

        #[test]
        fn raw_thread_id_is_the_backends_context() {
            let id = <sync::RawThreadId as GetThreadId>::INIT.nonzero_thread_id();
            let other = thread::scope(|s| {
                s.spawn(|| <sync::RawThreadId as GetThreadId>::INIT.nonzero_thread_id())
                    .join()
                    .unwrap()
            });
            assert_ne!(id, other, "two live threads, two ids");
        }
    }
}
