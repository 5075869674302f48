//! Every queue under test behind one small interface, and the one transfer loop that moves items
//! through it: the criterion suite (`benches/queues.rs`) and the fair harness
//! (`benches/compare/`) measure the same code.
//!
//! A queue is seen through its ends: `TrySend`/`TryRecv` for the verbs that never block (a
//! caller loops and pauses after each failed attempt, see [`Pause`]), `BlockingSend`/
//! `BlockingRecv` for the verbs that wait. Each producer or consumer thread gets an end of its
//! own (an SPSC half, a clone of a channel end, or a reference to a shared queue).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Duration;

use baresync::generic::{Consumer, MpmcQueue, PriorityQueue, Producer, SpscQueue};
use baresync::wait::Wait;
use crossbeam_utils::Backoff;

use super::{Placement, run, spin};

/// The ends of a queue as a caller of the non-blocking verbs sees them.
pub trait TrySend {
    /// Hands the item back when the queue is full.
    fn try_send(&mut self, item: u64) -> Result<(), u64>;
}

/// See [`TrySend`].
pub trait TryRecv {
    /// `None` when the queue is empty.
    fn try_recv(&mut self) -> Option<u64>;
}

/// The ends of a queue as a caller of the blocking verbs sees them.
pub trait BlockingSend {
    fn send(&mut self, item: u64);
}

/// See [`BlockingSend`].
pub trait BlockingRecv {
    fn recv(&mut self) -> u64;
}

/// What a `try_` loop does after a failed attempt, and after a success.
pub trait Pause: Default {
    fn failed(&mut self);
    fn succeeded(&mut self) {}
}

/// The pause every spinning loop of this suite used first (`common::spin`): a `spin_loop` hint,
/// and a `yield_now` in place of every 64th one.
#[derive(Default)]
pub struct SpinHint(u32);

impl Pause for SpinHint {
    #[inline]
    fn failed(&mut self) {
        spin(&mut self.0);
    }
}

/// The loop users of `rtrb` and `ArrayQueue` write: `crossbeam_utils::Backoff`, one `snooze()`
/// after each failed attempt (spins of doubling length, then `yield_now`), `reset()` after each
/// success; the same as a new `Backoff` per item.
#[derive(Default)]
pub struct Snooze(Backoff);

impl Pause for Snooze {
    #[inline]
    fn failed(&mut self) {
        self.0.snooze();
    }
    #[inline]
    fn succeeded(&mut self) {
        self.0.reset();
    }
}

/// Sends the values `0..count`, pausing with `P` after each failed attempt.
#[inline]
pub fn send_all<P: Pause>(tx: &mut impl TrySend, count: u64) {
    let mut pause = P::default();
    for i in 0..count {
        let mut item = i;
        while let Err(back) = tx.try_send(item) {
            item = back;
            pause.failed();
        }
        pause.succeeded();
    }
}

/// Receives `count` items, pausing with `P` after each failed attempt, and returns their sum.
#[inline]
pub fn recv_all<P: Pause>(rx: &mut impl TryRecv, count: u64) -> u64 {
    let mut pause = P::default();
    let mut sum = 0;
    for _ in 0..count {
        loop {
            if let Some(item) = rx.try_recv() {
                sum += black_box(item);
                break;
            }
            pause.failed();
        }
        pause.succeeded();
    }
    sum
}

/// Producers and consumers of a transfer.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub producers: u64,
    pub consumers: u64,
}

impl Shape {
    pub const fn new(producers: u64, consumers: u64) -> Self {
        Shape {
            producers,
            consumers,
        }
    }

    /// The number of items a transfer of about `items` moves: a multiple of both counts.
    pub fn round(self, items: u64) -> u64 {
        let unit = self.producers * self.consumers;
        (items / unit).max(1) * unit
    }
}

