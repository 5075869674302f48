//! Model-based tests of the queues: random operation sequences (proptest) checked step by step
//! against a sequential reference (a `VecDeque` for FIFO, a `Vec` for LIFO, a stable binary heap
//! for priority), every verb included (`try_`, blocking when it cannot block, zero timeouts,
//! `close`, `task_done`, `join_timeout`, `len`...); and a strict linearizability check of
//! concurrent `MpmcQueue` histories on the Futex, Spin and fault-injecting backends.

mod common;

use std::collections::{HashSet, VecDeque};
use std::sync::Barrier as StdBarrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use baresync::generic;
use baresync::wait::Wait;
use baresync::{
    Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError,
};
use common::items::{Keyed, Rng};
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
//
// Every call of a round is recorded with the interval it ran in (two ticks of a shared `SeqCst`
// counter) and its answer; the checker then looks for one total order of the calls that respects
// real time (a call that returned before another was invoked comes first) and in which a
// sequential FIFO of the same capacity gives every recorded answer. `Empty` and `Full` are held to
// the same standard as items: an `Empty` needs an instant with nothing queued, a `Full` one with
// `N` items queued, whatever other calls were in flight.

/// What a call asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Push(u32),
    Pop,
    Close,
}

/// What it answered (`Done` for `close`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Pushed,
    Full,
    Popped(u32),
    Empty,
    Closed,
    Done,
}

/// One completed call: the counter ticks taken just before it was invoked and just after it
/// returned, and its answer.
#[derive(Debug, Clone, Copy)]
struct Event {
    invoked: u64,
    returned: u64,
    call: Call,
    answer: Answer,
}

/// The sequential specification: a FIFO of `capacity` items that can be closed.
struct Spec {
    items: VecDeque<u32>,
    closed: bool,
    capacity: usize,
}

/// How to take one applied call back when the search backtracks.
enum Undo {
    Nothing,
    PopBack,
    PushFront(u32),
    Reopen,
}

impl Spec {
    /// Applies `call` if the sequential queue, in its present state, answers `answer`.
    fn apply(&mut self, call: Call, answer: Answer) -> Option<Undo> {
        let room = !self.closed && self.items.len() < self.capacity;
        match (call, answer) {
            (Call::Push(v), Answer::Pushed) if room => {
                self.items.push_back(v);
                Some(Undo::PopBack)
            }
            (Call::Push(_), Answer::Full) if !self.closed && self.items.len() == self.capacity => {
                Some(Undo::Nothing)
            }
            (Call::Push(_), Answer::Closed) if self.closed => Some(Undo::Nothing),
            (Call::Pop, Answer::Popped(v)) if self.items.front() == Some(&v) => {
                self.items.pop_front();
                Some(Undo::PushFront(v))
            }
            (Call::Pop, Answer::Empty) if self.items.is_empty() && !self.closed => {
                Some(Undo::Nothing)
            }
            (Call::Pop, Answer::Closed) if self.items.is_empty() && self.closed => {
                Some(Undo::Nothing)
            }
            (Call::Close, Answer::Done) if self.closed => Some(Undo::Nothing),
            (Call::Close, Answer::Done) => {
                self.closed = true;
                Some(Undo::Reopen)
            }
            _ => None,
        }
    }

    fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Nothing => {}
            Undo::PopBack => {
                self.items.pop_back();
            }
            Undo::PushFront(v) => self.items.push_front(v),
            Undo::Reopen => self.closed = false,
        }
    }
}

