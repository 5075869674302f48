//! `PriorityQueue` on every backend: the queue contract (`common::queue_contract`: capacity,
//! close, timeouts, drops, producers and consumers, task_done/join, popped greatest first), equal
//! items strictly in push order (also with concurrent producers), a stable reference model over
//! many operations, `Reverse`, auto traits; and a `cmp` that panics mid-sift.

mod common;

use std::cmp::{Ordering as CmpOrdering, Reverse};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use common::items::{Counted, Keyed, Rng, assert_each_dropped_once, drop_counters};
use common::scaled;

for_each_backend! {
    queue_contract! { queue: PriorityQueue, order: GreatestFirst, parts: [shared, tasks] }

    fn model<const N: usize>(seed: u32, keys: u32) {
        let q = sync::PriorityQueue::<Keyed, N>::new();
        let mut reference: Vec<Keyed> = Vec::new();
        let mut rng = Rng(seed);
        let mut seq = 0;
        for _ in 0..scaled(30_000) {
            if rng.next().is_multiple_of(2) {
                let job = Keyed { key: (rng.next() % keys) as u8, origin: 0, seq };
                seq += 1;
                let got = q.try_push(job);
                if reference.len() < N {
                    assert!(got.is_ok());
                    reference.push(job);
                } else {
                    assert!(got.unwrap_err().is_full());
                }
            } else {
                // The reference: the greatest key, and among those the earliest pushed.
                let best = reference
                    .iter()
                    .enumerate()
                    .max_by(|(ia, a), (ib, b)| a.key.cmp(&b.key).then(ib.cmp(ia)))
                    .map(|(i, _)| i);
                let expected = best.map(|i| reference.remove(i));
                let got = q.try_pop().ok();
                assert_eq!(got.map(|j| (j.key, j.seq)), expected.map(|j| (j.key, j.seq)));
            }
            assert_eq!(q.len(), reference.len());
        }
    }

    #[test]
    fn matches_a_stable_reference_model() {
        model::<1>(1, 3);
        model::<3>(2, 2);
        model::<7>(3, 4);
        model::<1000>(4, 5);
    }

    #[test]
    fn equal_items_keep_push_order_across_producers() {
        const P: usize = 4;
        const PER: usize = 250;
        let q = sync::PriorityQueue::<Keyed, 1000>::new();
        thread::scope(|s| {
            for origin in 0..P {
                let q = &q;
                s.spawn(move || {
                    let mut rng = Rng(origin as u32 + 1);
                    for seq in 0..PER {
                        let key = (rng.next() % 3) as u8;
                        q.push(Keyed { key, origin, seq }).unwrap();
                    }
                });
            }
        });
        let mut last_key = u8::MAX;
        let mut last_seq = [[None::<usize>; P]; 3];
        let mut count = 0;
        while let Ok(job) = q.try_pop() {
            assert!(job.key <= last_key, "greatest first");
            last_key = job.key;
            // Each producer pushed its jobs in `seq` order, so equal keys must pop that way.
            let slot = &mut last_seq[job.key as usize][job.origin];
            assert!(slot.is_none_or(|prev| prev < job.seq), "equal keys out of push order");
            *slot = Some(job.seq);
            count += 1;
        }
        assert_eq!(count, P * PER);
    }

    #[test]
    fn reverse_gives_lowest_first() {
        let q = sync::PriorityQueue::<Reverse<u32>, 4>::new();
        for x in [3, 1, 4, 2] {
            q.push(Reverse(x)).unwrap();
        }
        let order: Vec<u32> = (0..4).map(|_| q.pop().unwrap().0).collect();
        assert_eq!(order, [1, 2, 3, 4]);
    }

    #[test]
    fn auto_traits() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<sync::PriorityQueue<String, 4>>();
    }
}

/// Comparisons left before `Touchy::cmp` panics (`usize::MAX`: never).
static CMP_BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// A counted item whose `cmp` panics once `CMP_BUDGET` runs out.
struct Touchy(Counted);
impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}
impl Eq for Touchy {}
impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        let left = CMP_BUDGET.load(Ordering::Relaxed);
        if left == 0 {
            panic!("cmp ran out of budget");
        }
        if left != usize::MAX {
            CMP_BUDGET.store(left - 1, Ordering::Relaxed);
        }
        self.0.cmp(&other.0)
    }
}

/// A `cmp` that panics in the middle of a push's or a pop's sift loses no item and drops none
/// twice; the queue stays usable (its lock is released on unwind) and holds every item that was
/// not popped.
#[test]
fn a_panicking_cmp_loses_and_doubles_no_item() {
    const N: usize = 64;
    let drops = drop_counters(N + 1);
    let q = baresync::PriorityQueue::<Touchy, N>::new();
    let item = |id| {
        Touchy(Counted {
            id,
            drops: drops.clone(),
        })
    };
    for id in 0..N {
        assert!(q.try_push(item(id)).is_ok());
    }
    // Free a slot, then panic in the sift-up of a push of the greatest item.
    let top = q.try_pop().ok().map(|t| t.0.id);
    assert_eq!(top, Some(N - 1));
    CMP_BUDGET.store(2, Ordering::Relaxed);
    let pushed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.try_push(item(N))));
    assert!(pushed.is_err(), "the push must panic mid-sift");
    // Panic in the sift-down of a pop.
    CMP_BUDGET.store(3, Ordering::Relaxed);
    let popped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.try_pop().ok()));
    assert!(popped.is_err(), "the pop must panic mid-sift");
    CMP_BUDGET.store(usize::MAX, Ordering::Relaxed);
    // The panicking push stored its item before sifting; the panicking pop had taken the top
    // item out, which was dropped on unwind. Everything else is still in the queue.
    let mut left = 0;
    while q.try_pop().is_ok() {
        left += 1;
    }
    assert_eq!(
        left,
        N - 1,
        "every item that was not popped is still queued"
    );
    drop(q);
    assert_each_dropped_once(&drops);
}
