//! Items and generators for the queue tests: a deterministic xorshift generator and an item that
//! counts its own drops, to catch lost and doubled items.

use std::cmp::Ordering as CmpOrdering;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// A xorshift generator: deterministic operation sequences without a dependency.
pub struct Rng(pub u32);

impl Rng {
    pub fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// An item that records its own drop in a per-id counter, to catch lost and doubled drops.
/// Ordered by id, so a priority queue can hold it.
pub struct Counted {
    pub id: usize,
    pub drops: Arc<Vec<AtomicU32>>,
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Counted {}
impl PartialOrd for Counted {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Counted {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.id.cmp(&other.id)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

/// One drop counter per item id.
pub fn drop_counters(n: usize) -> Arc<Vec<AtomicU32>> {
    Arc::new((0..n).map(|_| AtomicU32::new(0)).collect())
}

/// Every item was dropped exactly once.
pub fn assert_each_dropped_once(drops: &[AtomicU32]) {
    for (id, d) in drops.iter().enumerate() {
        assert_eq!(
            d.load(Ordering::SeqCst),
            1,
            "item {id} dropped {} times",
            d.load(Ordering::SeqCst)
        );
    }
}