/// Whether a linearization of `events` exists for a queue of `capacity` that starts empty and
/// open: Wing and Gong's search, with Lowe's memo of the configurations (calls placed, queue
/// state) already explored, so each is searched once.
fn linearizable(events: &[Event], capacity: usize) -> bool {
    /// Places one more call: any pending call invoked before the earliest pending return.
    fn search(
        events: &[Event],
        placed: u128,
        spec: &mut Spec,
        seen: &mut HashSet<(u128, Vec<u32>, bool)>,
    ) -> bool {
        if placed.count_ones() as usize == events.len() {
            return true;
        }
        if !seen.insert((placed, spec.items.iter().copied().collect(), spec.closed)) {
            return false;
        }
        let pending = |i: &usize| placed & (1 << i) == 0;
        let horizon = (0..events.len())
            .filter(pending)
            .map(|i| events[i].returned)
            .min()
            .expect("a call is pending");
        for i in (0..events.len()).filter(pending) {
            let e = events[i];
            if e.invoked > horizon {
                continue;
            }
            if let Some(undo) = spec.apply(e.call, e.answer) {
                if search(events, placed | 1 << i, spec, seen) {
                    return true;
                }
                spec.undo(undo);
            }
        }
        false
    }
    assert!(events.len() <= 128, "one bit per call");
    let mut spec = Spec {
        items: VecDeque::new(),
        closed: false,
        capacity,
    };
    search(events, 0, &mut spec, &mut HashSet::new())
}

/// Records one call on `clock`.
fn record(clock: &AtomicU64, call: Call, run: impl FnOnce() -> Answer) -> Event {
    // SeqCst: the counter's order is the real-time order of the ticks.
    let invoked = clock.fetch_add(1, Ordering::SeqCst);
    let answer = run();
    let returned = clock.fetch_add(1, Ordering::SeqCst);
    Event {
        invoked,
        returned,
        call,
        answer,
    }
}

fn push<const N: usize, W: Wait>(q: &generic::MpmcQueue<u32, N, W>, v: u32) -> Answer {
    match q.try_push(v) {
        Ok(()) => Answer::Pushed,
        Err(TryPushError::Full(_)) => Answer::Full,
        Err(TryPushError::Closed(_)) => Answer::Closed,
    }
}

fn pop<const N: usize, W: Wait>(q: &generic::MpmcQueue<u32, N, W>) -> Answer {
    match q.try_pop() {
        Ok(v) => Answer::Popped(v),
        Err(TryPopError::Empty) => Answer::Empty,
        Err(TryPopError::Closed) => Answer::Closed,
    }
}

