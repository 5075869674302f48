//! `wait::WaitTable`, the address-keyed wait table an RTOS hook is built on, driven by std threads
//! standing in for tasks.
//!
//! The tasks are fault-injecting ([`FaultyThread`]): `block` returns spuriously, yields or
//! returns early at random, and `unblock` stalls or unblocks twice, every liberty the `Task`
//! contract allows. The critical section is this file's [`HostCs`]: a global lock for the other
//! "cores", plus the calling thread's `SIGUSR1` blocked, so that a signal handler plays an
//! interrupt handler that cannot run inside a critical section of the thread it interrupts.
//!
//! The table also backs this binary's registered hook (`set_wait_hook!`), so the `hook::` names
//! run on it: the stress tests use them. A lost wake-up shows as a bounded wait that runs out
//! (30 s) and fails with a message saying so, never as a hung test.
#![cfg(not(loom))]

#[path = "common/faulty.rs"]
#[allow(
    dead_code,
    reason = "the Faulty backend itself is not used here, only its dice"
)]
mod faulty;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use baresync::wait::{
    AtomicU32, Clock, MonotonicClock, Task, TaskTimeout, Wait, WaitTable, WaitTimeout,
};
use faulty::{roll, stall};

/// How long a wait that a wake should end may take before the test calls the wake lost.
const LOST: Duration = Duration::from_secs(30);

/// A std thread as a task, taking every liberty of the `Task` contract at random.
struct FaultyThread(thread::Thread);

impl Task for FaultyThread {
    fn current() -> Self {
        FaultyThread(thread::current())
    }

    fn block() {
        match roll() % 8 {
            0 | 1 => stall(), // a spurious return
            2 => {
                thread::yield_now();
                thread::park();
            }
            _ => thread::park(),
        }
    }

    fn unblock(task: &Self) {
        stall();
        task.0.unpark();
        if roll().is_multiple_of(4) {
            task.0.unpark(); // a second token: a later block returns spuriously
        }
    }
}

impl TaskTimeout for FaultyThread {
    type Clock = MonotonicClock;

    fn block_timeout(timeout: Duration) {
        if roll().is_multiple_of(4) {
            stall(); // early: the table blocks again for the time left
        } else {
            thread::park_timeout(timeout);
        }
    }
}

/// Eight buckets: this binary's hook, shared by every test (and so by unrelated words).
static TABLE: WaitTable<FaultyThread, 8> = WaitTable::new();

/// The backend over [`TABLE`], registered as this binary's hook.
struct TableWait;

impl Wait for TableWait {
    fn wait(word: &AtomicU32, expected: u32) {
        TABLE.wait(word, expected);
    }
    fn wake_one(word: *const AtomicU32) {
        TABLE.wake_one(word);
    }
    fn wake_all(word: *const AtomicU32) {
        TABLE.wake_all(word);
    }
}

impl WaitTimeout for TableWait {
    type Clock = MonotonicClock;
    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        TABLE.wait_timeout(word, expected, timeout)
    }
}

baresync::set_wait_hook!(TableWait);

/// Spins (yielding) until `done()`, or fails the test after [`LOST`].
fn until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < LOST, "gave up waiting until {what}");
        thread::yield_now();
    }
}

#[test]
fn returns_at_once_when_the_word_already_changed() {
    let table: WaitTable<FaultyThread, 1> = WaitTable::new();
    let word = AtomicU32::new(1);
    let start = Instant::now();
    table.wait(&word, 0);
    assert!(table.wait_timeout(&word, 0, LOST));
    assert!(start.elapsed() < LOST);
    assert_eq!(table.waiting(&word), 0);
    assert!(!table.wake_one(&word), "nobody waits");
}

/// One bucket, three waiters on two words: `wake_one` takes the oldest waiter of its word and
/// leaves the other word's alone; `wake_all` counts exactly.
#[test]
fn wakes_reach_only_their_word_oldest_first() {
    let table: WaitTable<FaultyThread, 1> = WaitTable::new();
    let (x, y) = (AtomicU32::new(0), AtomicU32::new(0));
    let returned = AtomicUsize::new(0);
    thread::scope(|s| {
        let first = s.spawn(|| {
            table.wait(&x, 0);
            returned.fetch_add(1, Ordering::SeqCst);
        });
        until("the first waiter on x is linked", || table.waiting(&x) == 1);
        let on_y = s.spawn(|| {
            table.wait(&y, 0);
            returned.fetch_add(1, Ordering::SeqCst);
        });
        until("the waiter on y is linked", || table.waiting(&y) == 1);
        let second = s.spawn(|| {
            table.wait(&x, 0);
            returned.fetch_add(1, Ordering::SeqCst);
        });
        until("the second waiter on x is linked", || {
            table.waiting(&x) == 2
        });

        assert!(table.wake_one(&x));
        first.join().unwrap();
        assert!(!second.is_finished() && !on_y.is_finished());
        assert_eq!((table.waiting(&x), table.waiting(&y)), (1, 1));
        assert_eq!(
            returned.load(Ordering::SeqCst),
            1,
            "a spurious block ended a wait"
        );

        assert_eq!(table.wake_all(&y), 1);
        on_y.join().unwrap();
        assert_eq!(table.wake_all(&x), 1);
        second.join().unwrap();
    });
    assert_eq!(table.waiting(&x) + table.waiting(&y), 0);
}

