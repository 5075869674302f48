//! Model-based tests of the queues: random operation sequences (proptest) checked step by step
//! against a sequential reference (a `VecDeque` for FIFO, a `Vec` for LIFO, a stable binary heap
//! for priority), every verb included (`try_`, blocking when it cannot block, zero timeouts,
//! `close`, `task_done`, `join_timeout`, `len`...); and a linearizability check of concurrent
//! histories of `MpmcQueue`.

mod common;

use std::collections::VecDeque;
use std::sync::Barrier as StdBarrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use baresync::{
    Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError,
};
use common::items::Keyed;
use proptest::prelude::*;

/// The ids (`seq`) of a result's items, for comparisons that must not go through `Keyed`'s `Eq`.
fn id<E>(r: Result<Keyed, E>) -> Result<usize, E> {
    r.map(|k| k.seq)
}

/// One step of a sequence. Blocking verbs run only when the reference says they cannot block.
#[derive(Debug, Clone, Copy)]
enum Op {
    TryPush(u8),
    Push(u8),
    PushNoWait(u8),
    TryPop,
    Pop,
    PopNoWait,
    Close,
    TaskDone,
    JoinNoWait,
    /// SPSC only: `Consumer::peek`.
    Peek,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0u8..4).prop_map(Op::TryPush),
        2 => (0u8..4).prop_map(Op::Push),
        1 => (0u8..4).prop_map(Op::PushNoWait),
        4 => Just(Op::TryPop),
        2 => Just(Op::Pop),
        1 => Just(Op::PopNoWait),
        1 => Just(Op::TaskDone),
        1 => Just(Op::JoinNoWait),
        1 => Just(Op::Peek),
        // Rare, so most sequences run long open.
        1 => prop::bool::weighted(0.15).prop_map(|close| if close { Op::Close } else { Op::TryPop }),
    ];
    prop::collection::vec(op, 0..200)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The sequential references: the order a pop takes items in.
trait Reference: Default {
    fn push(&mut self, item: Keyed);
    fn pop(&mut self) -> Option<Keyed>;
    fn peek(&self) -> Option<Keyed>;
    fn len(&self) -> usize;
}

