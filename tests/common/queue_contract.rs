//! The behaviour every queue shares, written once: exact capacity, close, timeouts, drop
//! accounting, producers and consumers that see each item once, and (for the queues that have it)
//! task tracking.
//!
//! Each contract test is a function generic over a [`Family`], which names one queue type on one
//! backend for any item type and capacity. It takes its queue apart with [`TestQueue::split`]: the
//! SPSC halves, or two shared references for the other queues. Where a test wants several threads
//! on one side, [`handles`] gives as many handles as the queue allows (one for SPSC), so one body
//! covers both kinds of queue.
//!
//! A test file instantiates the contract inside `for_each_backend!`:
//!
//! ```ignore
//! for_each_backend! {
//!     queue_contract! { queue: MpmcQueue, order: Fifo, parts: [shared, tasks] }
//! }
//! ```
//!
//! which emits a module `contract` with one `#[test]` per contract function. A behaviour that
//! every queue gains is one more function here and one more line in [`queue_contract!`].

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use baresync::generic::{Consumer, LifoQueue, MpmcQueue, PriorityQueue, Producer, SpscQueue};
use baresync::wait::WaitTimeout;
use baresync::{
    Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError,
};

use super::items::{Counted, assert_each_dropped_once, drop_counters};
use super::scaled;
use super::timing::{HUGE, LONG, assert_waited_loosely, wait_count, watchdog};

// --- The adapter: what a contract test may do with a queue.

/// What the five snapshot accessors (`len`, `is_empty`, `is_full`, `capacity`, `is_closed`)
/// report, read at a moment when no other thread changes the queue.
///
/// One method rather than five, so that the adapter's names never shadow the queues' own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub len: usize,
    pub capacity: usize,
    pub closed: bool,
}

impl Snapshot {
    /// An open queue of `capacity` holding `len` items.
    pub const fn open(len: usize, capacity: usize) -> Self {
        Self {
            len,
            capacity,
            closed: false,
        }
    }

    /// Checks that `is_empty` and `is_full` agree with `len` and `capacity`.
    fn read(len: usize, is_empty: bool, is_full: bool, capacity: usize, closed: bool) -> Self {
        assert_eq!(is_empty, len == 0, "is_empty with {len} items");
        assert_eq!(is_full, len == capacity, "is_full with {len} of {capacity}");
        Self {
            len,
            capacity,
            closed,
        }
    }

    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// Anything that reports a queue's state: a queue or one of its sides.
pub trait Observed {
    fn snapshot(&self) -> Snapshot;
}

/// The task counter of `MpmcQueue`, `PriorityQueue` and `LifoQueue`.
pub trait Tasks {
    fn task_done(&self) -> Result<(), TaskDoneError>;
    fn join(&self);
    fn join_timeout(&self, timeout: Duration) -> bool;
}

/// A handle on one side of a queue, which a thread may own.
pub trait Side: Observed + Send + Sized {
    fn close(&self);
    /// Another handle on the same side, where the queue allows several threads there.
    fn another(&self) -> Option<Self>;
    /// The queue's task counter, where it has one.
    fn tasks(&self) -> Option<&dyn Tasks>;
}

/// The pushing side: an SPSC `Producer`, or a shared queue.
pub trait PushSide<T>: Side {
    fn try_push(&self, item: T) -> Result<(), TryPushError<T>>;
    fn push(&self, item: T) -> Result<(), Closed<T>>;
    fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushTimeoutError<T>>;
}

/// The popping side: an SPSC `Consumer`, or a shared queue.
pub trait PopSide<T>: Side {
    fn try_pop(&self) -> Result<T, TryPopError>;
    fn pop(&self) -> Result<T, Closed>;
    fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError>;
}

/// A queue under test: made empty, then taken apart into its two sides.
pub trait TestQueue<T>: Observed + Sized {
    type Producer<'a>: PushSide<T>
    where
        Self: 'a;
    type Consumer<'a>: PopSide<T>
    where
        Self: 'a;
    fn new() -> Self;
    fn split(&mut self) -> (Self::Producer<'_>, Self::Consumer<'_>);
}

/// What every contract test may put in a queue (the priority queue needs `Ord`).
pub trait Item: Ord + Send + 'static {}
impl<T: Ord + Send + 'static> Item for T {}

/// The order pops take items in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Fifo,
    Lifo,
    /// Greatest first; equal items in push order.
    GreatestFirst,
}

