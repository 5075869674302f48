//! `LifoQueue`: a bounded stack (Python's `queue.LifoQueue`).
//!
//! A fixed array under the queue's short lock (see `locked.rs`): push and pop are `O(1)` inside
//! the critical section.

use heapless::Vec;

use super::locked::{Locked, Store, locked_queue_api};
use crate::primitive::const_fn;

impl<T, const N: usize> Store for Vec<T, N> {
    type Item = T;
    const CAPACITY: usize = N;

    #[inline]
    fn len(&self) -> usize {
        self.as_slice().len()
    }

    #[inline]
    fn push(&mut self, item: T) {
        if Vec::push(self, item).is_err() {
            unreachable!("Locked checks for room before pushing");
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<T> {
        Vec::pop(self)
    }
}

/// A bounded last-in, first-out queue (Python's `queue.LifoQueue`) holding exactly `N` items.
///
/// Any number of threads push and pop; a pop takes the most recently pushed item. The items live
/// in a fixed array under a short internal lock: a critical section on bare metal, where the
/// non-blocking verbs never wait and may run in interrupt handlers; the crate's `Mutex` on hosted
/// targets.
///
/// As in Python, every successful push adds an unfinished task; [`task_done`](Self::task_done)
/// marks one finished and [`join`](Self::join) waits until none is left.
///
/// `N == 0` is rejected at compile time.
///
/// # Examples
///
/// ```
/// use baresync::LifoQueue;
///
/// static STACK: LifoQueue<u32, 8> = LifoQueue::new();
///
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         for i in 1..=3 {
///             STACK.push(i).unwrap();
///         }
///     });
/// });
/// assert_eq!(STACK.pop(), Ok(3));
/// assert_eq!(STACK.pop(), Ok(2));
/// assert_eq!(STACK.pop(), Ok(1));
/// ```
pub struct LifoQueue<T, const N: usize, W> {
    inner: Locked<Vec<T, N>, W>,
}

impl<T, const N: usize, W> LifoQueue<T, N, W> {
    const_fn! {
        /// Creates an empty, open queue.
        ///
        /// # Panics
        ///
        /// Never at run time: `N == 0` is a compile-time error.
        ///
        /// # Examples
        ///
        /// ```
        /// static Q: baresync::LifoQueue<u32, 16> = baresync::LifoQueue::new();
        /// assert_eq!(Q.capacity(), 16);
        /// ```
        pub fn new() -> Self {
            const { assert!(N > 0, "a baresync queue needs a capacity N of at least 1") };
            Self {
                inner: Locked::new(Vec::new()),
            }
        }
    }
}

locked_queue_api!(LifoQueue, [], "the most recently pushed item");
