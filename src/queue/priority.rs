//! `PriorityQueue`: greatest item first, equal items in push order.
//!
//! A binary max-heap in a fixed array under the queue's short lock (see `locked.rs` for the lock
//! and why it is the crate's `Mutex`). Each item is stored with a sequence number taken at push
//! time, and the heap orders entries by `(item, Reverse(seq))`: among equal items the one pushed
//! first wins. Sequence numbers are distinct, so this is a strict total order and the pop order
//! is fully determined (a plain heap would return equal items in an arbitrary order, as Python's
//! `heapq` does unless the caller adds a counter itself).
//!
//! The sequence is a `u64`: at a billion pushes a second it wraps after 584 years.
//!
//! # References
//!
//! J. W. J. Williams, *Algorithm 232: Heapsort* (CACM, 1964); the stable-by-counter idiom from the
//! Python `heapq` documentation, "Priority Queue Implementation Notes".

use core::cmp::Ordering as CmpOrdering;

use heapless::binary_heap::{BinaryHeap, Max};

use super::locked::{Locked, Store, locked_queue_api};
use crate::primitive::const_fn;

/// A heap entry: the item and its push sequence number.
struct Entry<T> {
    item: T,
    seq: u64,
}

/// Greater pops first: the greater item, or among equal items the one pushed earlier (smaller
/// `seq`). Sequence numbers are distinct, so no two entries compare equal.
impl<T: Ord> Ord for Entry<T> {
    #[inline]
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.item
            .cmp(&other.item)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl<T: Ord> PartialOrd for Entry<T> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> PartialEq for Entry<T> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}

impl<T: Ord> Eq for Entry<T> {}

/// A binary max-heap of at most `N` entries: `heapless`'s, which moves a hole instead of
/// swapping (std's `BinaryHeap` algorithm, including the sift to the bottom on pop), and keeps
/// every item present exactly once if a user `cmp` panics mid-sift.
pub(crate) struct Heap<T, const N: usize> {
    entries: BinaryHeap<Entry<T>, Max, N>,
    next_seq: u64,
}