#[test]
fn wake_all_wakes_every_waiter_of_its_word() {
    let table: WaitTable<FaultyThread, 4> = WaitTable::new();
    let word = AtomicU32::new(0);
    thread::scope(|s| {
        let waiters: Vec<_> = (0..6).map(|_| s.spawn(|| table.wait(&word, 0))).collect();
        until("six waiters are linked", || table.waiting(&word) == 6);
        word.store(1, Ordering::Relaxed);
        assert_eq!(table.wake_all(&word), 6);
        for waiter in waiters {
            waiter.join().unwrap();
        }
    });
    assert_eq!(table.waiting(&word), 0);
}

#[test]
fn a_timed_wait_runs_out_and_leaves_the_table() {
    let table: WaitTable<FaultyThread, 1> = WaitTable::new();
    let word = AtomicU32::new(0);
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    assert!(!table.wait_timeout(&word, 0, timeout), "nobody woke it");
    assert!(
        start.elapsed() >= timeout,
        "gave up early: {:?}",
        start.elapsed()
    );
    assert_eq!(table.waiting(&word), 0, "its record stayed linked");
    // Its record is gone from the list, so this wake must find nobody (and touch no freed stack).
    assert!(!table.wake_one(&word));
    assert!(
        !table.wait_timeout(&word, 0, Duration::ZERO),
        "a zero timeout is due at once"
    );
}

/// Timeouts racing wakes: every wake the waker made is reported by exactly one timed wait as a
/// wake, and every other timed wait reports a timeout. The word never changes, so a `true`
/// can only come from a wake.
#[test]
fn timeouts_and_wakes_never_double_count() {
    let table: WaitTable<FaultyThread, 2> = WaitTable::new();
    let word = AtomicU32::new(0);
    let done = AtomicBool::new(false);
    let rounds: u32 = if cfg!(miri) { 20 } else { 2_000 };
    let (reported, woke) = thread::scope(|s| {
        let waiter = s.spawn(|| {
            let mut reported = 0;
            for round in 0..rounds {
                let timeout = Duration::from_micros(u64::from(round % 7) * 20);
                reported += usize::from(table.wait_timeout(&word, 0, timeout));
            }
            done.store(true, Ordering::Release);
            reported
        });
        let mut woke = 0;
        while !done.load(Ordering::Acquire) {
            woke += usize::from(table.wake_one(&word));
            stall();
        }
        (waiter.join().unwrap(), woke)
    });
    assert_eq!(
        reported, woke,
        "wakes reported by the waiter vs. made by the waker"
    );
    assert_eq!(table.waiting(&word), 0);
}

/// The lost-wake-up stress, through the hook: a mutex, an SPSC hand-off of a tiny queue and a
/// semaphore ping-pong, all sleeping in the table with fault-injecting tasks.
#[test]
fn hook_primitives_lose_no_wake_up() {
    const THREADS: u32 = 4;
    let increments: u32 = if cfg!(miri) { 50 } else { 5_000 };
    let items: u32 = if cfg!(miri) { 50 } else { 20_000 };

    static COUNT: baresync::hook::Mutex<u32> = baresync::hook::Mutex::new(0);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..increments {
                    *COUNT.lock_timeout(LOST).expect("lost wake-up: lock") += 1;
                }
            });
        }
    });
    assert_eq!(*COUNT.lock(), THREADS * increments);

    let mut queue: baresync::hook::SpscQueue<u32, 2> = baresync::hook::SpscQueue::new();
    let (producer, consumer) = queue.split();
    thread::scope(|s| {
        s.spawn(move || {
            for item in 0..items {
                producer
                    .push_timeout(item, LOST)
                    .unwrap_or_else(|_| panic!("lost wake-up: push of {item}"));
            }
        });
        for expected in 0..items {
            let item = consumer
                .pop_timeout(LOST)
                .unwrap_or_else(|_| panic!("lost wake-up: pop of {expected}"));
            assert_eq!(item, expected, "lost or reordered item");
        }
    });

    let (ping, pong) = (
        baresync::hook::Semaphore::new(0),
        baresync::hook::Semaphore::new(0),
    );
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..items / 4 {
                ping.acquire_timeout(LOST)
                    .expect("lost wake-up: ping")
                    .forget();
                pong.release(1);
            }
        });
        for _ in 0..items / 4 {
            ping.release(1);
            pong.acquire_timeout(LOST)
                .expect("lost wake-up: pong")
                .forget();
        }
    });
}

