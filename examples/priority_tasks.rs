//! Tasks come out of a `PriorityQueue` highest priority first, equal priorities in submission order.
//!
//! Ports Python's `queue.PriorityQueue` task pattern:
//!
//! ```text
//! tasks = queue.PriorityQueue()
//! tasks.put((priority, counter, name))     # Python pops the LOWEST first and needs a counter
//! def worker():                            # to keep equal priorities in order
//!     while True:
//!         priority, _, name = tasks.get(); run(name); tasks.task_done()
//! tasks.join()
//! ```
//!
//! baresync's `PriorityQueue` pops the *greatest* item first (as `std::collections::BinaryHeap`
//! does) and keeps equal items in push order by itself, so no counter is needed. For Python's
//! lowest-first order, push `core::cmp::Reverse(item)`: the second part of the example does.
//!
//! Checked: the exact order in which the worker ran the tasks (priority 5, 3, 2, 1; equal
//! priorities in submission order, even though `Task` compares by priority only); `join` returned
//! after every task was done; the `Reverse` queue pops the smallest deadline first.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::PriorityQueue;
use core::cmp::{Ordering, Reverse};

/// A task, ordered by its priority only: tasks of equal priority compare equal.
#[derive(Debug, Clone, Copy)]
struct Task {
    priority: u8,
    name: &'static str,
}

impl PartialEq for Task {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority
    }
}
impl Eq for Task {}
impl PartialOrd for Task {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Task {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority.cmp(&other.priority)
    }
}

/// Tasks in submission order.
const SUBMITTED: [Task; 8] = [
    Task {
        priority: 2,
        name: "write report",
    },
    Task {
        priority: 5,
        name: "fix outage",
    },
    Task {
        priority: 1,
        name: "water plants",
    },
    Task {
        priority: 5,
        name: "page on-call",
    },
    Task {
        priority: 3,
        name: "review patch",
    },
    Task {
        priority: 2,
        name: "answer email",
    },
    Task {
        priority: 5,
        name: "roll back deploy",
    },
    Task {
        priority: 1,
        name: "tidy desk",
    },
];

/// The order they must run in: highest priority first, ties in submission order.
const EXPECTED: [&str; 8] = [
    "fix outage",
    "page on-call",
    "roll back deploy",
    "review patch",
    "write report",
    "answer email",
    "water plants",
    "tidy desk",
];

static TASKS: PriorityQueue<Task, 8> = PriorityQueue::new();
/// Lowest first through `Reverse`: deadlines in milliseconds.
static DEADLINES: PriorityQueue<Reverse<u32>, 8> = PriorityQueue::new();

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;

    // Submit everything first, so that the order of execution is fully determined.
    for task in SUBMITTED {
        TASKS.push(task).expect("the queue is open");
        println!("submitted: priority {} {:?}", task.priority, task.name);
    }

    let ran = thread::scope(|s| {
        let worker = s.spawn(|| {
            let mut ran = Vec::new();
            while let Ok(task) = TASKS.pop() {
                println!("worker: running priority {} {:?}", task.priority, task.name);
                ran.push(task.name);
                TASKS.task_done().expect("one task_done per task");
            }
            ran
        });
        TASKS.join();
        println!("main: join() returned, every task is done");
        assert!(TASKS.is_empty());
        TASKS.close();
        worker.join().unwrap()
    });
    assert_eq!(ran, EXPECTED, "tasks ran in the wrong order");

    // Lowest first: wrap the items in `Reverse`.
    for deadline in [300, 50, 120, 50, 900] {
        DEADLINES
            .push(Reverse(deadline))
            .expect("the queue is open");
    }
    let mut soonest_first = Vec::new();
    while let Ok(Reverse(deadline)) = DEADLINES.try_pop() {
        soonest_first.push(deadline);
    }
    println!("deadlines, soonest first via Reverse: {soonest_first:?}");
    assert_eq!(soonest_first, [50, 50, 120, 300, 900]);

    println!("ok: highest priority first, equal priorities in submission order");
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
