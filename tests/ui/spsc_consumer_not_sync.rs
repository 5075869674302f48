//! An `SpscQueue` consumer is `Send` but not `Sync`: two threads cannot pop through one
//! `&Consumer` (its cached copy of the producer's index is a `Cell`).

static Q: baresync::spin::SpscQueue<u8, 4> = baresync::spin::SpscQueue::new();

fn main() {
    let (_producer, consumer) = Q.try_split().unwrap();
    let consumer = &consumer;
    std::thread::scope(|s| {
        s.spawn(|| consumer.try_pop());
        s.spawn(|| consumer.try_pop());
    });
}
