//! Fixed-capacity queues and their errors.
//!
//! Every queue holds exactly `N` items (any `N >= 1`; `N == 0` is a compile-time error), never
//! allocates, has a `const fn new()` so it can live in a `static`, and offers the same verbs:
//! `try_push`/`try_pop` (never wait for the queue's state), `push`/`pop` (block),
//! `push_timeout`/`pop_timeout` (block for a bounded time; only on backends with a clock),
//! `close`, `is_closed`, `len`, `is_empty`, `is_full`, `capacity`. `MpmcQueue`,
//! `PriorityQueue` and `LifoQueue` add Python's `task_done`/`join` (and `join_timeout`).
//!
//! The types are named per backend: [`crate::SpscQueue`] (the default backend),
//! `baresync::spin::MpmcQueue`, ..., and generically in [`crate::generic`].
//!
//! | type | order | producers / consumers | progress of `try_` verbs | in an interrupt handler |
//! | --- | --- | --- | --- | --- |
//! | [`SpscQueue`](crate::generic::SpscQueue) | FIFO | one / one (split into `Producer` / `Consumer`) | wait-free | `try_push`, `try_pop`, `peek`, `close`, `len`...: yes; blocking verbs: no |
//! | [`MpmcQueue`](crate::generic::MpmcQueue) | FIFO | any / any | lock-free with compare-and-swap, and linearizable: never waits for a preempted operation, and answers `Empty` or `Full` only when the queue was empty or full at some instant of the call (see its docs for the one condition on `Full`) | `try_push`, `try_pop`, `close`, `task_done`, `len`...: yes; blocking verbs, `join`: no |
//! | [`PriorityQueue`](crate::generic::PriorityQueue) | greatest first; equal items in push order | any / any | short lock (`O(log N)` comparisons): a critical section on bare metal | bare metal: `try_push`, `try_pop`, `close`, `task_done`, `len`...: yes (interrupts masked for the lock's step); blocking verbs, `join`: no. Hosted: the lock is a `Mutex` |
//! | [`LifoQueue`](crate::generic::LifoQueue) | last in, first out | any / any | short lock (`O(1)`): a critical section on bare metal | as `PriorityQueue` |
//!
//! "Yes" for a non-blocking verb assumes the backend's `wake_all` may be called from the
//! handler: the verb calls it when a thread sleeps on the queue (always fine for `Spin`, whose
//! wake is a no-op; for `Hook`, register a wake that is interrupt-safe, as most RTOS "give from
//! ISR" calls are). A blocking verb in a handler that preempted the only context able to unblock
//! it deadlocks.
//!
//! # Closing
//!
//! [`close`](crate::generic::MpmcQueue::close) is Python's `Queue.shutdown()` (without
//! `immediate`): later pushes fail and hand their item back ([`TryPushError::Closed`],
//! [`Closed`]), items already queued are still popped, every blocked caller wakes, and `pop`
//! returns `Err(Closed)` only once the queue is closed *and* drained. A queue that is closed and
//! full reports `Closed`, without blocking. It replaces sentinel values for shutting consumers
//! down.
//!
//! A close from an `SpscQueue` producer is ordered after its pushes, so the consumer drains all of
//! them. A close from the consumer can race with a push in progress: that push may still
//! succeed after the consumer's last pop reported `Closed`, and its item then stays queued until
//! the queue is dropped (the consumer has said it is done; nothing it waits for is lost).
//!
//! # Task tracking
//!
//! `MpmcQueue`, `PriorityQueue` and `LifoQueue` count unfinished tasks as Python's `Queue` does:
//! each successful push adds one, `task_done()` marks one finished (whoever did the work may call
//! it), `join()` blocks until none is left, and `join_timeout(Duration) -> bool` does the same for
//! a bounded time (`true` when every task is done; Python has no such call). `task_done()` called
//! more times than items were pushed returns [`TaskDoneError`] (Python's `ValueError`) and the
//! count stays at zero. `PriorityQueue` and `LifoQueue` saturate the count at 2^30 unfinished
//! tasks; `MpmcQueue` derives it from its ring positions, so its pushes pay no counter. An item
//! that a `PriorityQueue` pop drops because `T::cmp` panicked counts as done.
//!
//! # Errors
//!
//! Exported here and at the crate root; each implements `Debug` (without `T: Debug`), `Display`
//! and `core::error::Error`, plus `Clone`, `Copy`, `Eq` and `Hash` where the payload allows.
//!
//! | error | returned by | variants |
//! | --- | --- | --- |
//! | [`TryPushError<T>`] | `try_push` | `Full(T)`, `Closed(T)` |
//! | [`TryPopError`] | `try_pop` | `Empty`, `Closed` (closed and drained) |
//! | [`Closed<T = ()>`](Closed) | `push` (`Closed<T>`, with the item), `pop` (`Closed`) | `Closed(pub T)` |
//! | [`PushTimeoutError<T>`] | `push_timeout` | `Timeout(T)`, `Closed(T)` |
//! | [`PopTimeoutError`] | `pop_timeout` | `Timeout`, `Closed` |
//! | [`TaskDoneError`] | `task_done` | a unit struct |
//!
//! # Items are never lost or duplicated
//!
//! Each pushed item is popped exactly once or dropped exactly once: items still queued are
//! dropped with the queue (a `static` queue is never dropped), and every error that was given an
//! item hands it back.
//!
//! # Blocking and waking
//!
//! Blocked callers sleep through the backend on an eventcount (one per direction). When nobody
//! sleeps, a push or pop costs one extra load and no wake call; when someone does, the change
//! wakes every sleeper of that direction, which re-check.

#[macro_use]
mod accessors;
mod blocking;
mod error;
mod eventcount;
pub(crate) mod lifo;
mod locked;
pub(crate) mod mpmc;
mod pad;
pub(crate) mod priority;
mod slots;
pub(crate) mod spsc;
mod state_lock;
mod storage;
mod tasks;

pub use error::{
    Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError,
};
