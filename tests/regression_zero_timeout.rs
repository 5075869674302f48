//! Regression (issue 17, defect 7): timed waits ignored their deadline in the polling phase, and
//! a zero timeout was not a `try_`: `lock_timeout(Duration::ZERO)` on a held lock polled through
//! a dozen yields, then marked the lock contended so that its holder paid a `FUTEX_WAKE` later.
//!
//! A counting backend (the futex underneath) records every pause of the polling phase, every
//! wait, every wake and every clock read. A zero timeout must make none of them; a timed wait
//! must stop polling at its deadline.

use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

use baresync::wait::{
    AtomicU32 as WaitWord, Clock, ContextId, Futex, MonotonicClock, Wait, WaitTimeout,
};

static PAUSES: AtomicU32 = AtomicU32::new(0);
static WAITS: AtomicU32 = AtomicU32::new(0);
static WAKES: AtomicU32 = AtomicU32::new(0);
static CLOCK_READS: AtomicU32 = AtomicU32::new(0);
/// How long each pause of the polling phase takes (0: the futex's own pause).
static PAUSE_MS: AtomicU32 = AtomicU32::new(0);

struct Counting;

impl Wait for Counting {
    fn wait(word: &WaitWord, expected: u32) {
        WAITS.fetch_add(1, Ordering::SeqCst);
        Futex::wait(word, expected);
    }
    fn wake_one(word: *const WaitWord) {
        WAKES.fetch_add(1, Ordering::SeqCst);
        Futex::wake_one(word);
    }
    fn wake_all(word: *const WaitWord) {
        WAKES.fetch_add(1, Ordering::SeqCst);
        Futex::wake_all(word);
    }
    fn poll_pause(round: u32) -> bool {
        PAUSES.fetch_add(1, Ordering::SeqCst);
        match PAUSE_MS.load(Ordering::SeqCst) {
            0 => Futex::poll_pause(round),
            ms => {
                thread::sleep(Duration::from_millis(ms.into()));
                round < 15
            }
        }
    }
}

struct CountingClock;

impl Clock for CountingClock {
    fn now() -> Duration {
        CLOCK_READS.fetch_add(1, Ordering::SeqCst);
        MonotonicClock::now()
    }
}

impl WaitTimeout for Counting {
    type Clock = CountingClock;
    fn wait_timeout(word: &WaitWord, expected: u32, timeout: Duration) -> bool {
        WAITS.fetch_add(1, Ordering::SeqCst);
        Futex::wait_timeout(word, expected, timeout)
    }
}

// SAFETY: the OS thread id, as `Futex`'s.
unsafe impl ContextId for Counting {
    fn current() -> core::num::NonZeroUsize {
        Futex::current()
    }
}

mod counting {
    baresync::backend_aliases!(super::Counting, context);
}

/// The counters, read and reset: (pauses, waits, wakes, clock reads).
fn counts() -> (u32, u32, u32, u32) {
    (
        PAUSES.swap(0, Ordering::SeqCst),
        WAITS.swap(0, Ordering::SeqCst),
        WAKES.swap(0, Ordering::SeqCst),
        CLOCK_READS.swap(0, Ordering::SeqCst),
    )
}

const NOTHING: (u32, u32, u32, u32) = (0, 0, 0, 0);

