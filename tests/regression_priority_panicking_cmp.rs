//! Regression (issue 17, defect 4): a `PriorityQueue::pop` whose `T::cmp` panics freed a slot but
//! never notified the pushers waiting for one, and left the popped (and dropped) item's task
//! unfinished: a pusher blocked on the full queue slept forever and `join` never returned.
//!
//! Deterministic: the backend counts the callers inside its `wait`, so the test acts only once the
//! pusher is really blocked there; a pusher left asleep then fails the test after ten seconds.

use std::cell::Cell;
use std::cmp::Ordering as CmpOrdering;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

mod common;

use common::watched::{SLEEPING, sync as watched};

thread_local! {
    /// Comparisons this thread has left before `Touchy::cmp` panics (`usize::MAX`: never). Per
    /// thread: the woken pusher compares while the popping thread still has none left.
    static CMP_BUDGET: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// An item whose `cmp` panics once `CMP_BUDGET` runs out.
#[derive(Debug)]
struct Touchy(u32);
impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}
impl Eq for Touchy {}
impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        let left = CMP_BUDGET.get();
        assert!(left != 0, "cmp ran out of budget");
        if left != usize::MAX {
            CMP_BUDGET.set(left - 1);
        }
        self.0.cmp(&other.0)
    }
}

/// Polls `done` for up to ten seconds.
fn within_ten_seconds(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
    true
}

#[test]
fn a_pop_that_panics_in_cmp_wakes_pushers_and_finishes_its_task() {
    let queue = watched::PriorityQueue::<Touchy, 3>::new();
    for i in 0..3 {
        queue.try_push(Touchy(i)).unwrap();
    }
    thread::scope(|s| {
        let pusher = s.spawn(|| queue.push(Touchy(10)).is_ok());
        assert!(
            within_ten_seconds(|| SLEEPING.load(Ordering::SeqCst) == 1),
            "the pusher blocks on the full queue"
        );
        // The pop takes the greatest item out, then its sift panics: the item is dropped.
        CMP_BUDGET.set(0);
        let popped = catch_unwind(AssertUnwindSafe(|| queue.try_pop()));
        CMP_BUDGET.set(usize::MAX);
        assert!(popped.is_err(), "the pop panics in its sift");
        let woke = within_ten_seconds(|| pusher.is_finished());
        if !woke {
            // Let the scope end, then fail.
            queue.try_pop().unwrap();
            panic!("the pusher slept through the slot the panicking pop freed");
        }
        assert!(pusher.join().unwrap(), "the push went through");
    });
    // Three items are left (two of the first three, and the pusher's); each is processed.
    for _ in 0..3 {
        queue.try_pop().unwrap();
        queue.task_done().unwrap();
    }
    assert!(
        queue.join_timeout(Duration::from_secs(10)),
        "the dropped item's task was finished by the queue"
    );
    assert!(queue.task_done().is_err(), "and no task is counted twice");
}