/// Moves `items` integers (rounded by [`Shape::round`]) from the producers to the consumers and
/// returns the time from the moment every thread is ready until the last one finishes.
///
/// `txs` and `rxs` hold one end per producer and per consumer; thread `k` (producers first) is
/// pinned to core `k mod min(threads, cores)`, so one producer and one consumer per core on two
/// cores. `send(end, count)` sends the values `0..count`; `recv(end, count)` receives `count`
/// items and returns their sum, checked after the clock has stopped.
pub fn transfer<T: Send, R: Send>(
    shape: Shape,
    items: u64,
    txs: Vec<T>,
    rxs: Vec<R>,
    send: impl Fn(T, u64) + Sync,
    recv: impl Fn(R, u64) -> u64 + Sync,
) -> Duration {
    let Shape {
        producers,
        consumers,
    } = shape;
    assert_eq!((txs.len() as u64, rxs.len() as u64), (producers, consumers));
    let items = shape.round(items);
    let (per_producer, per_consumer) = (items / producers, items / consumers);
    let threads = (producers + consumers) as usize;
    let (elapsed, sum) = run_ends(
        Placement::Spread(threads),
        txs,
        rxs,
        |tx| send(tx, per_producer),
        |rx| recv(rx, per_consumer),
    );
    let expected = producers * (per_producer * (per_producer - 1) / 2);
    assert_eq!(sum, expected, "items lost or duplicated");
    elapsed
}

/// Runs one thread per end, producers first, placed by `placement`: `send(end)` for each of
/// `txs`, `recv(end)` for each of `rxs`. Returns the time from the moment every thread is ready
/// until the last one finishes, and the sum of what the `recv` calls returned.
pub fn run_ends<T: Send, R: Send>(
    placement: Placement,
    txs: Vec<T>,
    rxs: Vec<R>,
    send: impl Fn(T) + Sync,
    recv: impl Fn(R) -> u64 + Sync,
) -> (Duration, u64) {
    let producers = txs.len();
    // Each thread takes its own end once, before its loop: one uncontended lock per thread.
    let txs: Vec<_> = txs.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let rxs: Vec<_> = rxs.into_iter().map(|r| Mutex::new(Some(r))).collect();
    run(producers + rxs.len(), placement, |k| {
        if k < producers {
            send(take(&txs[k]));
            0
        } else {
            recv(take(&rxs[k - producers]))
        }
    })
}

/// Takes the end a slot holds; each slot is taken by exactly one thread.
fn take<E>(slot: &Mutex<Option<E>>) -> E {
    slot.lock().unwrap().take().expect("one end per thread")
}

/// [`transfer`] through the `try_` verbs, pausing with `P`.
pub fn try_transfer<P, T, R>(shape: Shape, items: u64, txs: Vec<T>, rxs: Vec<R>) -> Duration
where
    P: Pause,
    T: TrySend + Send,
    R: TryRecv + Send,
{
    transfer(
        shape,
        items,
        txs,
        rxs,
        |mut tx, n| send_all::<P>(&mut tx, n),
        |mut rx, n| recv_all::<P>(&mut rx, n),
    )
}

/// [`transfer`] through the blocking verbs.
pub fn blocking_transfer<T, R>(shape: Shape, items: u64, txs: Vec<T>, rxs: Vec<R>) -> Duration
where
    T: BlockingSend + Send,
    R: BlockingRecv + Send,
{
    transfer(
        shape,
        items,
        txs,
        rxs,
        |mut tx, n| (0..n).for_each(|i| tx.send(i)),
        |mut rx, n| (0..n).map(|_| black_box(rx.recv())).sum(),
    )
}