/// This binary's critical-section implementation: a global lock, with the calling thread's
/// stand-in interrupt (`SIGUSR1`) blocked while it is held. Nesting is counted per thread.
mod host_cs {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicBool, Ordering};

    static LOCKED: AtomicBool = AtomicBool::new(false);

    std::thread_local! {
        static DEPTH: Cell<u32> = const { Cell::new(0) };
    }

    struct HostCs;
    critical_section::set_impl!(HostCs);

    // SAFETY: `acquire` returns only once this thread holds the global lock (or already held
    // it, nested), with the stand-in interrupt blocked, so no two contexts are ever inside a
    // critical section at once; `release` undoes the outermost `acquire` only. The lock's
    // Acquire/Release pair orders everything inside one critical section before the next.
    unsafe impl critical_section::Impl for HostCs {
        unsafe fn acquire() -> critical_section::RawRestoreState {
            if DEPTH.get() == 0 {
                super::interrupts::mask(true);
                while LOCKED
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_err()
                {
                    // The holder may be descheduled (a stalled unblock): let it run.
                    std::thread::yield_now();
                }
            }
            DEPTH.set(DEPTH.get() + 1);
        }

        unsafe fn release(_: critical_section::RawRestoreState) {
            DEPTH.set(DEPTH.get() - 1);
            if DEPTH.get() == 0 {
                LOCKED.store(false, Ordering::Release);
                super::interrupts::mask(false);
            }
        }
    }
}

/// The stand-in interrupt: `SIGUSR1`, whose handler wakes a waiter like an interrupt handler
/// would (Linux; elsewhere there is no stand-in and masking is a no-op).
mod interrupts {
    /// Blocks (`true`) or unblocks the stand-in interrupt on the calling thread.
    #[cfg(all(target_os = "linux", not(miri)))]
    pub fn mask(masked: bool) {
        // SAFETY: plain libc calls on a local signal set; pthread_sigmask is async-signal-safe,
        // so the handler below may take a critical section too.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGUSR1);
            let how = if masked {
                libc::SIG_BLOCK
            } else {
                libc::SIG_UNBLOCK
            };
            libc::pthread_sigmask(how, &set, std::ptr::null_mut());
        }
    }

    #[cfg(not(all(target_os = "linux", not(miri))))]
    pub fn mask(_masked: bool) {}
}

/// An interrupt handler wakes the task it interrupted, at any point of its wait: the waiter
/// loops on a counter that only the `SIGUSR1` handler advances (then wakes), and the test sends
/// the next signal as soon as the waiter has seen the last value. A lost wake leaves the waiter
/// asleep with the counter ahead of it, which the test reports after [`LOST`].
#[cfg(all(target_os = "linux", not(miri)))]
#[test]
fn a_signal_handler_wakes_the_thread_it_interrupted() {
    use std::os::unix::thread::JoinHandleExt;

    static COUNTER: AtomicU32 = AtomicU32::new(0);
    static SEEN: AtomicU32 = AtomicU32::new(0);
    const SIGNALS: u32 = 2_000;

    extern "C" fn on_signal(_: libc::c_int) {
        // Release: the waiter's Acquire load sees the new value with everything before it.
        COUNTER.fetch_add(1, Ordering::Release);
        TABLE.wake_all(&COUNTER);
    }

    // SAFETY: installs a handler that only touches atomics and the table (whose critical
    // section blocks this signal, so it never interrupts one); SA_RESTART keeps other calls
    // in the process undisturbed.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }

    let waiter = thread::spawn(|| {
        loop {
            let seen = COUNTER.load(Ordering::Acquire);
            SEEN.store(seen, Ordering::Release);
            if seen >= SIGNALS {
                return;
            }
            TABLE.wait(&COUNTER, seen);
        }
    });
    let pthread = waiter.as_pthread_t();
    for next in 1..=SIGNALS {
        // SAFETY: the thread is alive: it returns only once SEEN reaches SIGNALS.
        assert_eq!(unsafe { libc::pthread_kill(pthread, libc::SIGUSR1) }, 0);
        // Under ThreadSanitizer a signal reaches its handler only when the thread enters an
        // intercepted call, which a thread parked in a futex never does: a spurious unblock
        // (allowed by the `Task` contract) sends it through the table's critical section, whose
        // `pthread_sigmask` is one. Only delivery is helped this way; the wake itself is not.
        let start = Instant::now();
        while COUNTER.load(Ordering::Acquire) < next {
            assert!(
                start.elapsed() < LOST,
                "gave up waiting until the handler ran"
            );
            if start.elapsed() > Duration::from_millis(20) {
                waiter.thread().unpark();
            }
            thread::yield_now();
        }
        let start = Instant::now();
        while SEEN.load(Ordering::Acquire) < next {
            assert!(
                start.elapsed() < LOST,
                "lost wake-up: the waiter sleeps at {} with the counter at {next}",
                SEEN.load(Ordering::Acquire)
            );
            thread::yield_now();
        }
    }
    waiter.join().unwrap();
    assert_eq!(TABLE.waiting(&COUNTER), 0);
}

#[test]
fn hook_wait_timeout_runs_out_through_the_table() {
    // The timed methods of the hook measure on the clock the tasks name (a sanity check of the
    // registration, not of the table).
    let before = MonotonicClock::now();
    let word = AtomicU32::new(0);
    assert!(!baresync::wait::Hook::wait_timeout(
        &word,
        0,
        Duration::from_millis(5)
    ));
    assert!(MonotonicClock::now() - before >= Duration::from_millis(5));
}
