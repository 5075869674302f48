//! `RwLock` on every backend: readers together and writers alone under contention (a stress run
//! that counts), writer preference (a waiting writer turns new readers away, also across a
//! downgrade), timed verbs (never early, zero and huge timeouts, timed-out callers strand
//! nobody), unwinding, `?Sized` values. After the backend-generic suite, one test on a backend
//! that counts its sleepers orders a sleeping writer before a sleeping reader.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::scaled;
use common::timing::{HUGE, LONG, assert_waited, eventually, wait_flag, watchdog};

/// Who is inside a lock: -1 for a writer, else the number of readers. Each side checks on entry
/// that the other is not there, and leaves before it drops its guard.
struct Occupancy(AtomicI64);

impl Occupancy {
    const fn new() -> Self {
        Self(AtomicI64::new(0))
    }

    fn enter_as_writer(&self) {
        let was = self.0.swap(-1, Ordering::SeqCst);
        assert_eq!(was, 0, "a writer entered beside {was} (-1: another writer)");
    }

    fn leave_as_writer(&self) {
        self.0.store(0, Ordering::SeqCst);
    }

    fn enter_as_reader(&self) {
        let was = self.0.fetch_add(1, Ordering::SeqCst);
        assert!(was >= 0, "a reader entered beside a writer");
    }