impl Order {
    /// `pushed` (in push order) rearranged into pop order.
    pub fn arrange<T: Ord>(self, mut pushed: Vec<T>) -> Vec<T> {
        match self {
            Order::Fifo => {}
            Order::Lifo => pushed.reverse(),
            // A stable sort: equal items keep their push order.
            Order::GreatestFirst => pushed.sort_by(|a, b| b.cmp(a)),
        }
        pushed
    }
}

/// One queue type on one backend, for every item type and capacity.
pub trait Family {
    const ORDER: Order;
    type Of<T: Item, const N: usize>: TestQueue<T>;
}

/// Up to `n` handles on `side`: `n` where the queue allows several threads on that side, else one.
pub fn handles<S: Side>(side: S, n: usize) -> Vec<S> {
    let mut all = Vec::with_capacity(n);
    while all.len() + 1 < n {
        match side.another() {
            Some(more) => all.push(more),
            None => break,
        }
    }
    all.push(side);
    all
}

// --- The adapter for each queue. The forwarding calls resolve to the queues' inherent methods,
// which take precedence over these traits' methods of the same name.

impl<O: Observed> Observed for &O {
    fn snapshot(&self) -> Snapshot {
        (**self).snapshot()
    }
}

/// `Observed::snapshot` from the five accessors, in an `impl` for a queue or a half.
macro_rules! observed {
    () => {
        fn snapshot(&self) -> Snapshot {
            Snapshot::read(
                self.len(),
                self.is_empty(),
                self.is_full(),
                self.capacity(),
                self.is_closed(),
            )
        }
    };
}

impl<T: Send, const N: usize, W: WaitTimeout> Observed for SpscQueue<T, N, W> {
    observed!();
}

impl<T: Send, const N: usize, W: WaitTimeout> TestQueue<T> for SpscQueue<T, N, W> {
    type Producer<'a>
        = Producer<'a, T, N, W>
    where
        Self: 'a;
    type Consumer<'a>
        = Consumer<'a, T, N, W>
    where
        Self: 'a;

    fn new() -> Self {
        Self::new()
    }

    fn split(&mut self) -> (Self::Producer<'_>, Self::Consumer<'_>) {
        self.split()
    }
}

/// `Observed` and `Side` for one SPSC half: one handle only, no task counter.
macro_rules! spsc_half {
    ($half:ident) => {
        impl<T: Send, const N: usize, W: WaitTimeout> Observed for $half<'_, T, N, W> {
            observed!();
        }

        impl<T: Send, const N: usize, W: WaitTimeout> Side for $half<'_, T, N, W> {
            fn close(&self) {
                self.close()
            }
            fn another(&self) -> Option<Self> {
                None
            }
            fn tasks(&self) -> Option<&dyn Tasks> {
                None
            }
        }
    };
}
spsc_half!(Producer);
spsc_half!(Consumer);

impl<T: Send, const N: usize, W: WaitTimeout> PushSide<T> for Producer<'_, T, N, W> {
    fn try_push(&self, item: T) -> Result<(), TryPushError<T>> {
        self.try_push(item)
    }
    fn push(&self, item: T) -> Result<(), Closed<T>> {
        self.push(item)
    }
    fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        self.push_timeout(item, timeout)
    }
}

impl<T: Send, const N: usize, W: WaitTimeout> PopSide<T> for Consumer<'_, T, N, W> {
    fn try_pop(&self) -> Result<T, TryPopError> {
        self.try_pop()
    }
    fn pop(&self) -> Result<T, Closed> {
        self.pop()
    }
    fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        self.pop_timeout(timeout)
    }
}

