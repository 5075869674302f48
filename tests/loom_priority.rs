//! loom models of `PriorityQueue`: the heap under the queue's lock with concurrent pushers (its
//! storage is the lock's checked cell), the blocking path through the queue's signals on an
//! emulated futex (a side left asleep is a loom deadlock), `close` racing with a blocked pop and
//! push, and `task_done`/`join`.
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_priority`
#![cfg(loom)]

#[path = "common/loom_futex.rs"]
mod loom_futex;
#[path = "common/loom_queues.rs"]
#[macro_use]
mod loom_queues;

use loom::sync::Arc;
use loom::thread;
use loom_futex::model;

/// A thread pushes 2 then 1 while the main thread pops once, then the rest drains. Catches heap
/// updates that escape the lock (loom reports a data race on the store), a pop that returns 1
/// while 2 is queued (1 is pushed after 2, so it can only be queued alongside it), and lost or
/// doubled items. (Two threads only: with `Spin`, a third thread spinning on the lock lets loom
/// alternate between spinners forever.)
#[test]
fn spin_push_races_with_pop() {
    model(3, || {
        let q = Arc::new(baresync::spin::PriorityQueue::<u32, 2>::new());
        let pusher = {
            let q = q.clone();
            thread::spawn(move || {
                q.try_push(2).unwrap();
                q.try_push(1).unwrap();
            })
        };
        let first = q.try_pop().ok();
        pusher.join().unwrap();
        let rest: Vec<u32> = std::iter::from_fn(|| q.try_pop().ok()).collect();
        match first {
            None => assert_eq!(rest, [2, 1], "greatest first"),
            Some(2) => assert_eq!(rest, [1]),
            Some(other) => panic!("popped {other} while 2 was queued"),
        }
    });
}

blocking_queue_models!(PriorityQueue);