/// Sends `items` integers (rounded down to whole bursts) in bursts of `burst` through one queue
/// and waits for each burst to come back through a second, echoed by a thread on the other core:
/// the hand-off latency of the blocking verbs (`burst` 1) and that of short bursts, which a queue
/// that trades latency for streaming throughput would show. `client` holds the first queue's
/// sending end and the second's receiving end; `echo` the other two. A burst must fit in each
/// queue (at most its capacity), or both threads wait for room. Returns the time from the moment
/// both threads are ready until both finish; the client checks every item that comes back.
pub fn blocking_echo<T, R>(burst: u64, items: u64, client: (T, R), echo: (R, T)) -> Duration
where
    T: BlockingSend + Send,
    R: BlockingRecv + Send,
{
    assert!(burst >= 1, "a burst of at least one item");
    let rounds = (items / burst).max(1);
    let items = rounds * burst;
    let (elapsed, sum) = run_ends(
        Placement::Spread(2),
        vec![client],
        vec![echo],
        |(mut tx, mut rx)| {
            for round in 0..rounds {
                for i in 0..burst {
                    tx.send(round * burst + i);
                }
                for i in 0..burst {
                    assert_eq!(
                        black_box(rx.recv()),
                        round * burst + i,
                        "echoed out of order"
                    );
                }
            }
        },
        |(mut rx, mut tx)| {
            let mut sum = 0;
            for _ in 0..items {
                let item = rx.recv();
                sum += item;
                tx.send(item);
            }
            sum
        },
    );
    assert_eq!(sum, items * (items - 1) / 2, "items lost or duplicated");
    elapsed
}

// ---------------------------------------------------------------------------------------------
// The subjects: one function per queue and verb family, building the queue and transferring.

const ONE_TO_ONE: Shape = Shape::new(1, 1);

/// baresync `SpscQueue` of `N` items on backend `W`, `try_` verbs.
pub fn baresync_spsc_try<P: Pause, W: Wait, const N: usize>(items: u64) -> Duration {
    let mut queue = SpscQueue::<u64, N, W>::new();
    let (tx, rx) = queue.split();
    try_transfer::<P, _, _>(ONE_TO_ONE, items, vec![tx], vec![rx])
}

/// baresync `SpscQueue`, blocking verbs.
pub fn baresync_spsc_blocking<W: Wait, const N: usize>(items: u64) -> Duration {
    let mut queue = SpscQueue::<u64, N, W>::new();
    let (tx, rx) = queue.split();
    blocking_transfer(ONE_TO_ONE, items, vec![tx], vec![rx])
}

/// Two baresync `SpscQueue`s, blocking verbs, echoing bursts of `burst` ([`blocking_echo`]).
pub fn baresync_spsc_echo<W: Wait, const N: usize>(burst: u64, items: u64) -> Duration {
    let (mut there, mut back) = (SpscQueue::<u64, N, W>::new(), SpscQueue::<u64, N, W>::new());
    let ((tx_there, rx_there), (tx_back, rx_back)) = (there.split(), back.split());
    blocking_echo(burst, items, (tx_there, rx_back), (rx_there, tx_back))
}

/// baresync `MpmcQueue`, `try_` verbs.
pub fn baresync_mpmc_try<P: Pause, W: Wait, const N: usize>(shape: Shape, items: u64) -> Duration {
    let queue = MpmcQueue::<u64, N, W>::new();
    let (txs, rxs) = shared_ends(&queue, shape);
    try_transfer::<P, _, _>(shape, items, txs, rxs)
}

/// baresync `MpmcQueue`, blocking verbs.
pub fn baresync_mpmc_blocking<W: Wait, const N: usize>(shape: Shape, items: u64) -> Duration {
    let queue = MpmcQueue::<u64, N, W>::new();
    let (txs, rxs) = shared_ends(&queue, shape);
    blocking_transfer(shape, items, txs, rxs)
}

/// baresync `PriorityQueue`, blocking verbs.
pub fn baresync_priority<W: Wait, const N: usize>(shape: Shape, items: u64) -> Duration {
    let queue = PriorityQueue::<u64, N, W>::new();
    let (txs, rxs) = shared_ends(&queue, shape);
    blocking_transfer(shape, items, txs, rxs)
}

/// `rtrb::RingBuffer` of `capacity` items.
pub fn rtrb_try<P: Pause>(capacity: usize, items: u64) -> Duration {
    let (tx, rx) = rtrb::RingBuffer::<u64>::new(capacity);
    try_transfer::<P, _, _>(ONE_TO_ONE, items, vec![tx], vec![rx])
}

