//! `LifoQueue` on every backend: the queue contract (`common::queue_contract`: capacity, close,
//! timeouts, drops, producers and consumers, task_done/join, popped newest first), a stack model
//! over many operations, and its auto traits.

mod common;

use baresync::TryPushError;
use common::items::Rng;
use common::scaled;

for_each_backend! {
    queue_contract! { queue: LifoQueue, order: Lifo, parts: [shared, tasks] }

    fn model<const N: usize>(seed: u32) {
        let q = sync::LifoQueue::<u32, N>::new();
        let mut reference = Vec::new();
        let mut rng = Rng(seed);
        let mut next = 0;
        for _ in 0..scaled(50_000) {
            if rng.next().is_multiple_of(2) {
                let got = q.try_push(next);
                if reference.len() < N {
                    assert_eq!(got, Ok(()));
                    reference.push(next);
                } else {
                    assert_eq!(got, Err(TryPushError::Full(next)));
                }
                next += 1;
            } else {
                assert_eq!(q.try_pop().ok(), reference.pop());
            }
            assert_eq!(q.len(), reference.len());
        }
    }

    #[test]
    fn matches_a_stack_model() {
        model::<1>(1);
        model::<3>(2);
        model::<7>(3);
        model::<1000>(4);
    }

    #[test]
    fn auto_traits() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<sync::LifoQueue<String, 4>>();
    }
}
