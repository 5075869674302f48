//! `ReentrantMutex` on every backend with a `ContextId` (Futex, Hook, Faulty): nesting, exclusion
//! across threads, release only at the holder's last guard, timed locking (never early), the
//! RLock pattern, and the guard's drop while unwinding.

mod common;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::scaled;
use common::timing::{HUGE, LONG, assert_waited, wait_flag, watchdog};

for_each_context_backend! {
    #[test]
    fn the_holder_locks_again_and_sees_the_same_value() {
        let m = sync::ReentrantMutex::new(Cell::new(1));
        let a = m.lock();
        let b = m.lock();
        let c = m.try_lock().expect("the holder's try_lock succeeds");
        b.set(b.get() + 1);
        assert_eq!((a.get(), c.get()), (2, 2));
        assert!(m.is_locked());
        drop((a, b, c));
        assert!(!m.is_locked());
        assert_eq!(m.into_inner().get(), 2);
    }

    #[test]
    fn released_only_when_the_holders_last_guard_drops() {
        let m = sync::ReentrantMutex::new(());
        let others_try = || thread::scope(|s| s.spawn(|| m.try_lock().is_some()).join().unwrap());
        let outer = m.lock();
        let inner = m.lock();
        assert!(!others_try(), "held twice");
        drop(inner);
        assert!(m.is_locked());
        assert!(!others_try(), "still held once");
        // Guards may drop in any order.
        let again = m.lock();
        drop(outer);
        assert!(!others_try(), "still held through `again`");
        drop(again);
        assert!(!m.is_locked());
        assert!(others_try(), "free after the last guard");
        // And the other thread's guard was released too.
        assert!(!m.is_locked());
    }

    #[test]
    fn threads_exclude_each_other_through_nested_locks() {
        let _dog = watchdog("threads_exclude_each_other_through_nested_locks");
        let m = sync::ReentrantMutex::new(Cell::new(0u64));
        let inside = AtomicBool::new(false);
        let iters = scaled(5_000);
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..iters {
                        let outer = m.lock();
                        assert!(!inside.swap(true, Ordering::Relaxed), "two holders at once");
                        // A read-then-write across a nested lock: an interleaving loses counts.
                        let v = outer.get();
                        let inner = m.lock();
                        std::hint::spin_loop();
                        inner.set(std::hint::black_box(v) + 1);
                        drop(inner);
                        inside.store(false, Ordering::Relaxed);
                    }
                });
            }
        });
        assert!(!m.is_locked());
        assert_eq!(m.into_inner().get(), 4 * iters as u64);
    }

    #[test]
    fn a_blocked_locker_waits_for_the_last_guard() {
        let _dog = watchdog("a_blocked_locker_waits_for_the_last_guard");
        let m = sync::ReentrantMutex::new(Cell::new(0));
        let outer = m.lock();
        let inner = m.lock();
        let trying = AtomicBool::new(false);
        thread::scope(|s| {
            let other = s.spawn(|| {
                trying.store(true, Ordering::Release);
                let g = m.lock();
                g.get()
            });
            wait_flag(&trying);
            thread::sleep(Duration::from_millis(10));
            inner.set(1);
            drop(inner);
            thread::sleep(Duration::from_millis(10));
            assert!(!other.is_finished(), "got in while a guard was left");
            outer.set(2);
            drop(outer);
            assert_eq!(other.join().unwrap(), 2, "saw the holder's last write");
        });
    }

    #[test]
    fn lock_timeout_never_returns_early_and_never_waits_for_the_holder() {
        let m = sync::ReentrantMutex::new(());
        let held = m.lock();
        // The holder: at once, whatever the timeout.
        for timeout in [Duration::ZERO, LONG].into_iter().chain(HUGE) {
            let start = Instant::now();
            assert!(m.lock_timeout(timeout).is_some());
            assert!(start.elapsed() < Duration::from_secs(1));
        }
        // Another thread: runs out, never before its timeout.
        thread::scope(|s| {
            s.spawn(|| {
                let timeout = Duration::from_millis(30);
                let start = Instant::now();
                assert!(m.lock_timeout(timeout).is_none());
                assert_waited(start.elapsed(), timeout);
                assert!(m.lock_timeout(Duration::ZERO).is_none());
                assert!(m.try_lock().is_none());
            });
        });
        // Released meanwhile: another thread gets it within its timeout.
        thread::scope(|s| {
            let other = s.spawn(|| m.lock_timeout(LONG).is_some());
            thread::sleep(Duration::from_millis(10));
            drop(held);
            assert!(other.join().unwrap());
        });
        assert!(!m.is_locked());
    }

    #[test]
    fn a_guard_dropped_while_unwinding_releases_its_count() {
        let m = sync::ReentrantMutex::new(());
        let outer = m.lock();
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            let _inner = m.lock();
            panic!("inside the nested lock");
        }));
        assert!(result.is_err());
        assert!(m.is_locked(), "the outer guard still holds it");
        drop(outer);
        assert!(!m.is_locked());
        assert!(thread::scope(|s| s.spawn(|| m.try_lock().is_some()).join().unwrap()));
    }

    #[test]
    fn get_mut_default_and_debug() {
        let mut m = sync::ReentrantMutex::<Vec<u8>>::default();
        m.get_mut().push(1);
        assert_eq!(format!("{m:?}"), "ReentrantMutex { data: [1], .. }");
        let g = m.lock();
        assert_eq!(format!("{g:?}"), "[1]");
        let text = thread::scope(|s| s.spawn(|| format!("{m:?}")).join().unwrap());
        assert_eq!(text, "ReentrantMutex { data: <locked>, .. }");
        drop(g);
        assert_eq!(sync::ReentrantMutex::from(3).into_inner(), 3);
    }
}

/// Python's `RLock` in a `static`: a recursive function that locks at every level.
#[test]
fn a_recursive_function_locks_at_every_level() {
    static TREE: baresync::ReentrantMutex<Cell<u32>> = baresync::ReentrantMutex::new(Cell::new(0));
    fn visit(depth: u32) {
        let node = TREE.lock();
        node.set(node.get() + 1);
        if depth > 0 {
            visit(depth - 1);
            visit(depth - 1);
        }
    }
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| visit(6));
        }
    });
    assert_eq!(TREE.lock().get(), 4 * 127);
}
