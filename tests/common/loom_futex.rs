//! Shared by the loom models (`tests/loom_*.rs`, built with `--cfg loom`): a futex emulated with
//! loom's own `Mutex` and `Condvar`, the `futex_sync` family of types bound to it, and `model`.
//!
//! `baresync::spin` has `WAKE_NEEDED == false`: its waiters poll, so loom explores the polling
//! paths but never the sleeping protocol (the `SLEEPERS`/`CONTENDED` bits, the queues' `EventCount`).
//! [`LoomFutex`] has `WAKE_NEEDED == true` and really blocks: a waiter whose wake-up the library
//! forgets stays blocked, and loom reports the execution as a deadlock. That is what makes the
//! lost wake-up models meaningful.
//!
//! Included with `#[path = "common/loom_futex.rs"] mod loom_futex;` (not through `mod common`,
//! which holds host-only helpers).

#![allow(
    dead_code,
    reason = "each model file uses a different part of this module"
)]

use baresync::wait::{AtomicU32, Clock, ContextId, Wait, WaitTimeout};
use loom::sync::{Condvar, Mutex};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The emulated kernel: who sleeps on which address, and who has been woken.
#[derive(Default)]
struct Table {
    /// Sleepers in arrival order: (address, ticket).
    sleepers: Vec<(usize, u64)>,
    /// Tickets woken by `wake_*` whose sleeper has not returned yet.
    woken: Vec<u64>,
    next_ticket: u64,
    /// Set once by [`LoomFutex::fire_timer`]: every deadline has passed from then on.
    timer_fired: bool,
    /// [`LoomClock`] readings since the timer fired.
    ticks: u64,
}

struct Kernel {
    table: Mutex<Table>,
    /// One condition for every sleeper; each checks for its own ticket.
    changed: Condvar,
}

loom::lazy_static! {
    // A loom lazy static is created afresh in every execution of a model.
    static ref KERNEL: Kernel = Kernel {
        table: Mutex::new(Table::default()),
        changed: Condvar::new(),
    };
}

/// A futex backend for loom: `wait` compares and sleeps under the kernel lock that `wake_*` also
/// take, so a wake issued after the word changed is never lost, exactly the `Wait` contract.
/// Unlike a real futex it never returns spuriously: a waiter leaves only when woken or when the
/// word no longer holds `expected`. Timed waits end early only when a model thread fires the
/// timer ([`LoomFutex::fire_timer`]), which is when their deadlines pass ([`LoomClock`]).
pub struct LoomFutex;

impl LoomFutex {
    /// Yields until at least one thread sleeps in [`LoomFutex::wait`] (on any word), for models
    /// that need a waiter to be really blocked before they act, as a test with real threads
    /// would sleep for a while.
    pub fn until_someone_sleeps() {
        while KERNEL.table.lock().unwrap().sleepers.is_empty() {
            loom::thread::yield_now();
        }
    }

    fn wake(word: *const AtomicU32, mut n: usize) {
        let mut table = KERNEL.table.lock().unwrap();
        let key = word as usize;
        let mut i = 0;
        while n > 0 && i < table.sleepers.len() {
            if table.sleepers[i].0 == key {
                let (_, ticket) = table.sleepers.remove(i);
                table.woken.push(ticket);
                n -= 1;
            } else {
                i += 1;
            }
        }
        drop(table);
        KERNEL.changed.notify_all();
    }
}

impl LoomFutex {
    /// Sleeps on `word` while it holds `expected` until woken, or, if `timed`, until the timer
    /// fires; returns `false` only for a timed wait ended by the timer.
    fn sleep(word: &AtomicU32, expected: u32, timed: bool) -> bool {
        let mut table = KERNEL.table.lock().unwrap();
        // Relaxed, as the kernel's own read: a waker's store happens-before its `wake_*`, whose
        // lock acquisition orders it before this load whenever the wake comes first.
        if word.load(Ordering::Relaxed) != expected {
            return true;
        }
        if timed && table.timer_fired {
            return false;
        }
        let ticket = table.next_ticket;
        table.next_ticket += 1;
        table
            .sleepers
            .push((word as *const AtomicU32 as usize, ticket));
        while !table.woken.contains(&ticket) {
            if timed && table.timer_fired {
                table.sleepers.retain(|&(_, t)| t != ticket);
                return false;
            }
            table = KERNEL.changed.wait(table).unwrap();
        }
        table.woken.retain(|&t| t != ticket);
        true
    }