    fn leave_as_reader(&self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

for_each_backend! {
    /// `readers` threads read and `writers` threads write `iters` times each. Writers keep a
    /// pair equal and count their writes; readers check the pair and that no writer is inside.
    fn stress(readers: usize, writers: usize, iters: usize) {
        let lock = sync::RwLock::new((0usize, 0usize));
        let occupancy = Occupancy::new();
        let reads = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..writers {
                s.spawn(|| {
                    for _ in 0..iters {
                        let mut pair = lock.write();
                        occupancy.enter_as_writer();
                        let (a, b) = *pair;
                        assert_eq!(a, b, "a writer found the pair torn");
                        std::hint::spin_loop();
                        *pair = (std::hint::black_box(a) + 1, b + 1);
                        occupancy.leave_as_writer();
                    }
                });
            }
            for _ in 0..readers {
                s.spawn(|| {
                    for _ in 0..iters {
                        let pair = lock.read();
                        occupancy.enter_as_reader();
                        assert_eq!(pair.0, pair.1, "a reader saw a half-made write");
                        occupancy.leave_as_reader();
                        drop(pair);
                        reads.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert!(!lock.is_locked());
        assert_eq!(reads.into_inner(), readers * iters);
        assert_eq!(lock.into_inner(), (writers * iters, writers * iters), "lost writes");
    }

    #[test]
    fn stress_readers_and_writers_exclude_each_other() {
        let _dog = watchdog("stress_readers_and_writers_exclude_each_other");
        for (readers, writers) in [(1, 1), (4, 1), (2, 2), (6, 2), (1, 4)] {
            stress(readers, writers, scaled(20_000) / (readers + writers));
        }
    }

    #[test]
    fn static_lock_shared_by_threads() {
        static TOTAL: sync::RwLock<u64> = sync::RwLock::new(0);
        let _dog = watchdog("static_lock_shared_by_threads");
        let iters = scaled(2_000);
        thread::scope(|s| {
            for t in 0..8 {
                s.spawn(move || {
                    for _ in 0..iters {
                        if t % 2 == 0 {
                            *TOTAL.write() += 1;
                        } else {
                            assert!(*TOTAL.read() <= 4 * iters as u64);
                        }
                    }
                });
            }
        });
        assert_eq!(*TOTAL.read(), 4 * iters as u64);
    }

    #[test]
    fn many_readers_hold_the_lock_together() {
        // Four readers meet at a barrier while each holds its guard: with readers excluding
        // each other it would never open (the watchdog then fails the test).
        let _dog = watchdog("many_readers_hold_the_lock_together");
        let lock = sync::RwLock::new(5);
        let inside = Barrier::new(5);
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let reader = lock.read();
                    inside.wait();
                    assert_eq!(*reader, 5);
                    inside.wait();
                });
            }
            inside.wait();
            assert!(lock.is_locked() && !lock.is_locked_exclusive());
            assert!(lock.try_write().is_none(), "a writer beside four readers");
            assert_eq!(lock.try_read().map(|r| *r), Some(5), "a fifth reader");
            inside.wait();
        });
        assert!(!lock.is_locked());
    }

    #[test]
    fn try_verbs() {
        let lock = sync::RwLock::new(1);
        let reader = lock.try_read().expect("a free lock");
        assert!(lock.try_read().is_some(), "readers share");
        assert!(lock.try_write().is_none(), "held by a reader");
        drop(reader);
        let mut writer = lock.try_write().expect("a free lock");
        *writer = 2;
        assert!(lock.is_locked_exclusive());
        thread::scope(|s| {
            let other = s.spawn(|| (lock.try_read().is_none(), lock.try_write().is_none()));
            assert_eq!(other.join().unwrap(), (true, true), "held, seen from another thread");
        });
        drop(writer);
        assert_eq!(lock.try_read().map(|r| *r), Some(2));
    }

    #[test]
    fn a_waiting_writer_turns_new_readers_away() {
        let _dog = watchdog("a_waiting_writer_turns_new_readers_away");
        let lock = sync::RwLock::new(0);
        let held = lock.read();
        thread::scope(|s| {
            let writer = s.spawn(|| *lock.write() = 1);
            // Only a waiting writer makes `try_read` fail while a reader holds the lock.
            assert!(eventually(|| lock.try_read().is_none()), "the writer never turned readers away");
            assert!(lock.try_read().is_none(), "the writer still waits");
            assert!(lock.read_timeout(Duration::from_millis(10)).is_none(), "a timed reader got in");
            // A reader that comes now waits for the writer, and sees its write.
            let reader = s.spawn(|| *lock.read());
            drop(held);
            assert_eq!(reader.join().unwrap(), 1, "a reader went before the waiting writer");
            writer.join().unwrap();
        });
        assert_eq!(lock.try_read().map(|r| *r), Some(1));
    }

    #[test]
    fn a_stream_of_readers_never_starves_a_writer() {
        // Four readers re-take the lock back to back, so that some reader always holds it;
        // a writer must still get its turns (the watchdog fails a writer that starves).
        let _dog = watchdog("a_stream_of_readers_never_starves_a_writer");
        let lock = sync::RwLock::new(0u32);
        let done = AtomicBool::new(false);
        let writes = scaled(200) as u32;
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    while !done.load(Ordering::Relaxed) {
                        let reader = lock.read();
                        for _ in 0..50 {
                            std::hint::spin_loop();
                        }
                        drop(std::hint::black_box(reader));
                    }
                });
            }
            for _ in 0..writes {
                *lock.write() += 1;
            }
            done.store(true, Ordering::Relaxed);
        });
        assert_eq!(lock.into_inner(), writes);
    }

    #[test]
    fn downgrade_lets_no_writer_in_between() {
        let _dog = watchdog("downgrade_lets_no_writer_in_between");
        let lock = sync::RwLock::new(0);
        let mut held = lock.write();
        *held = 1;
        thread::scope(|s| {
            let writer = s.spawn(|| {
                let mut w = lock.write();
                assert_eq!(*w, 1, "entered before the downgraded reader");
                *w = 2;
            });
            let reader = sync::RwLockWriteGuard::downgrade(held);
            assert_eq!(*reader, 1, "a writer entered between the write and the downgrade");
            assert!(!lock.is_locked_exclusive());
            assert!(lock.try_write().is_none(), "a writer beside the downgraded reader");
            // Once the writer waits, readers stay out: it goes after this guard.
            assert!(eventually(|| lock.try_read().is_none()), "the writer never turned readers away");
            assert_eq!(*reader, 1);
            drop(reader);
            writer.join().unwrap();
        });
        assert_eq!(lock.into_inner(), 2);
    }

    #[test]
    fn downgrade_lets_waiting_readers_in() {
        // The readers must get in while the downgraded guard is still held: the scope joins
        // them before it drops it (the watchdog fails a reader left asleep).
        let _dog = watchdog("downgrade_lets_waiting_readers_in");
        let lock = sync::RwLock::new(0);
        let mut held = lock.write();
        thread::scope(|s| {
            let readers: Vec<_> = (0..3).map(|_| s.spawn(|| *lock.read())).collect();
            // Makes it likely that the readers wait; the result holds either way.
            thread::sleep(Duration::from_millis(10));
            *held = 7;
            let downgraded = sync::RwLockWriteGuard::downgrade(held);
            for r in readers {
                assert_eq!(r.join().unwrap(), 7);
            }
            assert_eq!(*downgraded, 7);
        });
        assert!(!lock.is_locked());
    }

    #[test]
    fn timed_verbs_never_return_early() {
        let lock = sync::RwLock::new(());
        let writer = lock.write();
        thread::scope(|s| {
            s.spawn(|| {
                for ms in [1, 20, 100] {
                    let timeout = Duration::from_millis(ms);
                    let start = Instant::now();
                    assert!(lock.read_timeout(timeout).is_none(), "read beside a writer");
                    assert_waited(start.elapsed(), timeout);
                    let start = Instant::now();
                    assert!(lock.write_timeout(timeout).is_none(), "wrote beside a writer");
                    assert_waited(start.elapsed(), timeout);
                }
            });
        });
        drop(writer);
        let reader = lock.read();
        thread::scope(|s| {
            s.spawn(|| {
                let timeout = Duration::from_millis(20);
                let start = Instant::now();
                assert!(lock.write_timeout(timeout).is_none(), "wrote beside a reader");
                assert_waited(start.elapsed(), timeout);
            });
        });
        assert!(lock.try_read().is_some(), "the timed-out writer left no writer waiting");
        drop(reader);
        assert!(lock.try_write().is_some());
    }

    #[test]
    fn timed_verbs_get_a_lock_released_in_time() {
        let lock = sync::RwLock::new(0);
        for write in [false, true] {
            let started = AtomicBool::new(false);
            let held = lock.write();
            thread::scope(|s| {
                let waiter = s.spawn(|| {
                    started.store(true, Ordering::Release);
                    if write {
                        lock.write_timeout(LONG).map(|mut g| { *g += 1; *g })
                    } else {
                        lock.read_timeout(LONG).map(|g| *g)
                    }
                });
                wait_flag(&started);
                // Makes it likely that the waiter is asleep; the result holds either way.
                thread::sleep(Duration::from_millis(20));
                drop(held);
                assert_eq!(waiter.join().unwrap(), Some(u32::from(write)), "write: {write}");
            });
        }
    }

    #[test]
    fn zero_timeouts_are_try_verbs() {
        let lock = sync::RwLock::new(());
        let start = Instant::now();
        let reader = lock.read_timeout(Duration::ZERO).expect("a free lock");
        assert!(lock.read_timeout(Duration::ZERO).is_some(), "readers share");
        assert!(lock.write_timeout(Duration::ZERO).is_none(), "held by a reader");
        drop(reader);
        let writer = lock.write_timeout(Duration::ZERO).expect("a free lock");
        thread::scope(|s| {
            let other = s.spawn(|| {
                (lock.read_timeout(Duration::ZERO).is_none(), lock.write_timeout(Duration::ZERO).is_none())
            });
            assert_eq!(other.join().unwrap(), (true, true));
        });
        assert!(start.elapsed() < Duration::from_secs(1), "a zero timeout must not wait");
        drop(writer);
        assert!(lock.write_timeout(Duration::ZERO).is_some());
    }

    #[test]
    fn huge_timeouts_on_a_free_lock() {
        let lock = sync::RwLock::new(1);
        for timeout in HUGE {
            assert_eq!(lock.read_timeout(timeout).map(|g| *g), Some(1), "{timeout:?}");
            assert_eq!(lock.write_timeout(timeout).map(|g| *g), Some(1), "{timeout:?}");
        }
    }

    #[test]
    fn huge_timeouts_wait_for_the_holder() {
        // An overflowing deadline computation would panic or time out at once.
        let lock = sync::RwLock::new(());
        for timeout in HUGE {
            for write in [false, true] {
                let started = AtomicBool::new(false);
                let held = lock.write();
                thread::scope(|s| {
                    let waiter = s.spawn(|| {
                        started.store(true, Ordering::Release);
                        if write {
                            lock.write_timeout(timeout).is_some()
                        } else {
                            lock.read_timeout(timeout).is_some()
                        }
                    });
                    wait_flag(&started);
                    thread::sleep(Duration::from_millis(5));
                    drop(held);
                    assert!(waiter.join().unwrap(), "{timeout:?} gave up (write: {write})");
                });
            }
        }
    }

    #[test]
    fn timed_out_callers_strand_nobody() {
        // Blocking, timed and try callers of both kinds mixed: a timed-out writer must not
        // leave readers turned away or swallow the wake-up of a sleeping writer, and every
        // successful write is counted exactly once.
        let _dog = watchdog("timed_out_callers_strand_nobody");
        let lock = sync::RwLock::new(0usize);
        let writes = AtomicUsize::new(0);
        let iters = scaled(3_000);
        thread::scope(|s| {
            for t in 0..6 {
                let (lock, writes) = (&lock, &writes);
                s.spawn(move || {
                    for i in 0..iters {
                        let short = Duration::from_micros(10 + (i % 50) as u64);
                        match t {
                            0 => { *lock.write() += 1; writes.fetch_add(1, Ordering::Relaxed); }
                            1 => drop(std::hint::black_box(lock.read())),
                            2 => if let Some(mut w) = lock.write_timeout(short) {
                                *w += 1;
                                writes.fetch_add(1, Ordering::Relaxed);
                            },
                            3 => drop(lock.read_timeout(short)),
                            4 => if let Some(mut w) = lock.try_write() {
                                *w += 1;
                                writes.fetch_add(1, Ordering::Relaxed);
                            },
                            _ => {
                                let reader = lock.read();
                                thread::yield_now();
                                drop(reader);
                            }
                        }
                    }
                });
            }
        });
        let total = writes.into_inner();
        assert!(total >= iters, "the blocking writer always succeeds");
        assert_eq!(lock.into_inner(), total);
    }

    #[test]
    fn get_mut_and_into_inner() {
        let mut lock = sync::RwLock::new(vec![1, 2]);
        lock.get_mut().push(3);
        lock.write().push(4);
        assert_eq!(lock.into_inner(), [1, 2, 3, 4]);
    }

    #[test]
    fn unsized_value() {
        let lock: &sync::RwLock<[u32]> = &sync::RwLock::new([1, 2, 3]);
        lock.write()[1] = 5;
        assert_eq!(*lock.read(), [1, 5, 3]);
        assert_eq!(lock.try_read().map(|g| g.len()), Some(3));
        let reader = sync::RwLockWriteGuard::downgrade(lock.write());
        assert_eq!(reader.iter().sum::<u32>(), 9);
    }

    #[test]
    fn debug_shows_the_value_or_locked() {
        let lock = sync::RwLock::new(3);
        assert_eq!(format!("{lock:?}"), "RwLock { data: 3, .. }");
        let reader = lock.read();
        assert_eq!(format!("{lock:?} {reader:?}"), "RwLock { data: 3, .. } 3");
        drop(reader);
        let writer = lock.write();
        assert_eq!(format!("{lock:?} {writer}"), "RwLock { data: <locked>, .. } 3");
    }

    #[test]
    fn guards_unlock_when_their_thread_panics() {
        static LOCK: sync::RwLock<u32> = sync::RwLock::new(0);
        thread::scope(|s| {
            let writer = s.spawn(|| {
                let mut w = LOCK.write();
                *w = 7;
                panic!("the writer panics with the lock held");
            });
            assert!(writer.join().is_err());
            let reader = s.spawn(|| {
                let _r = LOCK.read();
                panic!("the reader panics with the lock held");
            });
            assert!(reader.join().is_err());
        });
        assert!(!LOCK.is_locked(), "unwinding dropped both guards");
        let w = LOCK.try_write().expect("unlocked by the unwinding guards");
        assert_eq!(*w, 7, "no poisoning: the write before the panic stays");
    }

    #[test]
    fn guards_unlock_on_caught_panic() {
        let lock = sync::RwLock::new(Vec::new());
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut writer = lock.write();
            writer.push(1);
            let _downgraded = sync::RwLockWriteGuard::downgrade(writer);
            panic!("inside the critical section");
        }));
        assert!(caught.is_err());
        assert!(!lock.is_locked(), "the downgraded guard unlocked while unwinding");
        lock.write().push(2);
        assert_eq!(*lock.read(), [1, 2]);
    }
}

// ---------------------------------------------------------------------------------------------
// Writer preference, deterministically: on a backend that counts the callers inside its `wait`,
// the test acts only once the writer, then the reader, really sleep.

#[test]
fn a_sleeping_writer_goes_before_a_sleeping_reader() {
    use common::watched::{SLEEPING, sync};
    let _dog = watchdog("a_sleeping_writer_goes_before_a_sleeping_reader");
    let lock = sync::RwLock::new(0);
    let held = lock.read();
    thread::scope(|s| {
        let writer = s.spawn(|| *lock.write() = 1);
        assert!(
            eventually(|| SLEEPING.load(Ordering::SeqCst) == 1),
            "the writer sleeps"
        );
        assert!(
            lock.try_read().is_none(),
            "a reader beside a sleeping writer"
        );
        let reader = s.spawn(|| *lock.read());
        assert!(
            eventually(|| SLEEPING.load(Ordering::SeqCst) == 2),
            "the reader sleeps"
        );
        drop(held);
        assert_eq!(reader.join().unwrap(), 1, "the sleeping reader went first");
        writer.join().unwrap();
    });
    assert_eq!(SLEEPING.load(Ordering::SeqCst), 0);
}
