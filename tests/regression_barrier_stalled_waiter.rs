//! Regression (issue 17, defect 3): a `Barrier` waiter that stalls (preempted, descheduled, in a
//! debugger) while other threads use the barrier must still return as completed when it runs
//! again. Before the fix, the barrier told generations apart by a 13-bit number: a waiter that
//! missed 8192 generations saw "its" generation again and slept forever.
//!
//! The stall is a legal backend, not a sleep: [`Stalling`] parks one chosen thread inside `wait`
//! until the test releases it, which the `Wait` contract allows (a waiter may come back late).
//! Two other threads then run as many rounds as the barrier lets them, which is all of them with
//! a generation counter and none with a barrier that holds the next generation until the last
//! waiter has left: the test releases the stalled waiter once the others have finished or are
//! both blocked in the backend, so it works (and is deterministic) for either design.

mod common;

use std::sync::mpsc;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use baresync::wait::{AtomicU32, Wait};
use common::timing::{LONG, eventually};
use core::sync::atomic::Ordering;

/// The emulated kernel: an address-keyed wait table, and the one thread the test stalls.
struct Table {
    /// Callers blocked in `wait` that no `wake_*` has woken yet: (address, ticket).
    sleepers: Vec<(usize, u64)>,
    /// Tickets woken whose caller has not returned yet.
    woken: Vec<u64>,
    next_ticket: u64,
    /// The thread whose next `wait` parks until [`Stalling::release`].
    stalled: Option<ThreadId>,
    /// Whether that thread is parked now.
    parked: bool,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    sleepers: Vec::new(),
    woken: Vec::new(),
    next_ticket: 0,
    stalled: None,
    parked: false,
});
static CHANGED: Condvar = Condvar::new();

fn table() -> MutexGuard<'static, Table> {
    TABLE.lock().unwrap()
}

/// A futex emulated with std's `Mutex` and `Condvar` (no spurious returns), except for one
/// chosen thread, whose next `wait` parks until the test releases it, whatever the word holds
/// and whoever wakes it.
struct Stalling;

impl Stalling {
    /// Stalls the calling thread's next `wait`.
    fn stall_this_thread() {
        table().stalled = Some(thread::current().id());
    }

    fn parked() -> bool {
        table().parked
    }

    /// Ends the stall: the parked thread returns from `wait`.
    fn release() {
        table().stalled = None;
        CHANGED.notify_all();
    }

    /// How many callers are blocked in `wait` and not woken: each stays blocked until someone
    /// calls `wake_*`.
    fn blocked() -> usize {
        table().sleepers.len()
    }
}

impl Wait for Stalling {
    fn wait(word: &AtomicU32, expected: u32) {
        let mut table = table();
        if table.stalled == Some(thread::current().id()) {
            table.parked = true;
            while table.stalled.is_some() {
                table = CHANGED.wait(table).unwrap();
            }
            table.parked = false;
            return;
        }
        // Relaxed, as a kernel's own read: a waker changes the word before its `wake_*`, which
        // takes this lock, so a wake that comes first is ordered before this load.
        if word.load(Ordering::Relaxed) != expected {
            return;
        }
        let ticket = table.next_ticket;
        table.next_ticket += 1;
        table
            .sleepers
            .push((word as *const AtomicU32 as usize, ticket));
        while !table.woken.contains(&ticket) {
            table = CHANGED.wait(table).unwrap();
        }
        table.woken.retain(|&t| t != ticket);
    }

    fn wake_one(word: *const AtomicU32) {
        // "At least one": waking every sleeper on the address is allowed.
        Self::wake_all(word);
    }

    fn wake_all(word: *const AtomicU32) {
        let mut table = table();
        let key = word as usize;
        let (woken, asleep): (Vec<_>, Vec<_>) = table.sleepers.iter().partition(|s| s.0 == key);
        table.sleepers = asleep;
        table
            .woken
            .extend(woken.into_iter().map(|(_, ticket)| ticket));
        drop(table);
        CHANGED.notify_all();
    }
}

mod stalling {
    baresync::backend_aliases!(super::Stalling);
}

/// Generations completed while the waiter is stalled, its own included: exactly enough to bring
/// a 13-bit generation number back to the stalled waiter's.
const GENERATIONS: usize = 1 << 13;

#[test]
fn stalled_waiter_returns_as_completed_after_8192_rounds() {
    static BARRIER: stalling::Barrier = stalling::Barrier::new(2);

    let (sent, stalled_result) = mpsc::channel();
    thread::spawn(move || {
        Stalling::stall_this_thread();
        let _ = sent.send(BARRIER.checked_wait());
    });
    assert!(
        eventually(Stalling::parked),
        "the first waiter never reached the backend"
    );
    assert_eq!(BARRIER.n_waiting(), 1, "the stalled waiter is counted in");

    // The first of the two others completes the stalled waiter's generation, then blocks in its
    // second wait (for a partner, or until the stalled waiter has left); only then does the
    // second start, so the waits pair up exactly: GENERATIONS + (GENERATIONS - 1) after the
    // stalled waiter's one. Were the second to take the stalled waiter's generation instead, the
    // first would be left with one wait nobody pairs.
    let spawn_other = |waits: usize| {
        thread::spawn(move || {
            let mut leaders = 0;
            for _ in 0..waits {
                let result = BARRIER.checked_wait().expect("nobody breaks this barrier");
                leaders += usize::from(result.is_leader());
            }
            leaders
        })
    };
    let first = spawn_other(GENERATIONS);
    assert!(
        eventually(|| Stalling::blocked() == 1),
        "the first of the others never completed the stalled waiter's generation and blocked"
    );
    let others = [first, spawn_other(GENERATIONS - 1)];

    // Run the others as far as the barrier lets them: to the end, or until both are blocked.
    let deadline = Instant::now() + LONG;
    while !(others.iter().all(|t| t.is_finished()) || Stalling::blocked() == 2) {
        assert!(
            Instant::now() < deadline,
            "the other threads neither finished nor blocked"
        );
        thread::sleep(Duration::from_millis(1));
    }

    Stalling::release();
    let result = stalled_result
        .recv_timeout(LONG)
        .expect("the stalled waiter never returned: it took a later generation for its own");
    let result = result.expect("the stalled waiter's generation completed; it was not broken");
    assert!(!result.is_leader(), "it arrived first, so it does not lead");

    let leaders: usize = others.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(
        leaders, GENERATIONS,
        "one leader per generation, none of them the stalled waiter"
    );
    assert_eq!(BARRIER.n_waiting(), 0);
    assert!(!BARRIER.is_broken());
}