/// Runs `rounds` rounds of `threads` threads making `calls` random `try_push`/`try_pop` calls
/// each on one queue, and checks every round's history; thread 0 closes the queue halfway
/// through the last round. After each round thread 0 pops until `Empty` (or `Closed`), and those
/// pops belong to the round, so the next round starts from an empty queue while the ring's
/// positions keep moving on across laps.
fn check_rounds<const N: usize, W: Wait>(threads: usize, rounds: usize) {
    // A round's pushes can all stay queued and be drained: at most 127 calls per round.
    let calls = 63 / threads;
    let q = generic::MpmcQueue::<u32, N, W>::new();
    let clock = AtomicU64::new(0);
    let barrier = StdBarrier::new(threads);
    let logs: Vec<Vec<Vec<Event>>> = thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (q, clock, barrier) = (&q, &clock, &barrier);
                s.spawn(move || {
                    let mut rng = Rng(0x9E37_79B9 ^ (t as u32 + 1).wrapping_mul(0x85EB_CA6B));
                    (0..rounds)
                        .map(|round| {
                            let last = round + 1 == rounds;
                            barrier.wait();
                            let mut log: Vec<Event> = (0..calls)
                                .map(|k| {
                                    if last && t == 0 && k == calls / 2 {
                                        return record(clock, Call::Close, || {
                                            q.close();
                                            Answer::Done
                                        });
                                    }
                                    if rng.next().is_multiple_of(2) {
                                        let v = ((round * threads + t) * calls + k) as u32;
                                        record(clock, Call::Push(v), || push(q, v))
                                    } else {
                                        record(clock, Call::Pop, || pop(q))
                                    }
                                })
                                .collect();
                            barrier.wait();
                            if t == 0 {
                                loop {
                                    let e = record(clock, Call::Pop, || pop(q));
                                    log.push(e);
                                    if !matches!(e.answer, Answer::Popped(_)) {
                                        break;
                                    }
                                }
                            }
                            log
                        })
                        .collect()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for round in 0..rounds {
        let mut events: Vec<Event> = logs.iter().flat_map(|l| l[round].iter().copied()).collect();
        events.sort_by_key(|e| e.invoked);
        assert!(
            linearizable(&events, N),
            "N = {N}, {threads} threads, round {round}: no FIFO order explains {events:#?}"
        );
    }
}

/// Every thread count and capacity on backend `W`.
fn check_backend<W: Wait>() {
    let rounds = if cfg!(miri) { 2 } else { 400 };
    for threads in [2, 4, 8] {
        check_rounds::<1, W>(threads, rounds);
        check_rounds::<2, W>(threads, rounds);
        check_rounds::<4, W>(threads, rounds);
        check_rounds::<1024, W>(threads, rounds);
    }
}

#[test]
fn mpmc_histories_are_linearizable_futex() {
    check_backend::<baresync::wait::Futex>();
}

#[test]
fn mpmc_histories_are_linearizable_spin() {
    check_backend::<baresync::wait::Spin>();
}

#[test]
fn mpmc_histories_are_linearizable_faulty() {
    check_backend::<common::faulty::Faulty>();
}

#[test]
fn the_checker_holds_every_answer_to_the_fifo() {
    let ev = |invoked, returned, call, answer| Event {
        invoked,
        returned,
        call,
        answer,
    };
    use Answer::*;
    use Call::{Close, Pop, Push};
    // Push 1, push 2 (both returned), then a pop that got 2: no FIFO order explains it.
    let history = [
        ev(0, 1, Push(1), Pushed),
        ev(2, 3, Push(2), Pushed),
        ev(4, 5, Pop, Popped(2)),
    ];
    assert!(!linearizable(&history, 2));
    // With the push of 1 still in flight, 1 may come after the pop: accepted.
    let history = [
        ev(0, 5, Push(1), Pushed),
        ev(1, 2, Push(2), Pushed),
        ev(3, 4, Pop, Popped(2)),
    ];
    assert!(linearizable(&history, 2));
    // `Empty` while an item whose push had returned is queued: rejected, even though another
    // push is still in flight (the window the Vyukov queue had).
    let history = [
        ev(0, 5, Push(1), Pushed),
        ev(1, 2, Push(2), Pushed),
        ev(3, 4, Pop, Empty),
    ];
    assert!(!linearizable(&history, 2));
    // `Empty` overlapping the only push: accepted (the push takes effect after it).
    let history = [ev(0, 3, Push(1), Pushed), ev(1, 2, Pop, Empty)];
    assert!(linearizable(&history, 2));
    // `Full` with room: rejected.
    let history = [ev(0, 1, Push(1), Pushed), ev(2, 3, Push(2), Full)];
    assert!(!linearizable(&history, 2));
    // `Full` overlapping the pop that makes room: accepted (the push takes effect first).
    let history = [
        ev(0, 1, Push(1), Pushed),
        ev(2, 5, Pop, Popped(1)),
        ev(3, 4, Push(2), Full),
    ];
    assert!(linearizable(&history, 1));
    // But not once that pop has returned (the window the Vyukov queue had).
    let history = [
        ev(0, 1, Push(1), Pushed),
        ev(2, 3, Pop, Popped(1)),
        ev(4, 5, Push(2), Full),
    ];
    assert!(!linearizable(&history, 1));
    // Closing: later pushes are refused, queued items drain, then `Closed`.
    let history = [
        ev(0, 1, Push(1), Pushed),
        ev(2, 3, Close, Done),
        ev(4, 5, Push(2), Closed),
        ev(6, 7, Pop, Popped(1)),
        ev(8, 9, Pop, Closed),
    ];
    assert!(linearizable(&history, 2));
    // A push accepted after `close` returned, or `Closed` from a pop with an item queued: rejected.
    let history = [ev(0, 1, Close, Done), ev(2, 3, Push(2), Pushed)];
    assert!(!linearizable(&history, 2));
    let history = [
        ev(0, 1, Push(1), Pushed),
        ev(2, 3, Close, Done),
        ev(4, 5, Pop, Closed),
    ];
    assert!(!linearizable(&history, 2));
    // A closed and full queue answers `Closed`, not `Full`.
    let history = [
        ev(0, 1, Push(1), Pushed),
        ev(2, 3, Close, Done),
        ev(4, 5, Push(2), Full),
    ];
    assert!(!linearizable(&history, 1));
}