#[derive(Default)]
struct Fifo(VecDeque<Keyed>);
impl Reference for Fifo {
    fn push(&mut self, item: Keyed) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<Keyed> {
        self.0.pop_front()
    }
    fn peek(&self) -> Option<Keyed> {
        self.0.front().copied()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

#[derive(Default)]
struct Stack(Vec<Keyed>);
impl Reference for Stack {
    fn push(&mut self, item: Keyed) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<Keyed> {
        self.0.pop()
    }
    fn peek(&self) -> Option<Keyed> {
        self.0.last().copied()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// A stable max-heap: the greatest key first, the earliest pushed among equal keys (std's
/// `BinaryHeap` over `(key, Reverse(push number))`).
#[derive(Default)]
struct StableHeap {
    heap: std::collections::BinaryHeap<(u8, std::cmp::Reverse<u64>, usize)>,
    pushes: u64,
}
impl Reference for StableHeap {
    fn push(&mut self, item: Keyed) {
        self.heap
            .push((item.key, std::cmp::Reverse(self.pushes), item.seq));
        self.pushes += 1;
    }
    fn pop(&mut self) -> Option<Keyed> {
        self.heap.pop().map(|(key, _, seq)| Keyed {
            key,
            origin: 0,
            seq,
        })
    }
    fn peek(&self) -> Option<Keyed> {
        self.heap.peek().map(|&(key, _, seq)| Keyed {
            key,
            origin: 0,
            seq,
        })
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// The reference's whole state: items, closed flag, unfinished tasks.
#[derive(Default)]
struct Model<R> {
    items: R,
    closed: bool,
    unfinished: u32,
    next_id: usize,
}

impl<R: Reference> Model<R> {
    fn item(&mut self, key: u8) -> Keyed {
        self.next_id += 1;
        Keyed {
            key,
            origin: 0,
            seq: self.next_id,
        }
    }

    /// What a push of `item` does now: `Some(true)` accepted, `Some(false)` full, `None` closed.
    fn push(&mut self, item: Keyed, capacity: usize) -> Option<bool> {
        if self.closed {
            return None;
        }
        if self.items.len() == capacity {
            return Some(false);
        }
        self.items.push(item);
        self.unfinished += 1;
        Some(true)
    }

    /// What a pop does now: `Ok(item)`, `Err(true)` closed and drained, `Err(false)` empty.
    fn pop(&mut self) -> Result<Keyed, bool> {
        self.items.pop().ok_or(self.closed)
    }
}

/// Runs `ops` on a multi-producer queue type (`MpmcQueue`, `PriorityQueue`, `LifoQueue` on the
/// futex backend) and on the reference `R`, comparing every answer.
macro_rules! check_queue {
    ($queue:ty, $reference:ty, $ops:expr) => {{
        const N: usize = 3;
        let q = <$queue>::new();
        let mut m = Model::<$reference>::default();
        for op in $ops {
            match op {
                Op::TryPush(key) => {
                    let item = m.item(key);
                    let got = q.try_push(item);
                    match m.push(item, N) {
                        Some(true) => prop_assert!(got.is_ok()),
                        Some(false) => prop_assert!(
                            matches!(got, Err(TryPushError::Full(k)) if k.seq == item.seq)
                        ),
                        None => prop_assert!(
                            matches!(got, Err(TryPushError::Closed(k)) if k.seq == item.seq)
                        ),
                    }
                }
                Op::Push(key) => {
                    let item = m.item(key);
                    match m.push(item, N) {
                        Some(true) => prop_assert_eq!(q.push(item).map_err(|e| e.0.seq), Ok(())),
                        Some(false) => {} // would block: skipped (the reference undid nothing)
                        None => prop_assert_eq!(q.push(item).map_err(|e| e.0.seq), Err(item.seq)),
                    }
                }
                Op::PushNoWait(key) => {
                    let item = m.item(key);
                    let got = q.push_timeout(item, Duration::ZERO);
                    match m.push(item, N) {
                        Some(true) => prop_assert!(got.is_ok()),
                        Some(false) => prop_assert!(matches!(got, Err(PushTimeoutError::Timeout(k)) if k.seq == item.seq)),
                        None => prop_assert!(matches!(got, Err(PushTimeoutError::Closed(k)) if k.seq == item.seq)),
                    }
                }
                Op::TryPop | Op::Peek => {
                    let got = id(q.try_pop());
                    match m.pop() {
                        Ok(item) => prop_assert_eq!(got, Ok(item.seq)),
                        Err(true) => prop_assert_eq!(got, Err(TryPopError::Closed)),
                        Err(false) => prop_assert_eq!(got, Err(TryPopError::Empty)),
                    }
                }
                Op::Pop => {
                    if m.items.len() > 0 || m.closed {
                        let got = id(q.pop());
                        prop_assert_eq!(got, m.pop().map(|k| k.seq).map_err(|_| Closed(())));
                    }
                }
                Op::PopNoWait => {
                    let got = id(q.pop_timeout(Duration::ZERO));
                    match m.pop() {
                        Ok(item) => prop_assert_eq!(got, Ok(item.seq)),
                        Err(true) => prop_assert_eq!(got, Err(PopTimeoutError::Closed)),
                        Err(false) => prop_assert_eq!(got, Err(PopTimeoutError::Timeout)),
                    }
                }
                Op::Close => {
                    q.close();
                    m.closed = true;
                }
                Op::TaskDone => {
                    let expected = if m.unfinished > 0 {
                        m.unfinished -= 1;
                        Ok(())
                    } else {
                        Err(TaskDoneError)
                    };
                    prop_assert_eq!(q.task_done(), expected);
                }
                Op::JoinNoWait => prop_assert_eq!(q.join_timeout(Duration::ZERO), m.unfinished == 0),
            }
            prop_assert_eq!(q.len(), m.items.len());
            prop_assert_eq!(q.is_empty(), m.items.len() == 0);
            prop_assert_eq!(q.is_full(), m.items.len() == N);
            prop_assert_eq!(q.is_closed(), m.closed);
        }
    }};
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mpmc_matches_a_fifo(ops in ops()) {
        check_queue!(baresync::MpmcQueue<Keyed, 3>, Fifo, ops);
    }

    #[test]
    fn priority_matches_a_stable_heap(ops in ops()) {
        check_queue!(baresync::PriorityQueue<Keyed, 3>, StableHeap, ops);
    }

    #[test]
    fn lifo_matches_a_stack(ops in ops()) {
        check_queue!(baresync::LifoQueue<Keyed, 3>, Stack, ops);
    }

    /// The SPSC halves against a FIFO: pushes on the producer, pops and `peek` on the consumer,
    /// `close` from either half (task verbs do not exist here and are skipped).
    #[test]
    fn spsc_matches_a_fifo(ops in ops(), close_from_producer in any::<bool>()) {
        const N: usize = 3;
        let mut q = baresync::SpscQueue::<Keyed, N>::new();
        let (p, mut c) = q.split();
        let mut m = Model::<Fifo>::default();
        for op in ops {
            match op {
                Op::TryPush(key) | Op::Push(key) | Op::PushNoWait(key) => {
                    let item = m.item(key);
                    let expected = m.push(item, N);
                    // What happened to the item: accepted, refused as full, refused as closed.
                    let got = match op {
                        Op::Push(_) if expected == Some(false) => continue, // would block
                        Op::Push(_) => p.push(item).map_err(|e| (None, Some(e.0.seq))),
                        Op::PushNoWait(_) => p.push_timeout(item, Duration::ZERO).map_err(|e| match e {
                            PushTimeoutError::Timeout(k) => (Some(k.seq), None),
                            PushTimeoutError::Closed(k) => (None, Some(k.seq)),
                        }),
                        _ => p.try_push(item).map_err(|e| match e {
                            TryPushError::Full(k) => (Some(k.seq), None),
                            TryPushError::Closed(k) => (None, Some(k.seq)),
                        }),
                    };
                    match expected {
                        Some(true) => prop_assert_eq!(got, Ok(())),
                        Some(false) => prop_assert_eq!(got, Err((Some(item.seq), None))),
                        None => prop_assert_eq!(got, Err((None, Some(item.seq)))),
                    }
                }
                Op::TryPop | Op::Pop | Op::PopNoWait => {
                    if matches!(op, Op::Pop) && m.items.len() == 0 && !m.closed {
                        continue; // would block
                    }
                    let got = match op {
                        Op::Pop => id(c.pop()).map_err(|_| true),
                        Op::PopNoWait => id(c.pop_timeout(Duration::ZERO))
                            .map_err(|e| e == PopTimeoutError::Closed),
                        _ => id(c.try_pop()).map_err(|e| e == TryPopError::Closed),
                    };
                    prop_assert_eq!(got, m.pop().map(|k| k.seq));
                }
                Op::Peek => prop_assert_eq!(c.peek().map(|k| k.seq), m.items.peek().map(|k| k.seq)),
                Op::Close => {
                    if close_from_producer { p.close() } else { c.close() }
                    m.closed = true;
                }
                Op::TaskDone | Op::JoinNoWait => {}
            }
            prop_assert_eq!(p.len(), m.items.len());
            prop_assert_eq!(c.is_full(), m.items.len() == N);
            prop_assert_eq!(c.is_empty(), m.items.len() == 0);
            prop_assert_eq!(p.is_closed(), m.closed);
        }
    }
}

// --- Linearizability of concurrent MpmcQueue histories.

/// One completed operation of a history: its real-time interval on a shared counter and its
/// outcome.
#[derive(Debug, Clone, Copy)]
struct Event {
    invoked: u64,
    returned: u64,
    /// `Some(v)`: a push of `v`; `None`: a pop.
    push: Option<u32>,
    /// For a push: `Some` when accepted, `None` for `Full`. For a pop: the value, or `None` for
    /// `Empty`.
    outcome: Option<u32>,
}

/// Whether some order of `events` that respects real time (an operation that returned before
/// another was invoked comes first) explains every outcome with a FIFO queue of `capacity`.
///
/// The MPMC `try_` verbs never wait for an operation in flight (module docs of `mpmc.rs`): a
/// `try_pop` may report `Empty` while the push of the item at the head is still in progress, and
/// a `try_push` may report `Full` while a pop that frees a slot is in progress. So an `Empty` is
/// also accepted when the head item's push overlaps the pop in real time, and a `Full` when some
/// pop ordered before it overlaps the push; every other outcome must match the FIFO exactly.
fn linearizable(events: &[Event], capacity: usize) -> bool {
    enum Undo {
        Nothing,
        PopBack,
        PushFront((u32, usize)),
    }
    fn search(
        events: &[Event],
        done: u32,
        queue: &mut VecDeque<(u32, usize)>,
        capacity: usize,
        order: &mut Vec<usize>,
    ) -> bool {
        if done.count_ones() as usize == events.len() {
            return true;
        }
        // The earliest return among the operations left: whatever is next began before it.
        let horizon = (0..events.len())
            .filter(|i| done & (1 << i) == 0)
            .map(|i| events[i].returned)
            .min()
            .unwrap();
        for i in 0..events.len() {
            let e = events[i];
            if done & (1 << i) != 0 || e.invoked > horizon {
                continue;
            }
            let overlaps = |j: usize| {
                let o = events[j];
                o.invoked < e.returned && e.invoked < o.returned
            };
            // How to take this step back when the search backtracks.
            let undo = match (e.push, e.outcome) {
                (Some(v), Some(_)) => {
                    if queue.len() == capacity {
                        continue;
                    }
                    queue.push_back((v, i));
                    Undo::PopBack
                }
                (Some(_), _) => {
                    // Full: really full, or a pop ordered before it is still freeing its slot.
                    let freeing = order.iter().any(|&j| {
                        events[j].push.is_none() && overlaps(j) && events[j].outcome.is_some()
                    });
                    if queue.len() < capacity && !freeing {
                        continue;
                    }
                    Undo::Nothing
                }
                (None, Some(v)) => {
                    if queue.front().map(|&(f, _)| f) != Some(v) {
                        continue;
                    }
                    Undo::PushFront(queue.pop_front().unwrap())
                }
                (None, None) => {
                    // Empty: really empty, or the head item's push is still in flight.
                    if queue.front().is_some_and(|&(_, pusher)| !overlaps(pusher)) {
                        continue;
                    }
                    Undo::Nothing
                }
            };
            order.push(i);
            if search(events, done | (1 << i), queue, capacity, order) {
                return true;
            }
            order.pop();
            match undo {
                Undo::Nothing => {}
                Undo::PopBack => {
                    queue.pop_back();
                }
                Undo::PushFront(front) => queue.push_front(front),
            }
        }
        false
    }
    search(events, 0, &mut VecDeque::new(), capacity, &mut Vec::new())
}

#[test]
fn mpmc_histories_are_linearizable() {
    const THREADS: usize = 3;
    const OPS: usize = 3;
    const CAPACITY: usize = 2;
    let rounds = if cfg!(miri) { 5 } else { 2_000 };
    for round in 0..rounds {
        let q = baresync::MpmcQueue::<u32, CAPACITY>::new();
        let clock = AtomicU64::new(0);
        let start = StdBarrier::new(THREADS);
        let events: Vec<Event> = thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (q, clock, start) = (&q, &clock, &start);
                    s.spawn(move || {
                        start.wait();
                        (0..OPS)
                            .map(|k| {
                                // Pushes and pops mixed differently in each thread and round.
                                let push = (round + t + k) % 3 != 0;
                                let value = (t * OPS + k) as u32;
                                // SeqCst: the counter's order is the real-time order.
                                let invoked = clock.fetch_add(1, Ordering::SeqCst);
                                let outcome = if push {
                                    q.try_push(value).ok().map(|()| value)
                                } else {
                                    q.try_pop().ok()
                                };
                                let returned = clock.fetch_add(1, Ordering::SeqCst);
                                Event {
                                    invoked,
                                    returned,
                                    push: push.then_some(value),
                                    outcome,
                                }
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        assert!(
            linearizable(&events, CAPACITY),
            "round {round}: no FIFO order explains {events:#?}"
        );
    }
}

#[test]
fn the_checker_rejects_a_non_fifo_history() {
    // Push 1, push 2 (both returned), then a pop that got 2: no FIFO order explains it.
    let ev = |invoked, returned, push, outcome| Event {
        invoked,
        returned,
        push,
        outcome,
    };
    let history = [
        ev(0, 1, Some(1), Some(1)),
        ev(2, 3, Some(2), Some(2)),
        ev(4, 5, None, Some(2)),
    ];
    assert!(!linearizable(&history, 2));
    // A pop that got 2 while 1, pushed and returned before, is still queued: not FIFO either,
    // even though the push of 2 overlaps the pop.
    let history = [
        ev(0, 1, Some(1), Some(1)),
        ev(2, 5, Some(2), Some(2)),
        ev(3, 4, None, Some(2)),
    ];
    assert!(!linearizable(&history, 2));
    // With the push of 1 still in flight, 1 may come after the pop: accepted.
    let history = [
        ev(0, 5, Some(1), Some(1)),
        ev(1, 2, Some(2), Some(2)),
        ev(3, 4, None, Some(2)),
    ];
    assert!(linearizable(&history, 2));
    // An `Empty` pop overlapping the push of the head item is accepted (the window).
    let history = [
        ev(0, 5, Some(1), Some(1)),
        ev(1, 2, Some(2), Some(2)),
        ev(3, 4, None, None),
    ];
    assert!(linearizable(&history, 2));
    // But not when that push had returned before the pop began.
    let history = [ev(0, 1, Some(1), Some(1)), ev(2, 3, None, None)];
    assert!(!linearizable(&history, 2));
}
