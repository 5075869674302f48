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
//! | [`MpmcQueue`](crate::generic::MpmcQueue) | FIFO | any / any | lock-free with compare-and-swap; never waits for a preempted operation | `try_push`, `try_pop`, `close`, `task_done`, `len`...: yes; blocking verbs, `join`: no |
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