impl<T, const N: usize> Heap<T, N> {
    const fn new() -> Self {
        Self {
            entries: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<T: Ord, const N: usize> Store for Heap<T, N> {
    type Item = T;
    const CAPACITY: usize = N;

    #[inline]
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn push(&mut self, item: T) {
        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        if self.entries.push(Entry { item, seq }).is_err() {
            unreachable!("Locked checks for room before pushing");
        }
    }

    fn pop(&mut self) -> Option<T> {
        self.entries.pop().map(|entry| entry.item)
    }
}

/// A bounded priority queue: the greatest item pops first, and equal items pop in push order.
///
/// Any number of threads push and pop. For lowest-first, push [`core::cmp::Reverse`] items.
/// Items live in a binary heap in a fixed array of `N` entries under a short internal lock, so each
/// verb does `O(log N)` comparisons while holding it. On bare metal that lock is a critical
/// section: the non-blocking verbs never wait and may run in interrupt handlers (interrupts stay
/// masked for those comparisons). On hosted targets it is the crate's `Mutex`.
///
/// As in Python's `queue.PriorityQueue`, every successful push adds an unfinished task;
/// [`task_done`](Self::task_done) marks one finished and [`join`](Self::join) waits until none is
/// left. `T::cmp` runs under the lock: it must not use the same queue. If it panics, no item is
/// lost or dropped twice and the queue stays usable: a push's item is queued all the same; a pop's
/// item (the greatest) is dropped as the panic unwinds and its task is counted done; blocked
/// callers are woken either way.
///
/// `N == 0` is rejected at compile time.
///
/// # Examples
///
/// ```
/// use baresync::PriorityQueue;
///
/// static TASKS: PriorityQueue<(u8, &str), 8> = PriorityQueue::new();
///
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         TASKS.push((1, "low")).unwrap();
///         TASKS.push((9, "urgent")).unwrap();
///         TASKS.push((5, "normal")).unwrap();
///     })
///     .join()
///     .unwrap();
/// });
/// assert_eq!(TASKS.pop(), Ok((9, "urgent")));
/// assert_eq!(TASKS.pop(), Ok((5, "normal")));
/// assert_eq!(TASKS.pop(), Ok((1, "low")));
/// ```
///
/// Equal priorities come out in push order, whatever else happens in between:
///
/// ```
/// use core::cmp::Ordering;
///
/// /// A job ordered by its priority only.
/// #[derive(Debug)]
/// struct Job(u8, &'static str);
/// impl PartialEq for Job {
///     fn eq(&self, other: &Self) -> bool { self.0 == other.0 }
/// }
/// impl Eq for Job {}
/// impl PartialOrd for Job {
///     fn partial_cmp(&self, other: &Self) -> Option<Ordering> { Some(self.cmp(other)) }
/// }
/// impl Ord for Job {
///     fn cmp(&self, other: &Self) -> Ordering { self.0.cmp(&other.0) }
/// }
///
/// let q: baresync::PriorityQueue<Job, 4> = baresync::PriorityQueue::new();
/// q.push(Job(1, "first")).unwrap();
/// q.push(Job(2, "high")).unwrap();
/// q.push(Job(1, "second")).unwrap();
/// q.push(Job(1, "third")).unwrap();
/// let order: Vec<_> = (0..4).map(|_| q.pop().unwrap().1).collect();
/// assert_eq!(order, ["high", "first", "second", "third"]);
/// ```
pub struct PriorityQueue<T, const N: usize, W> {
    inner: Locked<Heap<T, N>, W>,
}

impl<T, const N: usize, W> PriorityQueue<T, N, W> {
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
        /// static Q: baresync::PriorityQueue<u32, 16> = baresync::PriorityQueue::new();
        /// assert_eq!(Q.capacity(), 16);
        /// ```
        pub fn new() -> Self {
            const { assert!(N > 0, "a baresync queue needs a capacity N of at least 1") };
            Self {
                inner: Locked::new(Heap::new()),
            }
        }
    }
}

locked_queue_api!(PriorityQueue, [: Ord], "the greatest item (the earliest pushed among equals)");

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Ordered by `key` only, so equal keys are distinguishable by `id`.
    #[derive(Debug, Clone, Copy)]
    struct Keyed {
        key: u8,
        id: u32,
    }
    impl PartialEq for Keyed {
        fn eq(&self, other: &Self) -> bool {
            self.key == other.key
        }
    }
    impl Eq for Keyed {}
    impl PartialOrd for Keyed {
        fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Keyed {
        fn cmp(&self, other: &Self) -> CmpOrdering {
            self.key.cmp(&other.key)
        }
    }

    #[test]
    fn heap_matches_a_stable_reference_model() {
        let mut heap: Heap<Keyed, 16> = Heap::new();
        let mut model: Vec<Keyed> = Vec::new();
        let mut rng = 0x2545_f491_u32;
        let mut next_id = 0;
        for _ in 0..5000 {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            if rng % 5 < 3 && heap.len() < 16 {
                let item = Keyed {
                    key: (rng >> 8) as u8 % 4,
                    id: next_id,
                };
                next_id += 1;
                heap.push(item);
                model.push(item);
            } else {
                // The model's answer: the greatest key, and among those the first pushed.
                let best = model
                    .iter()
                    .enumerate()
                    .max_by(|(ia, a), (ib, b)| a.key.cmp(&b.key).then(ib.cmp(ia)))
                    .map(|(i, _)| i);
                let expected = best.map(|i| model.remove(i));
                let got = heap.pop();
                assert_eq!(got.map(|k| (k.key, k.id)), expected.map(|k| (k.key, k.id)));
            }
        }
        assert!(next_id > 1000, "the model saw real traffic");
    }

    #[test]
    fn equal_items_use_the_sequence_number() {
        let mut heap: Heap<u8, 8> = Heap::new();
        for _ in 0..5 {
            heap.push(1);
        }
        // All items equal: pop order must follow seq, which we can observe on the entries.
        let mut last = None;
        while heap.len() > 0 {
            let top_seq = heap.entries.peek().map_or(u64::MAX, |top| top.seq);
            assert!(last.is_none_or(|l| l < top_seq), "seq must ascend");
            last = Some(top_seq);
            heap.pop();
        }
    }
}
