//! A producer and a consumer joined by a FIFO queue, shut down by `close()`; then a bounded buffer.
//!
//! Ports Python's `queue.Queue` producer/consumer pattern, with `Queue.shutdown()` (3.13) in
//! place of a sentinel value, and the bounded buffer `Queue(maxsize=3)`:
//!
//! ```text
//! q = queue.Queue()                        # producer           # consumer
//!                                          for i in range(10):  while True:
//!                                              q.put(i)             try: item = q.get()
//!                                          q.shutdown()             except queue.ShutDown: break
//!                                                                   process(item)
//! buf = queue.Queue(maxsize=3)   # put() blocks while 3 items wait for a slow consumer
//! ```
//!
//! Part 1: the producer pushes `ITEMS` readings into an `SpscQueue` and closes it. The consumer
//! pops and processes them until `pop` returns `Err(Closed)`, which happens only once the queue is
//! closed *and* drained, so no item is lost. Checked: every item arrives, in order, the total is
//! right, and a push after `close` fails and hands the item back.
//!
//! Part 2: a fast producer and a slow consumer share a `MpmcQueue` of capacity 3. The producer
//! does not wait on its own, yet it cannot run more than 3 items ahead: `push` blocks while the
//! buffer is full. Checked: the items arrive in order, and the producer finished no earlier than
//! the consumer's pace allows (`ITEMS - 4` consumer delays), which it could only do by blocking.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::{MpmcQueue, SpscQueue};

/// How many items each part sends.
const ITEMS: u32 = 10;

/// Part 1: one producer, one consumer.
static READINGS: SpscQueue<u32, 4> = SpscQueue::new();
/// Part 2: the bounded buffer.
static BUFFER: MpmcQueue<u32, 3> = MpmcQueue::new();

/// What the consumer does with an item.
fn process(reading: u32) -> u32 {
    reading * reading
}

#[cfg(not(target_os = "none"))]
fn main() {
    use baresync::{Closed, TryPushError};
    use std::thread;
    use std::time::{Duration, Instant};

    // Part 1: shutdown by close() instead of a sentinel.
    println!("part 1: producer and consumer, shut down by close()");
    let (producer, consumer) = READINGS.try_split().expect("the queue is split only here");
    let (received, total) = thread::scope(|s| {
        s.spawn(move || {
            for reading in 0..ITEMS {
                producer
                    .push(reading)
                    .expect("nobody closes before the producer");
                println!("  producer: pushed {reading}");
            }
            producer.close();
            println!("  producer: closed the queue");
            // A closed queue refuses new items and hands them back.
            assert_eq!(producer.push(99), Err(Closed(99)));
            assert_eq!(producer.try_push(98), Err(TryPushError::Closed(98)));
        });
        let consumer = s.spawn(move || {
            let mut received = Vec::new();
            let mut total = 0;
            // `pop` blocks while the queue is empty and returns Err(Closed) only once it is
            // closed and drained: no sentinel needed.
            while let Ok(reading) = consumer.pop() {
                let result = process(reading);
                println!("  consumer: popped {reading}, processed -> {result}");
                received.push(reading);
                total += result;
            }
            println!("  consumer: queue closed and drained, stopping");
            assert_eq!(consumer.pop(), Err(Closed(())), "closed stays closed");
            (received, total)
        });
        consumer.join().unwrap()
    });
    let expected: Vec<u32> = (0..ITEMS).collect();
    assert_eq!(received, expected, "items lost, duplicated or out of order");
    assert_eq!(total, (0..ITEMS).map(process).sum::<u32>());
    assert!(READINGS.is_closed() && READINGS.is_empty());
    println!("part 1: {ITEMS} items received in order, total {total}");

    // Part 2: the bounded buffer.
    println!("part 2: bounded buffer of capacity {}", BUFFER.capacity());
    let delay = Duration::from_millis(15);
    let start = Instant::now();
    let (producer_done, received, blocked) = thread::scope(|s| {
        let producer = s.spawn(|| {
            let mut blocked = 0;
            for item in 0..ITEMS {
                // Try first, only to report when the buffer is full; `push` then waits.
                match BUFFER.try_push(item) {
                    Ok(()) => {}
                    Err(TryPushError::Full(item)) => {
                        blocked += 1;
                        println!("  producer: buffer full, blocking on item {item}");
                        BUFFER
                            .push(item)
                            .expect("nobody closes the buffer but the producer");
                    }
                    Err(TryPushError::Closed(_)) => unreachable!("the producer closes last"),
                }
                println!("  producer: pushed {item} (buffer holds {})", BUFFER.len());
            }
            BUFFER.close();
            (start.elapsed(), blocked)
        });
        let consumer = s.spawn(|| {
            let mut received = Vec::new();
            while let Ok(item) = BUFFER.pop() {
                println!("  consumer: got {item}, working slowly");
                received.push(item);
                thread::sleep(delay);
            }
            received
        });
        let (done, blocked) = producer.join().unwrap();
        (done, consumer.join().unwrap(), blocked)
    });
    assert_eq!(
        received,
        (0..ITEMS).collect::<Vec<_>>(),
        "the buffer lost or reordered items"
    );
    // Item i can only be pushed once item i - 3 has been popped, and the consumer pops item j no
    // sooner than j delays after it starts: the producer must have waited for it.
    let pace = delay * (ITEMS - 4);
    println!(
        "part 2: producer blocked {blocked} times and finished after {producer_done:?} \
         (the consumer's pace allows no sooner than {pace:?})"
    );
    assert!(
        producer_done >= pace,
        "the producer ran more than 3 items ahead of the consumer"
    );
    println!(
        "ok: close() shut the consumer down after the last item; push blocked on a full buffer"
    );
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
