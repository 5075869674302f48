//! `MpmcQueue` on every backend: the queue contract (`common::queue_contract`: capacity, close,
//! timeouts, drops, producers and consumers, task_done/join), a sequential FIFO model over many
//! laps, and its auto traits.

mod common;

use std::collections::VecDeque;

use baresync::TryPushError;
use common::items::Rng;
use common::scaled;

for_each_backend! {
    queue_contract! { queue: MpmcQueue, order: Fifo, parts: [shared, tasks] }

    fn model<const N: usize>(seed: u32) {
        let q = sync::MpmcQueue::<u32, N>::new();
        let mut reference = VecDeque::new();
        let mut rng = Rng(seed);
        let mut next = 0;
        // Under Miri `scaled` cuts the count: keep enough operations to wrap over many laps.
        for _ in 0..scaled(50_000).max(if N > 100 { 0 } else { 50 * N }) {
            if rng.next().is_multiple_of(2) {
                let got = q.try_push(next);
                if reference.len() < N {
                    assert_eq!(got, Ok(()));
                    reference.push_back(next);
                } else {
                    assert_eq!(got, Err(TryPushError::Full(next)));
                }
                next += 1;
            } else {
                assert_eq!(q.try_pop().ok(), reference.pop_front());
            }
            assert_eq!(q.len(), reference.len());
        }
        assert!(next > 10 * N as u32 || N > 100, "wrapped over many laps");
    }

    #[test]
    fn matches_a_fifo_model_over_many_laps() {
        model::<1>(1);
        model::<3>(2);
        model::<7>(3);
        model::<1000>(4);
    }

    #[test]
    fn auto_traits() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<sync::MpmcQueue<String, 4>>();
    }
}
