//! `Locked`: the engine of the lock-based queues (`PriorityQueue`, `LifoQueue`).
//!
//! A [`Store`] (a binary heap or a stack in a fixed array) lives under a [`StateLock`], next to a
//! closed flag. Every verb holds the lock for one bounded step: `O(log N)` comparisons and moves
//! for the heap, `O(1)` for the stack; never while sleeping. The lock is the crate's `Mutex` on
//! hosted targets and a critical section on bare metal, where the `try_` verbs must work in an
//! interrupt handler that preempted a holder (see `state_lock.rs`). Neither poisons: a panic in
//! `T::cmp` leaves the queue usable (the heap may then be out of order, but no item is lost or
//! duplicated: items are only ever moved).
//!
//! # Orderings
//!
//! The lock orders everything: a waiter's re-check takes the lock after announcing itself on an
//! eventcount, and a notifier notifies after unlocking, so (eventcount contract, case "under a
//! lock") no atomic here needs more than the lock's own Acquire/Release.

use core::time::Duration;

use super::blocking::{self, Attempts};
use super::eventcount::EventCount;
use super::state_lock::StateLock;
use super::tasks::Tasks;
use super::{Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError};
use crate::primitive::const_fn;
use crate::wait::{Deadline, Forever, Wait, WaitTimeout};

/// A fixed-capacity container with one insertion and one removal order.
pub(crate) trait Store {
    /// The element type.
    type Item;
    /// The capacity.
    const CAPACITY: usize;
    /// The number of items.
    fn len(&self) -> usize;
    /// Inserts `item`; the caller has checked that `len() < CAPACITY`. If user code (`T::cmp`)
    /// panics, the item is stored first: the store holds it when the panic unwinds.
    fn push(&mut self, item: Self::Item);
    /// Removes the next item in the store's order. If user code panics, the item is taken out
    /// first: the store no longer holds it, and it is dropped as the panic unwinds.
    fn pop(&mut self) -> Option<Self::Item>;
}

/// Calls its closure when dropped: on the unwinding path of a store operation whose user code
/// panicked (the normal path forgets it).
struct OnUnwind<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnUnwind<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// What the lock protects.
struct State<S> {
    store: S,
    /// Set once by `close`; pushes are refused from then on.
    closed: bool,
}

/// A store under a lock, with the two eventcounts and the task counter. See the module docs.
pub(crate) struct Locked<S, W> {
    state: StateLock<State<S>, W>,
    not_empty: EventCount<false>,
    not_full: EventCount<false>,
    tasks: Tasks,
}

impl<S, W> Locked<S, W> {
    const_fn! {
        /// An open queue over `store`.
        pub(crate) fn new(store: S) -> Self {
            Self {
                state: StateLock::new(State { store, closed: false }),
                not_empty: EventCount::new(),
                not_full: EventCount::new(),
                tasks: Tasks::new(),
            }
        }
    }
}

impl<S: Store, W: Wait> Attempts<false> for Locked<S, W> {
    type Item = S::Item;

    /// One push attempt; `recheck` needs nothing more, since the lock orders the re-check.
    fn push_attempt(&self, item: S::Item, _recheck: bool) -> Result<(), TryPushError<S::Item>> {
        self.state.with(|state| {
            if state.closed {
                return Err(TryPushError::Closed(item));
            }
            if state.store.len() >= S::CAPACITY {
                return Err(TryPushError::Full(item));
            }
            // Counted before the item is visible (it is, once we unlock), and before `push` can
            // panic in a user `cmp` with the item already stored (tasks.rs).
            self.tasks.add();
            // If `T::cmp` panics, the item is stored all the same (`Store::push`): poppers still
            // hear of it.
            let unwinding = OnUnwind(|| self.not_empty.notify::<W>());
            state.store.push(item);
            core::mem::forget(unwinding);
            Ok(())
        })?;
        self.not_empty.notify::<W>();
        Ok(())
    }

