//! An `SpscQueue` half is `Send` but not `Sync`: two threads cannot push through one `&Producer`
//! (its cached copy of the consumer's index is a `Cell`).

static Q: baresync::spin::SpscQueue<u8, 4> = baresync::spin::SpscQueue::new();

fn main() {
    let (producer, _consumer) = Q.try_split().unwrap();
    let producer = &producer;
    std::thread::scope(|s| {
        s.spawn(|| producer.try_push(1));
        s.spawn(|| producer.try_push(2));
    });
}