/// `heapless::spsc::Queue<u64, STORAGE>`, split: it holds `STORAGE - 1` items.
pub fn heapless_try<P: Pause, const STORAGE: usize>(items: u64) -> Duration {
    let mut queue = heapless::spsc::Queue::<u64, STORAGE>::new();
    let (tx, rx) = queue.split();
    try_transfer::<P, _, _>(ONE_TO_ONE, items, vec![tx], vec![rx])
}

/// `crossbeam_queue::ArrayQueue` of `capacity` items.
pub fn array_queue_try<P: Pause>(capacity: usize, shape: Shape, items: u64) -> Duration {
    let queue = crossbeam_queue::ArrayQueue::<u64>::new(capacity);
    let (txs, rxs) = shared_ends(&queue, shape);
    try_transfer::<P, _, _>(shape, items, txs, rxs)
}

/// `crossbeam_channel::bounded(capacity)`, blocking `send`/`recv`.
pub fn crossbeam_channel_blocking(capacity: usize, shape: Shape, items: u64) -> Duration {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(capacity);
    let txs = vec![tx; shape.producers as usize];
    let rxs = vec![rx; shape.consumers as usize];
    blocking_transfer(shape, items, txs, rxs)
}

/// Two `crossbeam_channel::bounded(capacity)` channels echoing bursts ([`blocking_echo`]).
pub fn crossbeam_channel_echo(capacity: usize, burst: u64, items: u64) -> Duration {
    let (tx_there, rx_there) = crossbeam_channel::bounded::<u64>(capacity);
    let (tx_back, rx_back) = crossbeam_channel::bounded::<u64>(capacity);
    blocking_echo(burst, items, (tx_there, rx_back), (rx_there, tx_back))
}

/// Two `std::sync::mpsc::sync_channel(capacity)` channels echoing bursts ([`blocking_echo`]).
pub fn std_sync_channel_echo(capacity: usize, burst: u64, items: u64) -> Duration {
    let (tx_there, rx_there) = std::sync::mpsc::sync_channel::<u64>(capacity);
    let (tx_back, rx_back) = std::sync::mpsc::sync_channel::<u64>(capacity);
    blocking_echo(burst, items, (tx_there, rx_back), (rx_there, tx_back))
}

/// `std::sync::mpsc::sync_channel(capacity)`, one producer and one consumer.
pub fn std_sync_channel_blocking(capacity: usize, items: u64) -> Duration {
    let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(capacity);
    blocking_transfer(ONE_TO_ONE, items, vec![tx], vec![rx])
}

/// A bounded blocking priority queue as a user of `std` or `parking_lot` writes it, blocking verbs.
pub fn heap_anchor<H: HeapAnchor>(capacity: usize, shape: Shape, items: u64) -> Duration {
    let heap = H::with_capacity(capacity);
    let (txs, rxs) = shared_ends(&heap, shape);
    blocking_transfer(shape, items, txs, rxs)
}

/// One reference to a shared queue per producer and per consumer.
fn shared_ends<Q: Sync>(queue: &Q, shape: Shape) -> (Vec<&Q>, Vec<&Q>) {
    (
        vec![queue; shape.producers as usize],
        vec![queue; shape.consumers as usize],
    )
}

// ---------------------------------------------------------------------------------------------
// The heap anchors of `PriorityQueue`

/// What a user of `std` or `parking_lot` writes for a bounded, blocking priority queue: a
/// `BinaryHeap` (allocated once, at full capacity) under a mutex, and two condvars.
pub trait HeapAnchor: Sync {
    fn with_capacity(capacity: usize) -> Self;
    fn push(&self, item: u64);
    fn pop(&self) -> u64;
}

pub struct StdHeap {
    heap: std::sync::Mutex<BinaryHeap<u64>>,
    not_empty: std::sync::Condvar,
    not_full: std::sync::Condvar,
    capacity: usize,
}

