//! Regression (issue 17, defect 5): dropping a queue whose items' `Drop` panics must still drop
//! every later item exactly once, then resume the panic, as `Vec`, `VecDeque`, rtrb and crossbeam
//! do. Before the fix, the items after the panicking one leaked (Miri reported the leak).

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// An item that counts its drops and panics in `drop` when `bomb` is set.
struct Item {
    id: usize,
    bomb: bool,
    drops: Arc<Vec<AtomicU32>>,
}

impl Drop for Item {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::SeqCst);
        if self.bomb {
            panic!("item {} panics in drop", self.id);
        }
    }
}

const ITEMS: usize = 5;
/// Which item panics: not the first, not the last.
const BOMB: usize = 1;

fn items(drops: &Arc<Vec<AtomicU32>>) -> impl Iterator<Item = Item> + '_ {
    (0..ITEMS).map(|id| Item {
        id,
        bomb: id == BOMB,
        drops: drops.clone(),
    })
}

/// Every item was dropped exactly once.
fn assert_all_dropped_once(drops: &[AtomicU32]) {
    let counts: Vec<u32> = drops.iter().map(|d| d.load(Ordering::SeqCst)).collect();
    assert_eq!(counts, vec![1; ITEMS], "drops per item");
}

for_each_backend! {
    #[test]
    fn mpmc_queue_drops_the_rest_after_a_panicking_item() {
        let drops = Arc::new((0..ITEMS).map(|_| AtomicU32::new(0)).collect::<Vec<_>>());
        let queue = sync::MpmcQueue::<Item, 8>::new();
        // Wrap round the ring once, so the survivors straddle the end of the slot array.
        for _ in 0..6 {
            queue.try_push(Item { id: 0, bomb: false, drops: Arc::new(vec![AtomicU32::new(0)]) }).unwrap();
            drop(queue.try_pop().unwrap());
        }
        for item in items(&drops) {
            queue.try_push(item).unwrap();
        }
        let result = catch_unwind(AssertUnwindSafe(|| drop(queue)));
        assert!(result.is_err(), "the item's panic resumes after the queue is dropped");
        assert_all_dropped_once(&drops);
    }

    #[test]
    fn spsc_queue_drops_the_rest_after_a_panicking_item() {
        let drops = Arc::new((0..ITEMS).map(|_| AtomicU32::new(0)).collect::<Vec<_>>());
        let mut queue = sync::SpscQueue::<Item, 8>::new();
        {
            let (producer, consumer) = queue.split();
            for _ in 0..6 {
                producer.try_push(Item { id: 0, bomb: false, drops: Arc::new(vec![AtomicU32::new(0)]) }).unwrap();
                drop(consumer.try_pop().unwrap());
            }
            for item in items(&drops) {
                producer.try_push(item).unwrap();
            }
        }
        let result = catch_unwind(AssertUnwindSafe(|| drop(queue)));
        assert!(result.is_err(), "the item's panic resumes after the queue is dropped");
        assert_all_dropped_once(&drops);
    }
}
