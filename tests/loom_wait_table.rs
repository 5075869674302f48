//! loom models of one bucket of `wait::WaitTable` (a one-bucket table, so every word shares its
//! list and its lock): loom threads are the tasks, each with a token (a loom mutex and condition
//! variable: `block` waits for the token and takes it, `unblock` sets it, stickily), and a loom
//! mutex stands in for the bucket's critical section. (Not loom's `park`/`unpark`: loom's
//! `unpark` also wakes a thread blocked on a loom mutex, which real threads never do.)
//!
//! A lost wake-up leaves a thread parked forever, which loom reports as a deadlock; a record left
//! linked after its waiter returned, or a wake reported as a timeout, fails an assertion.
#![cfg(loom)]

use std::sync::atomic::{AtomicU64, Ordering as StdOrdering};
use std::time::Duration;

use baresync::wait::{AtomicU32, Clock, Task, TaskTimeout, WaitTable};
use loom::sync::atomic::Ordering;
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

#[path = "common/loom_futex.rs"]
mod loom_futex;

/// A task's wake-up token.
#[derive(Default)]
struct Token {
    set: Mutex<bool>,
    changed: Condvar,
}

loom::thread_local! {
    static TOKEN: Arc<Token> = Arc::new(Token::default());
}

struct LoomTask(Arc<Token>);

impl Task for LoomTask {
    fn current() -> Self {
        LoomTask(TOKEN.with(Arc::clone))
    }
    fn block() {
        TOKEN.with(|token| {
            let mut set = token.set.lock().unwrap();
            while !*set {
                set = token.changed.wait(set).unwrap();
            }
            *set = false;
        });
    }
    fn unblock(task: &Self) {
        *task.0.set.lock().unwrap() = true;
        task.0.changed.notify_one();
    }
}

/// A clock a day further on at every reading: a timed wait's deadline has passed by its first
/// check, so the model explores "the time ran out right after the waiter linked itself" against
/// every placement of the wake.
struct Expiring;

impl Clock for Expiring {
    fn now() -> Duration {
        // A plain std atomic: time is not part of the model.
        static DAYS: AtomicU64 = AtomicU64::new(0);
        Duration::from_secs(86_400 * DAYS.fetch_add(1, StdOrdering::Relaxed))
    }
}

impl TaskTimeout for LoomTask {
    type Clock = Expiring;
    fn block_timeout(_timeout: Duration) {
        unreachable!("the deadline passes before the first block (see `Expiring`)");
    }
}

struct Shared {
    table: WaitTable<LoomTask, 1>,
    x: AtomicU32,
    y: AtomicU32,
}

fn shared() -> Arc<Shared> {
    Arc::new(Shared {
        table: WaitTable::new(),
        x: AtomicU32::new(0),
        y: AtomicU32::new(0),
    })
}

/// The store-then-wake protocol: the waiter returns whichever comes first, its check or the
/// wake; a timed waiter on another word of the same bucket is never woken by it.
#[test]
fn a_wake_after_the_change_is_never_lost() {
    loom_futex::model(3, || {
        let s = shared();
        let waiter = {
            let s = s.clone();
            thread::spawn(move || s.table.wait(&s.x, 0))
        };
        let other = {
            let s = s.clone();
            thread::spawn(move || s.table.wait_timeout(&s.y, 0, Duration::from_secs(1)))
        };
        s.x.store(1, Ordering::Relaxed);
        s.table.wake_one(&s.x);
        waiter.join().unwrap();
        assert!(
            !other.join().unwrap(),
            "a wake of x reached the waiter on y, which nobody woke"
        );
        assert_eq!(s.table.waiting(&s.x), 0);
        assert_eq!(s.table.waiting(&s.y), 0, "a timed-out record stayed linked");
    });
}

/// A timeout racing a wake: the waiter reports a wake exactly when the waker found it.
#[test]
fn a_timeout_and_a_wake_agree() {
    loom_futex::model(3, || {
        let s = shared();
        let waiter = {
            let s = s.clone();
            thread::spawn(move || s.table.wait_timeout(&s.x, 0, Duration::from_secs(1)))
        };
        let woke = s.table.wake_one(&s.x);
        let reported = waiter.join().unwrap();
        assert_eq!(
            reported, woke,
            "the waiter reported a wake the waker did not make, or missed one it made"
        );
        assert_eq!(s.table.waiting(&s.x), 0);
    });
}

/// `wake_all` reaches every waiter of its word.
#[test]
fn wake_all_reaches_every_waiter() {
    loom_futex::model(2, || {
        let s = shared();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let s = s.clone();
                thread::spawn(move || s.table.wait(&s.x, 0))
            })
            .collect();
        s.x.store(1, Ordering::Relaxed);
        let woken = s.table.wake_all(&s.x);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert!(woken <= 2);
        assert_eq!(s.table.waiting(&s.x), 0);
    });
}