/// The whole adapter for a queue that any number of threads share: both sides are `&queue`.
macro_rules! shared_queue {
    ($queue:ident $(: $bound:path)?) => {
        impl<T: Send $(+ $bound)?, const N: usize, W: WaitTimeout> Observed for $queue<T, N, W> {
            observed!();
        }

        impl<T: Send $(+ $bound)?, const N: usize, W: WaitTimeout> Tasks for $queue<T, N, W> {
            fn task_done(&self) -> Result<(), TaskDoneError> {
                self.task_done()
            }
            fn join(&self) {
                self.join()
            }
            fn join_timeout(&self, timeout: Duration) -> bool {
                self.join_timeout(timeout)
            }
        }

        impl<T: Send $(+ $bound)?, const N: usize, W: WaitTimeout> Side for &$queue<T, N, W> {
            fn close(&self) {
                (**self).close()
            }
            fn another(&self) -> Option<Self> {
                Some(*self)
            }
            fn tasks(&self) -> Option<&dyn Tasks> {
                Some(*self)
            }
        }

        impl<T: Send $(+ $bound)?, const N: usize, W: WaitTimeout> PushSide<T> for &$queue<T, N, W> {
            fn try_push(&self, item: T) -> Result<(), TryPushError<T>> {
                (**self).try_push(item)
            }
            fn push(&self, item: T) -> Result<(), Closed<T>> {
                (**self).push(item)
            }
            fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
                (**self).push_timeout(item, timeout)
            }
        }

        impl<T: Send $(+ $bound)?, const N: usize, W: WaitTimeout> PopSide<T> for &$queue<T, N, W> {
            fn try_pop(&self) -> Result<T, TryPopError> {
                (**self).try_pop()
            }
            fn pop(&self) -> Result<T, Closed> {
                (**self).pop()
            }
            fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
                (**self).pop_timeout(timeout)
            }
        }

        impl<T: Send $(+ $bound)?, const N: usize, W: WaitTimeout> TestQueue<T> for $queue<T, N, W> {
            type Producer<'a>
                = &'a Self
            where
                Self: 'a;
            type Consumer<'a>
                = &'a Self
            where
                Self: 'a;

            fn new() -> Self {
                Self::new()
            }

            fn split(&mut self) -> (&Self, &Self) {
                (&*self, &*self)
            }
        }
    };
}
shared_queue!(MpmcQueue);
shared_queue!(PriorityQueue: Ord);
shared_queue!(LifoQueue);

// --- The contract, for every queue.

/// Holds exactly `N` items (no `N - 1`), reports full and empty on both sides, and pops in the
/// queue's order; three rounds, so later ones run over reused slots (SPSC: across the `0..2N`
/// wrap of its positions).
pub fn holds_exactly_n<F: Family>() {
    fn exact<F: Family, const N: usize>() {
        let mut q: F::Of<usize, N> = TestQueue::new();
        assert_eq!(q.snapshot(), Snapshot::open(0, N));
        let (p, c) = q.split();
        for round in 0..3 {
            // A scrambled order (7919 is prime to every N used), distinct in every round.
            let pushed: Vec<usize> = (0..N).map(|i| round * N + (i * 7919 + round) % N).collect();
            for &x in &pushed {
                assert_eq!(p.try_push(x), Ok(()));
            }
            let full = Snapshot::open(N, N);
            assert_eq!((p.snapshot(), c.snapshot()), (full, full));
            assert_eq!(p.try_push(usize::MAX), Err(TryPushError::Full(usize::MAX)));
            for x in F::ORDER.arrange(pushed) {
                assert_eq!(c.try_pop(), Ok(x), "{:?}", F::ORDER);
            }
            let empty = Snapshot::open(0, N);
            assert_eq!((p.snapshot(), c.snapshot()), (empty, empty));
            assert_eq!(c.try_pop(), Err(TryPopError::Empty));
        }
    }
    exact::<F, 1>();
    exact::<F, 3>();
    exact::<F, 7>();
    exact::<F, 1000>();
}

/// Checks the consumers' logs of `(producer, seq)`: every item exactly once and, for a FIFO queue,
/// each consumer saw each producer's items in push order.
fn check_each_item_once(logs: &[Vec<(usize, usize)>], producers: usize, per: usize, fifo: bool) {
    let mut seen = vec![vec![false; per]; producers];
    for log in logs {
        let mut last = vec![None::<usize>; producers];
        for &(p, seq) in log {
            assert!(!seen[p][seq], "item ({p}, {seq}) popped twice");
            seen[p][seq] = true;
            if fifo && let Some(prev) = last[p] {
                assert!(
                    prev < seq,
                    "producer {p}: {seq} popped after {prev} (not FIFO)"
                );
            }
            last[p] = Some(seq);
        }
    }
    for (p, row) in seen.iter().enumerate() {
        if let Some(seq) = row.iter().position(|s| !s) {
            panic!("item ({p}, {seq}) was never popped");
        }
    }
}