impl HeapAnchor for StdHeap {
    fn with_capacity(capacity: usize) -> Self {
        StdHeap {
            heap: std::sync::Mutex::new(BinaryHeap::with_capacity(capacity)),
            not_empty: std::sync::Condvar::new(),
            not_full: std::sync::Condvar::new(),
            capacity,
        }
    }
    fn push(&self, item: u64) {
        let guard = self.heap.lock().unwrap();
        let mut heap = self
            .not_full
            .wait_while(guard, |h| h.len() >= self.capacity)
            .unwrap();
        heap.push(item);
        drop(heap);
        self.not_empty.notify_one();
    }
    fn pop(&self) -> u64 {
        let guard = self.heap.lock().unwrap();
        let mut heap = self.not_empty.wait_while(guard, |h| h.is_empty()).unwrap();
        let item = heap.pop().unwrap();
        drop(heap);
        self.not_full.notify_one();
        item
    }
}

pub struct ParkingLotHeap {
    heap: parking_lot::Mutex<BinaryHeap<u64>>,
    not_empty: parking_lot::Condvar,
    not_full: parking_lot::Condvar,
    capacity: usize,
}

impl HeapAnchor for ParkingLotHeap {
    fn with_capacity(capacity: usize) -> Self {
        ParkingLotHeap {
            heap: parking_lot::Mutex::new(BinaryHeap::with_capacity(capacity)),
            not_empty: parking_lot::Condvar::new(),
            not_full: parking_lot::Condvar::new(),
            capacity,
        }
    }
    fn push(&self, item: u64) {
        let mut heap = self.heap.lock();
        self.not_full
            .wait_while(&mut heap, |h| h.len() >= self.capacity);
        heap.push(item);
        drop(heap);
        self.not_empty.notify_one();
    }
    fn pop(&self) -> u64 {
        let mut heap = self.heap.lock();
        self.not_empty.wait_while(&mut heap, |h| h.is_empty());
        let item = heap.pop().unwrap();
        drop(heap);
        self.not_full.notify_one();
        item
    }
}

/// An item and its sequence number: among equal items the earlier pushed is greater.
type StableEntry = (u64, Reverse<u64>);

/// The same anchor for a user who needs equal items in push order, as `PriorityQueue` gives:
/// entries `(item, Reverse(sequence number))`, the idiom of Python's `heapq` docs. Not a goal's
/// anchor (the issue names the plain heap); measured to show what that order costs.
pub struct ParkingLotStableHeap {
    /// The heap and the next sequence number.
    heap: parking_lot::Mutex<(BinaryHeap<StableEntry>, u64)>,
    not_empty: parking_lot::Condvar,
    not_full: parking_lot::Condvar,
    capacity: usize,
}

impl HeapAnchor for ParkingLotStableHeap {
    fn with_capacity(capacity: usize) -> Self {
        ParkingLotStableHeap {
            heap: parking_lot::Mutex::new((BinaryHeap::with_capacity(capacity), 0)),
            not_empty: parking_lot::Condvar::new(),
            not_full: parking_lot::Condvar::new(),
            capacity,
        }
    }
    fn push(&self, item: u64) {
        let mut guard = self.heap.lock();
        self.not_full
            .wait_while(&mut guard, |(h, _)| h.len() >= self.capacity);
        let (heap, seq) = &mut *guard;
        heap.push((item, Reverse(*seq)));
        *seq += 1;
        drop(guard);
        self.not_empty.notify_one();
    }
    fn pop(&self) -> u64 {
        let mut guard = self.heap.lock();
        self.not_empty.wait_while(&mut guard, |(h, _)| h.is_empty());
        let (item, _) = guard.0.pop().unwrap();
        drop(guard);
        self.not_full.notify_one();
        item
    }
}

// ---------------------------------------------------------------------------------------------
// The ends

impl<W: Wait, const N: usize> TrySend for Producer<'_, u64, N, W> {
    #[inline]
    fn try_send(&mut self, item: u64) -> Result<(), u64> {
        self.try_push(item).map_err(|e| e.into_inner())
    }
}

impl<W: Wait, const N: usize> TryRecv for Consumer<'_, u64, N, W> {
    #[inline]
    fn try_recv(&mut self) -> Option<u64> {
        self.try_pop().ok()
    }
}