    /// Makes every deadline pass: timed sleepers return `false`, and [`LoomClock`] jumps ahead.
    /// A model thread calls it to let loom place "the deadline passes" anywhere in a schedule.
    pub fn fire_timer() {
        KERNEL.table.lock().unwrap().timer_fired = true;
        KERNEL.changed.notify_all();
    }
}

/// The clock of [`LoomFutex`]'s timed waits: stopped at zero until [`LoomFutex::fire_timer`],
/// then a day further on at every reading, so every deadline, even one set after the timer
/// fired, passes by the next reading.
pub struct LoomClock;

impl Clock for LoomClock {
    fn now() -> Duration {
        let mut table = KERNEL.table.lock().unwrap();
        if !table.timer_fired {
            return Duration::ZERO;
        }
        table.ticks += 1;
        Duration::from_secs(86_400 * table.ticks)
    }
}

impl WaitTimeout for LoomFutex {
    type Clock = LoomClock;

    fn wait_timeout(word: &AtomicU32, expected: u32, _timeout: Duration) -> bool {
        Self::sleep(word, expected, true)
    }
}

impl Wait for LoomFutex {
    fn wait(word: &AtomicU32, expected: u32) {
        Self::sleep(word, expected, false);
    }

    fn wake_one(word: *const AtomicU32) {
        Self::wake(word, 1);
    }

    fn wake_all(word: *const AtomicU32) {
        Self::wake(word, usize::MAX);
    }
}

// SAFETY: each loom thread of an execution has its own `ThreadId`, and its place in `SEEN` (plus
// one) is fixed once seen: distinct for distinct threads, never 0. The list is std's (not loom's)
// and only grows, so an id stays the same across executions, which loom runs one at a time.
unsafe impl ContextId for LoomFutex {
    fn current() -> core::num::NonZeroUsize {
        static SEEN: std::sync::Mutex<Vec<loom::thread::ThreadId>> =
            std::sync::Mutex::new(Vec::new());
        let me = loom::thread::current().id();
        let mut seen = SEEN.lock().unwrap();
        let index = match seen.iter().position(|&id| id == me) {
            Some(index) => index,
            None => {
                seen.push(me);
                seen.len() - 1
            }
        };
        core::num::NonZeroUsize::new(index + 1).unwrap()
    }
}

/// Every primitive and queue bound to [`LoomFutex`].
pub mod futex_sync {
    baresync::backend_aliases!(super::LoomFutex, context);
}

/// Runs `f` under loom with at most `preemptions` preemptions per execution, unless
/// `LOOM_MAX_PREEMPTIONS` says otherwise.
///
/// With `LOOM_LOG` set (e.g. `LOOM_LOG=trace LOOM_LOCATION=1`, plus `--nocapture`), runs through
/// `loom::model`, which prints the trace of the failing execution; set `LOOM_MAX_PREEMPTIONS`
/// then, since the default above is not applied.
pub fn model<F>(preemptions: usize, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    if std::env::var_os("LOOM_LOG").is_some() {
        return loom::model(f);
    }
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.check(f);
}

/// A value shared between model threads whose accesses loom checks for data races: a write in
/// one thread and a read in another must be ordered by the primitive under test.
pub struct Data(loom::cell::UnsafeCell<u32>);

// SAFETY: every access goes through `get`/`set`, which loom checks; a racy access fails the model.
unsafe impl Sync for Data {}

impl Data {
    pub fn new(value: u32) -> Self {
        Self(loom::cell::UnsafeCell::new(value))
    }

    pub fn get(&self) -> u32 {
        // SAFETY: a plain read; loom panics if it races with a write.
        self.0.with(|p| unsafe { *p })
    }

    pub fn set(&self, value: u32) {
        // SAFETY: a plain write; loom panics if it races with another access.
        self.0.with_mut(|p| unsafe { *p = value })
    }
}