/// One test: the counters are global, so the cases run in sequence.
#[test]
fn a_zero_timeout_never_pauses_sleeps_reads_the_clock_or_leaves_a_wake_owed() {
    // Mutex: held by another thread; the holder's unlock must not have to wake anyone.
    let m = counting::Mutex::new(());
    let guard = m.lock();
    thread::scope(|s| {
        s.spawn(|| assert!(m.lock_timeout(Duration::ZERO).is_none()));
    });
    drop(guard);
    assert_eq!(counts(), NOTHING, "Mutex::lock_timeout(ZERO)");

    // RwLock: write-held, then read-held, by another thread; their unlocks wake nobody.
    let rw = counting::RwLock::new(());
    let writer = rw.write();
    thread::scope(|s| {
        s.spawn(|| {
            assert!(rw.read_timeout(Duration::ZERO).is_none());
            assert!(rw.write_timeout(Duration::ZERO).is_none());
        });
    });
    drop(writer);
    let reader = rw.read();
    thread::scope(|s| {
        s.spawn(|| {
            assert!(rw.write_timeout(Duration::ZERO).is_none());
            assert!(rw.read_timeout(Duration::ZERO).is_some());
        });
    });
    drop(reader);
    assert_eq!(
        counts(),
        NOTHING,
        "RwLock::read_timeout/write_timeout(ZERO)"
    );

    let e = counting::Event::new();
    assert!(!e.wait_timeout(Duration::ZERO));
    e.set();
    assert_eq!(counts(), NOTHING, "Event::wait_timeout(ZERO), then set");

    let sem = counting::Semaphore::new(0);
    assert!(sem.acquire_timeout(Duration::ZERO).is_none());
    sem.release(1);
    assert_eq!(
        counts(),
        NOTHING,
        "Semaphore::acquire_timeout(ZERO), then release"
    );

    let cv = counting::Condvar::new();
    let (guard, result) = cv.wait_timeout(m.lock(), Duration::ZERO);
    assert!(result.timed_out());
    drop(guard);
    cv.notify_all();
    assert_eq!(
        counts(),
        NOTHING,
        "Condvar::wait_timeout(ZERO), then notify_all"
    );

    let q = counting::MpmcQueue::<u32, 1>::new();
    assert!(q.pop_timeout(Duration::ZERO).is_err());
    q.push(1).unwrap();
    assert!(q.push_timeout(2, Duration::ZERO).is_err());
    assert!(!q.join_timeout(Duration::ZERO));
    q.pop().unwrap();
    q.task_done().unwrap();
    assert_eq!(counts(), NOTHING, "MpmcQueue timed verbs with ZERO");

    let lifo = counting::LifoQueue::<u32, 1>::new();
    assert!(lifo.pop_timeout(Duration::ZERO).is_err());
    lifo.push(1).unwrap();
    assert!(lifo.push_timeout(2, Duration::ZERO).is_err());
    assert!(!lifo.join_timeout(Duration::ZERO));
    lifo.pop().unwrap();
    lifo.task_done().unwrap();
    assert_eq!(counts(), NOTHING, "LifoQueue timed verbs with ZERO");

    let mut spsc = counting::SpscQueue::<u32, 1>::new();
    let (p, c) = spsc.split();
    assert!(c.pop_timeout(Duration::ZERO).is_err());
    p.push(1).unwrap();
    assert!(p.push_timeout(2, Duration::ZERO).is_err());
    c.pop().unwrap();
    drop((p, c));
    assert_eq!(counts(), NOTHING, "SpscQueue timed verbs with ZERO");

    // ReentrantMutex: held by another thread (the holder's own call never waits at all).
    let r = counting::ReentrantMutex::new(());
    let guard = r.lock();
    thread::scope(|s| {
        s.spawn(|| assert!(r.lock_timeout(Duration::ZERO).is_none()));
    });
    assert!(r.lock_timeout(Duration::ZERO).is_some());
    drop(guard);
    assert_eq!(counts(), NOTHING, "ReentrantMutex::lock_timeout(ZERO)");

    // Once and OnceLock: nobody initialises, or another thread's initialiser is running; then
    // the initialisation owes nobody a wake.
    let once = counting::Once::new();
    assert!(!once.wait_timeout(Duration::ZERO));
    let (running, finish) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
    thread::scope(|s| {
        s.spawn(|| {
            once.call_once(|| {
                running.wait();
                finish.wait();
            })
        });
        running.wait();
        assert!(!once.wait_timeout(Duration::ZERO));
        finish.wait();
    });
    assert!(once.is_completed());
    let cell = counting::OnceLock::new();
    assert_eq!(cell.wait_timeout(Duration::ZERO), None);
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(
        counts(),
        NOTHING,
        "Once/OnceLock::wait_timeout(ZERO), then initialise"
    );

    // The polling phase ends at the deadline: with pauses of 10 ms and a 15 ms deadline, a
    // lock wait pauses at most twice (at 0 and 10 ms) instead of polling through every round.
    PAUSE_MS.store(10, Ordering::SeqCst);
    let guard = m.lock();
    thread::scope(|s| {
        s.spawn(|| assert!(m.lock_timeout(Duration::from_millis(15)).is_none()));
    });
    drop(guard);
    let (pauses, ..) = counts();
    PAUSE_MS.store(0, Ordering::SeqCst);
    assert!(
        pauses <= 2,
        "the polling phase ran past the deadline: {pauses} pauses"
    );
}
