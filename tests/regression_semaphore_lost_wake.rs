//! Regression (issue 17, defect 1): `release(1)` clears `SLEEPERS` and wakes one sleeper. If that
//! sleeper is a timed acquirer whose deadline has passed and a caller that never slept took the
//! permit, the timed acquirer gave up without announcing itself again or passing the wake on:
//! another sleeper stayed blocked while permits came and went.
//!
//! Deterministic: a scripted wait backend decides whom `wake_one` wakes (the timed sleeper: any
//! choice is legal, "at least one") and when a woken timed sleeper runs, and a fake clock decides
//! when its deadline has passed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use baresync::wait::{AtomicU32, Clock, Wait, WaitTimeout};

/// One thread blocked in the scripted backend.
struct Sleeper {
    thread: ThreadId,
    timed: bool,
    /// Woken by `wake_*`.
    woken: bool,
    /// For timed sleepers: allowed by the test to return once woken.
    released: bool,
}

static TABLE: Mutex<Vec<Sleeper>> = Mutex::new(Vec::new());
static CHANGED: Condvar = Condvar::new();
static NOW_MS: AtomicU64 = AtomicU64::new(0);

/// The scripted backend: sleeps until woken (untimed) or woken and released by the test (timed).
struct Scripted;

fn block(word: &AtomicU32, expected: u32, timed: bool) {
    let mut table = TABLE.lock().unwrap();
    // Compared under the table lock that `wake_*` take: a wake after the change is never lost.
    if word.load(Ordering::Relaxed) != expected {
        return;
    }
    let me = thread::current().id();
    table.push(Sleeper {
        thread: me,
        timed,
        woken: false,
        released: false,
    });
    CHANGED.notify_all();
    loop {
        let mine = table.iter().position(|s| s.thread == me).unwrap();
        let s = &table[mine];
        if s.woken && (!s.timed || s.released) {
            table.remove(mine);
            CHANGED.notify_all();
            return;
        }
        table = CHANGED.wait(table).unwrap();
    }
}

fn wake(all: bool) {
    let mut table = TABLE.lock().unwrap();
    // The adversarial (and legal) choice: a timed sleeper first.
    let order: Vec<usize> = (0..table.len())
        .filter(|&i| table[i].timed)
        .chain((0..table.len()).filter(|&i| !table[i].timed))
        .filter(|&i| !table[i].woken)
        .collect();
    for i in order.into_iter().take(if all { usize::MAX } else { 1 }) {
        table[i].woken = true;
    }
    CHANGED.notify_all();
}

impl Wait for Scripted {
    fn wait(word: &AtomicU32, expected: u32) {
        block(word, expected, false);
    }
    fn wake_one(_word: *const AtomicU32) {
        wake(false);
    }
    fn wake_all(_word: *const AtomicU32) {
        wake(true);
    }
    // No polling phase: every wait reaches the script.
    const POLLS: bool = false;
}

impl Clock for Scripted {
    fn now() -> Duration {
        Duration::from_millis(NOW_MS.load(Ordering::SeqCst))
    }
}

impl WaitTimeout for Scripted {
    type Clock = Scripted;
    fn wait_timeout(word: &AtomicU32, expected: u32, _timeout: Duration) -> bool {
        block(word, expected, true);
        true
    }
}

mod scripted {
    baresync::backend_aliases!(super::Scripted);
}

/// Waits (in real time, up to ten seconds) until `n` threads sleep in the backend.
fn until_sleepers(n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut table = TABLE.lock().unwrap();
    while table.len() != n {
        assert!(Instant::now() < deadline, "expected {n} sleepers");
        table = CHANGED
            .wait_timeout(table, Duration::from_millis(10))
            .unwrap()
            .0;
    }
}

/// Lets the woken timed sleepers return.
fn release_timed() {
    let mut table = TABLE.lock().unwrap();
    for s in table.iter_mut().filter(|s| s.timed) {
        s.released = true;
    }
    CHANGED.notify_all();
}

#[test]
fn a_timed_out_acquirer_passes_on_the_wake_it_took() {
    static SEM: scripted::Semaphore = scripted::Semaphore::new(0);
    static UNTIMED_DONE: AtomicBool = AtomicBool::new(false);
    thread::scope(|s| {
        // B: an untimed acquirer, asleep first.
        s.spawn(|| {
            SEM.acquire().forget();
            UNTIMED_DONE.store(true, Ordering::SeqCst);
        });
        until_sleepers(1);
        // A: a timed acquirer, asleep second.
        let timed = s.spawn(|| {
            SEM.acquire_timeout(Duration::from_millis(5))
                .map(|p| p.forget())
        });
        until_sleepers(2);
        // release(1) wakes A (the script's choice) and clears the flag; before A runs, a caller
        // that never slept takes the permit, and A's deadline passes.
        SEM.release(1);
        SEM.try_acquire().expect("the released permit").forget();
        NOW_MS.store(1_000, Ordering::SeqCst);
        release_timed();
        assert_eq!(timed.join().unwrap(), None, "A timed out without a permit");
        // A later permit must reach B, which still sleeps.
        SEM.release(1);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !UNTIMED_DONE.load(Ordering::SeqCst) {
            if Instant::now() > deadline {
                // Unblock B so the scope can end, then fail.
                wake(true);
                panic!("B stayed asleep while a permit was available: a lost wake-up");
            }
            thread::sleep(Duration::from_millis(1));
        }
    });
    assert_eq!(SEM.available_permits(), 0);
}