impl<W: Wait, const N: usize> BlockingSend for Producer<'_, u64, N, W> {
    #[inline]
    fn send(&mut self, item: u64) {
        self.push(item).expect("never closed");
    }
}

impl<W: Wait, const N: usize> BlockingRecv for Consumer<'_, u64, N, W> {
    #[inline]
    fn recv(&mut self) -> u64 {
        self.pop().expect("never closed")
    }
}

impl<W: Wait, const N: usize> TrySend for &MpmcQueue<u64, N, W> {
    #[inline]
    fn try_send(&mut self, item: u64) -> Result<(), u64> {
        self.try_push(item).map_err(|e| e.into_inner())
    }
}

impl<W: Wait, const N: usize> TryRecv for &MpmcQueue<u64, N, W> {
    #[inline]
    fn try_recv(&mut self) -> Option<u64> {
        self.try_pop().ok()
    }
}

impl<W: Wait, const N: usize> BlockingSend for &MpmcQueue<u64, N, W> {
    #[inline]
    fn send(&mut self, item: u64) {
        self.push(item).expect("never closed");
    }
}

impl<W: Wait, const N: usize> BlockingRecv for &MpmcQueue<u64, N, W> {
    #[inline]
    fn recv(&mut self) -> u64 {
        self.pop().expect("never closed")
    }
}

impl<W: Wait, const N: usize> BlockingSend for &PriorityQueue<u64, N, W> {
    #[inline]
    fn send(&mut self, item: u64) {
        self.push(item).expect("never closed");
    }
}

impl<W: Wait, const N: usize> BlockingRecv for &PriorityQueue<u64, N, W> {
    #[inline]
    fn recv(&mut self) -> u64 {
        self.pop().expect("never closed")
    }
}

impl TrySend for rtrb::Producer<u64> {
    #[inline]
    fn try_send(&mut self, item: u64) -> Result<(), u64> {
        self.push(item).map_err(|rtrb::PushError::Full(back)| back)
    }
}

impl TryRecv for rtrb::Consumer<u64> {
    #[inline]
    fn try_recv(&mut self) -> Option<u64> {
        self.pop().ok()
    }
}

impl TrySend for heapless::spsc::Producer<'_, u64> {
    #[inline]
    fn try_send(&mut self, item: u64) -> Result<(), u64> {
        self.enqueue(item)
    }
}

impl TryRecv for heapless::spsc::Consumer<'_, u64> {
    #[inline]
    fn try_recv(&mut self) -> Option<u64> {
        self.dequeue()
    }
}

impl TrySend for &crossbeam_queue::ArrayQueue<u64> {
    #[inline]
    fn try_send(&mut self, item: u64) -> Result<(), u64> {
        self.push(item)
    }
}

impl TryRecv for &crossbeam_queue::ArrayQueue<u64> {
    #[inline]
    fn try_recv(&mut self) -> Option<u64> {
        self.pop()
    }
}

impl BlockingSend for crossbeam_channel::Sender<u64> {
    #[inline]
    fn send(&mut self, item: u64) {
        crossbeam_channel::Sender::send(self, item).expect("receiver alive");
    }
}

impl BlockingRecv for crossbeam_channel::Receiver<u64> {
    #[inline]
    fn recv(&mut self) -> u64 {
        crossbeam_channel::Receiver::recv(self).expect("sender alive")
    }
}

impl BlockingSend for std::sync::mpsc::SyncSender<u64> {
    #[inline]
    fn send(&mut self, item: u64) {
        std::sync::mpsc::SyncSender::send(self, item).expect("receiver alive");
    }
}

impl BlockingRecv for std::sync::mpsc::Receiver<u64> {
    #[inline]
    fn recv(&mut self) -> u64 {
        std::sync::mpsc::Receiver::recv(self).expect("sender alive")
    }
}

impl<H: HeapAnchor> BlockingSend for &H {
    #[inline]
    fn send(&mut self, item: u64) {
        self.push(item);
    }
}

impl<H: HeapAnchor> BlockingRecv for &H {
    #[inline]
    fn recv(&mut self) -> u64 {
        self.pop()
    }
}