/// `producers` threads push `total` items with blocking pushes, the last one to finish closes,
/// and `consumers` threads pop until `Closed` (as many of each as the queue allows): each item is
/// popped once (in push order per producer, for a FIFO queue) before `Closed` comes.
pub fn producers_and_consumers_see_each_item_once<F: Family>() {
    fn run<F: Family, const N: usize>(producers: usize, consumers: usize, total: usize) {
        let mut q: F::Of<(usize, usize), N> = TestQueue::new();
        let (p, c) = q.split();
        let _armed = watchdog("producers_and_consumers_see_each_item_once");
        let producers = handles(p, producers);
        let (count, per) = (producers.len(), total / producers.len());
        let running = AtomicUsize::new(count);
        let logs = thread::scope(|s| {
            let readers: Vec<_> = handles(c, consumers)
                .into_iter()
                .map(|c| {
                    s.spawn(move || {
                        let mut log = Vec::new();
                        while let Ok(item) = c.pop() {
                            log.push(item);
                        }
                        assert_eq!(c.try_pop(), Err(TryPopError::Closed));
                        log
                    })
                })
                .collect();
            for (id, p) in producers.into_iter().enumerate() {
                let running = &running;
                s.spawn(move || {
                    for seq in 0..per {
                        p.push((id, seq)).unwrap();
                    }
                    // AcqRel: the last producer's close comes after every other producer's
                    // pushes (each released them with its decrement).
                    if running.fetch_sub(1, Ordering::AcqRel) == 1 {
                        p.close();
                    }
                });
            }
            readers
                .into_iter()
                .map(|r| r.join().unwrap())
                .collect::<Vec<_>>()
        });
        check_each_item_once(&logs, count, per, F::ORDER == Order::Fifo);
    }
    run::<F, 1>(3, 3, scaled(15_000));
    run::<F, 4>(3, 2, scaled(60_000));
    // Not under Miri, whose time budget this run would strain (the threads, not the items).
    if !cfg!(miri) {
        run::<F, 7>(2, 2, 30_000);
    }
    run::<F, 1000>(2, 3, scaled(40_000));
}

