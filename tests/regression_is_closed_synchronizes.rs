//! Regression (issue 14, part 3): `is_closed` loaded `Relaxed`, so a thread that saw `true` after
//! the other side closed did not see what that side wrote before closing. ThreadSanitizer reported
//! the race every run on this port of rtrb's `no_race_with_is_abandoned` test (CI runs this file
//! under TSan, where a missing Acquire/Release pair is a reported data race).

mod common;

use std::cell::UnsafeCell;
use std::thread;

/// A value written by one thread and read by another without any synchronization of its own:
/// only the queue's close / `is_closed` pair orders the two accesses.
struct Unsynchronized(UnsafeCell<u64>);

// SAFETY: the tests access it from two threads, ordered only by the close / `is_closed` pair
// under test: the very thing ThreadSanitizer checks.
unsafe impl Sync for Unsynchronized {}

impl Unsynchronized {
    fn write(&self, value: u64) {
        // SAFETY: the only write, before the writer closes the queue.
        unsafe { *self.0.get() = value };
    }
    fn read(&self) -> u64 {
        // SAFETY: after `is_closed` returned true, which happens-after the write.
        unsafe { *self.0.get() }
    }
}

/// One thread writes, then closes (through `close`); the other waits for `is_closed`, then reads.
fn writes_before_close_are_seen(close: impl FnOnce() + Send, is_closed: impl Fn() -> bool) {
    let data = Unsynchronized(UnsafeCell::new(0));
    thread::scope(|s| {
        s.spawn(|| {
            data.write(42);
            close();
        });
        while !is_closed() {
            std::hint::spin_loop();
        }
        assert_eq!(data.read(), 42);
    });
}

for_each_backend! {
    #[test]
    fn spsc_is_closed_after_the_producer_drops() {
        let mut queue = sync::SpscQueue::<u8, 4>::new();
        let (producer, consumer) = queue.split();
        writes_before_close_are_seen(move || drop(producer), || consumer.is_closed());
    }

    #[test]
    fn spsc_is_closed_after_the_consumer_closes() {
        let mut queue = sync::SpscQueue::<u8, 4>::new();
        let (producer, consumer) = queue.split();
        writes_before_close_are_seen(move || consumer.close(), || producer.is_closed());
    }

    #[test]
    fn mpmc_queue_is_closed_after_close() {
        let queue = sync::MpmcQueue::<u8, 4>::new();
        writes_before_close_are_seen(|| queue.close(), || queue.is_closed());
    }

    #[test]
    fn priority_queue_is_closed_after_close() {
        let queue = sync::PriorityQueue::<u8, 4>::new();
        writes_before_close_are_seen(|| queue.close(), || queue.is_closed());
    }

    #[test]
    fn lifo_queue_is_closed_after_close() {
        let queue = sync::LifoQueue::<u8, 4>::new();
        writes_before_close_are_seen(|| queue.close(), || queue.is_closed());
    }
}