    /// One pop attempt; as `push_attempt`.
    fn pop_attempt(&self, _recheck: bool) -> Result<S::Item, TryPopError> {
        let item = self.state.with(|state| {
            // If `T::cmp` panics, the item has left the store and is dropped as the panic
            // unwinds (`Store::pop`): pushers hear of the free slot, and as no consumer will ever
            // finish that item, its task is finished here, or `join` would wait forever.
            let unwinding = OnUnwind(|| {
                self.not_full.notify::<W>();
                let _ = self.tasks.done::<W>();
            });
            let popped = state.store.pop();
            core::mem::forget(unwinding);
            match popped {
                Some(item) => Ok(item),
                None if state.closed => Err(TryPopError::Closed),
                None => Err(TryPopError::Empty),
            }
        })?;
        self.not_full.notify::<W>();
        Ok(item)
    }

    #[inline]
    fn not_full(&self) -> &EventCount<false> {
        &self.not_full
    }

    #[inline]
    fn not_empty(&self) -> &EventCount<false> {
        &self.not_empty
    }
}

impl<S: Store, W: Wait> Locked<S, W> {
    pub(crate) fn try_push(&self, item: S::Item) -> Result<(), TryPushError<S::Item>> {
        self.push_attempt(item, false)
    }

    pub(crate) fn try_pop(&self) -> Result<S::Item, TryPopError> {
        self.pop_attempt(false)
    }

    pub(crate) fn push(&self, item: S::Item) -> Result<(), Closed<S::Item>> {
        blocking::push_until::<W, _, _, false>(self, item, &Forever)
            .map_err(|e| Closed(e.into_inner()))
    }

    pub(crate) fn pop(&self) -> Result<S::Item, Closed> {
        blocking::pop_until::<W, _, _, false>(self, &Forever).map_err(|_| Closed(()))
    }

    pub(crate) fn close(&self) {
        self.state.with(|state| state.closed = true);
        self.not_empty.notify::<W>();
        self.not_full.notify::<W>();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.with(|state| state.closed)
    }

    pub(crate) fn len(&self) -> usize {
        self.state.with(|state| state.store.len())
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        self.tasks.done::<W>()
    }

    pub(crate) fn join(&self) {
        self.tasks.join_until::<W, _>(&Forever);
    }
}

impl<S: Store, W: WaitTimeout> Locked<S, W> {
    pub(crate) fn push_timeout(
        &self,
        item: S::Item,
        timeout: Duration,
    ) -> Result<(), PushTimeoutError<S::Item>> {
        blocking::push_until::<W, _, _, false>(self, item, &Deadline::<W::Clock>::after(timeout))
    }

    pub(crate) fn pop_timeout(&self, timeout: Duration) -> Result<S::Item, PopTimeoutError> {
        blocking::pop_until::<W, _, _, false>(self, &Deadline::<W::Clock>::after(timeout))
    }

    pub(crate) fn join_timeout(&self, timeout: Duration) -> bool {
        self.tasks
            .join_until::<W, _>(&Deadline::<W::Clock>::after(timeout))
    }
}