/// The same with the `try_` verbs only (retrying on `Full` and `Empty`): each item popped once.
pub fn try_verbs_see_each_item_once<F: Family>() {
    let total = scaled(60_000);
    let mut q: F::Of<(usize, usize), 3> = TestQueue::new();
    let (p, c) = q.split();
    let producers = handles(p, 3);
    let (count, per) = (producers.len(), total / producers.len());
    let popped = AtomicUsize::new(0);
    let logs = thread::scope(|s| {
        let readers: Vec<_> = handles(c, 2)
            .into_iter()
            .map(|c| {
                let popped = &popped;
                s.spawn(move || {
                    let mut log = Vec::new();
                    while popped.load(Ordering::Relaxed) < count * per {
                        match c.try_pop() {
                            Ok(item) => {
                                log.push(item);
                                popped.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(TryPopError::Empty) => thread::yield_now(),
                            Err(TryPopError::Closed) => unreachable!("never closed"),
                        }
                    }
                    log
                })
            })
            .collect();
        for (id, p) in producers.into_iter().enumerate() {
            s.spawn(move || {
                for seq in 0..per {
                    let mut item = (id, seq);
                    while let Err(e) = p.try_push(item) {
                        assert!(e.is_full());
                        item = e.into_inner();
                        thread::yield_now();
                    }
                }
            });
        }
        readers
            .into_iter()
            .map(|r| r.join().unwrap())
            .collect::<Vec<_>>()
    });
    check_each_item_once(&logs, count, per, F::ORDER == Order::Fifo);
}

/// Producers push drop-counting items with short timeouts while consumers pop some with short
/// timeouts: every item is popped, refused (and dropped by its pusher) or dropped with the queue,
/// exactly once.
pub fn every_item_is_popped_or_dropped_exactly_once<F: Family>() {
    let total = scaled(6_000);
    let drops = drop_counters(total);
    let next_id = AtomicUsize::new(0);
    {
        let mut q: F::Of<Counted, 5> = TestQueue::new();
        let (p, c) = q.split();
        thread::scope(|s| {
            let producers: Vec<_> = handles(p, 3)
                .into_iter()
                .map(|p| {
                    let (drops, next_id) = (&drops, &next_id);
                    s.spawn(move || {
                        loop {
                            let id = next_id.fetch_add(1, Ordering::Relaxed);
                            if id >= total {
                                break;
                            }
                            let item = Counted {
                                id,
                                drops: drops.clone(),
                            };
                            // Rejected items come back in the error and are dropped here, once.
                            match p.push_timeout(item, Duration::from_micros(50)) {
                                Ok(()) | Err(PushTimeoutError::Timeout(_)) => {}
                                Err(PushTimeoutError::Closed(_)) => unreachable!(),
                            }
                        }
                    })
                })
                .collect();
            // Each consumer hands its side back, to be dropped only after the producers are
            // done: dropping an SPSC half closes the queue.
            let consumers: Vec<_> = handles(c, 2)
                .into_iter()
                .map(|c| {
                    s.spawn(move || {
                        for _ in 0..total / 4 {
                            drop(c.pop_timeout(Duration::from_micros(50)));
                        }
                        c
                    })
                })
                .collect();
            for producer in producers {
                producer.join().unwrap();
            }
            for consumer in consumers {
                consumer.join().unwrap();
            }
        });
        // Whatever is left is dropped with the queue.
        assert!(q.snapshot().len <= 5);
    }
    assert_each_dropped_once(&drops);
}

/// `close` from the producer side wakes every popper blocked in `pop`, then every one blocked in
/// `pop_timeout`, with `Closed`.
pub fn close_wakes_blocked_poppers<F: Family>() {
    let _armed = watchdog("close_wakes_blocked_poppers");
    for timed in [false, true] {
        let mut q: F::Of<u32, 2> = TestQueue::new();
        let (p, c) = q.split();
        thread::scope(|s| {
            let poppers: Vec<_> = handles(c, 3)
                .into_iter()
                .map(|c| {
                    s.spawn(move || {
                        if timed {
                            assert_eq!(c.pop_timeout(LONG), Err(PopTimeoutError::Closed));
                        } else {
                            assert_eq!(c.pop(), Err(Closed(())));
                        }
                    })
                })
                .collect();
            thread::sleep(Duration::from_millis(50)); // make "blocked" likely
            p.close();
            for popper in poppers {
                popper.join().unwrap();
            }
        });
    }
}

/// `close` from the consumer side wakes every pusher blocked in `push`, then every one blocked in
/// `push_timeout`, handing each its item back; the item queued before still drains.
pub fn close_wakes_blocked_pushers_and_hands_items_back<F: Family>() {
    let _armed = watchdog("close_wakes_blocked_pushers");
    for timed in [false, true] {
        let mut q: F::Of<u32, 1> = TestQueue::new();
        let (p, c) = q.split();
        p.push(0).unwrap();
        thread::scope(|s| {
            let pushers: Vec<_> = (1..)
                .zip(handles(p, 3))
                .map(|(i, p)| {
                    s.spawn(move || {
                        if timed {
                            assert_eq!(p.push_timeout(i, LONG), Err(PushTimeoutError::Closed(i)));
                        } else {
                            assert_eq!(p.push(i), Err(Closed(i)));
                        }
                    })
                })
                .collect();
            thread::sleep(Duration::from_millis(50)); // make "blocked" likely
            c.close();
            for pusher in pushers {
                pusher.join().unwrap();
            }
        });
        assert_eq!(c.pop(), Ok(0), "the queued item still drains");
        assert_eq!(c.pop(), Err(Closed(())));
    }
}

/// A closed and full queue refuses every push verb with `Closed`, at once.
pub fn closed_and_full_reports_closed_without_blocking<F: Family>() {
    let mut q: F::Of<u32, 3> = TestQueue::new();
    let (p, c) = q.split();
    for i in 0..3 {
        p.push(i).unwrap();
    }
    c.close();
    assert_eq!(
        p.snapshot(),
        Snapshot {
            closed: true,
            ..Snapshot::open(3, 3)
        }
    );
    assert_eq!(p.try_push(7), Err(TryPushError::Closed(7)));
    assert_eq!(p.push(8), Err(Closed(8)));
    let started = Instant::now();
    assert_eq!(p.push_timeout(9, LONG), Err(PushTimeoutError::Closed(9)));
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A closed queue still hands out what it holds, in its order, through every pop verb; then every
/// pop verb reports `Closed`.
pub fn closed_queue_drains_then_reports_closed<F: Family>() {
    let mut q: F::Of<u32, 3> = TestQueue::new();
    let (p, c) = q.split();
    for i in 0..3 {
        p.push(i).unwrap();
    }
    p.close();
    assert!(c.snapshot().closed);
    let drained = vec![
        c.try_pop().unwrap(),
        c.pop().unwrap(),
        c.pop_timeout(LONG).unwrap(),
    ];
    assert_eq!(drained, F::ORDER.arrange(vec![0, 1, 2]));
    assert_eq!(c.try_pop(), Err(TryPopError::Closed));
    assert_eq!(c.pop(), Err(Closed(())));
    assert_eq!(c.pop_timeout(LONG), Err(PopTimeoutError::Closed));
}

/// Pushers push until refused while a consumer pops until `Closed`; the queue is closed
/// mid-stream: every accepted push is popped, the rest refused.
///
/// Where the queue allows a second consumer handle, this thread closes with it while the consumer
/// pops, and no accepted item may be left behind `Closed`. An SPSC consumer closes itself: a push
/// in progress may then still land after the consumer's last pop (`spsc.rs`, "Closing"), and its
/// item must still be queued.
pub fn pushes_racing_close_are_either_refused_or_popped<F: Family>() {
    let mut q: F::Of<u32, 4> = TestQueue::new();
    let (p, c) = q.split();
    let closer = c.another();
    let mid_stream = scaled(2_000) as u32;
    let accepted = AtomicUsize::new(0);
    let popped_so_far = AtomicU32::new(0);
    let (popped, c) = thread::scope(|s| {
        for p in handles(p, 3) {
            let accepted = &accepted;
            s.spawn(move || {
                while p.push(1).is_ok() {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let closes_itself = closer.is_none();
        let popped_so_far = &popped_so_far;
        let reader = s.spawn(move || {
            let mut popped = 0;
            while c.pop().is_ok() {
                popped += 1;
                popped_so_far.store(popped, Ordering::Relaxed);
                if closes_itself && popped == mid_stream {
                    c.close();
                }
            }
            (popped as usize, c)
        });
        if let Some(closer) = &closer {
            wait_count(popped_so_far, mid_stream);
            closer.close();
        }
        reader.join().unwrap()
    });
    let left = c.snapshot().len;
    assert_eq!(
        popped + left,
        accepted.load(Ordering::Relaxed),
        "an item lost or invented"
    );
    if closer.is_some() {
        assert_eq!(left, 0, "an accepted item stranded behind Closed");
    }
}

/// A timed call that runs out never returns early; a zero timeout is exactly a try; the longest
/// timeout returns at once when it can.
pub fn timeouts_are_never_early<F: Family>() {
    let mut q: F::Of<u32, 1> = TestQueue::new();
    let (p, c) = q.split();
    let t = Duration::from_millis(60);
    let started = Instant::now();
    assert_eq!(c.pop_timeout(t), Err(PopTimeoutError::Timeout));
    assert_waited_loosely(started.elapsed(), t);

    p.push(1).unwrap();
    let started = Instant::now();
    assert_eq!(p.push_timeout(2, t), Err(PushTimeoutError::Timeout(2)));
    assert_waited_loosely(started.elapsed(), t);

    assert_eq!(
        p.push_timeout(3, Duration::ZERO),
        Err(PushTimeoutError::Timeout(3))
    );
    assert_eq!(c.pop_timeout(Duration::MAX), Ok(1));
    assert_eq!(c.pop_timeout(Duration::ZERO), Err(PopTimeoutError::Timeout));
    assert_eq!(p.push_timeout(4, Duration::MAX), Ok(()));
}

/// Timeouts that overflow a naive deadline computation neither panic nor wait when the call can
/// complete (or the queue is closed).
pub fn huge_timeouts_return_at_once_when_they_can<F: Family>() {
    let mut q: F::Of<u32, 1> = TestQueue::new();
    let (p, c) = q.split();
    for (i, d) in (0..).zip(HUGE) {
        assert_eq!(p.push_timeout(i, d), Ok(()), "{d:?}");
        assert_eq!(c.pop_timeout(d), Ok(i), "{d:?}");
    }
    p.push(7).unwrap();
    c.close();
    for d in HUGE {
        assert_eq!(
            p.push_timeout(8, d),
            Err(PushTimeoutError::Closed(8)),
            "{d:?}"
        );
    }
    assert_eq!(c.pop_timeout(Duration::MAX), Ok(7));
    for d in HUGE {
        assert_eq!(c.pop_timeout(d), Err(PopTimeoutError::Closed), "{d:?}");
    }
}

/// A timed pop returns as soon as an item arrives, and a timed push as soon as a slot frees.
pub fn timed_calls_return_when_the_state_changes<F: Family>() {
    let mut q: F::Of<u32, 1> = TestQueue::new();
    let (p, c) = q.split();
    thread::scope(|s| {
        let popper = s.spawn(move || {
            let started = Instant::now();
            let got = c.pop_timeout(LONG);
            (got, started.elapsed(), c)
        });
        thread::sleep(Duration::from_millis(30)); // make "blocked" likely
        p.push(5).unwrap();
        let (got, took, c) = popper.join().unwrap();
        assert_eq!(got, Ok(5));
        assert!(took < LONG / 2, "woken, not timed out: {took:?}");

        p.push(6).unwrap();
        let pusher = s.spawn(move || (p.push_timeout(7, LONG), p));
        thread::sleep(Duration::from_millis(30)); // make "blocked" likely
        assert_eq!(c.pop(), Ok(6));
        let (pushed, _p) = pusher.join().unwrap();
        assert_eq!(pushed, Ok(()));
        assert_eq!(c.pop(), Ok(7));
    });
}

// --- Task tracking (`MpmcQueue`, `PriorityQueue`, `LifoQueue`).

fn tasks_of<S: Side>(side: &S) -> &dyn Tasks {
    side.tasks().expect("a queue with task tracking")
}

/// Each successful push adds one task, refused ones none; `task_done` past zero is an error.
pub fn task_done_counts_successful_pushes<F: Family>() {
    let mut q: F::Of<u32, 2> = TestQueue::new();
    let (p, c) = q.split();
    let tasks = tasks_of(&c);
    assert_eq!(tasks.task_done(), Err(TaskDoneError));
    tasks.join(); // nothing unfinished: returns at once
    assert!(tasks.join_timeout(Duration::ZERO));
    p.push(1).unwrap();
    p.try_push(2).unwrap();
    // Refused pushes add no task.
    assert!(p.try_push(3).unwrap_err().is_full());
    assert!(
        p.push_timeout(4, Duration::from_millis(1))
            .unwrap_err()
            .is_timeout()
    );
    p.close();
    assert_eq!(p.push(5), Err(Closed(5)));
    let popped = vec![c.pop().unwrap(), c.pop().unwrap()];
    assert_eq!(popped, F::ORDER.arrange(vec![1, 2]));
    assert!(
        !tasks.join_timeout(Duration::ZERO),
        "popping does not finish a task"
    );
    assert_eq!(tasks.task_done(), Ok(()));
    assert_eq!(tasks.task_done(), Ok(()));
    assert_eq!(tasks.task_done(), Err(TaskDoneError));
    assert_eq!(
        tasks.task_done(),
        Err(TaskDoneError),
        "the count stays at zero"
    );
    assert!(tasks.join_timeout(Duration::ZERO));
}

/// `join` returns only after every pushed job was marked done by a worker.
pub fn join_waits_for_every_task<F: Family>() {
    let mut q: F::Of<u32, 4> = TestQueue::new();
    let (p, c) = q.split();
    let processed = AtomicUsize::new(0);
    let jobs = scaled(2_000);
    let _armed = watchdog("join_waits_for_every_task");
    thread::scope(|s| {
        for c in handles(c, 3) {
            let processed = &processed;
            s.spawn(move || {
                while let Ok(_job) = c.pop() {
                    processed.fetch_add(1, Ordering::SeqCst);
                    tasks_of(&c).task_done().unwrap();
                }
            });
        }
        for job in 0..jobs {
            p.push(job as u32).unwrap();
        }
        tasks_of(&p).join();
        // Every worker counts its job before marking it done, so a join that returned early
        // would see fewer.
        assert_eq!(processed.load(Ordering::SeqCst), jobs);
        p.close();
    });
}

/// `join_timeout` runs out (never early) while a task is unfinished, and returns `true` as soon
/// as the last one is done.
pub fn join_timeout_reports_unfinished_tasks<F: Family>() {
    let mut q: F::Of<u32, 2> = TestQueue::new();
    let (p, c) = q.split();
    p.push(1).unwrap();
    let t = Duration::from_millis(60);
    let started = Instant::now();
    assert!(!tasks_of(&p).join_timeout(t));
    assert_waited_loosely(started.elapsed(), t);
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let joiner = s.spawn(move || tasks_of(&p).join_timeout(LONG));
        thread::sleep(Duration::from_millis(30)); // make "blocked" likely
        c.pop().unwrap();
        done.store(true, Ordering::SeqCst);
        tasks_of(&c).task_done().unwrap();
        assert!(joiner.join().unwrap());
        assert!(done.load(Ordering::SeqCst));
    });
}

// --- Shared queues (`MpmcQueue`, `PriorityQueue`, `LifoQueue`).

/// A `static` queue (of capacity 8) is used from several threads without `unsafe`.
pub fn a_static_queue_needs_no_unsafe<Q: Debug>(q: &'static Q)
where
    &'static Q: PushSide<u32> + PopSide<u32>,
{
    thread::scope(|s| {
        s.spawn(move || q.push(11).unwrap());
    });
    assert_eq!(q.pop(), Ok(11));
    assert!(format!("{q:?}").contains("capacity: 8"));
}

/// Emits the contract's tests, in a module `contract`, for the queue type `sync::$queue` of the
/// enclosing `for_each_backend!` module. `order` is the queue's pop order ([`Order`]); `parts`
/// adds `shared` (several threads use the queue itself) and `tasks` (task tracking).
#[macro_export]
macro_rules! queue_contract {
    (queue: $queue:ident, order: $order:ident, parts: [$($part:ident),* $(,)?]) => {
        mod contract {
            use $crate::common::queue_contract as contract;

            /// `sync::$queue` for every item type and capacity.
            struct Queue;
            impl contract::Family for Queue {
                const ORDER: contract::Order = contract::Order::$order;
                type Of<T: contract::Item, const N: usize> = super::sync::$queue<T, N>;
            }

            $crate::queue_contract!(@tests Queue: holds_exactly_n,
                producers_and_consumers_see_each_item_once, try_verbs_see_each_item_once,
                every_item_is_popped_or_dropped_exactly_once, close_wakes_blocked_poppers,
                close_wakes_blocked_pushers_and_hands_items_back,
                closed_and_full_reports_closed_without_blocking,
                closed_queue_drains_then_reports_closed,
                pushes_racing_close_are_either_refused_or_popped, timeouts_are_never_early,
                huge_timeouts_return_at_once_when_they_can,
                timed_calls_return_when_the_state_changes);
            $($crate::queue_contract!(@$part $queue);)*
        }
    };
    (@tests $family:ident: $($test:ident),* $(,)?) => {$(
        #[test]
        fn $test() {
            contract::$test::<$family>();
        }
    )*};
    (@tasks $queue:ident) => {
        $crate::queue_contract!(@tests Queue: task_done_counts_successful_pushes,
            join_waits_for_every_task, join_timeout_reports_unfinished_tasks);
    };
    (@shared $queue:ident) => {
        #[test]
        fn a_static_queue_needs_no_unsafe() {
            static Q: super::sync::$queue<u32, 8> = super::sync::$queue::new();
            contract::a_static_queue_needs_no_unsafe(&Q);
        }
    };
}
