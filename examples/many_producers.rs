//! Three producers and two consumers share one `MpmcQueue`; every item is consumed exactly once.
//!
//! Ports Python's many-producers/many-consumers `queue.Queue` pattern, with `Queue.shutdown()`
//! (3.13) instead of one sentinel per consumer:
//!
//! ```text
//! q = queue.Queue(maxsize=8)
//! producers = [Thread(target=produce, args=(q, p)) for p in range(3)]
//! consumers = [Thread(target=consume, args=(q,)) for c in range(2)]
//! ...start all...
//! for t in producers: t.join()
//! q.shutdown()               # consumers drain what is left, then get() raises ShutDown
//! for t in consumers: t.join()
//! ```
//!
//! The main thread waits for the three producers, then closes the queue. Each consumer pops until
//! `pop` returns `Err(Closed)`: the queue is closed *and* drained, so nothing is left behind.
//! Checked: the two consumers together saw every item exactly once (none lost, none duplicated),
//! and each consumer saw each producer's items in the order they were pushed (FIFO).
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::MpmcQueue;

const PRODUCERS: u32 = 3;
const CONSUMERS: u32 = 2;
/// Items pushed by each producer.
const PER_PRODUCER: u32 = 2_000;

/// The shared queue: small, so producers regularly block on a full queue and consumers on an
/// empty one.
static QUEUE: MpmcQueue<u32, 8> = MpmcQueue::new();

/// Item `i` of producer `p`: the producer number times 1 000 000, plus the sequence number.
fn item(producer: u32, i: u32) -> u32 {
    producer * 1_000_000 + i
}

/// Splits an item back into (producer, sequence number).
fn origin(item: u32) -> (u32, u32) {
    (item / 1_000_000, item % 1_000_000)
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;

    let seen: Vec<Vec<u32>> = thread::scope(|s| {
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                s.spawn(move || {
                    let mut seen = Vec::new();
                    while let Ok(item) = QUEUE.pop() {
                        seen.push(item);
                    }
                    println!(
                        "consumer {c}: queue closed and drained after {} items",
                        seen.len()
                    );
                    seen
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                s.spawn(move || {
                    for i in 0..PER_PRODUCER {
                        QUEUE
                            .push(item(p, i))
                            .expect("the queue closes after the producers");
                    }
                    println!("producer {p}: pushed {PER_PRODUCER} items");
                })
            })
            .collect();
        for producer in producers {
            producer.join().unwrap();
        }
        println!("main: every producer is done; closing the queue");
        QUEUE.close();
        consumers.into_iter().map(|c| c.join().unwrap()).collect()
    });

    // Each consumer sees each producer's items in push order.
    for (c, items) in seen.iter().enumerate() {
        let mut next_expected = [0; PRODUCERS as usize];
        for &it in items {
            let (p, i) = origin(it);
            assert!(
                i >= next_expected[p as usize],
                "consumer {c} saw producer {p}'s item {i} after a later one"
            );
            next_expected[p as usize] = i + 1;
        }
    }

    // Together they saw every item exactly once.
    let mut all: Vec<u32> = seen.concat();
    let total = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), total, "an item was consumed twice");
    let mut expected: Vec<u32> = (0..PRODUCERS)
        .flat_map(|p| (0..PER_PRODUCER).map(move |i| item(p, i)))
        .collect();
    expected.sort_unstable();
    assert_eq!(all, expected, "an item was lost");
    assert!(QUEUE.is_empty() && QUEUE.is_closed());

    let counts: Vec<usize> = seen.iter().map(Vec::len).collect();
    println!(
        "ok: {total} items from {PRODUCERS} producers, each consumed exactly once (per consumer: {counts:?})"
    );
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
