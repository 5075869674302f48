//! The blocking verbs of every queue, written once over the queue's two attempts.
//!
//! A queue supplies [`Attempts`]: one non-blocking push attempt, one non-blocking pop attempt,
//! and the eventcount of each direction. [`push_until`] and [`pop_until`] are then the whole
//! blocking side: the eventcount's wait loop, which makes the attempt at once and re-tries it
//! after every possible change until it succeeds, the queue is closed, or the [`Limit`]
//! expires. Each queue's four public verbs are
//! one-liners over them: `try_push` is the attempt, `push` and `push_timeout` are `push_until`
//! with [`Forever`](crate::wait::Forever) and with a deadline (likewise for popping).

use super::eventcount::EventCount;
use super::{PopTimeoutError, PushTimeoutError, TryPopError, TryPushError};
use crate::wait::{Limit, Wait};

/// What the blocking verbs need from a queue.
///
/// `LIGHT_PUBLISHERS` is the kind of its eventcounts (see [`EventCount`]): `true` when the
/// attempts publish with [`EventCount::publish_ordering`] (a store the waiter may have to fence for).
pub(crate) trait Attempts<const LIGHT_PUBLISHERS: bool> {
    /// The queue's item.
    type Item;

    /// One push attempt. Never waits for another context's operation to finish.
    ///
    /// `recheck`: the attempt follows a waiter's announcement on [`not_full`](Self::not_full),
    /// so it must read the state it decides on as the eventcount contract requires. It is `true`
    /// in every attempt of the blocking verbs ([`push_until`], [`pop_until`]) and `false` in the
    /// `try_` verbs, so an attempt may also tell the two apart by it (`SpscQueue`'s pacing).
    fn push_attempt(&self, item: Self::Item, recheck: bool)
    -> Result<(), TryPushError<Self::Item>>;

    /// One pop attempt, as [`push_attempt`](Self::push_attempt).
    fn pop_attempt(&self, recheck: bool) -> Result<Self::Item, TryPopError>;

    /// Where pushers wait while the queue is full; notified by every pop and by `close`.
    fn not_full(&self) -> &EventCount<LIGHT_PUBLISHERS>;

    /// Where poppers wait while the queue is empty; notified by every push and by `close`.
    fn not_empty(&self) -> &EventCount<LIGHT_PUBLISHERS>;
}

/// Pushes `item`, waiting while the queue is full, until `limit` expires.
///
/// Every attempt, the first included, is a re-check in the sense of the eventcount contract
/// (`recheck == true`): one attempt site keeps the blocking verbs small, and the `SeqCst` loads it
/// asks for cost nothing on x86 and one barrier on Arm next to the system call a wait may make.
#[inline]
pub(crate) fn push_until<W, L, Q, const LIGHT_PUBLISHERS: bool>(
    queue: &Q,
    item: Q::Item,
    limit: &L,
) -> Result<(), PushTimeoutError<Q::Item>>
where
    W: Wait,
    L: Limit<W>,
    Q: Attempts<LIGHT_PUBLISHERS>,
{
    queue
        .not_full()
        .block_until::<W, L, _, _>(item, limit, |item| match queue.push_attempt(item, true) {
            Ok(()) => Ok(Ok(())),
            Err(TryPushError::Closed(item)) => Ok(Err(PushTimeoutError::Closed(item))),
            Err(TryPushError::Full(item)) => Err(item),
        })
        .unwrap_or_else(|item| Err(PushTimeoutError::Timeout(item)))
}

/// Pops an item, waiting while the queue is empty, until `limit` expires; as [`push_until`].
#[inline]
pub(crate) fn pop_until<W, L, Q, const LIGHT_PUBLISHERS: bool>(
    queue: &Q,
    limit: &L,
) -> Result<Q::Item, PopTimeoutError>
where
    W: Wait,
    L: Limit<W>,
    Q: Attempts<LIGHT_PUBLISHERS>,
{
    queue
        .not_empty()
        .block_until::<W, L, _, _>((), limit, |()| match queue.pop_attempt(true) {
            Ok(item) => Ok(Ok(item)),
            Err(TryPopError::Closed) => Ok(Err(PopTimeoutError::Closed)),
            Err(TryPopError::Empty) => Err(()),
        })
        .unwrap_or(Err(PopTimeoutError::Timeout))
}