/// Emits the public verbs of a lock-based queue `$queue<T, N, W>` (a wrapper with an `inner:
/// Locked<_, W>` field), with their documentation. `$bound` is the item bound (`Ord` for the
/// priority queue), `$next` says which item a pop takes.
macro_rules! locked_queue_api {
    ($queue:ident, [$($bound:tt)*], $next:literal) => {
        impl<T $($bound)*, const N: usize, W: $crate::wait::Wait> $queue<T, N, W> {
            #[doc = concat!("Pushes `item` if there is room, without blocking on the queue's state.

Takes the queue's short internal lock. On bare metal that lock is a critical section, so the
call never waits and may run in an interrupt handler; on hosted targets it may wait for a thread
that holds the lock (see the module docs of [`queue`](crate::queue)). A successful push adds an
unfinished task.

# Errors

[`TryPushError::Full`](crate::TryPushError::Full) with the item when `N` items are queued,
[`TryPushError::Closed`](crate::TryPushError::Closed) with the item when the queue is closed,
whether full or not.

# Examples

```
use baresync::TryPushError;

let q: baresync::", stringify!($queue), "<u8, 1> = baresync::", stringify!($queue), "::new();
assert_eq!(q.try_push(1), Ok(()));
assert_eq!(q.try_push(2), Err(TryPushError::Full(2)));
```")]
            #[inline]
            pub fn try_push(&self, item: T) -> Result<(), $crate::TryPushError<T>> {
                self.inner.try_push(item)
            }

            #[doc = concat!("Pops ", $next, " if there is one, without blocking on the queue's state.

Takes the queue's short internal lock: a critical section on bare metal, where it may run in an
interrupt handler, as [`try_push`](Self::try_push).

# Errors

[`TryPopError::Empty`](crate::TryPopError::Empty) when the queue is empty,
[`TryPopError::Closed`](crate::TryPopError::Closed) when it is closed and drained.

# Examples

```
use baresync::TryPopError;

let q: baresync::", stringify!($queue), "<u8, 2> = baresync::", stringify!($queue), "::new();
assert_eq!(q.try_pop(), Err(TryPopError::Empty));
q.try_push(4).unwrap();
assert_eq!(q.try_pop(), Ok(4));
```")]
            #[inline]
            pub fn try_pop(&self) -> Result<T, $crate::TryPopError> {
                self.inner.try_pop()
            }

            #[doc = concat!("Pushes `item`, blocking while the queue is full.

Blocks: not for interrupt handlers. A successful push adds an unfinished task.

# Errors

[`Closed`](crate::Closed) with the item when the queue is closed, before or while waiting.

# Examples

```
static Q: baresync::", stringify!($queue), "<u32, 1> = baresync::", stringify!($queue), "::new();
std::thread::scope(|s| {
    s.spawn(|| {
        for i in 0..10 {
            Q.push(i).unwrap(); // waits for the consumer each time
        }
    });
    for i in 0..10 {
        assert_eq!(Q.pop(), Ok(i));
    }
});
```")]
            pub fn push(&self, item: T) -> Result<(), $crate::Closed<T>> {
                self.inner.push(item)
            }

            #[doc = concat!("Pops ", $next, ", blocking while the queue is empty.

Blocks: not for interrupt handlers.

# Errors

[`Closed`](crate::Closed) once the queue is closed and drained.

# Examples

```
static Q: baresync::", stringify!($queue), "<&str, 2> = baresync::", stringify!($queue), "::new();
std::thread::scope(|s| {
    s.spawn(|| Q.push(\"ping\").unwrap());
    assert_eq!(Q.pop(), Ok(\"ping\"));
});
```")]
            pub fn pop(&self) -> Result<T, $crate::Closed> {
                self.inner.pop()
            }

            #[doc = concat!("Closes the queue: later pushes fail and hand their item back, queued items can
still be popped, and every blocked caller wakes.

Takes the internal lock, as [`try_push`](Self::try_push).

# Examples

```
let q: baresync::", stringify!($queue), "<u8, 2> = baresync::", stringify!($queue), "::new();
q.push(1).unwrap();
q.close();
assert!(q.push(2).is_err());
assert_eq!(q.pop(), Ok(1));
assert!(q.pop().is_err());
```")]
            pub fn close(&self) {
                self.inner.close();
            }

            #[doc = concat!("Whether the queue has been closed. Takes the internal lock.

# Examples

```
let q: baresync::", stringify!($queue), "<u8, 2> = baresync::", stringify!($queue), "::new();
q.close();
assert!(q.is_closed());
```")]
            pub fn is_closed(&self) -> bool {
                self.inner.is_closed()
            }

            #[doc = concat!("The number of queued items (a snapshot). Takes the internal lock.

# Examples

```
let q: baresync::", stringify!($queue), "<u8, 2> = baresync::", stringify!($queue), "::new();
q.push(1).unwrap();
assert_eq!(q.len(), 1);
```")]
            pub fn len(&self) -> usize {
                self.inner.len()
            }

            #[doc = concat!("Marks one pushed item's task finished (Python's `Queue.task_done`).

Usually called by the consumer after processing a popped item; any thread may call it.
Non-blocking (no lock); wakes joiners when the last task finishes.

# Errors

[`TaskDoneError`](crate::TaskDoneError) when called more times than items were pushed; the
count stays at zero.

# Examples

```
let q: baresync::", stringify!($queue), "<u8, 2> = baresync::", stringify!($queue), "::new();
q.push(1).unwrap();
q.pop().unwrap();
assert!(q.task_done().is_ok());
assert!(q.task_done().is_err());
```")]
            pub fn task_done(&self) -> Result<(), $crate::TaskDoneError> {
                self.inner.task_done()
            }

            #[doc = concat!("Blocks until every pushed item has been marked done with
[`task_done`](Self::task_done).

Returns at once when no task is unfinished. Blocks: not for interrupt handlers.

# Examples

```
static Q: baresync::", stringify!($queue), "<u32, 4> = baresync::", stringify!($queue), "::new();
std::thread::scope(|s| {
    s.spawn(|| {
        while let Ok(_job) = Q.pop() {
            Q.task_done().unwrap();
        }
    });
    for job in 0..20 {
        Q.push(job).unwrap();
    }
    Q.join(); // all 20 jobs processed
    Q.close();
});
```")]
            pub fn join(&self) {
                self.inner.join();
            }
        }

        impl<T $($bound)*, const N: usize, W: $crate::wait::WaitTimeout> $queue<T, N, W> {
            #[doc = concat!("Pushes `item`, blocking while the queue is full, for at most `timeout`.

A zero timeout behaves as [`try_push`](Self::try_push) (with `Timeout` for `Full`);
`Duration::MAX` waits as long as the platform can. Only backends with a clock have it.
Blocks: not for interrupt handlers.

# Errors

[`PushTimeoutError::Timeout`](crate::PushTimeoutError::Timeout) with the item if the queue stayed
full, [`PushTimeoutError::Closed`](crate::PushTimeoutError::Closed) with the item if it is or
becomes closed.

# Examples

```
use std::time::Duration;

let q: baresync::", stringify!($queue), "<u8, 1> = baresync::", stringify!($queue), "::new();
q.push_timeout(1, Duration::from_millis(10)).unwrap();
assert!(q.push_timeout(2, Duration::from_millis(10)).unwrap_err().is_timeout());
```")]
            pub fn push_timeout(
                &self,
                item: T,
                timeout: core::time::Duration,
            ) -> Result<(), $crate::PushTimeoutError<T>> {
                self.inner.push_timeout(item, timeout)
            }

            #[doc = concat!("Pops ", $next, ", blocking while the queue is empty, for at most `timeout`.

A zero timeout behaves as [`try_pop`](Self::try_pop); `Duration::MAX` waits as long as the
platform can. Only backends with a clock have it. Blocks: not for interrupt handlers.

# Errors

[`PopTimeoutError::Timeout`](crate::PopTimeoutError::Timeout) if no item came in time,
[`PopTimeoutError::Closed`](crate::PopTimeoutError::Closed) once the queue is closed and drained.

# Examples

```
use baresync::PopTimeoutError;
use std::time::Duration;

let q: baresync::", stringify!($queue), "<u8, 1> = baresync::", stringify!($queue), "::new();
assert_eq!(q.pop_timeout(Duration::from_millis(5)), Err(PopTimeoutError::Timeout));
```")]
            pub fn pop_timeout(
                &self,
                timeout: core::time::Duration,
            ) -> Result<T, $crate::PopTimeoutError> {
                self.inner.pop_timeout(timeout)
            }

            #[doc = concat!("Blocks until every task is done or `timeout` has passed; `true` when none is left.

Only backends with a clock have it. Blocks: not for interrupt handlers.

# Examples

```
use std::time::Duration;

let q: baresync::", stringify!($queue), "<u8, 1> = baresync::", stringify!($queue), "::new();
q.push(1).unwrap();
assert!(!q.join_timeout(Duration::from_millis(5)), \"one task unfinished\");
q.task_done().unwrap();
assert!(q.join_timeout(Duration::from_millis(5)));
```")]
            pub fn join_timeout(&self, timeout: core::time::Duration) -> bool {
                self.inner.join_timeout(timeout)
            }
        }

        impl<T $($bound)*, const N: usize, W: $crate::wait::Wait> core::fmt::Debug for $queue<T, N, W> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($queue))
                    .field("len", &self.len())
                    .field("capacity", &N)
                    .field("closed", &self.is_closed())
                    .finish_non_exhaustive()
            }
        }

        impl<T, const N: usize, W> Default for $queue<T, N, W> {
            fn default() -> Self {
                Self::new()
            }
        }

        queue_accessors!($queue, [$($bound)*], [: $crate::wait::Wait]);
    };
}
pub(crate) use locked_queue_api;
